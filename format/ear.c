/*
 * ear.c - EAR attestation results: the mapping from checks to claims,
 * CBOR and JSON claims, CWT and JWT signing and reading (format/ear.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "format/cbor_det.h"
#include "format/cose.h"
#include "format/ear.h"
#include "format/hex.h"

/*
 * The mapping. Values of the claims (AR4SI, veraison trustclaim.go): 2
 * trustworthy / approved, 3 approved boot, 32 unsafe, 33 unrecognized,
 * 96 untrustworthy / contraindicated, 99 cryptographic validation failed.
 * Order matters: the first row that fits wins, so specific names come
 * before the family ("quote.signature" before "quote").
 */
#define II	EAR_INSTANCE_IDENTITY
#define CF	EAR_CONFIGURATION
#define EX	EAR_EXECUTABLES
#define FS	EAR_FILE_SYSTEM
#define HW	EAR_HARDWARE
static const struct ear_rule rules[] = {
	{ "bundle.container",	"tpm",	-1, -1, 0, 0, false },
	{ "device.known",	"tpm",	II, -1, 2, 96, false },
	{ "device.ek",		"tpm",	II, HW, 2, 96, false },
	{ "manifest.signature",	"tpm",	II, -1, 2, 99, false },
	{ "challenge",		"tpm",	-1, -1, 0, 0, false },
	{ "quote.signature",	"tpm",	II, -1, 2, 99, false },
	{ "quote.qualified-signer", "tpm", II, -1, 2, 96, false },
	{ "quote.ak-attributes", "tpm",	II, -1, 2, 96, false },
	{ "quote.selection",	"boot",	CF, -1, 2, 96, false },
	{ "quote.pcr-digest",	"boot",	CF, -1, 2, 99, false },
	{ "quote",		"tpm",	-1, -1, 0, 0, false },
	{ "state.firmware",	"tpm",	HW, -1, 2, 32, false },
	{ "state",		"tpm",	-1, -1, 0, 0, false },
	{ "ima.boot-aggregate",	"boot",	EX, -1, 3, 96, true },
	{ "ima.signatures",	"runtime", FS, -1, 2, 96, true },
	{ "ima.reorder",	"runtime", EX, -1, 2, 33, true },
	{ "ima.allowlist",	"runtime", EX, -1, 2, 33, true },
	{ "ima.violations",	"runtime", EX, -1, 2, 32, true },
	{ "ima.unquoted-tail",	"runtime", EX, -1, 2, 32, false },
	{ "ima.template-digest", "runtime", EX, -1, 2, 99, false },
	{ "ima.replay",		"runtime", EX, -1, 2, 99, false },
	{ "ima",		"runtime", EX, -1, 2, 96, false },
	{ "eventlog",		"boot",	EX, -1, 3, 96, false },
	{ "uefi",		"boot",	EX, -1, 3, 96, false },
	{ "pcr",		"boot",	CF, -1, 2, 96, false },
	{ "pcrs",		"boot",	CF, -1, 2, 96, false },
	{ "",			"tpm",	-1, -1, 0, 0, false },
};
#undef II
#undef CF
#undef EX
#undef FS
#undef HW

/* The submods, in the order written (deterministic CBOR key order:
 * shorter text first). */
static const char *const submod_names[] = { "tpm", "boot", "runtime" };
#define N_SUBMODS (sizeof(submod_names) / sizeof(submod_names[0]))

static const char *const claim_names[EAR_CLAIMS_N] = {
	"instance-identity", "configuration", "executables", "file-system",
	"hardware", "runtime-opaque", "storage-opaque", "sourced-data",
};

const char *
ear_status_name(int tier)
{
	switch (tier) {
	case EAR_NONE: return "none";
	case EAR_AFFIRMING: return "affirming";
	case EAR_WARNING: return "warning";
	case EAR_CONTRAINDICATED: return "contraindicated";
	default: return NULL;
	}
}

const char *
ear_claim_name(enum ear_claim c)
{
	return (unsigned)c < EAR_CLAIMS_N ? claim_names[c] : NULL;
}

const struct ear_rule *
ear_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

/* name is the rule's check, or starts with it and a '.'. */
static bool
rule_fits(const struct ear_rule *r, const char *name)
{
	size_t n = strlen(r->check);

	if (n == 0)
		return true;
	return strncmp(name, r->check, n) == 0 &&
	    (name[n] == '\0' || name[n] == '.');
}

const struct ear_rule *
ear_rule_for(const char *check)
{
	size_t i, n;
	const struct ear_rule *t = ear_rules(&n);

	for (i = 0; i < n; i++)
		if (rule_fits(&t[i], check))
			return &t[i];
	return &t[n - 1];
}

/* ---- from a result ------------------------------------------------------ */

static void
claim_take(struct ear_appraisal *a, int claim, int8_t v)
{
	if (claim < 0 || claim >= EAR_CLAIMS_N)
		return;
	if (!a->has_claim[claim] || v > a->claim[claim])
		a->claim[claim] = v;
	a->has_claim[claim] = true;
}

static void
policy_add(struct ear_appraisal *a, const char *check)
{
	size_t i;

	for (i = 0; i < a->n_policy_ids; i++)
		if (strcmp(a->policy_ids[i] + 8, check) == 0)
			return;
	if (a->n_policy_ids == EAR_POLICY_IDS_MAX)
		return;
	snprintf(a->policy_ids[a->n_policy_ids++], EAR_POLICY_ID_MAX + 1,
	    "dossier/%s", check);
}

static bool
has_passed(const struct result *r, const char *check)
{
	size_t i;

	for (i = 0; i < r->n_checks; i++)
		if (strcmp(r->checks[i].name, check) == 0)
			return r->checks[i].outcome == RESULT_OK;
	return false;
}

int
ear_from_result(const struct result *r, const uint8_t *nonce,
    size_t nonce_len, struct ear *out, struct errbuf *e)
{
	bool ran[N_SUBMODS] = { false }, failed[N_SUBMODS] = { false };
	size_t i, k;

	memset(out, 0, sizeof(*out));
	if (r->build[0] == '\0')
		return err_set(e, "EAR: the result names no build");
	out->iat = r->time;
	snprintf(out->developer, sizeof(out->developer), "%s",
	    RESULT_DEVELOPER);
	snprintf(out->build, sizeof(out->build), "%s", r->build);
	if ((out->has_device = r->has_device))
		memcpy(out->device_id, r->device_id, sizeof(out->device_id));
	if ((out->has_challenge = r->has_challenge))
		memcpy(out->challenge_id, r->challenge_id,
		    sizeof(out->challenge_id));
	if (nonce != NULL && has_passed(r, "quote.nonce")) {
		if (nonce_len < EAR_NONCE_MIN || nonce_len > EAR_NONCE_MAX)
			return err_set(e, "EAR: eat_nonce of %zu bytes (%u..%u)",
			    nonce_len, EAR_NONCE_MIN, EAR_NONCE_MAX);
		memcpy(out->nonce, nonce, nonce_len);
		out->nonce_len = nonce_len;
		out->has_nonce = true;
	}
	out->n_submods = N_SUBMODS;
	for (k = 0; k < N_SUBMODS; k++)
		snprintf(out->submods[k].name, sizeof(out->submods[k].name),
		    "%s", submod_names[k]);
	for (i = 0; r->verdict != RESULT_ERROR && i < r->n_checks; i++) {
		const struct result_check *c = &r->checks[i];
		const struct ear_rule *rl = ear_rule_for(c->name);
		struct ear_appraisal *a;
		int8_t v;

		if (c->outcome == RESULT_SKIP)
			continue;
		for (k = 0; k < N_SUBMODS; k++)
			if (strcmp(rl->submod, submod_names[k]) == 0)
				break;
		if (k == N_SUBMODS)
			return err_set(e, "EAR: check %s: no submod", c->name);
		a = &out->submods[k];
		ran[k] = true;
		if (c->outcome == RESULT_CHECK_FAIL)
			failed[k] = true;
		v = c->outcome == RESULT_OK ? rl->ok : rl->fail;
		claim_take(a, rl->claim, v);
		claim_take(a, rl->claim2, v);
		if (rl->policy)
			policy_add(a, c->name);
	}
	out->status = EAR_NONE;
	for (k = 0; k < N_SUBMODS; k++) {
		struct ear_appraisal *a = &out->submods[k];
		int worst = 0, c;

		for (c = 0; c < EAR_CLAIMS_N; c++)
			if (a->has_claim[c] && a->claim[c] > worst)
				worst = a->claim[c];
		if (failed[k])
			a->status = EAR_CONTRAINDICATED;
		else if (!ran[k])
			a->status = EAR_NONE;
		else
			a->status = worst >= 96 ? EAR_CONTRAINDICATED :
			    worst >= 32 ? EAR_WARNING : EAR_AFFIRMING;
		if (a->n_policy_ids == 0)
			snprintf(a->policy_ids[a->n_policy_ids++],
			    EAR_POLICY_ID_MAX + 1, "dossier/checks");
		if (a->status > out->status)
			out->status = a->status;
	}
	return 0;
}

/* ---- CBOR ------------------------------------------------------------- */

#define K_IAT		6
#define K_NONCE		10
#define K_PROFILE	265
#define K_SUBMODS	266
#define K_STATUS	1000
#define K_TV		1001
#define K_POLICY_IDS	1003
#define K_VERIFIER_ID	1004
#define K_DEVICE	"dossier.device"
#define K_CHALLENGE	"dossier.challenge"

static bool
tier_ok(int64_t t)
{
	return ear_status_name((int)t) != NULL && t >= 0 && t <= 96;
}

static void
write_appraisal(struct cbor_wr *w, const struct ear_appraisal *a)
{
	size_t n = 0, i;
	int c;

	for (c = 0; c < EAR_CLAIMS_N; c++)
		n += a->has_claim[c];
	cbor_wr_map(w, 1 + (n > 0) + (a->n_policy_ids > 0));
	cbor_wr_uint(w, K_STATUS);
	cbor_wr_uint(w, (uint64_t)a->status);
	if (n > 0) {
		cbor_wr_uint(w, K_TV);
		cbor_wr_map(w, n);
		for (c = 0; c < EAR_CLAIMS_N; c++)
			if (a->has_claim[c]) {
				cbor_wr_uint(w, (uint64_t)c);
				cbor_wr_int(w, a->claim[c]);
			}
	}
	if (a->n_policy_ids > 0) {
		cbor_wr_uint(w, K_POLICY_IDS);
		cbor_wr_array(w, a->n_policy_ids);
		for (i = 0; i < a->n_policy_ids; i++)
			cbor_wr_tstr_z(w, a->policy_ids[i]);
	}
}

static int
ear_check(const struct ear *ear, struct errbuf *e)
{
	size_t k;

	if (!tier_ok(ear->status))
		return err_set(e, "EAR: ear_status %d", ear->status);
	if (ear->n_submods == 0 || ear->n_submods > EAR_SUBMODS_MAX)
		return err_set(e, "EAR: %zu submods (1..%u)", ear->n_submods,
		    EAR_SUBMODS_MAX);
	if (ear->has_nonce && (ear->nonce_len < EAR_NONCE_MIN ||
	    ear->nonce_len > EAR_NONCE_MAX))
		return err_set(e, "EAR: eat_nonce of %zu bytes",
		    ear->nonce_len);
	for (k = 0; k < ear->n_submods; k++)
		if (!tier_ok(ear->submods[k].status) ||
		    ear->submods[k].n_policy_ids > EAR_POLICY_IDS_MAX)
			return err_set(e, "EAR: submod %zu is out of range", k);
	return 0;
}

int
ear_encode_cbor(const struct ear *ear, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	struct cbor_wr w;
	char hex[65];
	size_t k;

	*out = NULL;
	if (ear_check(ear, e) == -1)
		return -1;
	cbor_wr_init(&w, EAR_CLAIMS_MAX);
	cbor_wr_map(&w, 5 + ear->has_nonce + ear->has_device +
	    ear->has_challenge);
	cbor_wr_uint(&w, K_IAT);
	cbor_wr_int(&w, ear->iat);
	if (ear->has_nonce) {
		cbor_wr_uint(&w, K_NONCE);
		cbor_wr_bstr(&w, ear->nonce, ear->nonce_len);
	}
	cbor_wr_uint(&w, K_PROFILE);
	cbor_wr_tstr_z(&w, EAR_PROFILE);
	cbor_wr_uint(&w, K_SUBMODS);
	cbor_wr_map(&w, ear->n_submods);
	for (k = 0; k < ear->n_submods; k++) {
		cbor_wr_tstr_z(&w, ear->submods[k].name);
		write_appraisal(&w, &ear->submods[k]);
	}
	cbor_wr_uint(&w, K_STATUS);
	cbor_wr_uint(&w, (uint64_t)ear->status);
	cbor_wr_uint(&w, K_VERIFIER_ID);
	cbor_wr_map(&w, 2);
	cbor_wr_uint(&w, 0);
	cbor_wr_tstr_z(&w, ear->developer);
	cbor_wr_uint(&w, 1);
	cbor_wr_tstr_z(&w, ear->build);
	if (ear->has_device) {
		hex_encode(ear->device_id, sizeof(ear->device_id), hex);
		cbor_wr_tstr_z(&w, K_DEVICE);
		cbor_wr_tstr_z(&w, hex);
	}
	if (ear->has_challenge) {
		cbor_wr_tstr_z(&w, K_CHALLENGE);
		cbor_wr_bstr(&w, ear->challenge_id, sizeof(ear->challenge_id));
	}
	if (cbor_wr_finish(&w, out, len, e) == -1)
		return err_prefix(e, "EAR claims");
	return 0;
}

static int
read_tier(struct cbor_rd *r, int *out, struct errbuf *e)
{
	uint64_t v;

	if (cbor_rd_uint(r, &v, e) == -1)
		return -1;
	if (v > 96 || !tier_ok((int64_t)v))
		return err_set(e, "ear_status %llu is not a tier (0, 2, 32, "
		    "96)", (unsigned long long)v);
	*out = (int)v;
	return 0;
}

static int
read_appraisal(struct cbor_rd *r, struct ear_appraisal *a, struct errbuf *e)
{
	size_t n, i, m;
	uint64_t key;
	int64_t v;
	bool seen_status = false;

	if (cbor_rd_map(r, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (cbor_rd_peek(r) != CBOR_DET_UINT) {
			if (cbor_rd_skip(r, NULL, NULL, e) == -1 ||
			    cbor_rd_skip(r, NULL, NULL, e) == -1)
				return -1;
			continue;
		}
		if (cbor_rd_uint(r, &key, e) == -1)
			return -1;
		if (key == K_STATUS) {
			if (read_tier(r, &a->status, e) == -1)
				return -1;
			seen_status = true;
		} else if (key == K_TV) {
			if (cbor_rd_map(r, &m, e) == -1)
				return -1;
			if (m > EAR_CLAIMS_N)
				return err_set(e, "trustworthiness vector of "
				    "%zu claims", m);
			while (m-- > 0) {
				uint64_t c;

				if (cbor_rd_uint(r, &c, e) == -1 ||
				    cbor_rd_int(r, &v, e) == -1)
					return err_prefix(e, "trustworthiness "
					    "vector");
				if (c >= EAR_CLAIMS_N || v < -128 || v > 127)
					return err_set(e, "trustworthiness "
					    "vector: claim %llu value %lld out "
					    "of range", (unsigned long long)c,
					    (long long)v);
				a->has_claim[c] = true;
				a->claim[c] = (int8_t)v;
			}
		} else if (key == K_POLICY_IDS) {
			if (cbor_rd_array(r, &m, e) == -1)
				return -1;
			if (m == 0 || m > EAR_POLICY_IDS_MAX)
				return err_set(e, "%zu appraisal policy ids "
				    "(1..%u)", m, EAR_POLICY_IDS_MAX);
			for (a->n_policy_ids = 0; a->n_policy_ids < m;
			    a->n_policy_ids++)
				if (cbor_rd_tstr_copy(r,
				    a->policy_ids[a->n_policy_ids],
				    EAR_POLICY_ID_MAX + 1, e) == -1)
					return err_prefix(e, "appraisal policy "
					    "id");
		} else if (cbor_rd_skip(r, NULL, NULL, e) == -1)
			return -1;
	}
	if (!seen_status)
		return err_set(e, "no ear_status (1000)");
	return 0;
}

static int
read_submods(struct cbor_rd *r, struct ear *out, struct errbuf *e)
{
	size_t n, i;

	if (cbor_rd_map(r, &n, e) == -1)
		return -1;
	if (n == 0 || n > EAR_SUBMODS_MAX)
		return err_set(e, "%zu submods (1..%u)", n, EAR_SUBMODS_MAX);
	for (i = 0; i < n; i++) {
		struct ear_appraisal *a = &out->submods[i];

		if (cbor_rd_tstr_copy(r, a->name, sizeof(a->name), e) == -1)
			return err_prefix(e, "submod name");
		if (read_appraisal(r, a, e) == -1)
			return err_prefix(e, "submod %s", a->name);
	}
	out->n_submods = n;
	return 0;
}

static int
read_text_key(struct cbor_rd *r, struct ear *out, struct errbuf *e)
{
	const char *k;
	size_t n;
	char hex[65];

	if (cbor_rd_tstr(r, &k, &n, e) == -1)
		return -1;
	if (n == strlen(K_DEVICE) && memcmp(k, K_DEVICE, n) == 0) {
		if (cbor_rd_tstr_copy(r, hex, sizeof(hex), e) == -1 ||
		    strlen(hex) != 64 || hex_decode(hex, 64, out->device_id,
		    sizeof(out->device_id)) != 32)
			return err_set(e, K_DEVICE ": not 64 hex digits");
		out->has_device = true;
		return 0;
	}
	if (n == strlen(K_CHALLENGE) && memcmp(k, K_CHALLENGE, n) == 0) {
		if (cbor_rd_bstr_fixed(r, out->challenge_id,
		    sizeof(out->challenge_id), e) == -1)
			return err_prefix(e, K_CHALLENGE);
		out->has_challenge = true;
		return 0;
	}
	return cbor_rd_skip(r, NULL, NULL, e);	/* an extension */
}

int
ear_decode_cbor(const uint8_t *buf, size_t len, struct ear *out,
    struct errbuf *e)
{
	struct cbor_rd r;
	size_t n, i, m;
	uint64_t key;
	const char *p;
	size_t pn;
	const uint8_t *b;
	unsigned seen = 0;	/* 1 iat, 2 profile, 4 submods, 8 verifier */

	memset(out, 0, sizeof(*out));
	if (cbor_rd_open(&r, buf, len, e) == -1 || cbor_rd_map(&r, &n, e) ==
	    -1)
		return err_prefix(e, "EAR claims");
	for (i = 0; i < n; i++) {
		if (cbor_rd_peek(&r) == CBOR_DET_TSTR) {
			if (read_text_key(&r, out, e) == -1)
				return err_prefix(e, "EAR claims");
			continue;
		}
		if (cbor_rd_peek(&r) != CBOR_DET_UINT) {
			if (cbor_rd_skip(&r, NULL, NULL, e) == -1 ||
			    cbor_rd_skip(&r, NULL, NULL, e) == -1)
				return err_prefix(e, "EAR claims");
			continue;
		}
		if (cbor_rd_uint(&r, &key, e) == -1)
			return err_prefix(e, "EAR claims");
		switch (key) {
		case K_IAT:
			if (cbor_rd_int(&r, &out->iat, e) == -1)
				return err_prefix(e, "EAR iat (6)");
			seen |= 1;
			break;
		case K_NONCE:
			if (cbor_rd_bstr(&r, &b, &pn, e) == -1)
				return err_prefix(e, "EAR eat_nonce (10)");
			if (pn < EAR_NONCE_MIN || pn > EAR_NONCE_MAX)
				return err_set(e, "EAR eat_nonce (10): %zu "
				    "bytes (%u..%u)", pn, EAR_NONCE_MIN,
				    EAR_NONCE_MAX);
			memcpy(out->nonce, b, pn);
			out->nonce_len = pn;
			out->has_nonce = true;
			break;
		case K_PROFILE:
			if (cbor_rd_tstr(&r, &p, &pn, e) == -1)
				return err_prefix(e, "EAR eat_profile (265)");
			if (pn != strlen(EAR_PROFILE) ||
			    memcmp(p, EAR_PROFILE, pn) != 0)
				return err_set(e, "EAR eat_profile (265): not "
				    "%s", EAR_PROFILE);
			seen |= 2;
			break;
		case K_SUBMODS:
			if (read_submods(&r, out, e) == -1)
				return err_prefix(e, "EAR submods (266)");
			seen |= 4;
			break;
		case K_STATUS:
			if (read_tier(&r, &out->status, e) == -1)
				return err_prefix(e, "EAR ear_status (1000)");
			break;
		case K_VERIFIER_ID:
			if (cbor_rd_map(&r, &m, e) == -1 || (m != 2 &&
			    (err_set(e, "%zu members, not 2", m), 1)) ||
			    cbor_rd_uint(&r, &key, e) == -1 || key != 0 ||
			    cbor_rd_tstr_copy(&r, out->developer,
			    sizeof(out->developer), e) == -1 ||
			    cbor_rd_uint(&r, &key, e) == -1 || key != 1 ||
			    cbor_rd_tstr_copy(&r, out->build,
			    sizeof(out->build), e) == -1)
				return err_prefix(e, "EAR ear_verifier_id "
				    "(1004): {0: developer, 1: build}");
			seen |= 8;
			break;
		default:
			if (cbor_rd_skip(&r, NULL, NULL, e) == -1)
				return err_prefix(e, "EAR claims");
		}
	}
	if (cbor_rd_end(&r, e) == -1)
		return err_prefix(e, "EAR claims");
	if ((seen & 1) == 0)
		return err_set(e, "EAR claims: no iat (6)");
	if ((seen & 2) == 0)
		return err_set(e, "EAR claims: no eat_profile (265)");
	if ((seen & 4) == 0)
		return err_set(e, "EAR claims: no submods (266)");
	if ((seen & 8) == 0)
		return err_set(e, "EAR claims: no ear_verifier_id (1004)");
	return 0;
}

/* ---- JSON ------------------------------------------------------------- */

struct jbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

static void jb_printf(struct jbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
jb_printf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->failed)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->failed = true;
		return;
	}
	b->len += (size_t)n;
}

static void
jb_str(struct jbuf *b, const char *s)
{
	char *esc;

	if (b->failed)
		return;
	if (result_json_escape(s, strlen(s), &esc, NULL) == -1) {
		b->failed = true;
		return;
	}
	jb_printf(b, "\"%s\"", esc);
	free(esc);
}

int
ear_encode_json(const struct ear *ear, char **out, size_t *len,
    struct errbuf *e)
{
	struct jbuf b = { NULL, 0, EAR_CLAIMS_MAX, false };
	char hex[65], *nonce = NULL;
	size_t k, i;
	int c;
	bool first;

	*out = NULL;
	if (ear_check(ear, e) == -1)
		return -1;
	if (ear->has_nonce && ear_b64url_encode(ear->nonce, ear->nonce_len,
	    &nonce, e) == -1)
		return -1;
	if ((b.p = malloc(b.cap)) == NULL) {
		free(nonce);
		return err_set(e, "out of memory");
	}
	jb_printf(&b, "{\"eat_profile\":\"%s\",\"iat\":%lld,"
	    "\"ear_verifier_id\":{\"developer\":", EAR_PROFILE,
	    (long long)ear->iat);
	jb_str(&b, ear->developer);
	jb_printf(&b, ",\"build\":");
	jb_str(&b, ear->build);
	jb_printf(&b, "},\"ear_status\":\"%s\"", ear_status_name(ear->status));
	if (nonce != NULL)
		jb_printf(&b, ",\"eat_nonce\":\"%s\"", nonce);
	free(nonce);
	jb_printf(&b, ",\"submods\":{");
	for (k = 0; k < ear->n_submods; k++) {
		const struct ear_appraisal *a = &ear->submods[k];

		jb_printf(&b, "%s", k ? "," : "");
		jb_str(&b, a->name);
		jb_printf(&b, ":{\"ear_status\":\"%s\"",
		    ear_status_name(a->status));
		first = true;
		for (c = 0; c < EAR_CLAIMS_N; c++) {
			if (!a->has_claim[c])
				continue;
			jb_printf(&b, "%s\"%s\":%d", first ?
			    ",\"ear_trustworthiness_vector\":{" : ",",
			    claim_names[c], a->claim[c]);
			first = false;
		}
		if (!first)
			jb_printf(&b, "}");
		if (a->n_policy_ids > 0) {
			jb_printf(&b, ",\"ear_appraisal_policy_ids\":[");
			for (i = 0; i < a->n_policy_ids; i++) {
				jb_printf(&b, "%s", i ? "," : "");
				jb_str(&b, a->policy_ids[i]);
			}
			jb_printf(&b, "]");
		}
		jb_printf(&b, "}");
	}
	jb_printf(&b, "}");
	if (ear->has_device) {
		hex_encode(ear->device_id, sizeof(ear->device_id), hex);
		jb_printf(&b, ",\"" K_DEVICE "\":\"%s\"", hex);
	}
	if (ear->has_challenge) {
		hex_encode(ear->challenge_id, sizeof(ear->challenge_id), hex);
		jb_printf(&b, ",\"" K_CHALLENGE "\":\"%s\"", hex);
	}
	jb_printf(&b, "}");
	if (b.failed) {
		free(b.p);
		return err_set(e, "EAR JSON claims: longer than %u bytes",
		    EAR_CLAIMS_MAX);
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* ---- base64url ------------------------------------------------------- */

int
ear_b64url_encode(const uint8_t *in, size_t n, char **out, struct errbuf *e)
{
	size_t cap, i, m;
	char *s;
	int w;

	*out = NULL;
	if (n > EAR_JWT_MAX)
		return err_set(e, "base64url: %zu bytes is too long", n);
	cap = 4 * ((n + 2) / 3) + 1;
	if ((s = malloc(cap)) == NULL)
		return err_set(e, "out of memory");
	/* EVP_EncodeBlock writes standard base64 with padding and a NUL,
	 * no line breaks (unlike the EVP_Encode* stream) */
	w = EVP_EncodeBlock((unsigned char *)s, in, (int)n);
	if (w < 0) {
		free(s);
		return err_openssl(e, "base64");
	}
	for (m = (size_t)w; m > 0 && s[m - 1] == '='; m--)
		;
	s[m] = '\0';
	for (i = 0; i < m; i++)
		s[i] = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	*out = s;
	return 0;
}

int
ear_b64url_decode(const char *in, size_t n, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	size_t i, pad, padded;
	unsigned char *t, *o;
	int w;

	*out = NULL;
	if (n > EAR_JWT_MAX)
		return err_set(e, "base64url: %zu characters is too long", n);
	if (n % 4 == 1)
		return err_set(e, "base64url: %zu characters is not a length "
		    "base64 makes", n);
	pad = (4 - n % 4) % 4;
	padded = n + pad;
	if ((t = malloc(padded + 1)) == NULL ||
	    (o = malloc(padded / 4 * 3 + 1)) == NULL) {
		free(t);
		return err_set(e, "out of memory");
	}
	for (i = 0; i < n; i++) {
		char c = in[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_')) {
			free(t);
			free(o);
			return err_set(e, "base64url: byte 0x%02x at %zu is "
			    "not of the alphabet", (unsigned char)c, i);
		}
		t[i] = c == '-' ? '+' : c == '_' ? '/' : (unsigned char)c;
	}
	memset(t + n, '=', pad);
	t[padded] = '\0';
	w = padded == 0 ? 0 : EVP_DecodeBlock(o, t, (int)padded);
	free(t);
	if (w < 0 || (size_t)w < pad) {
		free(o);
		return err_set(e, "base64url: does not decode");
	}
	*out = o;
	*len = (size_t)w - pad;	/* EVP_DecodeBlock counts the padding */
	return 0;
}

/* ---- signed forms ------------------------------------------------------ */

int
ear_sign_cwt(const struct ear *ear, EVP_PKEY *key, const uint8_t *kid,
    size_t kid_len, uint8_t **out, size_t *len, struct errbuf *e)
{
	struct cose_header h;
	struct cbor_wr w;
	uint8_t *claims;
	size_t claims_len;

	*out = NULL;
	if (kid_len == 0 || kid_len > COSE_KID_MAX)
		return err_set(e, "EAR: kid of %zu bytes", kid_len);
	if (ear_encode_cbor(ear, &claims, &claims_len, e) == -1)
		return -1;
	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	snprintf(h.content_type, sizeof(h.content_type), "%s",
	    EAR_CWT_CONTENT_TYPE);
	memcpy(h.kid, kid, kid_len);
	h.kid_len = kid_len;
	cbor_wr_init(&w, EAR_CWT_MAX);
	if (cose_sign1_write_pkey(&w, &h, claims, claims_len, key, e) == -1) {
		cbor_wr_free(&w);
		free(claims);
		return err_prefix(e, "EAR CWT");
	}
	free(claims);
	if (cbor_wr_finish(&w, out, len, e) == -1)
		return err_prefix(e, "EAR CWT");
	return 0;
}

#define JWT_HDR_PREFIX	"{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\""

int
ear_sign_jwt(const struct ear *ear, EVP_PKEY *key, const uint8_t *kid,
    size_t kid_len, char **out, size_t *len, struct errbuf *e)
{
	char hdr[sizeof(JWT_HDR_PREFIX) + 2 * COSE_KID_MAX + 4];
	char hex[2 * COSE_KID_MAX + 1];
	char *json = NULL, *h64 = NULL, *p64 = NULL, *s64 = NULL, *tok = NULL;
	uint8_t sig[COSE_SIGNATURE_MAX];
	size_t json_len, sig_len, n;
	int rc = -1;

	*out = NULL;
	if (kid_len == 0 || kid_len > COSE_KID_MAX)
		return err_set(e, "EAR: kid of %zu bytes", kid_len);
	if (cose_alg_check_key(COSE_ALG_ES256, key, e) == -1)
		return err_prefix(e, "EAR JWT");
	hex_encode(kid, kid_len, hex);
	snprintf(hdr, sizeof(hdr), JWT_HDR_PREFIX "%s\"}", hex);
	if (ear_encode_json(ear, &json, &json_len, e) == -1 ||
	    ear_b64url_encode((const uint8_t *)hdr, strlen(hdr), &h64, e) ==
	    -1 ||
	    ear_b64url_encode((const uint8_t *)json, json_len, &p64, e) == -1)
		goto out;
	n = strlen(h64) + 1 + strlen(p64);
	if ((tok = malloc(n + 1 + 2 * COSE_SIGNATURE_MAX)) == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	snprintf(tok, n + 1, "%s.%s", h64, p64);
	/* JWS ES256 (RFC 7518 §3.4): r || s, 32 bytes each, as COSE */
	if (cose_sign_pkey(COSE_ALG_ES256, key, (const uint8_t *)tok, n, sig,
	    &sig_len, e) == -1 ||
	    ear_b64url_encode(sig, sig_len, &s64, e) == -1)
		goto out;
	snprintf(tok + n, 1 + 2 * COSE_SIGNATURE_MAX, ".%s", s64);
	*out = tok;
	*len = strlen(tok);
	tok = NULL;
	rc = 0;
out:
	free(json);
	free(h64);
	free(p64);
	free(s64);
	free(tok);
	return rc;
}

/* ---- reading ----------------------------------------------------------- */

bool
ear_is_cwt(const uint8_t *buf, size_t len)
{
	struct cose_sign1 msg;

	return len >= 2 && buf[0] == 0xd2 && buf[1] == 0x84 &&
	    cose_sign1_decode(buf, len, &msg, NULL) == 0 &&
	    strcmp(msg.hdr.content_type, EAR_CWT_CONTENT_TYPE) == 0;
}

bool
ear_is_jwt(const uint8_t *buf, size_t len)
{
	size_t i, dots = 0;

	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len < 5 || len > EAR_JWT_MAX || memcmp(buf, "eyJ", 3) != 0)
		return false;
	for (i = 0; i < len; i++) {
		uint8_t c = buf[i];

		if (c == '.')
			dots++;
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
	}
	return dots == 2;
}

int
ear_cwt_open(const uint8_t *buf, size_t len, EVP_PKEY *key,
    struct cose_sign1 *msg, struct ear *out, struct errbuf *e)
{
	struct cose_sign1 m;

	if (msg == NULL)
		msg = &m;
	if (cose_sign1_decode(buf, len, msg, e) == -1)
		return err_prefix(e, "EAR CWT");
	if (strcmp(msg->hdr.content_type, EAR_CWT_CONTENT_TYPE) != 0)
		return err_set(e, "EAR CWT: content type is not %s",
		    EAR_CWT_CONTENT_TYPE);
	if (msg->hdr.alg != COSE_ALG_ES256)
		return err_set(e, "EAR CWT: algorithm %lld, not ES256",
		    (long long)msg->hdr.alg);
	if (msg->payload == NULL)
		return err_set(e, "EAR CWT: detached payload");
	if (key != NULL && cose_sign1_verify(msg, NULL, 0, key, e) == -1)
		return err_prefix(e, "EAR CWT signature");
	return ear_decode_cbor(msg->payload, msg->payload_len, out, e);
}

int
ear_jwt_open(const uint8_t *buf, size_t len, EVP_PKEY *key,
    char **claims_json, size_t *claims_len, struct errbuf *e)
{
	const char *s = (const char *)buf, *d1, *d2;
	uint8_t *hdr = NULL, *claims = NULL, *sig = NULL;
	size_t hlen, clen, slen, i;
	int rc = -1;

	*claims_json = NULL;
	if (!ear_is_jwt(buf, len))
		return err_set(e, "EAR JWT: not three base64url parts "
		    "\"eyJ...\" joined by '.'");
	if (buf[len - 1] == '\n')
		len--;
	d1 = memchr(s, '.', len);
	d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - s));
	if (ear_b64url_decode(s, (size_t)(d1 - s), &hdr, &hlen, e) == -1) {
		err_prefix(e, "EAR JWT header");
		goto out;
	}
	/* our header exactly: alg ES256 first, typ JWT, a hex kid */
	if (hlen < sizeof(JWT_HDR_PREFIX) + 1 ||
	    memcmp(hdr, JWT_HDR_PREFIX, sizeof(JWT_HDR_PREFIX) - 1) != 0 ||
	    memcmp(hdr + hlen - 2, "\"}", 2) != 0) {
		err_set(e, "EAR JWT header: not {\"alg\":\"ES256\",\"typ\":"
		    "\"JWT\",\"kid\":HEX} (other algorithms are refused)");
		goto out;
	}
	for (i = sizeof(JWT_HDR_PREFIX) - 1; i < hlen - 2; i++)
		if (!((hdr[i] >= '0' && hdr[i] <= '9') ||
		    (hdr[i] >= 'a' && hdr[i] <= 'f'))) {
			err_set(e, "EAR JWT header: kid is not lowercase hex");
			goto out;
		}
	if (ear_b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - s), &sig,
	    &slen, e) == -1) {
		err_prefix(e, "EAR JWT signature");
		goto out;
	}
	if (key != NULL && cose_verify_signature(COSE_ALG_ES256, key, buf,
	    (size_t)(d2 - s), sig, slen, e) == -1) {
		err_prefix(e, "EAR JWT signature");
		goto out;
	}
	if (ear_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), &claims, &clen,
	    e) == -1) {
		err_prefix(e, "EAR JWT claims");
		goto out;
	}
	if (clen > EAR_CLAIMS_MAX || memchr(claims, '\0', clen) != NULL) {
		err_set(e, "EAR JWT claims: %zu bytes or a NUL byte", clen);
		goto out;
	}
	claims[clen] = '\0';	/* the decode buffer has room for it */
	*claims_json = (char *)claims;
	*claims_len = clen;
	claims = NULL;
	rc = 0;
out:
	free(hdr);
	free(claims);
	free(sig);
	return rc;
}
