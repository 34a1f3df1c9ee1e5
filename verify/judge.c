/*
 * judge.c - judging one bundle (judge.h): the result being built, the
 * container, device, manifest signature and challenge checks, and what a
 * judgement writes to the store.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "format/hex.h"
#include "verify/judge.h"
#include "verify/judge_int.h"

/* ---- the result being built ----------------------------------------------- */

static void jg_add(struct judging *, const char *, enum result_outcome,
    const char *, va_list) __attribute__((format(printf, 4, 0)));

static void
jg_add(struct judging *j, const char *name, enum result_outcome o,
    const char *fmt, va_list ap)
{
	struct result *r = j->r;
	struct result_check *c;

	if (r->n_checks == RESULT_CHECKS_MAX) {
		/* keep a failure visible: overwrite the last slot */
		if (o != RESULT_CHECK_FAIL)
			return;
		r->n_checks--;
	}
	c = &r->checks[r->n_checks++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->outcome = o;
	vsnprintf(c->reason, sizeof(c->reason), fmt, ap);
}

void
jg_ok(struct judging *j, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jg_add(j, name, RESULT_OK, fmt, ap);
	va_end(ap);
}

void
jg_fail(struct judging *j, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jg_add(j, name, RESULT_CHECK_FAIL, fmt, ap);
	va_end(ap);
}

void
jg_skip(struct judging *j, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	jg_add(j, name, RESULT_SKIP, fmt, ap);
	va_end(ap);
}

bool
jg_failed(const struct judging *j)
{
	return judge_first_failure(j->r) != NULL;
}

const struct result_check *
judge_first_failure(const struct result *r)
{
	size_t i;

	for (i = 0; i < r->n_checks; i++)
		if (r->checks[i].outcome == RESULT_CHECK_FAIL)
			return &r->checks[i];
	return NULL;
}

const uint8_t *
jg_member(const struct judging *j, const char *name, size_t *len)
{
	size_t i;

	for (i = 0; i < j->bc.nmembers; i++)
		if (strcmp(j->bc.members[i].name, name) == 0) {
			*len = (size_t)j->bc.members[i].size;
			return j->bc.data[i];
		}
	*len = 0;
	return NULL;
}

static void
result_start(struct result *r, const struct judge_input *in, int64_t now)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->input, sizeof(r->input), "%s", in->name);
	r->has_offset = in->has_offset;
	r->offset = in->offset;
	r->time = now;
	r->verdict = RESULT_PASS;
}

/* ---- recording ---------------------------------------------------------- */

/* The "checks" array of a result's JSON line (malloc'd). */
static int
checks_json(const struct result *r, char **out, struct errbuf *e)
{
	static const char key[] = "\"checks\":", end[] = "],\"bundle_sha256\":";
	char *line, *a, *b;
	size_t len;

	*out = NULL;
	if (result_json_line(r, &line, &len, e) == -1)
		return -1;
	if ((a = strstr(line, key)) == NULL || (b = strstr(a, end)) == NULL) {
		free(line);
		return err_set(e, "result line without a checks array");
	}
	a += sizeof(key) - 1;
	b[1] = '\0';
	memmove(line, a, (size_t)(b - a) + 2);
	*out = line;
	return 0;
}

static enum store_verdict
store_verdict_of(enum result_verdict v)
{
	return v == RESULT_PASS ? STORE_VERDICT_PASS :
	    v == RESULT_FAIL ? STORE_VERDICT_FAIL : STORE_VERDICT_ERROR;
}

static int
record(struct store *s, const struct result *r, const uint8_t id[STORE_ID_LEN],
    struct errbuf *e)
{
	struct store_result sr;
	char *json;
	int rc;

	if (checks_json(r, &json, e) == -1)
		return -1;
	memset(&sr, 0, sizeof(sr));
	memcpy(sr.id, id, STORE_ID_LEN);
	sr.has_device = r->has_device;
	memcpy(sr.device_id, r->device_id, sizeof(sr.device_id));
	sr.has_challenge = r->has_challenge;
	memcpy(sr.challenge_id, r->challenge_id, sizeof(sr.challenge_id));
	sr.input_name = r->input;
	memcpy(sr.bundle_sha256, r->bundle_sha256, sizeof(sr.bundle_sha256));
	sr.verdict = store_verdict_of(r->verdict);
	sr.checks_json = json;
	sr.created = r->time;
	rc = store_result_add(s, &sr, e);
	free(json);
	return rc;
}

int
judge_unreadable(struct store *s, int64_t now, const struct judge_input *in,
    const char *why, struct result *out, uint8_t result_id[STORE_ID_LEN],
    struct errbuf *e)
{
	struct judging j;
	uint8_t id[STORE_ID_LEN];

	memset(&j, 0, sizeof(j));
	j.r = out;
	result_start(out, in, now);
	jg_fail(&j, "bundle.container", "%s", why);
	out->verdict = RESULT_ERROR;
	if (store_new_id(id, e) == -1 || record(s, out, id, e) == -1)
		return -1;
	if (result_id != NULL)
		memcpy(result_id, id, STORE_ID_LEN);
	return 0;
}

/* ---- container ------------------------------------------------------------ */

static const char *const required_members[] = {
	"ek.crt", "ek.pub", "ak.pub", "pcrs.bin", "quote.attest", "quote.sig",
};

/* Names an evidence bundle may carry (dossier-bundle(5)). */
static bool
evidence_member_name(const char *n)
{
	static const char *const fixed[] = {
		"ek.crt", "ek.pub", "ak.pub", "pcrs.bin", "pcrs.tpm2",
		"quote.attest", "quote.sig", "ima.log", "ima-sha1.log",
		"ima-sha256.log", "ima-sha384.log", "ima-sha512.log",
		"uefi.log",
	};
	size_t i;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(n, fixed[i]) == 0)
			return true;
	if (strncmp(n, "ek-chain-", 9) != 0 || strlen(n) < 14 ||
	    strcmp(n + strlen(n) - 4, ".crt") != 0)
		return false;
	for (i = 9; i < strlen(n) - 4; i++)
		if (n[i] < '0' || n[i] > '9')
			return false;
	return true;
}

/* bundle_reader.manifest: decode the MANIFEST unverified, list members. */
static int
on_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *nmembers, struct errbuf *e)
{
	struct judging *j = arg;
	struct cose_sign1 msg;
	size_t i;

	if (manifest_file_open(buf, len, &msg, e) == -1 ||
	    manifest_decode(msg.payload, msg.payload_len, &j->claimed, e) == -1)
		return -1;
	j->manifest_read = true;
	memcpy(j->kid, msg.hdr.kid, msg.hdr.kid_len);
	j->kid_len = msg.hdr.kid_len;
	if (j->claimed.kind != MANIFEST_EVIDENCE)
		return err_set(e, "an %s bundle, not evidence (dossier enroll "
		    "takes it)", manifest_kind_name(j->claimed.kind));
	for (i = 0; i < j->claimed.n_members; i++)
		if (!evidence_member_name(j->claimed.members[i].name))
			return err_set(e, "member '%s' is not an evidence "
			    "member", j->claimed.members[i].name);
	memcpy(members, j->claimed.members,
	    j->claimed.n_members * sizeof(members[0]));
	*nmembers = j->claimed.n_members;
	return 0;
}

static void
claim_ids(struct judging *j)
{
	j->r->has_device = true;
	memcpy(j->r->device_id, j->claimed.device_id, 32);
	j->r->has_challenge = j->claimed.has_challenge_id;
	memcpy(j->r->challenge_id, j->claimed.challenge_id, 16);
}

/* 0: read; -1: not judged further (verdict set). */
static int
judge_container(struct judging *j, const uint8_t *buf, size_t len)
{
	struct bundle_reader rd;
	struct errbuf e;
	size_t i, n;

	memset(&rd, 0, sizeof(rd));
	rd.manifest = on_manifest;
	rd.arg = j;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	if (bundle_read_mem(j->r->input, buf, len, &rd, &j->bc, &e) == -1) {
		jg_fail(j, "bundle.container", "%s", e.msg);
		if (j->manifest_read)
			claim_ids(j);
		j->r->verdict = j->manifest_read ? RESULT_FAIL : RESULT_ERROR;
		return -1;
	}
	claim_ids(j);
	for (i = 0; i < sizeof(required_members) /
	    sizeof(required_members[0]); i++)
		if (jg_member(j, required_members[i], &n) == NULL) {
			jg_fail(j, "bundle.container", "no member '%s'",
			    required_members[i]);
			return -1;
		}
	jg_ok(j, "bundle.container", "%zu members, digests match",
	    j->bc.nmembers);
	return 0;
}

/* ---- device and manifest signature ---------------------------------------- */

static int
judge_device(struct judging *j, struct errbuf *e)
{
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	bool found;

	if (store_device_get_by_ak_name(j->s, j->kid, j->kid_len, &j->dev,
	    &found, e) == -1)
		return -1;
	if (!found) {
		jg_fail(j, "device.known", "no device of this store has the "
		    "AK that signed the manifest");
		return 1;
	}
	hex_encode(j->dev.id, sizeof(j->dev.id), hex);
	if (j->dev.state == STORE_DEVICE_REVOKED) {
		jg_fail(j, "device.known", "device %s is revoked", hex);
		return 1;
	}
	jg_ok(j, "device.known", "device %s (%s)", hex,
	    store_device_state_name(j->dev.state));
	return 0;
}

static int
judge_signature(struct judging *j)
{
	struct errbuf e;

	if (tpm_public_parse_2b(j->dev.ak_public, j->dev.ak_public_len,
	    &j->ak, &e) == -1 || tpm_public_to_pkey(&j->ak, &j->ak_key,
	    &e) == -1) {
		jg_fail(j, "manifest.signature", "the enrolled AK: %s", e.msg);
		return -1;
	}
	if (manifest_file_verify(j->bc.manifest, j->bc.manifest_len, &j->ak,
	    &j->m, &e) == -1) {
		jg_fail(j, "manifest.signature", "%s", e.msg);
		return -1;
	}
	jg_ok(j, "manifest.signature", "by the enrolled AK");
	return 0;
}

static bool
same_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static void
judge_ek(struct judging *j)
{
	const uint8_t *p;
	size_t n;
	bool bad = false;

	p = jg_member(j, "ek.crt", &n);
	if (!same_bytes(p, n, j->dev.ek_cert, j->dev.ek_cert_len)) {
		jg_fail(j, "device.ek", "ek.crt differs from the enrolled EK "
		    "certificate");
		bad = true;
	}
	p = jg_member(j, "ek.pub", &n);
	if (!same_bytes(p, n, j->dev.ek_public, j->dev.ek_public_len)) {
		jg_fail(j, "device.ek", "ek.pub differs from the enrolled EK "
		    "public area");
		bad = true;
	}
	p = jg_member(j, "ak.pub", &n);
	if (!same_bytes(p, n, j->dev.ak_public, j->dev.ak_public_len)) {
		jg_fail(j, "device.ek", "ak.pub differs from the enrolled AK");
		bad = true;
	}
	if (memcmp(j->m.device_id, j->dev.id, sizeof(j->dev.id)) != 0) {
		jg_fail(j, "device.ek", "the manifest names another device id");
		bad = true;
	}
	if (!bad)
		jg_ok(j, "device.ek", "ek.crt, ek.pub and ak.pub are the "
		    "enrolled ones");
}

/* ---- challenge --------------------------------------------------------------- */

static int
judge_challenge(struct judging *j, const uint8_t result_id[STORE_ID_LEN],
    struct errbuf *e)
{
	enum store_consume v;
	char when[21];
	struct errbuf pe;

	if (!j->m.has_challenge_id) {
		jg_fail(j, "challenge.known", "the manifest names no "
		    "challenge");
		return 0;
	}
	memset(&j->ch, 0, sizeof(j->ch));
	if (store_challenge_consume(j->s, j->m.challenge_id, j->dev.id,
	    j->now, result_id, &v, &j->ch, e) == -1)
		return -1;
	if (v == STORE_CONSUME_UNKNOWN) {
		jg_fail(j, "challenge.known", "this store never issued the "
		    "challenge");
		return 0;
	}
	j->have_challenge = true;
	j->want_sel_ok = tpm_selection_parse(j->ch.pcr_selection,
	    j->ch.pcr_selection_len, &j->want_sel, &pe) == 0;
	jg_ok(j, "challenge.known", "%s challenge",
	    j->ch.purpose == STORE_CHALLENGE_ENROLLMENT ? "enrollment" :
	    "attestation");
	if (v == STORE_CONSUME_OTHER_DEVICE ||
	    memcmp(j->ch.device_id, j->dev.id, sizeof(j->dev.id)) != 0) {
		jg_fail(j, "challenge.device", "the challenge was issued to "
		    "another device");
		return 0;
	}
	jg_ok(j, "challenge.device", "issued to this device");
	if (result_time_format(j->ch.not_after, when, NULL) == -1)
		snprintf(when, sizeof(when), "%lld",
		    (long long)j->ch.not_after);
	if (v == STORE_CONSUME_EXPIRED) {
		jg_fail(j, "challenge.expiry", "expired at %s", when);
		return 0;
	}
	jg_ok(j, "challenge.expiry", "valid until %s", when);
	if (v == STORE_CONSUME_USED) {
		jg_fail(j, "challenge.single-use", "already answered "
		    "(replayed bundle)");
		return 0;
	}
	jg_ok(j, "challenge.single-use", "consumed now");
	return 0;
}

/* ---- the whole judgement ---------------------------------------------------- */

static int
accept(struct judging *j, struct errbuf *e)
{
	struct store_attest_state st;

	judge_state_of(j, &st);
	memcpy(st.bundle_sha256, j->r->bundle_sha256, 32);
	if (store_state_set(j->s, j->dev.id, &st, e) == -1)
		return -1;
	if (j->dev.state == STORE_DEVICE_PENDING &&
	    j->ch.purpose == STORE_CHALLENGE_ENROLLMENT &&
	    store_device_set_state(j->s, j->dev.id, STORE_DEVICE_ENROLLED,
	    j->now, e) == -1)
		return -1;
	return 0;
}

/* The checks after the container; 0 or -1 on a store error. */
static int
judge_checks(struct judging *j, const uint8_t result_id[STORE_ID_LEN],
    struct errbuf *e)
{
	int rc;

	if ((rc = judge_device(j, e)) != 0)
		return rc < 0 ? -1 : 0;
	if (judge_signature(j) == -1)
		return 0;
	judge_ek(j);
	if (judge_challenge(j, result_id, e) == -1)
		return -1;
	judge_quote(j);
	if (judge_state(j, e) == -1 || judge_ima(j, e) == -1)
		return -1;
	if (!jg_failed(j) && accept(j, e) == -1)
		return -1;
	return 0;
}

int
judge_bundle(struct store *s, int64_t now, const struct judge_input *in,
    const uint8_t *buf, size_t len, struct result *out,
    uint8_t result_id[STORE_ID_LEN], struct errbuf *e)
{
	static struct judging j;	/* large; one judgement at a time */
	uint8_t id[STORE_ID_LEN];
	int rc = -1;

	memset(&j, 0, sizeof(j));
	j.s = s;
	j.now = now;
	j.r = out;
	result_start(out, in, now);
	out->has_bundle_digest = true;
	EVP_Digest(buf, len, out->bundle_sha256, NULL, EVP_sha256(), NULL);
	if (store_new_id(id, e) == -1)
		return -1;
	if (judge_container(&j, buf, len) == 0 &&
	    judge_checks(&j, id, e) == -1)
		goto out;
	if (out->verdict != RESULT_ERROR)
		out->verdict = jg_failed(&j) ? RESULT_FAIL : RESULT_PASS;
	if (record(s, out, id, e) == -1)
		goto out;
	if (result_id != NULL)
		memcpy(result_id, id, STORE_ID_LEN);
	rc = 0;
out:
	EVP_PKEY_free(j.ak_key);
	bundle_contents_free(&j.bc);
	return rc;
}

/* ---- without a store ------------------------------------------------------ */

static void
skip_no_store(struct judging *j, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		jg_skip(j, names[i], "no store");
}

/* The bundle's own ak.pub and the AK location its manifest claims. */
static int
offline_signature(struct judging *j)
{
	const uint8_t *p;
	struct errbuf e;
	size_t n;

	p = jg_member(j, "ak.pub", &n);
	if (tpm_public_parse_2b(p, n, &j->ak, &e) == -1 ||
	    tpm_public_to_pkey(&j->ak, &j->ak_key, &e) == -1) {
		jg_fail(j, "manifest.signature", "ak.pub: %s", e.msg);
		return -1;
	}
	if (manifest_file_verify(j->bc.manifest, j->bc.manifest_len, &j->ak,
	    &j->m, &e) == -1) {
		jg_fail(j, "manifest.signature", "%s", e.msg);
		return -1;
	}
	jg_ok(j, "manifest.signature", "by the bundle's own ak.pub (intact "
	    "as that AK signed it; which device it is needs the store)");
	if (j->m.ak_location == MANIFEST_AK_EK_CHILD) {
		memcpy(j->dev.ak_parent, j->m.ek_name.b, j->m.ek_name.len);
		j->dev.ak_parent_len = j->m.ek_name.len;
	}
	return 0;
}

void
judge_bundle_offline(int64_t now, const struct judge_input *in,
    const uint8_t *buf, size_t len, struct result *out)
{
	static const char *const before[] = { "device.known" };
	static const char *const device[] = {
		"device.ek", "challenge.known", "challenge.device",
		"challenge.expiry", "challenge.single-use",
	};
	static const char *const state[] = {
		"state.clock", "state.reset", "state.restart", "state.firmware",
	};
	static struct judging j;	/* large; one judgement at a time */
	struct errbuf e;

	memset(&j, 0, sizeof(j));
	j.now = now;
	j.r = out;
	result_start(out, in, now);
	out->has_bundle_digest = true;
	EVP_Digest(buf, len, out->bundle_sha256, NULL, EVP_sha256(), NULL);
	if (judge_container(&j, buf, len) == 0) {
		skip_no_store(&j, before, 1);
		if (offline_signature(&j) == 0) {
			skip_no_store(&j, device, sizeof(device) /
			    sizeof(device[0]));
			judge_quote(&j);
			skip_no_store(&j, state, sizeof(state) /
			    sizeof(state[0]));
			(void)judge_ima(&j, &e);	/* no store, no error */
		}
	}
	if (out->verdict != RESULT_ERROR)
		out->verdict = jg_failed(&j) ? RESULT_FAIL : RESULT_PASS;
	EVP_PKEY_free(j.ak_key);
	j.ak_key = NULL;
	bundle_contents_free(&j.bc);
}
