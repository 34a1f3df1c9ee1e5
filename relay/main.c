/*
 * main.c - dossier-relay(1): parse the command line and the config file,
 * install the signal handlers, run publish or subscribe, decide the exit
 * status (0 a clean stop, 2 a usage or I/O error).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format/escape.h"
#include "format/hex.h"
#include "relay/relay.h"

#define EXIT_STOPPED	0
#define EXIT_USAGE	2

static void
usage(FILE *f)
{
	fputs("usage: dossier-relay --broker mqtt[s]://HOST[:PORT] "
	    "[--config FILE] --fleet NAME\n"
	    "           [--protocol 3.1.1|5] [--client-id ID] "
	    "publish KIND SPOOL\n"
	    "       dossier-relay --broker mqtt[s]://HOST[:PORT] "
	    "[--config FILE] --fleet NAME\n"
	    "           [--protocol 3.1.1|5] [--client-id ID] "
	    "subscribe KIND SPOOL\n"
	    "           [--share GROUP] [--device HEX]\n"
	    "       dossier-relay --version | --help\n"
	    "KIND is challenge, evidence, results or ear. See dossier-relay(1).\n",
	    f);
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "dossier-relay: ");
	va_start(ap, fmt);
	esc_vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

static void
on_signal(int sig)
{
	(void)sig;
	relay_stop = 1;
}

static int
signals_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = SIG_IGN;
	return sigaction(SIGPIPE, &sa, NULL);
}

/*
 * A stable client id, so that a restarted relay resumes its session:
 * "dossier-" mode and kind letters, '-', 12 hex digits of SHA-256 over the
 * host name, fleet, mode, kind and the spool's absolute path.
 */
static int
default_client_id(struct relay_opts *o, struct errbuf *e)
{
	char host[256] = "", cwd[PATH_MAX] = "", buf[1024 + SPOOL_PATH_MAX];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	char hex[2 * 32 + 1];
	int n;

	gethostname(host, sizeof(host) - 1);
	if (o->spool_dir[0] != '/' && getcwd(cwd, sizeof(cwd)) == NULL)
		return err_set(e, "getcwd: %s", strerror(errno));
	n = snprintf(buf, sizeof(buf), "%s|%s|%d|%d|%s/%s", host, o->fleet,
	    (int)o->mode, (int)o->kind, cwd, o->spool_dir);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return err_set(e, "spool path too long");
	if (EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha256(), NULL) != 1)
		return err_openssl(e, "SHA-256");
	hex_encode(md, 6, hex);
	snprintf(o->client_id, sizeof(o->client_id), "dossier-%c%c-%s",
	    o->mode == RELAY_PUBLISH ? 'p' : 's', spool_kind_name(o->kind)[0],
	    hex);
	return 0;
}

static int
copy_arg(char *dst, size_t cap, const char *src, const char *what)
{
	if (strlen(src) >= cap)
		return fail("%s too long", what);
	strcpy(dst, src);
	return 0;
}

/* The device filter: 64 hex digits, kept in lowercase. */
static int
device_arg(struct relay_opts *o, const char *s)
{
	size_t i, n = strlen(s);
	uint8_t dev[32];

	if (n != RELAY_DEVICE_HEX || hex_decode(s, n, dev, sizeof(dev)) != 32)
		return fail("--device '%s': expected 64 hex digits", s);
	for (i = 0; i < n; i++)
		o->device[i] = (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' :
		    s[i];
	o->device[n] = '\0';
	return 0;
}

enum { OPT_BROKER = 1, OPT_CONFIG, OPT_FLEET, OPT_PROTOCOL, OPT_CLIENT_ID,
	OPT_SHARE, OPT_DEVICE, OPT_VERSION, OPT_HELP };

static const struct option long_opts[] = {
	{ "broker", required_argument, NULL, OPT_BROKER },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "fleet", required_argument, NULL, OPT_FLEET },
	{ "protocol", required_argument, NULL, OPT_PROTOCOL },
	{ "client-id", required_argument, NULL, OPT_CLIENT_ID },
	{ "share", required_argument, NULL, OPT_SHARE },
	{ "device", required_argument, NULL, OPT_DEVICE },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 },
};

struct cmdline {
	const char *broker, *config;
	bool version, help;
};

static int
parse_option(int ch, struct relay_opts *o, struct cmdline *cl)
{
	switch (ch) {
	case OPT_BROKER:
		cl->broker = optarg;
		return 0;
	case OPT_CONFIG:
		cl->config = optarg;
		return 0;
	case OPT_FLEET:
		return copy_arg(o->fleet, sizeof(o->fleet), optarg, "--fleet");
	case OPT_PROTOCOL:
		if (strcmp(optarg, "5") == 0)
			o->protocol = 5;
		else if (strcmp(optarg, "3.1.1") == 0)
			o->protocol = 4;
		else
			return fail("--protocol '%s': expected 3.1.1 or 5",
			    optarg);
		return 0;
	case OPT_CLIENT_ID:
		return copy_arg(o->client_id, sizeof(o->client_id), optarg,
		    "--client-id");
	case OPT_SHARE:
		return copy_arg(o->share, sizeof(o->share), optarg, "--share");
	case OPT_DEVICE:
		return device_arg(o, optarg);
	case OPT_VERSION:
		cl->version = true;
		return 0;
	case OPT_HELP:
		cl->help = true;
		return 0;
	}
	usage(stderr);
	return EXIT_USAGE;
}

static int
parse_positional(int argc, char **argv, struct relay_opts *o)
{
	if (argc - optind != 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[optind], "publish") == 0)
		o->mode = RELAY_PUBLISH;
	else if (strcmp(argv[optind], "subscribe") == 0)
		o->mode = RELAY_SUBSCRIBE;
	else
		return fail("unknown command '%s'", argv[optind]);
	if (spool_kind_by_name(argv[optind + 1], &o->kind) == -1)
		return fail("KIND '%s': expected challenge, evidence or "
		    "results", argv[optind + 1]);
	return copy_arg(o->spool_dir, sizeof(o->spool_dir), argv[optind + 2],
	    "SPOOL");
}

/* Checks across options, once everything is parsed. */
static int
check_opts(struct relay_opts *o, const struct cmdline *cl, struct errbuf *e)
{
	if (cl->broker == NULL)
		return err_set(e, "--broker is required");
	if (relay_broker_parse(cl->broker, o, e) == -1)
		return -1;
	if (o->fleet[0] == '\0')
		return err_set(e, "--fleet is required");
	if (relay_name_check(o->fleet, RELAY_FLEET_MAX, "--fleet", e) == -1)
		return -1;
	if (o->mode == RELAY_PUBLISH && (o->share[0] || o->device[0]))
		return err_set(e, "--share and --device are for subscribe");
	if (o->share[0] != '\0' && (relay_name_check(o->share,
	    RELAY_GROUP_MAX, "--share", e) == -1))
		return -1;
	if (o->share[0] != '\0' && o->protocol != 5)
		return err_set(e, "--share needs --protocol 5 (shared "
		    "subscriptions are MQTT 5)");
	if (cl->config != NULL &&
	    relay_config_load(cl->config, &o->cfg, e) == -1)
		return -1;
	if (!o->tls && (o->cfg.ca_file[0] != '\0' ||
	    o->cfg.cert_file[0] != '\0'))
		return err_set(e, "%s: TLS files are configured but the broker "
		    "URL is mqtt://, not mqtts://", cl->config);
	if (o->client_id[0] != '\0')
		return relay_name_check(o->client_id, RELAY_CLIENT_ID_MAX,
		    "--client-id", e);
	return default_client_id(o, e);
}

int
main(int argc, char **argv)
{
	struct cmdline cl = { 0 };
	struct relay_opts *o;
	struct errbuf e;
	int ch, rc;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return fail("%s", "out of memory");
	o->protocol = 5;
	relay_config_defaults(&o->cfg);
	/* GNU getopt permutes: options may follow "subscribe KIND SPOOL". */
	while ((ch = getopt_long(argc, argv, "", long_opts, NULL)) != -1)
		if ((rc = parse_option(ch, o, &cl)) != 0)
			goto out;
	rc = 0;
	if (cl.help || cl.version) {
		if (cl.help)
			usage(stdout);
		else
			printf("dossier-relay %s\n", DOSSIER_VERSION);
		goto out;
	}
	if ((rc = parse_positional(argc, argv, o)) != 0)
		goto out;
	if (check_opts(o, &cl, &e) == -1) {
		rc = fail("%s", e.msg);
		goto out;
	}
	if (signals_install() == -1) {
		rc = fail("sigaction: %s", strerror(errno));
		goto out;
	}
	if ((o->mode == RELAY_PUBLISH ? relay_publish(o, &e) :
	    relay_subscribe(o, &e)) == -1)
		rc = fail("%s", e.msg);
	else
		rc = EXIT_STOPPED;
out:
	explicit_bzero(o, sizeof(*o));
	free(o);
	return rc;
}
