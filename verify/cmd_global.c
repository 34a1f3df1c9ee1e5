/*
 * cmd_global.c - options of dossier(1) that come before the subcommand
 * and are shared by the subcommands (see cmd.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "format/hex.h"
#include "verify/cmd.h"
#include "verify/store.h"
#include "verify/store_devices.h"

static const char *store_option;

void
cmd_set_store_option(const char *path)
{
	store_option = path;
}

const char *
cmd_store_path(void)
{
	return store_option;
}

/* How the store's path was chosen, for messages that name it. */
static const char *
store_path_origin(void)
{
	const char *env = getenv(STORE_ENV);

	if (store_option != NULL)
		return "given with --store";
	if (env != NULL && env[0] != '\0')
		return "from " STORE_ENV;
	return "the default: neither --store nor " STORE_ENV " was given";
}

/*
 * A store path that cannot be a store, said with how it was chosen and
 * what to do: a user who forgot --store is told to name the store, not to
 * create a second one. 0 when nothing is wrong yet (store_open() judges
 * the rest).
 */
static int
store_path_problem(const char *path, int mode)
{
	struct stat sb;

	if (lstat(path, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode))
			return 0;
		cmd_error("store %s (%s): is a directory; give the store's "
		    "file, e.g. %s/store.db", path, store_path_origin(), path);
		return -1;
	}
	if (errno != ENOENT || mode == STORE_CREATE_NEW ||
	    mode == STORE_OPEN_OR_CREATE)
		return 0;
	if (store_option != NULL)
		cmd_error("store %s (%s): no such file; give the path of an "
		    "existing store, or create one there with 'dossier "
		    "--store %s init'", path, store_path_origin(), path);
	else if (getenv(STORE_ENV) != NULL && getenv(STORE_ENV)[0] != '\0')
		cmd_error("store %s (%s): no such file; set " STORE_ENV " to "
		    "an existing store, or create one there with 'dossier "
		    "init'", path, store_path_origin());
	else
		cmd_error("store %s (%s): no such file; name your store with "
		    "--store PATH or " STORE_ENV "=PATH, or create one here "
		    "with 'dossier init'", path, store_path_origin());
	return -1;
}

int
cmd_store_open(int mode, struct store **out)
{
	char path[STORE_PATH_MAX];
	struct errbuf e;

	*out = NULL;
	if (store_resolve_path(store_option, path, sizeof(path), &e) == -1) {
		cmd_error("store: %s", e.msg);
		return -1;
	}
	if (store_path_problem(path, mode) == -1)
		return -1;
	if (store_open(path, (enum store_mode)mode, out, &e) == -1) {
		/* store_open() names the path itself. */
		cmd_error("%s", e.msg);
		return -1;
	}
	return 0;
}

struct device_match {
	const char *prefix;		/* NULL: arg is no id prefix */
	size_t len;
	size_t n;			/* candidates, ids[] up to the cap */
	uint8_t ids[STORE_FIND_MAX][STORE_DEVICE_ID_LEN];
};

/* Add id to the candidates unless it is one already. */
static void
add_candidate(struct device_match *m, const uint8_t *id)
{
	size_t i;

	for (i = 0; i < m->n && i < STORE_FIND_MAX; i++)
		if (memcmp(m->ids[i], id, STORE_DEVICE_ID_LEN) == 0)
			return;
	if (m->n < STORE_FIND_MAX)
		memcpy(m->ids[m->n], id, STORE_DEVICE_ID_LEN);
	m->n++;
}

static int
match_device(const struct store_device *d, void *arg, struct errbuf *e)
{
	struct device_match *m = arg;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];

	(void)e;
	hex_encode(d->id, STORE_DEVICE_ID_LEN, hex);
	if (strncasecmp(hex, m->prefix, m->len) == 0)
		add_candidate(m, d->id);
	return 0;
}

void
cmd_device_name(struct store *s, const uint8_t id[32], char *out, size_t cap)
{
	struct store_device_names n;
	struct errbuf e;
	bool found;

	/* A name is a courtesy to the reader: without one (or when the
	 * store cannot say) the id alone is shown. */
	out[0] = '\0';
	if (store_device_names_get(s, id, &n, &found, &e) == 0 && found)
		snprintf(out, cap, "%s", store_device_display(&n));
}

int
cmd_find_device(struct store *s, const char *cmd, const char *arg,
    uint8_t id[32])
{
	struct device_match m;
	struct errbuf e;
	char hex[2 * STORE_DEVICE_ID_LEN + 1], name[STORE_LABEL_MAX + 1];
	char list[ERRBUF_MAX / 2];
	size_t n = strlen(arg), i, k, off;
	bool by_label;

	memset(&m, 0, sizeof(m));
	if (n == 0) {
		cmd_error("%s: empty device name", cmd);
		return -1;
	}
	/* An operator's label is unique and chosen to be typed: it wins. */
	if (store_device_find_name(s, arg, m.ids, STORE_FIND_MAX, &m.n,
	    &by_label, &e) == -1) {
		cmd_error("%s: %s", cmd, e.msg);
		return -1;
	}
	if (!by_label && n >= 8 && n <= 2 * STORE_DEVICE_ID_LEN &&
	    strspn(arg, "0123456789abcdefABCDEF") == n) {
		m.prefix = arg;
		m.len = n;
		if (store_device_foreach(s, 0, match_device, &m, &e) == -1) {
			cmd_error("%s: %s", cmd, e.msg);
			return -1;
		}
	}
	if (m.n == 1) {
		memcpy(id, m.ids[0], STORE_DEVICE_ID_LEN);
		return 0;
	}
	if (m.n == 0) {
		cmd_error("%s: device '%s': no such device in the store (no "
		    "label, host name or id of at least 8 hex digits matches; "
		    "dossier devices lists them)", cmd, arg);
		return -1;
	}
	list[0] = '\0';
	for (i = 0, off = 0; i < m.n && i < STORE_FIND_MAX; i++) {
		hex_encode(m.ids[i], STORE_DEVICE_ID_LEN, hex);
		hex[16] = '\0';
		cmd_device_name(s, m.ids[i], name, sizeof(name));
		k = (size_t)snprintf(list + off, sizeof(list) - off, "%s%s%s%s%s",
		    i > 0 ? ", " : "", hex, name[0] != '\0' ? " (" : "", name,
		    name[0] != '\0' ? ")" : "");
		if (k >= sizeof(list) - off)
			break;
		off += k;
	}
	cmd_error("%s: device '%s' is ambiguous, %zu devices match: %s%s; "
	    "give more of the id or a label (dossier devices label)", cmd, arg,
	    m.n, list, i < m.n ? ", ..." : "");
	return -1;
}

/* "2026-01-31", "2026-01-31T12:00:00Z", "@1700000000" or "1700000000". */
int
cmd_parse_time(const char *s, time_t *out)
{
	struct tm tm, back;
	long long v;
	char *end;
	int n = 0;
	time_t t;

	if (*s == '@' || (*s != '\0' && strspn(s, "0123456789") == strlen(s))) {
		errno = 0;
		v = strtoll(s + (*s == '@'), &end, 10);
		if (errno != 0 || *end != '\0' || end == s + (*s == '@') ||
		    v < 0)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &n) != 3)
		return -1;
	if (s[n] == 'T' && sscanf(s + n, "T%2d:%2d:%2dZ", &tm.tm_hour,
	    &tm.tm_min, &tm.tm_sec) == 3 && strlen(s + n) == 10)
		n += 10;
	if (s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	back = tm;
	if ((t = timegm(&tm)) == (time_t)-1 || tm.tm_mday != back.tm_mday ||
	    tm.tm_mon != back.tm_mon || tm.tm_hour != back.tm_hour ||
	    tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return -1;
	*out = t;
	return 0;
}

