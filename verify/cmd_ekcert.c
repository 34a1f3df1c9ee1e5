/*
 * cmd_ekcert.c - dossier ekcert check: an EK certificate, its chain to the
 * manufacturer roots, and the TCG profile facts (see dossier-ekcert(1) and
 * format/ekcert.h).
 *
 *   dossier ekcert check [--roots PATH]... [--intermediates PATH]...
 *       [--at TIME] [--require-tpm-attributes] CERT
 *
 * Check lines: ekcert.parse, ekcert.chain, ekcert.validity, ekcert.eku,
 * ekcert.key-usage, ekcert.basic-constraints, ekcert.tpm-attributes; then
 * one "FIELD VALUE" line per printed field.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509v3.h>

#include "format/ekcert.h"
#include "format/err.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/x509_store.h"
#include "verify/cmd.h"
#include "verify/report.h"
#include "verify/show.h"

#define EKCERT_PATHS_MAX 64	/* --roots / --intermediates options */

struct check_args {
	const char *roots[EKCERT_PATHS_MAX];
	const char *intermediates[EKCERT_PATHS_MAX];
	size_t nroots, nintermediates;
	bool have_at;
	time_t at;
	bool require_tpm_attributes;	/* no SAN at all fails too */
	const char *cert_path;
};

static void
usage(FILE *f)
{
	fputs("usage: dossier ekcert check [--roots path]... "
	    "[--intermediates path]...\n"
	    "           [--at yyyy-mm-dd | --at @epoch] "
	    "[--require-tpm-attributes] cert\n", f);
}

static int
add_path(const char **list, size_t *n, const char *path, const char *opt)
{
	if (*n >= EKCERT_PATHS_MAX) {
		cmd_error("ekcert check: more than %d %s options",
		    EKCERT_PATHS_MAX, opt);
		return -1;
	}
	list[(*n)++] = path;
	return 0;
}

static enum outcome
parse_args(int argc, char **argv, struct check_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "roots", required_argument, NULL, 'r' },
		{ "intermediates", required_argument, NULL, 'i' },
		{ "at", required_argument, NULL, 't' },
		{ "require-tpm-attributes", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	*help = false;
	optind = 0;	/* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (add_path(a->roots, &a->nroots, optarg,
			    "--roots") != 0)
				return OUTCOME_ERROR;
			break;
		case 'i':
			if (add_path(a->intermediates, &a->nintermediates,
			    optarg, "--intermediates") != 0)
				return OUTCOME_ERROR;
			break;
		case 't':
			if (cmd_parse_time(optarg, &a->at) != 0) {
				cmd_error("ekcert check: --at '%s': expected "
				    "YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or "
				    "@SECONDS", optarg);
				return OUTCOME_ERROR;
			}
			a->have_at = true;
			break;
		case 'A':
			a->require_tpm_attributes = true;
			break;
		case 'h':
			*help = true;
			usage(stdout);
			return OUTCOME_HOLDS;
		default:
			usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (argc - optind != 1) {
		cmd_error("ekcert check: expected one certificate file");
		usage(stderr);
		return OUTCOME_ERROR;
	}
	a->cert_path = argv[optind];
	return OUTCOME_HOLDS;
}

static int
load_store(const struct check_args *a, struct x509_store *s)
{
	struct errbuf e;
	size_t i;

	if (x509_store_init(s, &e) != 0) {
		cmd_error("ekcert check: %s", e.msg);
		return -1;
	}
	for (i = 0; i < a->nroots; i++)
		if (x509_store_add_roots(s, a->roots[i], &e) != 0) {
			cmd_error("ekcert check: --roots %s", e.msg);
			return -1;
		}
	for (i = 0; i < a->nintermediates; i++)
		if (x509_store_add_intermediates(s, a->intermediates[i],
		    &e) != 0) {
			cmd_error("ekcert check: --intermediates %s", e.msg);
			return -1;
		}
	return 0;
}

/* --- checks --------------------------------------------------------------- */

static const char *
form_name(enum ekcert_form f)
{
	switch (f) {
	case EKCERT_FORM_NV_HEADER: return "tcg-nv-header";
	case EKCERT_FORM_OCTET_STRING: return "octet-string";
	case EKCERT_FORM_PEM: return "pem";
	default: return "der";
	}
}

static void
check_parse(struct report *r, const struct ekcert *c)
{
	const struct ekcert_container *k = &c->container;
	char header[64] = "", pad[128] = "";

	if (k->header_len > 0)
		snprintf(header, sizeof(header), " after a %zu-byte header",
		    k->header_len);
	if (k->pad_len > 0)
		snprintf(pad, sizeof(pad), "; trimmed %zu bytes of padding "
		    "(%zu x 0xff, %zu x 0x00) after the certificate",
		    k->pad_len, k->pad_ff, k->pad_00);
	report_ok(r, "ekcert.parse", "%s, %zu bytes%s%s", form_name(k->form),
	    k->der_len, header, pad);
}

static void
check_chain(struct report *r, const struct ekcert *c,
    const struct x509_store *s, const struct check_args *a)
{
	struct ekcert_chain ch;
	struct errbuf e;

	if (a->nroots == 0) {
		report_skip(r, "ekcert.chain", "no --roots given: the chain to "
		    "a manufacturer root was not verified");
		return;
	}
	if (ekcert_verify_chain(c, s, a->have_at ? &a->at : NULL, &ch,
	    &e) != 0) {
		report_fail(r, "ekcert.chain", "%s", e.msg);
		return;
	}
	if (!ch.verified) {
		report_fail(r, "ekcert.chain", "%s", ch.reason);
		return;
	}
	report_ok(r, "ekcert.chain", "%d certificate%s to '%s'%s", ch.length,
	    ch.length == 1 ? "" : "s", ch.anchor, ch.anchor_self_signed ? "" :
	    " (not self-signed: trusted as an anchor because it was given "
	    "with --roots)");
}

static void
check_validity(struct report *r, const struct ekcert *c,
    const struct check_args *a)
{
	const struct ekcert_facts *f = &c->facts;
	time_t at = a->have_at ? a->at : time(NULL);
	char when[32];

	ekcert_time_str(at, when, sizeof(when));
	switch (ekcert_validity_at(c, at)) {
	case 0:
		report_ok(r, "ekcert.validity", "%s to %s%s, checked at %s",
		    f->not_before, f->not_after,
		    f->never_expires ? " (no well-defined expiration)" : "",
		    when);
		break;
	case -1:
		report_fail(r, "ekcert.validity", "not valid before %s "
		    "(checked at %s)", f->not_before, when);
		break;
	case 1:
		report_fail(r, "ekcert.validity", "expired at %s (checked at "
		    "%s)", f->not_after, when);
		break;
	default:
		report_fail(r, "ekcert.validity", "unreadable validity period");
		break;
	}
}

static void
check_eku(struct report *r, const struct ekcert_facts *f)
{
	if (!f->has_eku)
		report_ok(r, "ekcert.eku", "absent (tolerated: many EK "
		    "certificates carry no extendedKeyUsage)");
	else if (f->eku_ek_certificate)
		report_ok(r, "ekcert.eku", "tcg-kp-EKCertificate (%s)",
		    EKCERT_OID_EKU_EK_CERT);
	else
		report_fail(r, "ekcert.eku", "extendedKeyUsage lists %s but "
		    "not tcg-kp-EKCertificate (%s)", f->eku_list,
		    EKCERT_OID_EKU_EK_CERT);
}

static const struct {
	uint32_t bit;
	const char *name;
} ku_names[] = {
	{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
	{ KU_NON_REPUDIATION, "nonRepudiation" },
	{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
	{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
	{ KU_KEY_AGREEMENT, "keyAgreement" },
	{ KU_KEY_CERT_SIGN, "keyCertSign" },
	{ KU_CRL_SIGN, "cRLSign" },
	{ KU_ENCIPHER_ONLY, "encipherOnly" },
	{ KU_DECIPHER_ONLY, "decipherOnly" },
};

static void
ku_list(uint32_t ku, char *out, size_t outlen)
{
	size_t i, used = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < sizeof(ku_names) / sizeof(ku_names[0]); i++) {
		if (!(ku & ku_names[i].bit))
			continue;
		n = snprintf(out + used, outlen - used, "%s%s",
		    used ? "," : "", ku_names[i].name);
		if (n < 0 || (size_t)n >= outlen - used)
			break;
		used += (size_t)n;
	}
	if (used == 0)
		snprintf(out, outlen, "none");
}

static void
check_key_usage(struct report *r, const struct ekcert_facts *f)
{
	char bits[160];
	uint32_t need;
	const char *need_name;

	if (f->key_type == EVP_PKEY_RSA) {
		need = KU_KEY_ENCIPHERMENT;
		need_name = "keyEncipherment";
	} else if (f->key_type == EVP_PKEY_EC) {
		need = KU_KEY_AGREEMENT;
		need_name = "keyAgreement";
	} else {
		report_fail(r, "ekcert.key-usage", "key type %s is neither "
		    "RSA nor ECC", f->key_desc);
		return;
	}
	if (!f->has_key_usage) {
		report_fail(r, "ekcert.key-usage", "no keyUsage extension "
		    "(an EK certificate for this key needs %s)", need_name);
		return;
	}
	ku_list(f->key_usage, bits, sizeof(bits));
	if (!(f->key_usage & need))
		report_fail(r, "ekcert.key-usage", "%s missing (keyUsage: %s)",
		    need_name, bits);
	else
		report_ok(r, "ekcert.key-usage", "%s", bits);
}

static void
check_basic_constraints(struct report *r, const struct ekcert_facts *f)
{
	if (!f->has_basic_constraints)
		report_ok(r, "ekcert.basic-constraints", "absent (not a CA)");
	else if (f->is_ca)
		report_fail(r, "ekcert.basic-constraints", "CA:TRUE: a CA "
		    "certificate is not an EK certificate");
	else
		report_ok(r, "ekcert.basic-constraints", "CA:FALSE");
}

/*
 * A certificate without any subjectAltName (Google's EK/AK CA) is an
 * ordinary EK certificate that does not name its TPM: reported, and
 * refused only when the operator asked for the attributes. A SAN that
 * lacks some of them is refused always (ekcert_tpm_attributes).
 */
static void
check_tpm_attributes(struct report *r, const struct ekcert_facts *f,
    bool require)
{
	char why[EKCERT_TPM_ATTRS_WHY_MAX];

	switch (ekcert_tpm_attributes(f, why, sizeof(why))) {
	case EKCERT_TPM_ATTRS_PRESENT:
		report_ok(r, "ekcert.tpm-attributes", "%s", why);
		break;
	case EKCERT_TPM_ATTRS_ABSENT:
		if (require)
			report_fail(r, "ekcert.tpm-attributes", "%s "
			    "(--require-tpm-attributes)", why);
		else
			report_ok(r, "ekcert.tpm-attributes", "absent (%s; "
			    "tolerated without --require-tpm-attributes)",
			    why);
		break;
	default:
		report_fail(r, "ekcert.tpm-attributes", "%s", why);
		break;
	}
}

static enum outcome
run_check(const struct check_args *a)
{
	struct x509_store store;
	struct ekcert c;
	struct report r;
	struct errbuf e;
	uint8_t *buf;
	size_t len;
	int rc;

	if (file_read(a->cert_path, EKCERT_INPUT_MAX, &buf, &len, &e) != 0) {
		cmd_error("ekcert check: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (load_store(a, &store) != 0) {
		x509_store_free(&store);
		free(buf);
		return OUTCOME_ERROR;
	}
	report_init(&r, stdout);
	rc = ekcert_parse(buf, len, &c, &e);
	free(buf);
	if (rc != 0) {
		report_fail(&r, "ekcert.parse", "%s: %s", a->cert_path, e.msg);
		x509_store_free(&store);
		return OUTCOME_FAILS;
	}
	check_parse(&r, &c);
	check_chain(&r, &c, &store, a);
	check_validity(&r, &c, a);
	check_eku(&r, &c.facts);
	check_key_usage(&r, &c.facts);
	check_basic_constraints(&r, &c.facts);
	check_tpm_attributes(&r, &c.facts, a->require_tpm_attributes);
	show_ekcert_facts(stdout, &c.facts);
	ekcert_free(&c);
	x509_store_free(&store);
	if (fflush(stdout) != 0) {
		cmd_error("ekcert check: writing the report failed");
		return OUTCOME_ERROR;
	}
	return r.failed > 0 ? OUTCOME_FAILS : OUTCOME_HOLDS;
}

enum outcome
cmd_ekcert(int argc, char **argv)
{
	struct check_args a;
	enum outcome o;
	bool help;

	if (argc < 2 || strcmp(argv[1], "check") != 0) {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			usage(stdout);
			return OUTCOME_HOLDS;
		}
		cmd_error("ekcert: expected the subcommand 'check'");
		usage(stderr);
		return OUTCOME_ERROR;
	}
	o = parse_args(argc - 1, argv + 1, &a, &help);
	if (o != OUTCOME_HOLDS || help)
		return o;
	return run_check(&a);
}
