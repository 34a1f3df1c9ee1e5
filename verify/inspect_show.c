/*
 * inspect_show.c - the decoders of dossier inspect (see inspect.h).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/ekcert.h"
#include "format/escape.h"
#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/ima_log.h"
#include "format/members.h"
#include "format/pcr_set.h"
#include "format/tpm_attest.h"
#include "format/tpm_public.h"
#include "format/tpm_sig.h"
#include "verify/inspect.h"
#include "verify/show.h"

void
inspect_time(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, cap, "%" PRId64, t);
}

static void
print_hex(FILE *f, const char *key, const uint8_t *b, size_t n)
{
	char hex[2 * COSE_KID_MAX + 1];

	fputs(key, f);
	fputc(' ', f);
	while (n > 0) {
		size_t k = n > COSE_KID_MAX ? COSE_KID_MAX : n;

		hex_encode(b, k, hex);
		fputs(hex, f);
		b += k;
		n -= k;
	}
	fputc('\n', f);
}

void
inspect_show_manifest(FILE *f, const struct manifest *m,
    const struct cose_sign1 *msg)
{
	const char *alg = cose_alg_name(msg->hdr.alg);
	char when[32], sha[65];
	size_t i;

	fprintf(f, "format %s %d\n", MANIFEST_FORMAT_NAME, MANIFEST_VERSION);
	fprintf(f, "kind %s\n", manifest_kind_name(m->kind));
	print_hex(f, "device-id", m->device_id, sizeof(m->device_id));
	print_hex(f, "ak-name", m->ak_name.b, m->ak_name.len);
	if (m->ak_location == MANIFEST_AK_EK_CHILD)
		print_hex(f, "ak-location ek-child", m->ek_name.b,
		    m->ek_name.len);
	else
		fprintf(f, "ak-location primary\n");
	if (m->has_challenge_id)
		print_hex(f, "challenge-id", m->challenge_id,
		    sizeof(m->challenge_id));
	else
		fprintf(f, "challenge-id -\n");
	inspect_time(m->created, when, sizeof(when));
	fprintf(f, "created %s\n", when);
	/* Text the collector wrote: shown escaped (format/escape.h). */
	fputs("collector ", f);
	esc_fputs(m->collector, ESC_FIELD, f);
	fputc('\n', f);
	for (i = 0; i < m->n_facts; i++) {
		fputs("fact ", f);
		esc_fputs(m->facts[i].key, ESC_FIELD, f);
		fputc(' ', f);
		esc_fputs(m->facts[i].value, ESC_FIELD, f);
		fputc('\n', f);
	}
	for (i = 0; i < m->n_members; i++) {
		hex_encode(m->members[i].sha256, 32, sha);
		fprintf(f, "member %s %" PRIu64 " %s %s\n",
		    m->members[i].name, m->members[i].size, sha,
		    m->members[i].media_type);
	}
	fprintf(f, "cose-alg %s\n", alg != NULL ? alg : "unknown");
	print_hex(f, "cose-kid", msg->hdr.kid, msg->hdr.kid_len);
	fputs("content-type ", f);
	esc_fputs(msg->hdr.content_type[0] != '\0' ? msg->hdr.content_type :
	    "-", ESC_FIELD, f);
	fputc('\n', f);
}

/* ---- TPM public areas ---------------------------------------------------- */

static const struct {
	TPMA_OBJECT bit;
	const char *name;
} object_attrs[] = {
	{ TPMA_OBJECT_FIXEDTPM, "fixedTPM" },
	{ TPMA_OBJECT_STCLEAR, "stClear" },
	{ TPMA_OBJECT_FIXEDPARENT, "fixedParent" },
	{ TPMA_OBJECT_SENSITIVEDATAORIGIN, "sensitiveDataOrigin" },
	{ TPMA_OBJECT_USERWITHAUTH, "userWithAuth" },
	{ TPMA_OBJECT_ADMINWITHPOLICY, "adminWithPolicy" },
	{ TPMA_OBJECT_NODA, "noDA" },
	{ TPMA_OBJECT_ENCRYPTEDDUPLICATION, "encryptedDuplication" },
	{ TPMA_OBJECT_RESTRICTED, "restricted" },
	{ TPMA_OBJECT_DECRYPT, "decrypt" },
	{ TPMA_OBJECT_SIGN_ENCRYPT, "sign" },
	{ TPMA_OBJECT_X509SIGN, "x509sign" },
};

static void
print_attributes(FILE *f, TPMA_OBJECT a)
{
	TPMA_OBJECT known = 0;
	size_t i;

	fprintf(f, "attributes 0x%08" PRIx32, (uint32_t)a);
	for (i = 0; i < sizeof(object_attrs) / sizeof(object_attrs[0]); i++) {
		known |= object_attrs[i].bit;
		if (a & object_attrs[i].bit)
			fprintf(f, " %s", object_attrs[i].name);
	}
	if (a & ~known)
		fprintf(f, " other:0x%08" PRIx32, (uint32_t)(a & ~known));
	fputc('\n', f);
}

static const char *
alg_name(uint16_t id)
{
	const struct hashalg *h = hashalg_by_tpm(id);
	const char *s;

	if (h != NULL)
		return h->name;
	if ((s = tpm_sig_alg_name(id)) != NULL)
		return s;
	switch (id) {
	case TPM2_ALG_AES: return "aes";
	case TPM2_ALG_CFB: return "cfb";
	case TPM2_ALG_RSA: return "rsa";
	case TPM2_ALG_ECC: return "ecc";
	case TPM2_ALG_RSAES: return "rsaes";
	case TPM2_ALG_OAEP: return "oaep";
	case TPM2_ALG_ECDH: return "ecdh";
	}
	return "unknown";
}

static const char *
curve_name(uint16_t c)
{
	switch (c) {
	case TPM2_ECC_NIST_P256: return "nist-p256";
	case TPM2_ECC_NIST_P384: return "nist-p384";
	case TPM2_ECC_NIST_P521: return "nist-p521";
	}
	return "other";
}

/* scheme NAME[-HASH] or "null". */
static void
print_scheme(FILE *f, const char *key, uint16_t scheme, uint16_t hash)
{
	if (scheme == TPM2_ALG_NULL)
		fprintf(f, "%s null\n", key);
	else
		fprintf(f, "%s %s-%s\n", key, alg_name(scheme), alg_name(hash));
}

static void
print_symmetric(FILE *f, const TPMT_SYM_DEF_OBJECT *s)
{
	if (s->algorithm == TPM2_ALG_NULL)
		fprintf(f, "symmetric null\n");
	else
		fprintf(f, "symmetric %s-%u-%s\n", alg_name(s->algorithm),
		    (unsigned)s->keyBits.sym, alg_name(s->mode.sym));
}

static int
show_tpm_public(FILE *f, const uint8_t *data, size_t len, struct errbuf *e)
{
	struct tpm_public p;
	struct tpm_name name;
	const TPMT_PUBLIC *t = &p.pub;

	if (tpm_public_parse_2b(data, len, &p, e) == -1 ||
	    tpm_public_name(&p, &name, e) == -1)
		return -1;
	if (t->type == TPM2_ALG_RSA)
		fprintf(f, "type rsa %u\n",
		    (unsigned)t->parameters.rsaDetail.keyBits);
	else if (t->type == TPM2_ALG_ECC)
		fprintf(f, "type ecc %s\n",
		    curve_name(t->parameters.eccDetail.curveID));
	else
		fprintf(f, "type %s\n", alg_name(t->type));
	fprintf(f, "name-alg %s\n", alg_name(t->nameAlg));
	print_attributes(f, t->objectAttributes);
	print_hex(f, "name", name.b, name.len);
	if (t->authPolicy.size > 0)
		print_hex(f, "auth-policy", t->authPolicy.buffer,
		    t->authPolicy.size);
	else
		fprintf(f, "auth-policy -\n");
	if (t->type == TPM2_ALG_RSA) {
		print_symmetric(f, &t->parameters.rsaDetail.symmetric);
		print_scheme(f, "scheme", t->parameters.rsaDetail.scheme.scheme,
		    t->parameters.rsaDetail.scheme.details.anySig.hashAlg);
	} else if (t->type == TPM2_ALG_ECC) {
		print_symmetric(f, &t->parameters.eccDetail.symmetric);
		print_scheme(f, "scheme", t->parameters.eccDetail.scheme.scheme,
		    t->parameters.eccDetail.scheme.details.anySig.hashAlg);
	}
	return 0;
}

/* ---- the other members ----------------------------------------------- */

static int
show_ekcert(FILE *f, const uint8_t *data, size_t len, struct errbuf *e)
{
	struct ekcert c;

	if (ekcert_parse(data, len, &c, e) == -1)
		return -1;
	show_ekcert_facts(f, &c.facts);
	ekcert_free(&c);
	return 0;
}

static int
show_pcrs(FILE *f, const uint8_t *data, size_t len, struct errbuf *e)
{
	struct pcr_set s;
	enum pcr_file_format fmt;
	char hex[2 * HASHALG_MAX_SIZE + 1];
	size_t b;
	unsigned i;

	if (pcr_set_parse(data, len, &s, &fmt, e) == -1)
		return -1;
	fprintf(f, "pcr-format %s\n", pcr_file_format_name(fmt));
	for (b = 0; b < s.nbanks; b++)
		for (i = 0; i < PCR_COUNT; i++) {
			if (!(s.banks[b].present & (UINT32_C(1) << i)))
				continue;
			hex_encode(s.banks[b].values[i], s.banks[b].alg->size,
			    hex);
			fprintf(f, "%s %u %s\n", s.banks[b].alg->name, i, hex);
		}
	return 0;
}

static int
show_quote_attest(FILE *f, const uint8_t *data, size_t len, struct errbuf *e)
{
	struct tpm_attest a;

	if (tpm_attest_parse(data, len, &a, e) == -1)
		return -1;
	show_attest(f, &a, NULL);
	return 0;
}

static int
show_sig(FILE *f, const uint8_t *data, size_t len, struct errbuf *e)
{
	TPMT_SIGNATURE sig;
	char desc[32];

	if (tpm_signature_parse(data, len, &sig, e) == -1)
		return -1;
	tpm_signature_describe(&sig, desc, sizeof(desc));
	fprintf(f, "signature %s\n", desc);
	return 0;
}

static int
show_ima(FILE *f, const struct bundle_member *m, const uint8_t *data,
    size_t len, struct errbuf *e)
{
	const struct hashalg *alg;
	struct ima_parser p;
	struct ima_record rec;
	size_t off = 0, need;
	enum ima_parse_result r;

	if (media_type_ima_digest(m->media_type, hashalg_by_name("sha1"),
	    &alg, e) != 0)
		return -1;
	fprintf(f, "template-hash %s\n", alg->name);
	ima_parser_init(&p, alg, IMA_ORDER_UNKNOWN);
	while (off < len) {
		r = ima_parse_record(&p, data + off, len - off, &rec, &need, e);
		if (r == IMA_PARSE_ERROR)
			return -1;
		if (r != IMA_PARSE_RECORD)
			break;
		if (ima_ascii_write_escaped(f, &rec) == -1)
			return err_set(e, "writing the output failed");
		off += rec.size;
	}
	return ima_parse_finish(&p, data + off, len - off, e);
}

/* uefi.log, briefly (dossier eventlog show has every event): its size in
 * events, banks, Secure Boot state, applications and command lines. */
#define UEFI_SHOWN_MAX	32	/* applications, command lines shown */

static int
show_uefi(FILE *f, const uint8_t *data, size_t len, struct errbuf *e)
{
	struct evlog l;
	struct evlog_facts *facts;
	char text[EVLOG_TEXT_MAX];
	size_t i;
	int rc = -1;

	if ((facts = malloc(sizeof(*facts))) == NULL)
		return err_set(e, "out of memory");
	evlog_init(&l);
	if (evlog_parse(&l, data, len, e) == -1)
		goto out;
	evlog_facts_get(&l, facts);
	fprintf(f, "events %zu\n", l.nevents);
	fprintf(f, "format %s\n", l.format == EVLOG_FORMAT_AGILE ?
	    "crypto-agile" : "sha1");
	fprintf(f, "banks");
	for (i = 0; i < l.nbanks; i++)
		if (l.banks[i].alg != NULL)
			fprintf(f, " %s", l.banks[i].alg->name);
		else
			fprintf(f, " 0x%04x", l.banks[i].tpm_id);
	fprintf(f, "\nsecureboot %s\n", facts->secureboot == EVLOG_SB_ON ?
	    "on" : facts->secureboot == EVLOG_SB_OFF ? "off" : "unknown");
	fprintf(f, "applications %zu\n", facts->apps.count);
	for (i = 0; i < facts->apps.count && i < UEFI_SHOWN_MAX &&
	    i < EVLOG_FACTS_LIST_MAX; i++) {
		evlog_event_text(&l, &l.events[facts->apps.ev[i]], text,
		    sizeof(text));
		fprintf(f, "application event %" PRIu32 " %s\n",
		    facts->apps.ev[i], text);
	}
	for (i = 0; i < facts->cmdlines.count && i < UEFI_SHOWN_MAX &&
	    i < EVLOG_FACTS_LIST_MAX; i++)
		if (evlog_event_cmdline(&l.events[facts->cmdlines.ev[i]], text,
		    sizeof(text)))
			fprintf(f, "cmdline event %" PRIu32 " %s\n",
			    facts->cmdlines.ev[i], text);
	rc = 0;
out:
	evlog_free(&l);
	free(facts);
	return rc;
}

int
inspect_show_member(FILE *f, const struct bundle_member *m,
    const uint8_t *data, size_t len, struct errbuf *e)
{
	const char *n = m->name;

	if (strcmp(n, MEMBER_EK_CRT) == 0)
		return show_ekcert(f, data, len, e);
	if (strcmp(n, MEMBER_EK_PUB) == 0 || strcmp(n, MEMBER_AK_PUB) == 0)
		return show_tpm_public(f, data, len, e);
	if (strcmp(n, MEMBER_PCRS) == 0)
		return show_pcrs(f, data, len, e);
	if (strcmp(n, MEMBER_QUOTE_ATTEST) == 0)
		return show_quote_attest(f, data, len, e);
	if (strcmp(n, MEMBER_QUOTE_SIG) == 0)
		return show_sig(f, data, len, e);
	if (member_is_ima_log(n))
		return show_ima(f, m, data, len, e);
	if (strcmp(n, MEMBER_UEFI_LOG) == 0)
		return show_uefi(f, data, len, e);
	fprintf(f, "not-decoded no decoder for this member\n");
	return 0;
}
