/* tpm_conn.c - see tpm_conn.h. */
#include "collect/tpm_conn.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <glob.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#define TCTI_NAME_MAX	64
#define TCTI_HOST_MAX	256

int
tpm_err(struct errbuf *e, const char *what, TSS2_RC rc)
{
	return err_set(e, "%s: %s (0x%x)", what, Tss2_RC_Decode(rc),
	    (unsigned)rc);
}

/* The value of key= in a "host=H,port=P" configuration, or def. */
static void
conf_value(const char *conf, const char *key, const char *def, char *out,
    size_t cap)
{
	size_t klen = strlen(key), n;
	const char *p = conf, *end;

	snprintf(out, cap, "%s", def);
	while (p != NULL && *p != '\0') {
		end = strchr(p, ',');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (n > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			snprintf(out, cap, "%.*s", (int)(n - klen - 1),
			    p + klen + 1);
			return;
		}
		p = end != NULL ? end + 1 : NULL;
	}
}

/* A TPM device node that the TCTI could not use: missing or forbidden. */
static void
explain_device(const char *path, char *out, size_t cap)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		snprintf(out, cap, "%s: %s (no TPM, or its driver is not "
		    "loaded: see ls /dev/tpm*)", path, strerror(errno));
	else if (access(path, R_OK | W_OK) == -1)
		snprintf(out, cap, "%s: %s (run as root, or as a member of the "
		    "group that owns it, often tss)", path, strerror(errno));
	else
		snprintf(out, cap, "%s exists and may be opened, but the TPM "
		    "behind it did not answer", path);
}

/* A simulator's TCP port that the TCTI could not use: refused or not. */
static void
explain_socket(const char *conf, char *out, size_t cap)
{
	char host[TCTI_HOST_MAX], port[16];
	struct addrinfo hints, *ai = NULL;
	int fd = -1, rc, err = 0;

	conf_value(conf, "host", "localhost", host, sizeof(host));
	conf_value(conf, "port", "2321", port, sizeof(port));
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0) {
		snprintf(out, cap, "%s port %s: %s", host, port,
		    gai_strerror(rc));
		return;
	}
	if ((fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol)) ==
	    -1 || connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		err = errno;
	if (fd != -1)
		close(fd);
	freeaddrinfo(ai);
	if (err != 0)
		snprintf(out, cap, "%s port %s: %s (is the simulator running, "
		    "e.g. swtpm socket --server type=tcp,port=%s "
		    "--ctrl type=tcp,port=%ld?)", host, port, strerror(err),
		    port, strtol(port, NULL, 10) + 1);
	else
		snprintf(out, cap, "%s port %s accepts connections but did not "
		    "answer as a TPM simulator (is its control port, the next "
		    "one, open too?)", host, port);
}

/* No TCTI of that name: say which ones the loader can find. */
static void
explain_unknown(const char *name, char *out, size_t cap)
{
	static const char pattern[] = "/usr/lib/*/libtss2-tcti-*.so.0";
	glob_t g;
	size_t i, used;
	const char *base, *p;

	used = (size_t)snprintf(out, cap, "no TCTI named '%s' is installed "
	    "(the loader looks for libtss2-tcti-%s.so.0); installed:", name,
	    name);
	if (glob(pattern, 0, NULL, &g) != 0) {
		snprintf(out + (used < cap ? used : cap - 1), cap - (used < cap ?
		    used : cap - 1), " none found");
		return;
	}
	for (i = 0; i < g.gl_pathc && used < cap; i++) {
		base = strstr(g.gl_pathv[i], "libtss2-tcti-") +
		    sizeof("libtss2-tcti-") - 1;
		if ((p = strstr(base, ".so")) == NULL)
			continue;
		used += (size_t)snprintf(out + used, cap - used, " %.*s",
		    (int)(p - base), base);
	}
	globfree(&g);
}

/*
 * Why tcti_conf could not be opened, as far as can be told from outside
 * libtss2, whose return codes say only "IO failure" for a missing device
 * and a refused port alike.
 */
static void
explain(const char *tcti_conf, char *out, size_t cap)
{
	char name[TCTI_NAME_MAX];
	const char *colon = strchr(tcti_conf, ':');
	const char *conf = colon != NULL ? colon + 1 : "";

	snprintf(name, sizeof(name), "%.*s", colon != NULL ?
	    (int)(colon - tcti_conf) : (int)strlen(tcti_conf), tcti_conf);
	if (strcmp(name, "device") == 0)
		explain_device(conf[0] != '\0' ? conf : "/dev/tpm0", out, cap);
	else if (strcmp(name, "swtpm") == 0 || strcmp(name, "mssim") == 0)
		explain_socket(conf, out, cap);
	else if (strcmp(name, "tabrmd") == 0)
		snprintf(out, cap, "the tpm2-abrmd service is not reachable on "
		    "D-Bus (systemctl status tpm2-abrmd)");
	else
		explain_unknown(name, out, cap);
}

int
tpm_conn_open(struct tpm_conn *c, const char *tcti_conf, struct errbuf *e)
{
	char why[ERRBUF_MAX / 2];
	TSS2_RC rc;

	memset(c, 0, sizeof(*c));
	rc = Tss2_TctiLdr_Initialize(tcti_conf, &c->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		c->tcti = NULL;
		explain(tcti_conf, why, sizeof(why));
		err_set(e, "cannot open the TCTI: %s (%s, 0x%x)", why,
		    Tss2_RC_Decode(rc), (unsigned)rc);
		return err_prefix(e, "TCTI '%s'", tcti_conf);
	}
	rc = Esys_Initialize(&c->esys, c->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		c->esys = NULL;
		tpm_conn_close(c);
		tpm_err(e, "cannot initialise ESAPI", rc);
		return err_prefix(e, "TCTI '%s'", tcti_conf);
	}
	return 0;
}

void
tpm_conn_close(struct tpm_conn *c)
{
	if (c->esys != NULL)
		Esys_Finalize(&c->esys);
	if (c->tcti != NULL)
		Tss2_TctiLdr_Finalize(&c->tcti);
	c->esys = NULL;
	c->tcti = NULL;
}
