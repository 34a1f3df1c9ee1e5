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
	const char *prefix;
	size_t len;
	unsigned n;
	uint8_t id[STORE_DEVICE_ID_LEN];
};

static int
match_device(const struct store_device *d, void *arg, struct errbuf *e)
{
	struct device_match *m = arg;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];

	(void)e;
	hex_encode(d->id, STORE_DEVICE_ID_LEN, hex);
	if (strncasecmp(hex, m->prefix, m->len) == 0) {
		if (m->n++ == 0)
			memcpy(m->id, d->id, STORE_DEVICE_ID_LEN);
	}
	return 0;
}

int
cmd_find_device(struct store *s, const char *cmd, const char *arg,
    uint8_t id[32])
{
	struct device_match m;
	struct errbuf e;
	size_t n = strlen(arg);

	if (n < 8 || n > 2 * STORE_DEVICE_ID_LEN ||
	    strspn(arg, "0123456789abcdefABCDEF") != n) {
		cmd_error("%s: device '%s': give its id in hex (at least 8 "
		    "digits of it)", cmd, arg);
		return -1;
	}
	memset(&m, 0, sizeof(m));
	m.prefix = arg;
	m.len = n;
	if (store_device_foreach(s, 0, match_device, &m, &e) == -1) {
		cmd_error("%s: %s", cmd, e.msg);
		return -1;
	}
	if (m.n != 1) {
		cmd_error("%s: device '%s': %s", cmd, arg, m.n == 0 ?
		    "no such device in the store" : "ambiguous prefix, give "
		    "more digits");
		return -1;
	}
	memcpy(id, m.id, STORE_DEVICE_ID_LEN);
	return 0;
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

