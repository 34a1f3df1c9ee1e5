/* results.c - see results.h. */
#include "format/results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/cbor_det.h"
#include "format/challenge.h"
#include "format/escape.h"
#include "format/hex.h"

#define COSE_ALG_SHA256	(-16)
#define K_IAT		6
#define K_NONCE		10
#define K_PROFILE	265
#define K_SUBMODS	266
#define K_STATUS	1000
#define K_VERIFIER	1004
#define S_VERIFIER	"dossier.verifier"
#define S_BUNDLE	"dossier.bundle"
#define S_CHECKS	"dossier.checks"

const char *
result_verdict_name(enum result_verdict v)
{
	switch (v) {
	case RESULT_PASS:
		return "pass";
	case RESULT_FAIL:
		return "fail";
	case RESULT_ERROR:
		return "error";
	}
	return NULL;
}

const char *
result_outcome_name(enum result_outcome o)
{
	switch (o) {
	case RESULT_OK:
		return "ok";
	case RESULT_CHECK_FAIL:
		return "fail";
	case RESULT_SKIP:
		return "skip";
	}
	return NULL;
}

/* ---- a growable string ------------------------------------------------------ */

struct sbuf {
	char *p;
	size_t len, cap, limit;
	bool failed;
};

static void
sb_add(struct sbuf *b, const char *s, size_t n)
{
	size_t cap;
	char *p;

	if (b->failed)
		return;
	if (n > b->limit - b->len) {
		b->failed = true;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		cap = b->cap == 0 ? 256 : b->cap;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->p, cap)) == NULL) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
json_escape_to(struct sbuf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	char tmp[8];
	uint32_t cp;
	size_t i = 0, k;

	while (i < n) {
		/* A run of printable ASCII needing no escape goes in whole:
		 * check reasons are mostly that. */
		for (k = i; k < n && s[k] >= 0x20 && s[k] < 0x7f &&
		    s[k] != '"' && s[k] != '\\'; k++)
			;
		if (k > i) {
			sb_add(b, (const char *)s + i, k - i);
			i = k;
			continue;
		}
		k = utf8_decode(s + i, n - i, &cp);
		if (k == 0) {
			sb_str(b, "\\ufffd");
			i++;
			continue;
		}
		switch (cp) {
		case '"':
			sb_str(b, "\\\"");
			break;
		case '\\':
			sb_str(b, "\\\\");
			break;
		case '\b':
			sb_str(b, "\\b");
			break;
		case '\t':
			sb_str(b, "\\t");
			break;
		case '\n':
			sb_str(b, "\\n");
			break;
		case '\f':
			sb_str(b, "\\f");
			break;
		case '\r':
			sb_str(b, "\\r");
			break;
		default:
			if (cp < 0x20 || cp == 0x7f || cp == 0x2028 ||
			    cp == 0x2029) {
				snprintf(tmp, sizeof(tmp), "\\u%04x",
				    (unsigned)cp);
				sb_str(b, tmp);
			} else
				sb_add(b, (const char *)s + i, k);
		}
		i += k;
	}
}

int
result_json_escape(const char *s, size_t n, char **out, struct errbuf *e)
{
	struct sbuf b = { NULL, 0, 0, RESULT_JSON_MAX, false };

	*out = NULL;
	sb_add(&b, "", 0);
	json_escape_to(&b, s, n);
	if (b.failed) {
		free(b.p);
		return err_set(e, "JSON string: out of memory or longer than "
		    "%u bytes", RESULT_JSON_MAX);
	}
	*out = b.p;
	return 0;
}

int
result_json_fputs(FILE *f, const char *s, size_t n)
{
	struct errbuf e;
	char *esc;
	int rc;

	if (result_json_escape(s, n, &esc, &e) == -1)
		return -1;
	rc = fprintf(f, "\"%s\"", esc) < 0 ? -1 : 0;
	free(esc);
	return rc;
}

/* ---- validation ----------------------------------------------------------------- */

static int
check_name_check(const char *s, struct errbuf *e)
{
	size_t n = strnlen(s, RESULT_CHECK_NAME_MAX + 1), i;

	if (n == 0 || n > RESULT_CHECK_NAME_MAX)
		return err_set(e, "check name of %zu bytes (1 to %d)", n,
		    RESULT_CHECK_NAME_MAX);
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return err_set(e, "check name has a character outside "
			    "[a-z0-9._-]");
	return 0;
}

static int
result_check(const struct result *r, struct errbuf *e)
{
	size_t i, fails = 0;

	if (result_verdict_name(r->verdict) == NULL)
		return err_set(e, "verdict %d", (int)r->verdict);
	if (r->n_checks > RESULT_CHECKS_MAX)
		return err_set(e, "%zu checks (at most %d)", r->n_checks,
		    RESULT_CHECKS_MAX);
	for (i = 0; i < r->n_checks; i++) {
		if (check_name_check(r->checks[i].name, e) != 0)
			return err_prefix(e, "check %zu", i + 1);
		if (result_outcome_name(r->checks[i].outcome) == NULL)
			return err_set(e, "check %zu: outcome %d", i + 1,
			    (int)r->checks[i].outcome);
		if (strnlen(r->checks[i].reason, RESULT_REASON_MAX + 1) >
		    RESULT_REASON_MAX)
			return err_set(e, "check %zu: reason not terminated",
			    i + 1);
		if (r->checks[i].outcome == RESULT_CHECK_FAIL)
			fails++;
	}
	if (r->verdict == RESULT_PASS && fails > 0)
		return err_set(e, "verdict pass with %zu failed checks", fails);
	if (r->verdict == RESULT_FAIL && fails == 0)
		return err_set(e, "verdict fail without a failed check");
	if (r->time < 0 || r->time > RESULT_TIME_MAX)
		return err_set(e, "time %lld out of range", (long long)r->time);
	return 0;
}

int
result_time_format(int64_t t, char out[21], struct errbuf *e)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || t > RESULT_TIME_MAX || gmtime_r(&tt, &tm) == NULL)
		return err_set(e, "time %lld out of range", (long long)t);
	snprintf(out, 21, "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	return 0;
}

/* ---- JSON --------------------------------------------------------------------- */

static void
json_hex_or_null(struct sbuf *b, bool has, const uint8_t *p, size_t n)
{
	char hex[2 * 32 + 1];

	if (!has) {
		sb_str(b, "null");
		return;
	}
	hex_encode(p, n, hex);
	sb_str(b, "\"");
	sb_str(b, hex);
	sb_str(b, "\"");
}

static void
json_string(struct sbuf *b, const char *s)
{
	sb_str(b, "\"");
	json_escape_to(b, s, strlen(s));
	sb_str(b, "\"");
}

int
result_json_line(const struct result *r, char **out, size_t *len,
    struct errbuf *e)
{
	struct sbuf b = { NULL, 0, 0, RESULT_JSON_MAX, false };
	char num[32], when[21];
	size_t i;

	*out = NULL;
	if (result_check(r, e) != 0 || result_time_format(r->time, when,
	    e) != 0)
		return err_prefix(e, "result");
	sb_str(&b, "{\"input\":{\"name\":");
	json_string(&b, r->input);
	sb_str(&b, ",\"offset\":");
	if (r->has_offset) {
		snprintf(num, sizeof(num), "%llu",
		    (unsigned long long)r->offset);
		sb_str(&b, num);
	} else
		sb_str(&b, "null");
	sb_str(&b, "},\"device\":");
	json_hex_or_null(&b, r->has_device, r->device_id, 32);
	sb_str(&b, ",\"challenge\":");
	json_hex_or_null(&b, r->has_challenge, r->challenge_id, 16);
	sb_str(&b, ",\"verdict\":\"");
	sb_str(&b, result_verdict_name(r->verdict));
	sb_str(&b, "\",\"checks\":[");
	for (i = 0; i < r->n_checks; i++) {
		sb_str(&b, i == 0 ? "{\"name\":" : ",{\"name\":");
		json_string(&b, r->checks[i].name);
		sb_str(&b, ",\"outcome\":\"");
		sb_str(&b, result_outcome_name(r->checks[i].outcome));
		sb_str(&b, "\",\"reason\":");
		json_string(&b, r->checks[i].reason);
		sb_str(&b, "}");
	}
	sb_str(&b, "],\"bundle_sha256\":");
	json_hex_or_null(&b, r->has_bundle_digest, r->bundle_sha256, 32);
	sb_str(&b, ",\"time\":\"");
	sb_str(&b, when);
	sb_str(&b, "\"}\n");
	if (b.failed) {
		free(b.p);
		return err_set(e, "result: JSON line out of memory or longer "
		    "than %u bytes", RESULT_JSON_MAX);
	}
	*out = b.p;
	*len = b.len;
	return 0;
}

/* ---- CBOR ------------------------------------------------------------------------ */

/* s with invalid UTF-8 bytes and control characters as '?'. */
static void
clean_text(const char *s, char *out, size_t cap)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strnlen(s, cap - 1), i = 0, k;
	uint32_t cp;

	while (i < n) {
		k = utf8_decode(u + i, n - i, &cp);
		if (k == 0 || cp < 0x20 || cp == 0x7f) {
			out[i++] = '?';
			continue;
		}
		memcpy(out + i, s + i, k);
		i += k;
	}
	out[n] = '\0';
}

static uint64_t
verdict_tier(enum result_verdict v)
{
	return v == RESULT_PASS ? RESULT_TIER_AFFIRMING :
	    v == RESULT_FAIL ? RESULT_TIER_CONTRAINDICATED : RESULT_TIER_NONE;
}

static void
encode_appraisal(struct cbor_wr *w, const struct result *r)
{
	char reason[RESULT_REASON_MAX + 1];
	size_t i;

	cbor_wr_map(w, r->has_bundle_digest ? 3 : 2);
	cbor_wr_uint(w, K_STATUS);
	cbor_wr_uint(w, verdict_tier(r->verdict));
	if (r->has_bundle_digest) {
		cbor_wr_tstr_z(w, S_BUNDLE);
		cbor_wr_array(w, 2);
		cbor_wr_int(w, COSE_ALG_SHA256);
		cbor_wr_bstr(w, r->bundle_sha256, 32);
	}
	cbor_wr_tstr_z(w, S_CHECKS);
	cbor_wr_array(w, r->n_checks);
	for (i = 0; i < r->n_checks; i++) {
		cbor_wr_array(w, 3);
		cbor_wr_tstr_z(w, r->checks[i].name);
		cbor_wr_tstr_z(w, result_outcome_name(r->checks[i].outcome));
		clean_text(r->checks[i].reason, reason, sizeof(reason));
		cbor_wr_tstr_z(w, reason);
	}
}

int
result_encode(const struct result *r, uint8_t **out, size_t *len,
    struct errbuf *e)
{
	char device[2 * 32 + 1];
	size_t blen = strnlen(r->build, RESULT_BUILD_MAX + 1);
	struct cbor_wr w;

	*out = NULL;
	if (result_check(r, e) != 0)
		return err_prefix(e, "result");
	if (blen == 0 || blen > RESULT_BUILD_MAX)
		return err_set(e, "result: build string of %zu bytes (1 to %d)",
		    blen, RESULT_BUILD_MAX);
	if (r->has_device)
		hex_encode(r->device_id, 32, device);
	else
		strcpy(device, RESULT_UNIDENTIFIED);
	cbor_wr_init(&w, RESULT_MAX);
	cbor_wr_map(&w, r->has_challenge ? 6 : 5);
	cbor_wr_uint(&w, K_IAT);
	cbor_wr_int(&w, r->time);
	if (r->has_challenge) {
		cbor_wr_uint(&w, K_NONCE);
		cbor_wr_bstr(&w, r->challenge_id, 16);
	}
	cbor_wr_uint(&w, K_PROFILE);
	cbor_wr_tstr_z(&w, RESULT_PROFILE);
	cbor_wr_uint(&w, K_SUBMODS);
	cbor_wr_map(&w, 1);
	cbor_wr_tstr_z(&w, device);
	encode_appraisal(&w, r);
	cbor_wr_uint(&w, K_VERIFIER);
	cbor_wr_map(&w, 2);
	cbor_wr_uint(&w, 0);
	cbor_wr_tstr_z(&w, RESULT_DEVELOPER);
	cbor_wr_uint(&w, 1);
	cbor_wr_tstr_z(&w, r->build);
	cbor_wr_tstr_z(&w, S_VERIFIER);
	cbor_wr_bstr(&w, r->verifier_id, 32);
	if (cbor_wr_finish(&w, out, len, e) != 0)
		return err_prefix(e, "result");
	return 0;
}

/* The next item is a text string equal to want. */
static int
rd_tstr_is(struct cbor_rd *r, const char *want, struct errbuf *e)
{
	const char *s;
	size_t n;

	if (cbor_rd_tstr(r, &s, &n, e) != 0)
		return -1;
	if (n != strlen(want) || memcmp(s, want, n) != 0)
		return err_set(e, "\"%.*s\" where \"%s\" was expected",
		    n > 64 ? 64 : (int)n, s, want);
	return 0;
}

static int
rd_uint_is(struct cbor_rd *r, uint64_t want, struct errbuf *e)
{
	uint64_t v;

	if (cbor_rd_uint(r, &v, e) != 0)
		return -1;
	if (v != want)
		return err_set(e, "key %llu where %llu was expected",
		    (unsigned long long)v, (unsigned long long)want);
	return 0;
}

static int
decode_device(struct cbor_rd *r, struct result *out, struct errbuf *e)
{
	const char *s;
	size_t n, i;

	if (cbor_rd_tstr(r, &s, &n, e) != 0)
		return -1;
	if (n == strlen(RESULT_UNIDENTIFIED) &&
	    memcmp(s, RESULT_UNIDENTIFIED, n) == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			break;
	if (n != 64 || i != n || hex_decode(s, n, out->device_id, 32) != 32)
		return err_set(e, "submodule name is neither 64 lowercase hex "
		    "digits nor \"%s\"", RESULT_UNIDENTIFIED);
	out->has_device = true;
	return 0;
}

static int
decode_check(struct cbor_rd *r, struct result_check *c, struct errbuf *e)
{
	const char *s;
	size_t n;

	if (cbor_rd_array_n(r, 3, e) != 0 ||
	    cbor_rd_tstr_copy(r, c->name, sizeof(c->name), e) != 0 ||
	    check_name_check(c->name, e) != 0 ||
	    cbor_rd_tstr(r, &s, &n, e) != 0)
		return -1;
	if (n == 2 && memcmp(s, "ok", 2) == 0)
		c->outcome = RESULT_OK;
	else if (n == 4 && memcmp(s, "fail", 4) == 0)
		c->outcome = RESULT_CHECK_FAIL;
	else if (n == 4 && memcmp(s, "skip", 4) == 0)
		c->outcome = RESULT_SKIP;
	else
		return err_set(e, "outcome is not \"ok\", \"fail\" or "
		    "\"skip\"");
	return cbor_rd_tstr_copy(r, c->reason, sizeof(c->reason), e);
}

static int
decode_checks(struct cbor_rd *r, struct result *out, struct errbuf *e)
{
	size_t n, i;

	if (cbor_rd_array(r, &n, e) != 0)
		return -1;
	if (n > RESULT_CHECKS_MAX)
		return err_set(e, "%zu checks (at most %d)", n,
		    RESULT_CHECKS_MAX);
	for (i = 0; i < n; i++)
		if (decode_check(r, &out->checks[i], e) != 0)
			return err_prefix(e, "check %zu", i + 1);
	out->n_checks = n;
	return 0;
}

static int
decode_appraisal(struct cbor_rd *r, struct result *out, struct errbuf *e)
{
	uint64_t tier;
	int64_t alg;
	size_t n;

	if (cbor_rd_map(r, &n, e) != 0)
		return -1;
	if (n != 2 && n != 3)
		return err_set(e, "appraisal of %zu entries (2 or 3)", n);
	if (rd_uint_is(r, K_STATUS, e) != 0 || cbor_rd_uint(r, &tier, e) != 0)
		return err_prefix(e, "ear.status");
	if (tier == RESULT_TIER_AFFIRMING)
		out->verdict = RESULT_PASS;
	else if (tier == RESULT_TIER_CONTRAINDICATED)
		out->verdict = RESULT_FAIL;
	else if (tier == RESULT_TIER_NONE)
		out->verdict = RESULT_ERROR;
	else
		return err_set(e, "ear.status %llu is not 0, 2 or 96",
		    (unsigned long long)tier);
	if (n == 3) {
		if (rd_tstr_is(r, S_BUNDLE, e) != 0 ||
		    cbor_rd_array_n(r, 2, e) != 0 ||
		    cbor_rd_int(r, &alg, e) != 0)
			return err_prefix(e, S_BUNDLE);
		if (alg != COSE_ALG_SHA256)
			return err_set(e, S_BUNDLE ": digest algorithm %lld, "
			    "only SHA-256 (-16)", (long long)alg);
		if (cbor_rd_bstr_fixed(r, out->bundle_sha256, 32, e) != 0)
			return err_prefix(e, S_BUNDLE);
		out->has_bundle_digest = true;
	}
	if (rd_tstr_is(r, S_CHECKS, e) != 0 || decode_checks(r, out, e) != 0)
		return err_prefix(e, S_CHECKS);
	return 0;
}

static int
decode_body(struct cbor_rd *r, struct result *out, size_t pairs,
    struct errbuf *e)
{
	size_t n;

	if (pairs != 5 && pairs != 6)
		return err_set(e, "map of %zu entries (5 or 6)", pairs);
	if (rd_uint_is(r, K_IAT, e) != 0 || cbor_rd_int(r, &out->time, e) != 0)
		return err_prefix(e, "iat");
	if (pairs == 6) {
		if (rd_uint_is(r, K_NONCE, e) != 0 ||
		    cbor_rd_bstr_fixed(r, out->challenge_id, 16, e) != 0)
			return err_prefix(e, "eat_nonce (challenge id)");
		out->has_challenge = true;
	}
	if (rd_uint_is(r, K_PROFILE, e) != 0 ||
	    rd_tstr_is(r, RESULT_PROFILE, e) != 0)
		return err_prefix(e, "eat_profile");
	if (rd_uint_is(r, K_SUBMODS, e) != 0 || cbor_rd_map(r, &n, e) != 0)
		return err_prefix(e, "submods");
	if (n != 1)
		return err_set(e, "submods: %zu entries (exactly 1)", n);
	if (decode_device(r, out, e) != 0 || decode_appraisal(r, out, e) != 0)
		return err_prefix(e, "submods");
	if (rd_uint_is(r, K_VERIFIER, e) != 0 ||
	    cbor_rd_map(r, &n, e) != 0 || (n != 2 ? err_set(e, "map of %zu "
	    "entries (2)", n) : 0) != 0 ||
	    rd_uint_is(r, 0, e) != 0 || rd_tstr_is(r, RESULT_DEVELOPER, e) != 0 ||
	    rd_uint_is(r, 1, e) != 0 ||
	    cbor_rd_tstr_copy(r, out->build, sizeof(out->build), e) != 0)
		return err_prefix(e, "ear.verifier-id");
	if (out->build[0] == '\0')
		return err_set(e, "ear.verifier-id: empty build");
	if (rd_tstr_is(r, S_VERIFIER, e) != 0 ||
	    cbor_rd_bstr_fixed(r, out->verifier_id, 32, e) != 0)
		return err_prefix(e, S_VERIFIER);
	return 0;
}

int
result_decode(const uint8_t *buf, size_t len, struct result *out,
    struct errbuf *e)
{
	struct cbor_rd r;
	size_t pairs;

	memset(out, 0, sizeof(*out));
	if (len > RESULT_MAX)
		return err_set(e, "result of %zu bytes exceeds the limit of %u",
		    len, RESULT_MAX);
	if (cbor_rd_open(&r, buf, len, e) != 0 ||
	    cbor_rd_map(&r, &pairs, e) != 0 ||
	    decode_body(&r, out, pairs, e) != 0 ||
	    cbor_rd_end(&r, e) != 0 ||
	    result_check(out, e) != 0) {
		memset(out, 0, sizeof(*out));
		return err_prefix(e, "result");
	}
	return 0;
}

/* ---- the signed file ---------------------------------------------------------- */

int
result_sign(const struct result *r, EVP_PKEY *key, uint8_t **file,
    size_t *len, struct errbuf *e)
{
	uint8_t id[32];
	struct cose_header h;
	struct cbor_wr w;
	uint8_t *payload;
	size_t plen;
	int rc;

	*file = NULL;
	if (cose_alg_check_key(COSE_ALG_ES256, key, e) != 0 ||
	    challenge_verifier_id(key, id, e) != 0)
		return err_prefix(e, "result signature");
	if (memcmp(id, r->verifier_id, sizeof(id)) != 0)
		return err_set(e, "result signature: verifier id is not the "
		    "SHA-256 of the signing key's SubjectPublicKeyInfo");
	if (result_encode(r, &payload, &plen, e) != 0)
		return -1;
	memset(&h, 0, sizeof(h));
	h.alg = COSE_ALG_ES256;
	strcpy(h.content_type, RESULT_CONTENT_TYPE);
	memcpy(h.kid, id, sizeof(id));
	h.kid_len = sizeof(id);
	cbor_wr_init(&w, RESULT_FILE_MAX);
	cbor_wr_magic(&w, DOSSIER_TAG_RESULT);
	rc = cose_sign1_write_pkey(&w, &h, payload, plen, key, e);
	free(payload);
	if (rc != 0) {
		cbor_wr_free(&w);
		return err_prefix(e, "result signature");
	}
	if (cbor_wr_finish(&w, file, len, e) != 0)
		return err_prefix(e, "result file");
	return 0;
}

int
result_file_open(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct result *out, struct errbuf *e)
{
	struct cose_sign1 local;

	if (msg == NULL)
		msg = &local;
	memset(out, 0, sizeof(*out));
	if (len > RESULT_FILE_MAX)
		return err_set(e, "result file of %zu bytes exceeds the limit "
		    "of %u", len, RESULT_FILE_MAX);
	if (cbor_magic_check(buf, len, DOSSIER_TAG_RESULT, e) != 0 ||
	    cose_sign1_decode(buf + CBOR_MAGIC_LEN, len - CBOR_MAGIC_LEN, msg,
	    e) != 0)
		return err_prefix(e, "result file");
	if (msg->payload == NULL)
		return err_set(e, "result file: detached payload");
	if (strcmp(msg->hdr.content_type, RESULT_CONTENT_TYPE) != 0)
		return err_set(e, "result file: content type \"%s\", expected "
		    "\"%s\"", msg->hdr.content_type, RESULT_CONTENT_TYPE);
	if (msg->hdr.alg != COSE_ALG_ES256)
		return err_set(e, "result file: algorithm %lld, only ES256 "
		    "(-7)", (long long)msg->hdr.alg);
	if (msg->hdr.kid_len != 32)
		return err_set(e, "result file: kid of %zu bytes (a verifier "
		    "id has 32)", msg->hdr.kid_len);
	if (result_decode(msg->payload, msg->payload_len, out, e) != 0)
		return err_prefix(e, "result file");
	if (memcmp(out->verifier_id, msg->hdr.kid, 32) != 0) {
		memset(out, 0, sizeof(*out));
		return err_set(e, "result file: payload verifier id differs "
		    "from the kid");
	}
	return 0;
}

int
result_file_verify(const uint8_t *buf, size_t len, EVP_PKEY *verifier,
    struct result *out, struct errbuf *e)
{
	struct cose_sign1 msg;
	struct result *tmp;
	uint8_t id[32];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((tmp = malloc(sizeof(*tmp))) == NULL)
		return err_set(e, "out of memory");
	if (result_file_open(buf, len, &msg, tmp, e) != 0)
		rc = -1;
	else if (cose_alg_check_key(COSE_ALG_ES256, verifier, e) != 0 ||
	    challenge_verifier_id(verifier, id, e) != 0)
		rc = err_prefix(e, "result file: verifier key");
	else if (memcmp(id, msg.hdr.kid, sizeof(id)) != 0)
		rc = err_set(e, "result file: signed by another verifier "
		    "(kid is not this verifier key's id)");
	else if (cose_sign1_verify(&msg, NULL, 0, verifier, e) != 0)
		rc = err_prefix(e, "result file: signature");
	else {
		*out = *tmp;
		rc = 0;
	}
	free(tmp);
	return rc;
}
