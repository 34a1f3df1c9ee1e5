/*
 * cmd_quote.c - dossier quote check: every check of a TPM2_Quote that
 * needs no device history (see dossier-quote(1)).
 *
 *   dossier quote check --ak AKPUB --attest FILE --sig FILE
 *       [--sig-scheme SCHEME] [--nonce HEX | --nonce-file FILE]
 *       [--pcrs FILE] [--selection SPEC]
 *       [--ek EKPUB | --qualified-signer HEX]
 *
 * Checks, in this order, each with its own ok/FAIL/SKIP line:
 * quote.attest-parse, quote.magic, quote.type, quote.ak-attributes,
 * quote.signature, quote.nonce, quote.selection, quote.pcr-digest,
 * quote.qualified-signer. Then the decoded quote, one "name value" line
 * per field. All but quote.attest-parse and quote.ak-attributes are
 * verify/quote_checks.h's, which dossier verify runs too: the same words.
 *
 * Inputs the user vouches for (AK, EK, nonce, selection, qualified
 * signer) that cannot be read are usage/I/O errors (exit 2). Evidence
 * (attestation data, signature, PCR values) that is malformed is a
 * failed check (exit 1), so a damaged bundle member is reported like a
 * forged one.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/err.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/pcr_set.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"
#include "verify/cmd.h"
#include "verify/quote_checks.h"
#include "verify/report.h"
#include "verify/show.h"

/* Longest nonce or qualified signer we take (a TPM2B_DATA holds 64, a
 * Name 66; longer values cannot match and are refused as input). */
#define QUOTE_NONCE_MAX 1024

struct quote_args {
	const char *ak_path;
	const char *attest_path;
	const char *sig_path;
	const char *sig_scheme;
	const char *nonce_hex;
	const char *nonce_path;
	const char *pcrs_path;
	const char *selection;
	const char *ek_path;
	const char *qs_hex;
};

/* Everything a check needs, loaded before the first check line. */
struct quote_ctx {
	struct pubkey ak;
	bool have_ek;
	struct tpm_public ek;
	const char *ek_template;	/* non-NULL if the EK was an SPKI */

	/* attestation data */
	uint8_t *attest_file;
	size_t attest_file_len;
	const uint8_t *body;		/* the TPMS_ATTEST bytes signed */
	size_t body_len;
	bool parsed;
	struct tpm_attest attest;
	struct errbuf attest_err;

	/* signature */
	bool sig_ok;
	TPMT_SIGNATURE sig;
	struct errbuf sig_err;

	bool have_nonce;
	uint8_t nonce[QUOTE_NONCE_MAX];
	size_t nonce_len;

	bool have_pcrs;
	bool pcrs_ok;
	struct pcr_set pcrs;
	enum pcr_file_format pcrs_format;
	struct errbuf pcrs_err;

	bool have_selection;
	TPML_PCR_SELECTION selection;

	bool have_qs;
	uint8_t qs[QUOTE_NONCE_MAX];
	size_t qs_len;
};

static void
quote_usage(FILE *f)
{
	fputs("usage: dossier quote check --ak akpub --attest file --sig file\n"
	    "           [--sig-scheme scheme] [--nonce hex | --nonce-file file]\n"
	    "           [--pcrs file] [--selection spec]\n"
	    "           [--ek ekpub | --qualified-signer hex]\n", f);
}

static enum outcome
parse_quote_args(int argc, char **argv, struct quote_args *a, bool *help)
{
	static const struct option opts[] = {
		{ "ak", required_argument, NULL, 'a' },
		{ "attest", required_argument, NULL, 'm' },
		{ "sig", required_argument, NULL, 's' },
		{ "sig-scheme", required_argument, NULL, 'S' },
		{ "nonce", required_argument, NULL, 'n' },
		{ "nonce-file", required_argument, NULL, 'N' },
		{ "pcrs", required_argument, NULL, 'p' },
		{ "selection", required_argument, NULL, 'l' },
		{ "ek", required_argument, NULL, 'e' },
		{ "qualified-signer", required_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	*help = false;
	optind = 0;	/* glibc: full re-initialisation */
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'a': a->ak_path = optarg; break;
		case 'm': a->attest_path = optarg; break;
		case 's': a->sig_path = optarg; break;
		case 'S': a->sig_scheme = optarg; break;
		case 'n': a->nonce_hex = optarg; break;
		case 'N': a->nonce_path = optarg; break;
		case 'p': a->pcrs_path = optarg; break;
		case 'l': a->selection = optarg; break;
		case 'e': a->ek_path = optarg; break;
		case 'q': a->qs_hex = optarg; break;
		case 'h':
			quote_usage(stdout);
			*help = true;
			return OUTCOME_HOLDS;
		default:
			quote_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind != argc) {
		cmd_error("quote check: unexpected argument '%s'", argv[optind]);
		return OUTCOME_ERROR;
	}
	if (a->ak_path == NULL || a->attest_path == NULL ||
	    a->sig_path == NULL) {
		cmd_error("quote check: --ak, --attest and --sig are required");
		quote_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (a->nonce_hex != NULL && a->nonce_path != NULL) {
		cmd_error("quote check: give --nonce or --nonce-file, not both");
		return OUTCOME_ERROR;
	}
	if (a->ek_path != NULL && a->qs_hex != NULL) {
		cmd_error("quote check: give --ek or --qualified-signer, "
		    "not both");
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* --- loading ----------------------------------------------------------- */

static int
read_small(const char *path, size_t max, uint8_t **buf, size_t *len)
{
	struct errbuf e;

	if (file_read(path, max, buf, len, &e) != 0) {
		cmd_error("%s", e.msg);
		return -1;
	}
	return 0;
}

static int
load_ak(const char *path, struct quote_ctx *q)
{
	struct errbuf e;
	uint8_t *buf;
	size_t len;
	int rc = 0;

	if (read_small(path, FILEIO_MAX_SMALL, &buf, &len) != 0)
		return -1;
	if (pubkey_parse(buf, len, &q->ak, &e) != 0) {
		cmd_error("AK %s: %s", path, e.msg);
		rc = -1;
	}
	free(buf);
	return rc;
}

/* The EK as a TPM public area; an SPKI is completed with the TCG default
 * EK template for its key type. */
static int
load_ek(const char *path, struct quote_ctx *q)
{
	struct pubkey k;
	struct errbuf e;
	uint8_t *buf;
	size_t len;
	int rc = -1;

	if (read_small(path, FILEIO_MAX_SMALL, &buf, &len) != 0)
		return -1;
	if (pubkey_parse(buf, len, &k, &e) != 0) {
		cmd_error("EK %s: %s", path, e.msg);
		free(buf);
		return -1;
	}
	if (k.has_tpm) {
		q->ek = k.tpm;
		rc = 0;
	} else if (tpm_public_from_ek_pkey(k.pkey, &q->ek, &q->ek_template,
	    &e) == 0)
		rc = 0;
	else
		cmd_error("EK %s: %s", path, e.msg);
	q->have_ek = rc == 0;
	pubkey_free(&k);
	free(buf);
	return rc;
}

static int
load_attest(const char *path, struct quote_ctx *q)
{
	enum tpm_attest_format fmt;

	if (read_small(path, FILEIO_MAX_SMALL, &q->attest_file,
	    &q->attest_file_len) != 0)
		return -1;
	if (tpm_attest_locate(q->attest_file, q->attest_file_len, &q->body,
	    &q->body_len, &fmt, &q->attest_err) != 0) {
		q->body = q->attest_file;
		q->body_len = 0;
		err_prefix(&q->attest_err, "%s", path);
		return 0;
	}
	q->parsed = tpm_attest_parse(q->attest_file, q->attest_file_len,
	    &q->attest, &q->attest_err) == 0;
	if (!q->parsed)
		err_prefix(&q->attest_err, "%s", path);
	return 0;
}

static int
load_sig(const char *path, const char *scheme_name, struct quote_ctx *q)
{
	struct tpm_sig_scheme scheme;
	struct errbuf e;
	uint8_t *buf;
	size_t len;
	int rc;

	if (scheme_name != NULL &&
	    tpm_sig_scheme_parse(scheme_name, &scheme, &e) != 0) {
		cmd_error("--sig-scheme: %s", e.msg);
		return -1;
	}
	if (read_small(path, FILEIO_MAX_SMALL, &buf, &len) != 0)
		return -1;
	if (scheme_name != NULL)
		rc = tpm_signature_from_raw(&scheme, buf, len, &q->sig,
		    &q->sig_err);
	else
		rc = tpm_signature_parse(buf, len, &q->sig, &q->sig_err);
	q->sig_ok = rc == 0;
	if (!q->sig_ok)
		err_prefix(&q->sig_err, "%s", path);
	free(buf);
	return 0;
}

static int
decode_hex_arg(const char *opt, const char *hex, uint8_t *out, size_t *len)
{
	long n;

	n = hex_decode(hex, strlen(hex), out, QUOTE_NONCE_MAX);
	if (n < 0) {
		cmd_error("%s: not hex, or longer than %d bytes", opt,
		    QUOTE_NONCE_MAX);
		return -1;
	}
	*len = (size_t)n;
	return 0;
}

static int
load_nonce(const struct quote_args *a, struct quote_ctx *q)
{
	uint8_t *buf;
	size_t len;

	if (a->nonce_hex != NULL) {
		q->have_nonce = true;
		return decode_hex_arg("--nonce", a->nonce_hex, q->nonce,
		    &q->nonce_len);
	}
	if (a->nonce_path == NULL)
		return 0;
	if (read_small(a->nonce_path, QUOTE_NONCE_MAX, &buf, &len) != 0)
		return -1;
	memcpy(q->nonce, buf, len);
	q->nonce_len = len;
	q->have_nonce = true;
	free(buf);
	return 0;
}

static int
load_pcrs(const char *path, struct quote_ctx *q)
{
	uint8_t *buf;
	size_t len;

	if (read_small(path, PCR_FILE_MAX, &buf, &len) != 0)
		return -1;
	q->have_pcrs = true;
	q->pcrs_ok = pcr_set_parse(buf, len, &q->pcrs, &q->pcrs_format,
	    &q->pcrs_err) == 0;
	if (!q->pcrs_ok)
		err_prefix(&q->pcrs_err, "%s", path);
	free(buf);
	return 0;
}

static int
load_inputs(const struct quote_args *a, struct quote_ctx *q)
{
	struct errbuf e;

	if (load_ak(a->ak_path, q) != 0)
		return -1;
	if (a->ek_path != NULL) {
		if (!q->ak.has_tpm) {
			cmd_error("--ek: the AK's Qualified Name needs its TPM "
			    "public area (TPM2B_PUBLIC or TPMT_PUBLIC), but "
			    "%s is a %s", a->ak_path,
			    pubkey_format_name(q->ak.format));
			return -1;
		}
		if (load_ek(a->ek_path, q) != 0)
			return -1;
	}
	if (a->qs_hex != NULL) {
		if (decode_hex_arg("--qualified-signer", a->qs_hex, q->qs,
		    &q->qs_len) != 0)
			return -1;
		q->have_qs = true;
	}
	if (a->selection != NULL) {
		if (tpm_selection_from_spec(a->selection, &q->selection,
		    &e) != 0) {
			cmd_error("--selection: %s", e.msg);
			return -1;
		}
		q->have_selection = true;
	}
	if (load_nonce(a, q) != 0 ||
	    (a->pcrs_path != NULL && load_pcrs(a->pcrs_path, q) != 0) ||
	    load_sig(a->sig_path, a->sig_scheme, q) != 0 ||
	    load_attest(a->attest_path, q) != 0)
		return -1;
	return 0;
}

/* --- checks ------------------------------------------------------------ */

/*
 * The checks a bundle's quote also gets from dossier verify are those of
 * verify/quote_checks.h, on r's sink; only quote.attest-parse and
 * quote.ak-attributes (the AK file is the user's here, enrolled there)
 * and the SKIP lines for inputs not given are this command's own.
 */

static void
check_parse(struct report *r, const struct quote_ctx *q)
{
	if (q->parsed)
		report_ok(r, "quote.attest-parse", "%s, %zu bytes signed",
		    tpm_attest_format_name(q->attest.format), q->body_len);
	else
		report_fail(r, "quote.attest-parse", "%s", q->attest_err.msg);
}

static void
check_ak_attributes(struct report *r, const struct quote_ctx *q)
{
	struct errbuf e;

	if (!q->ak.has_tpm) {
		report_skip(r, "quote.ak-attributes", "the AK is a %s, which "
		    "carries no TPM attributes (give its TPM2B_PUBLIC)",
		    pubkey_format_name(q->ak.format));
		return;
	}
	if (tpm_public_check_ak(&q->ak.tpm, &e) == 0)
		report_ok(r, "quote.ak-attributes", "restricted signing key "
		    "bound to its TPM (%s)", pubkey_format_name(q->ak.format));
	else
		report_fail(r, "quote.ak-attributes", "%s", e.msg);
}

static void
check_nonce(struct report *r, const struct quote_ctx *q)
{
	if (!q->parsed) {
		report_skip(r, "quote.nonce", "the attestation data did not "
		    "parse");
		return;
	}
	if (!q->have_nonce) {
		report_skip(r, "quote.nonce", "no nonce given (--nonce or "
		    "--nonce-file): freshness not checked");
		return;
	}
	quote_check_nonce(&r->sink, &q->attest.att.extraData, q->nonce,
	    q->nonce_len, "the nonce", true);
}

/* Whether the quote-specific checks can run; SKIP line if not. */
static bool
is_quote(struct report *r, const struct quote_ctx *q, const char *check)
{
	if (!q->parsed) {
		report_skip(r, check, "the attestation data did not parse");
		return false;
	}
	if (q->attest.att.type != TPM2_ST_ATTEST_QUOTE) {
		report_skip(r, check, "the attestation data is not a quote");
		return false;
	}
	return true;
}

static void
check_selection(struct report *r, const struct quote_ctx *q)
{
	if (!is_quote(r, q, "quote.selection"))
		return;
	if (!q->have_selection) {
		report_skip(r, "quote.selection", "no --selection given: the "
		    "signed selection is printed below");
		return;
	}
	quote_check_selection(&r->sink,
	    &q->attest.att.attested.quote.pcrSelect, &q->selection);
}

static void
check_pcr_digest(struct report *r, const struct quote_ctx *q,
    const char *pcrs_path)
{
	char source[1024];	/* a path cut at about 1000 bytes */

	if (!is_quote(r, q, "quote.pcr-digest"))
		return;
	if (!q->have_pcrs) {
		report_skip(r, "quote.pcr-digest", "no PCR values given "
		    "(--pcrs): the PCR digest cannot be checked without them");
		return;
	}
	if (!q->pcrs_ok) {
		report_fail(r, "quote.pcr-digest", "%s", q->pcrs_err.msg);
		return;
	}
	snprintf(source, sizeof(source), "%s (%s)", pcrs_path,
	    pcr_file_format_name(q->pcrs_format));
	quote_check_pcr_digest(&r->sink, &q->attest.att.attested.quote,
	    &q->pcrs, source, q->sig_ok ? tpm_signature_hash(&q->sig) : NULL);
}

/* QN(AK) for an AK that is a child of the EK, the EK being a primary key
 * of the endorsement hierarchy. */
static int
ak_qn_under_ek(const struct quote_ctx *q, struct tpm_name *out,
    struct errbuf *e)
{
	struct tpm_name ek_name, ak_name, hier, ek_qn;

	tpm_hierarchy_qn(TPM2_RH_ENDORSEMENT, &hier);
	if (tpm_public_name(&q->ek, &ek_name, e) != 0)
		return err_prefix(e, "EK Name");
	if (tpm_public_name(&q->ak.tpm, &ak_name, e) != 0)
		return err_prefix(e, "AK Name");
	if (tpm_qualified_name(&hier, &ek_name, &ek_qn, e) != 0 ||
	    tpm_qualified_name(&ek_qn, &ak_name, out, e) != 0)
		return -1;
	return 0;
}

static void
check_qualified_signer(struct report *r, const struct quote_ctx *q)
{
	char what[160];
	struct tpm_name qn;
	struct errbuf e;

	if (!q->parsed) {
		report_skip(r, "quote.qualified-signer", "the attestation data "
		    "did not parse");
		return;
	}
	if (!q->have_ek && !q->have_qs) {
		report_skip(r, "quote.qualified-signer", "no --ek or "
		    "--qualified-signer given");
		return;
	}
	if (!q->have_ek) {
		quote_check_signer(&r->sink, &q->attest.att.qualifiedSigner,
		    q->qs, q->qs_len, "the expected name");
		return;
	}
	if (ak_qn_under_ek(q, &qn, &e) != 0) {
		report_fail(r, "quote.qualified-signer", "%s", e.msg);
		return;
	}
	snprintf(what, sizeof(what), "the Qualified Name of the AK as a "
	    "child of the EK%s%s%s", q->ek_template ? " (EK public area "
	    "from " : "", q->ek_template ? q->ek_template : "",
	    q->ek_template ? ")" : "");
	quote_check_signer(&r->sink, &q->attest.att.qualifiedSigner, qn.b,
	    qn.len, what);
}

/* --- decoded quote ----------------------------------------------------- */

static void
print_decoded(FILE *f, const struct quote_ctx *q)
{
	if (q->parsed)
		show_attest(f, &q->attest, q->sig_ok ? &q->sig : NULL);
}

static enum outcome
quote_check(int argc, char **argv)
{
	struct quote_args a;
	struct quote_ctx *q;
	struct report r;
	enum outcome rc;
	bool help;

	if ((rc = parse_quote_args(argc, argv, &a, &help)) != OUTCOME_HOLDS ||
	    help)
		return rc;
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		cmd_error("out of memory");
		return OUTCOME_ERROR;
	}
	pcr_set_init(&q->pcrs);
	if (load_inputs(&a, q) != 0) {
		rc = OUTCOME_ERROR;
		goto out;
	}
	report_init(&r, stdout);
	check_parse(&r, q);
	(void)quote_check_header(&r.sink, q->body, q->body_len);
	check_ak_attributes(&r, q);
	quote_check_signature(&r.sink, q->ak.pkey, q->ak.has_tpm ?
	    &q->ak.tpm.pub : NULL, q->sig_ok ? &q->sig : NULL, q->sig_err.msg,
	    q->body, q->body_len, NULL);
	check_nonce(&r, q);
	check_selection(&r, q);
	check_pcr_digest(&r, q, a.pcrs_path);
	check_qualified_signer(&r, q);
	print_decoded(stdout, q);
	rc = r.failed ? OUTCOME_FAILS : OUTCOME_HOLDS;
out:
	pubkey_free(&q->ak);
	free(q->attest_file);
	free(q);
	return rc;
}

enum outcome
cmd_quote(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return quote_check(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0)) {
		quote_usage(stdout);
		return OUTCOME_HOLDS;
	}
	quote_usage(stderr);
	return OUTCOME_ERROR;
}
