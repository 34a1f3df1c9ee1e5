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
 * per field.
 *
 * Inputs the user vouches for (AK, EK, nonce, selection, qualified
 * signer) that cannot be read are usage/I/O errors (exit 2). Evidence
 * (attestation data, signature, PCR values) that is malformed is a
 * failed check (exit 1), so a damaged bundle member is reported like a
 * forged one.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bytes.h"
#include "format/err.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/pcr_set.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"
#include "verify/cmd.h"
#include "verify/report.h"
#include "verify/show.h"

/* Longest nonce or qualified signer we take (a TPM2B_DATA holds 64, a
 * Name 66; longer values cannot match and are refused as input). */
#define QUOTE_NONCE_MAX 1024
#define QUOTE_HEX_LINE_MAX (2 * QUOTE_NONCE_MAX + 1)

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

static void
hex_of(const uint8_t *b, size_t n, char *out, size_t cap)
{
	if (2 * n + 1 > cap)
		n = (cap - 1) / 2;
	hex_encode(b, n, out);
}


static const char *
attest_type_name(uint16_t type)
{
	switch (type) {
	case TPM2_ST_ATTEST_NV: return "TPM_ST_ATTEST_NV";
	case TPM2_ST_ATTEST_COMMAND_AUDIT: return "TPM_ST_ATTEST_COMMAND_AUDIT";
	case TPM2_ST_ATTEST_SESSION_AUDIT: return "TPM_ST_ATTEST_SESSION_AUDIT";
	case TPM2_ST_ATTEST_CERTIFY: return "TPM_ST_ATTEST_CERTIFY";
	case TPM2_ST_ATTEST_QUOTE: return "TPM_ST_ATTEST_QUOTE";
	case TPM2_ST_ATTEST_TIME: return "TPM_ST_ATTEST_TIME";
	case TPM2_ST_ATTEST_CREATION: return "TPM_ST_ATTEST_CREATION";
	}
	return "not an attestation tag";
}

static void
check_parse(struct report *r, const struct quote_ctx *q)
{
	if (q->parsed)
		report_ok(r, "quote.attest-parse", "%s, %zu bytes signed",
		    tpm_attest_format_name(q->attest.format), q->body_len);
	else
		report_fail(r, "quote.attest-parse", "%s", q->attest_err.msg);
}

/* Magic and type come from the bytes, so they are judged even when the
 * structure does not parse. */
static void
check_magic_type(struct report *r, const struct quote_ctx *q)
{
	uint32_t magic;
	uint16_t type;

	if (q->body_len < TPM_ATTEST_HEADER_BYTES) {
		report_fail(r, "quote.magic", "attestation data too short "
		    "(%zu bytes)", q->body_len);
		report_fail(r, "quote.type", "attestation data too short "
		    "(%zu bytes)", q->body_len);
		return;
	}
	magic = load_be32(q->body + TPM_ATTEST_MAGIC_OFFSET);
	type = load_be16(q->body + TPM_ATTEST_TYPE_OFFSET);
	if (magic == TPM2_GENERATED_VALUE)
		report_ok(r, "quote.magic", "0x%08" PRIx32
		    " (TPM_GENERATED_VALUE)", magic);
	else
		report_fail(r, "quote.magic", "magic is 0x%08" PRIx32 ", not "
		    "0x%08x (TPM_GENERATED_VALUE): not made by a TPM", magic,
		    TPM2_GENERATED_VALUE);
	if (type == TPM2_ST_ATTEST_QUOTE)
		report_ok(r, "quote.type", "0x%04x (TPM_ST_ATTEST_QUOTE)", type);
	else
		report_fail(r, "quote.type", "type is 0x%04x (%s), not 0x%04x "
		    "(TPM_ST_ATTEST_QUOTE)", type, attest_type_name(type),
		    TPM2_ST_ATTEST_QUOTE);
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
check_signature(struct report *r, const struct quote_ctx *q)
{
	struct errbuf e;
	char desc[32];

	if (!q->sig_ok) {
		report_fail(r, "quote.signature", "%s", q->sig_err.msg);
		return;
	}
	if (q->body_len == 0) {
		report_fail(r, "quote.signature", "no attestation data to "
		    "verify");
		return;
	}
	tpm_signature_describe(&q->sig, desc, sizeof(desc));
	if (tpm_signature_verify(q->ak.pkey, q->ak.has_tpm ? &q->ak.tpm.pub :
	    NULL, &q->sig, q->body, q->body_len, &e) == 0)
		report_ok(r, "quote.signature", "%s", desc);
	else
		report_fail(r, "quote.signature", "%s", e.msg);
}

static void
check_nonce(struct report *r, const struct quote_ctx *q)
{
	char got[2 * sizeof(q->attest.att.extraData.buffer) + 1];
	char want[QUOTE_HEX_LINE_MAX];
	const TPM2B_DATA *x = &q->attest.att.extraData;

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
	if (x->size == q->nonce_len &&
	    memcmp(x->buffer, q->nonce, q->nonce_len) == 0) {
		report_ok(r, "quote.nonce", "extraData equals the %zu-byte "
		    "nonce", q->nonce_len);
		return;
	}
	hex_of(x->buffer, x->size, got, sizeof(got));
	hex_of(q->nonce, q->nonce_len, want, sizeof(want));
	report_fail(r, "quote.nonce", "extraData '%s' (%u bytes) is not the "
	    "nonce '%s' (%zu bytes)", got, x->size, want, q->nonce_len);
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
	char spec[TPM_SELECTION_SPEC_MAX];
	struct errbuf e;

	if (!is_quote(r, q, "quote.selection"))
		return;
	if (!q->have_selection) {
		report_skip(r, "quote.selection", "no --selection given: the "
		    "signed selection is printed below");
		return;
	}
	tpm_selection_format(&q->attest.att.attested.quote.pcrSelect, spec,
	    sizeof(spec));
	if (tpm_selection_compare(&q->attest.att.attested.quote.pcrSelect,
	    &q->selection, &e) == 0)
		report_ok(r, "quote.selection", "%s", spec);
	else
		report_fail(r, "quote.selection", "signed %s: %s", spec, e.msg);
}

static void
check_pcr_digest(struct report *r, const struct quote_ctx *q)
{
	const TPM2B_DIGEST *d = &q->attest.att.attested.quote.pcrDigest;
	const TPML_PCR_SELECTION *sel = &q->attest.att.attested.quote.pcrSelect;
	char got[2 * sizeof(d->buffer) + 1], want[2 * HASHALG_MAX_SIZE + 1];
	uint8_t digest[HASHALG_MAX_SIZE];
	const struct hashalg *h;
	struct errbuf e;
	size_t n;

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
	h = q->sig_ok ? tpm_signature_hash(&q->sig) : NULL;
	if (h == NULL) {
		report_skip(r, "quote.pcr-digest", "the signing scheme's hash "
		    "is unknown (no usable signature)");
		return;
	}
	if (pcr_set_digest(&q->pcrs, sel, h, digest, &n, &e) != 0) {
		report_fail(r, "quote.pcr-digest", "%s", e.msg);
		return;
	}
	hex_of(d->buffer, d->size, got, sizeof(got));
	hex_of(digest, n, want, sizeof(want));
	if (d->size == n && memcmp(d->buffer, digest, n) == 0)
		report_ok(r, "quote.pcr-digest", "%s of the selected values "
		    "(%s)", h->name, pcr_file_format_name(q->pcrs_format));
	else
		report_fail(r, "quote.pcr-digest", "pcrDigest %s is not %s of "
		    "the given values (%s)", got[0] ? got : "(empty)", h->name,
		    want);
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
	const TPM2B_NAME *qs = &q->attest.att.qualifiedSigner;
	char got[2 * sizeof(qs->name) + 1], want[QUOTE_HEX_LINE_MAX];
	struct tpm_name qn;
	const uint8_t *w;
	struct errbuf e;
	size_t wn;

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
	if (q->have_ek) {
		if (ak_qn_under_ek(q, &qn, &e) != 0) {
			report_fail(r, "quote.qualified-signer", "%s", e.msg);
			return;
		}
		w = qn.b;
		wn = qn.len;
	} else {
		w = q->qs;
		wn = q->qs_len;
	}
	hex_of(qs->name, qs->size, got, sizeof(got));
	hex_of(w, wn, want, sizeof(want));
	if (qs->size != wn || memcmp(qs->name, w, wn) != 0)
		report_fail(r, "quote.qualified-signer", "qualifiedSigner '%s' "
		    "is not %s '%s'", got, q->have_ek ? "the Qualified Name of "
		    "the AK as a child of the EK" : "the expected", want);
	else if (!q->have_ek)
		report_ok(r, "quote.qualified-signer", "%s", got);
	else if (q->ek_template == NULL)
		report_ok(r, "quote.qualified-signer", "%s: the AK is a child "
		    "of the EK", got);
	else
		report_ok(r, "quote.qualified-signer", "%s: the AK is a child "
		    "of the EK (EK public area from %s)", got, q->ek_template);
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
	check_magic_type(&r, q);
	check_ak_attributes(&r, q);
	check_signature(&r, q);
	check_nonce(&r, q);
	check_selection(&r, q);
	check_pcr_digest(&r, q);
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
