/*
 * config.c - dossier-relay's config file, the broker URL and names.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "relay/relay.h"

void
relay_config_defaults(struct relay_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->keepalive = RELAY_KEEPALIVE_DEFAULT;
	cfg->session_expiry = RELAY_SESSION_EXPIRY_DEFAULT;
}

int
relay_name_check(const char *s, size_t max, const char *what,
    struct errbuf *e)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > max)
		return err_set(e, "%s must be 1 to %zu characters", what, max);
	for (i = 0; i < n; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' ||
		    ch == '-'))
			return err_set(e, "%s '%s': only letters, digits, "
			    "'.', '_' and '-' are allowed", what, s);
	}
	return 0;
}

/* Read the whole file (at most RELAY_CONFIG_MAX bytes) with its mode. */
static int
config_read(const char *path, char *buf, size_t cap, mode_t *mode,
    struct errbuf *e)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_set(e, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(e, "%s: not a regular file", path);
	}
	*mode = st.st_mode;
	while ((n = read(fd, buf + len, cap - len)) > 0) {
		len += (size_t)n;
		if (len == cap) {
			close(fd);
			return err_set(e, "%s: larger than %zu bytes", path,
			    cap - 1);
		}
	}
	close(fd);
	if (n == -1)
		return err_set(e, "%s: %s", path, strerror(errno));
	buf[len] = '\0';
	if (strlen(buf) != len)
		return err_set(e, "%s: contains a NUL byte", path);
	return 0;
}

static char *
trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' ||
	    end[-1] == '\r'))
		*--end = '\0';
	return s;
}

static int
config_int(const char *v, long lo, long hi, long *out, struct errbuf *e)
{
	char *end;
	long x;

	errno = 0;
	x = strtol(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi)
		return err_set(e, "'%s' is not a number from %ld to %ld", v,
		    lo, hi);
	*out = x;
	return 0;
}

/* Keys, each at most once; the index is the bit in the "seen" mask. */
static const char *const config_keys[] = {
	"username", "password", "ca_file", "cert_file", "key_file", "tcti",
	"keepalive", "session_expiry",
};

static int
config_set(struct relay_config *cfg, size_t key, const char *v,
    struct errbuf *e)
{
	char *dst[] = { cfg->username, cfg->password, cfg->ca_file,
	    cfg->cert_file, cfg->key_file, cfg->tcti };
	long x;

	if (key < sizeof(dst) / sizeof(dst[0])) {
		if (strlen(v) > RELAY_CONFIG_VALUE_MAX)
			return err_set(e, "value longer than %d bytes",
			    RELAY_CONFIG_VALUE_MAX);
		if (*v == '\0')
			return err_set(e, "empty value");
		strcpy(dst[key], v);
		return 0;
	}
	if (key == 6) {
		if (config_int(v, 5, 65535, &x, e) == -1)
			return -1;
		cfg->keepalive = (int)x;
		return 0;
	}
	if (config_int(v, 0, (long)UINT32_MAX, &x, e) == -1)
		return -1;
	cfg->session_expiry = (uint32_t)x;
	return 0;
}

static int
config_line(struct relay_config *cfg, char *line, unsigned *seen,
    struct errbuf *e)
{
	char *eq, *key, *val;
	size_t i;

	line = trim(line);
	if (*line == '\0' || *line == '#')
		return 0;
	if ((eq = strchr(line, '=')) == NULL)
		return err_set(e, "expected 'key = value'");
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (i = 0; i < sizeof(config_keys) / sizeof(config_keys[0]); i++)
		if (strcmp(key, config_keys[i]) == 0)
			break;
	if (i == sizeof(config_keys) / sizeof(config_keys[0]))
		return err_set(e, "unknown key '%s'", key);
	if (*seen & (1u << i))
		return err_set(e, "key '%s' given twice", key);
	*seen |= 1u << i;
	if (config_set(cfg, i, val, e) == -1)
		return err_prefix(e, "%s", key);
	return 0;
}

int
relay_config_load(const char *path, struct relay_config *cfg,
    struct errbuf *e)
{
	char *buf, *line, *next;
	unsigned seen = 0, lineno = 0;
	mode_t mode = 0;
	int rc = -1;

	relay_config_defaults(cfg);
	if ((buf = malloc(RELAY_CONFIG_MAX + 1)) == NULL)
		return err_set(e, "%s: out of memory", path);
	if (config_read(path, buf, RELAY_CONFIG_MAX + 1, &mode, e) == -1)
		goto out;
	for (line = buf; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		lineno++;
		if (config_line(cfg, line, &seen, e) == -1) {
			err_prefix(e, "%s:%u", path, lineno);
			goto out;
		}
	}
	if (cfg->password[0] != '\0' && (mode & S_IROTH)) {
		err_set(e, "%s: holds a password but others may read it "
		    "(chmod o-r)", path);
		goto out;
	}
	if (cfg->password[0] != '\0' && cfg->username[0] == '\0') {
		err_set(e, "%s: password without username", path);
		goto out;
	}
	if ((cfg->cert_file[0] != '\0') != (cfg->key_file[0] != '\0')) {
		err_set(e, "%s: cert_file and key_file go together", path);
		goto out;
	}
	if (relay_key_is_tpm(cfg) &&
	    cfg->key_file[strlen(RELAY_KEY_TPM_PREFIX)] == '\0') {
		err_set(e, "%s: key_file = " RELAY_KEY_TPM_PREFIX " names no "
		    "key: expected " RELAY_KEY_TPM_PREFIX "FILE.pem or "
		    RELAY_KEY_TPM_PREFIX "0x81xxxxxx", path);
		goto out;
	}
	if (cfg->tcti[0] != '\0' && !relay_key_is_tpm(cfg)) {
		err_set(e, "%s: tcti is only for a key held in a TPM "
		    "(key_file = " RELAY_KEY_TPM_PREFIX "...)", path);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(buf, RELAY_CONFIG_MAX + 1);
	free(buf);
	return rc;
}

bool
relay_key_is_tpm(const struct relay_config *cfg)
{
	return strncmp(cfg->key_file, RELAY_KEY_TPM_PREFIX,
	    strlen(RELAY_KEY_TPM_PREFIX)) == 0;
}

static int
broker_port(const char *s, int *port, struct errbuf *e)
{
	long x;

	if (config_int(s, 1, 65535, &x, e) == -1)
		return err_prefix(e, "port");
	*port = (int)x;
	return 0;
}

int
relay_broker_parse(const char *url, struct relay_opts *o, struct errbuf *e)
{
	const char *rest, *hend, *port = NULL;
	size_t hlen;

	if (strncmp(url, "mqtt://", 7) == 0) {
		o->tls = false;
		rest = url + 7;
	} else if (strncmp(url, "mqtts://", 8) == 0) {
		o->tls = true;
		rest = url + 8;
	} else
		return err_set(e, "broker '%s': expected mqtt://HOST:PORT or "
		    "mqtts://HOST:PORT", url);
	if (*rest == '[') {
		if ((hend = strchr(rest, ']')) == NULL)
			return err_set(e, "broker '%s': missing ']'", url);
		rest++;
		if (hend[1] == ':')
			port = hend + 2;
		else if (hend[1] != '\0')
			return err_set(e, "broker '%s': junk after ']'", url);
	} else {
		hend = strchr(rest, ':');
		if (hend == NULL)
			hend = rest + strlen(rest);
		else
			port = hend + 1;
	}
	hlen = (size_t)(hend - rest);
	if (hlen == 0 || hlen > RELAY_HOST_MAX || memchr(rest, '/', hlen))
		return err_set(e, "broker '%s': bad host", url);
	memcpy(o->host, rest, hlen);
	o->host[hlen] = '\0';
	o->port = o->tls ? 8883 : 1883;
	if (port != NULL && broker_port(port, &o->port, e) == -1)
		return err_prefix(e, "broker '%s'", url);
	return 0;
}
