/*
 * judge.c - judging one bundle (judge.h): the result being built, the
 * container, device, manifest signature and challenge checks, and what a
 * judgement writes to the store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "format/hashalg.h"
#include "format/hex.h"
#include "verify/ima_refcache.h"
#include "verify/judge.h"
#include "verify/judge_int.h"

/* ---- the result being built ----------------------------------------------- */

static void jg_emit(void *, enum result_outcome, const char *, const char *,
    va_list) __attribute__((format(printf, 4, 0)));

/* The judgement's check_sink (verify/checks.h): append to j->r. */
static void
jg_emit(void *ctx, enum result_outcome o, const char *name, const char *fmt,
    va_list ap)
{
	struct judging *j = ctx;
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

/* Make j's sink write to j->r (whichever result j->r is then). */
static void
jg_sink_init(struct judging *j)
{
	j->sink.emit = jg_emit;
	j->sink.ctx = j;
}

void
jg_ok(struct judging *j, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(&j->sink, RESULT_OK, name, fmt, ap);
	va_end(ap);
}

void
jg_fail(struct judging *j, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(&j->sink, RESULT_CHECK_FAIL, name, fmt, ap);
	va_end(ap);
}

void
jg_skip(struct judging *j, const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vemit(&j->sink, RESULT_SKIP, name, fmt, ap);
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
	return bundle_member_data(&j->bc, name, len);
}

static void
result_start(struct result *r, const struct judge_input *in, int64_t now)
{
	/* the check slots are written as checks are added (jg_add) */
	memset(r, 0, offsetof(struct result, checks));
	snprintf(r->input, sizeof(r->input), "%s", in->name);
	r->has_offset = in->has_offset;
	r->offset = in->offset;
	r->time = now;
	r->verdict = RESULT_PASS;
}

/* ---- recording ---------------------------------------------------------- */

/* The "checks" array of a result's JSON line, copied (malloc'd). */
static int
checks_json(const char *line, char **out, struct errbuf *e)
{
	static const char key[] = "\"checks\":", end[] = "],\"bundle_sha256\":";
	const char *a, *b;
	size_t n;

	*out = NULL;
	if ((a = strstr(line, key)) == NULL || (b = strstr(a, end)) == NULL)
		return err_set(e, "result line without a checks array");
	a += sizeof(key) - 1;
	n = (size_t)(b - a) + 1;	/* up to the closing ']' */
	if ((*out = malloc(n + 1)) == NULL)
		return err_set(e, "out of memory");
	memcpy(*out, a, n);
	(*out)[n] = '\0';
	return 0;
}

static enum store_verdict
store_verdict_of(enum result_verdict v)
{
	return v == RESULT_PASS ? STORE_VERDICT_PASS :
	    v == RESULT_FAIL ? STORE_VERDICT_FAIL : STORE_VERDICT_ERROR;
}

/* The row of r (its identity; verdict and checks are the caller's). */
static void
row_of(const struct result *r, const uint8_t id[STORE_ID_LEN],
    struct store_result *sr)
{
	memset(sr, 0, sizeof(*sr));
	memcpy(sr->id, id, STORE_ID_LEN);
	sr->has_device = r->has_device;
	memcpy(sr->device_id, r->device_id, sizeof(sr->device_id));
	sr->has_challenge = r->has_challenge;
	memcpy(sr->challenge_id, r->challenge_id, sizeof(sr->challenge_id));
	sr->input_name = r->input;
	memcpy(sr->bundle_sha256, r->bundle_sha256, sizeof(sr->bundle_sha256));
	sr->created = r->time;
}

/*
 * The row of the result being judged, before its challenge is consumed
 * (store_challenge_consume() names it): verdict error and no checks until
 * record() sets them, in the same run. Its identity (input, device,
 * challenge, bundle digest, time) is final here: judge_finish() changes
 * only checks and the verdict after this.
 */
static int
record_early(struct store *s, const struct result *r,
    const uint8_t id[STORE_ID_LEN], struct errbuf *e)
{
	struct store_result sr;

	row_of(r, id, &sr);
	sr.verdict = STORE_VERDICT_ERROR;
	sr.checks_json = "[]";
	sr.checks_serialized = true;
	return store_result_add(s, &sr, e);
}

/* The result row of r, added, or completed when record_early() added it;
 * *line gets r's JSON line (result_json_line()), whose "checks" array the
 * row stores. */
static int
record(struct store *s, const struct result *r, const uint8_t id[STORE_ID_LEN],
    bool early, char **line, size_t *line_len, struct errbuf *e)
{
	struct store_result sr;
	char *json;
	int rc;

	*line = NULL;
	if (result_json_line(r, line, line_len, e) == -1)
		return -1;
	if (checks_json(*line, &json, e) == -1) {
		free(*line);
		*line = NULL;
		return -1;
	}
	row_of(r, id, &sr);
	sr.verdict = store_verdict_of(r->verdict);
	sr.checks_json = json;
	sr.checks_serialized = true;	/* cut from result_json_line() */
	rc = early ? store_result_set_outcome(s, id, sr.verdict, json, true,
	    e) : store_result_add(s, &sr, e);
	free(json);
	if (rc == -1) {
		free(*line);
		*line = NULL;
	}
	return rc;
}

/* ---- container ------------------------------------------------------------ */

static int judge_device(struct judging *j, struct errbuf *e);
static int judge_signature(struct judging *j, const uint8_t *manifest,
    size_t len);

/*
 * The manifest callback's state. With a store (judge_prepare), device.known
 * and manifest.signature are judged in the callback, before any member is
 * read, so an unsigned bundle costs at most what the reader holds before
 * it accepts a manifest (BUNDLE_PREAUTH_MAX, format/bundle.h), however
 * much its manifest lists. Their checks wait in auth_checks[] so that the
 * result keeps the order of judge.h (bundle.container first).
 */
enum early_auth { AUTH_NOT_TRIED, AUTH_OK, AUTH_FAILED, AUTH_STORE_ERROR };

struct manifest_cb {
	struct judging *j;
	enum early_auth auth;
	struct result_check auth_checks[2];	/* device.known, signature */
	size_t n_auth;
	struct errbuf store_err;		/* AUTH_STORE_ERROR */
};

/* device.known and manifest.signature now, their checks kept aside. */
static int
authenticate(struct manifest_cb *cb, const uint8_t *buf, size_t len,
    struct errbuf *e)
{
	struct judging *j = cb->j;
	struct result *r = j->r;
	size_t at = r->n_checks;
	int rc;

	if ((rc = judge_device(j, &cb->store_err)) == -1) {
		cb->auth = AUTH_STORE_ERROR;
		return err_set(e, "store: %s", cb->store_err.msg);
	}
	cb->auth = rc == 0 && judge_signature(j, buf, len) == 0 ? AUTH_OK :
	    AUTH_FAILED;
	cb->n_auth = r->n_checks - at;
	memcpy(cb->auth_checks, r->checks + at,
	    cb->n_auth * sizeof(cb->auth_checks[0]));
	r->n_checks = at;
	if (cb->auth == AUTH_FAILED)
		return err_set(e, "not authenticated (%s): members not read",
		    cb->auth_checks[cb->n_auth - 1].name);
	return 0;
}

/* The checks authenticate() kept aside, after bundle.container. */
static void
put_auth_checks(struct judging *j, const struct manifest_cb *cb)
{
	size_t i;

	for (i = 0; i < cb->n_auth; i++) {
		if (strcmp(cb->auth_checks[i].name, "device.known") == 0)
			j->device_known_at = j->r->n_checks;
		j->r->checks[j->r->n_checks++] = cb->auth_checks[i];
	}
}

/* bundle_reader.manifest: decode the MANIFEST, list members; with a store,
 * authenticate it first (struct manifest_cb). */
static int
on_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *nmembers, struct errbuf *e)
{
	struct manifest_cb *cb = arg;
	struct judging *j = cb->j;
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
		if (!member_evidence_name(j->claimed.members[i].name))
			return err_set(e, "member '%s' is not an evidence "
			    "member", j->claimed.members[i].name);
	if (j->s != NULL && authenticate(cb, buf, len, e) != 0)
		return -1;
	memcpy(members, j->claimed.members,
	    j->claimed.n_members * sizeof(members[0]));
	*nmembers = j->claimed.n_members;
	return 0;
}

/*
 * The result's device and challenge, from a manifest whose signature
 * verified (m) as device id: they name result rows and files (spools,
 * --signed) and a device's history, so nothing an unsigned bundle merely
 * claims may reach them. What it claims is said in the failing check's
 * reason instead (claims()).
 */
static void
signed_ids(struct judging *j, const uint8_t device_id[32])
{
	j->r->has_device = true;
	memcpy(j->r->device_id, device_id, 32);
	j->r->has_challenge = j->m.has_challenge_id;
	memcpy(j->r->challenge_id, j->m.challenge_id, 16);
}

/* " (the manifest claims device D, challenge C)" into out, or "". */
static const char *
claims(const struct judging *j, char *out, size_t cap)
{
	char dev[65], chal[33];

	if (!j->manifest_read) {
		snprintf(out, cap, "%s", "");
		return out;
	}
	hex_encode(j->claimed.device_id, 32, dev);
	if (j->claimed.has_challenge_id)
		hex_encode(j->claimed.challenge_id, 16, chal);
	snprintf(out, cap, " (the manifest claims device %s, challenge %s)",
	    dev, j->claimed.has_challenge_id ? chal : "none");
	return out;
}

/*
 * 0: read (with a store: device.known and manifest.signature passed too);
 * 1: not judged further (verdict set); -1: a store error (se).
 */
static int
judge_container(struct judging *j, const uint8_t *buf, size_t len,
    struct errbuf *se)
{
	struct bundle_reader rd;
	struct manifest_cb cb;
	struct errbuf e;
	size_t i, n;

	memset(&rd, 0, sizeof(rd));
	memset(&cb, 0, sizeof(cb));
	cb.j = j;
	rd.manifest = on_manifest;
	rd.arg = &cb;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	rd.scratch = j->scratch;
	if (bundle_read_mem(j->r->input, buf, len, &rd, &j->bc, &e) == -1) {
		if (cb.auth == AUTH_STORE_ERROR) {
			err_set(se, "%s", cb.store_err.msg);
			return -1;
		}
		if (cb.auth == AUTH_FAILED) {
			jg_skip(j, "bundle.container", "members not read: the "
			    "MANIFEST did not authenticate");
			put_auth_checks(j, &cb);
			return 1;
		}
		/* a signed manifest with a bad member names nothing either
		 * (signed_ids() of the callback's judge_signature undone) */
		j->r->has_device = false;
		j->r->has_challenge = false;
		jg_fail(j, "bundle.container", "%s", e.msg);
		j->r->verdict = j->manifest_read ? RESULT_FAIL : RESULT_ERROR;
		return 1;
	}
	for (i = 0; i < MEMBERS_REQUIRED_N; i++)
		if (jg_member(j, members_required[i], &n) == NULL) {
			j->r->has_device = false;	/* as above */
			j->r->has_challenge = false;
			jg_fail(j, "bundle.container", "no member '%s'",
			    members_required[i]);
			return 1;
		}
	jg_ok(j, "bundle.container", "%zu members, digests match",
	    j->bc.nmembers);
	put_auth_checks(j, &cb);
	return 0;
}

/* ---- device and manifest signature ---------------------------------------- */

static int
judge_device(struct judging *j, struct errbuf *e)
{
	char hex[2 * STORE_DEVICE_ID_LEN + 1], note[160];
	bool found;

	if (store_device_get_by_ak_name(j->s, j->kid, j->kid_len, &j->dev,
	    &found, e) == -1)
		return -1;
	if (!found) {
		jg_fail(j, "device.known", "no device of this store has the "
		    "AK that signed the manifest%s", claims(j, note,
		    sizeof(note)));
		return 1;
	}
	hex_encode(j->dev.id, sizeof(j->dev.id), hex);
	j->device_known_at = j->r->n_checks;
	if (j->dev.state == STORE_DEVICE_REVOKED) {
		jg_fail(j, "device.known", "device %s is revoked", hex);
		return 1;
	}
	jg_ok(j, "device.known", "device %s (%s)", hex,
	    store_device_state_name(j->dev.state));
	return 0;
}

static int
judge_signature(struct judging *j, const uint8_t *manifest, size_t len)
{
	char note[160];
	struct errbuf e;

	if (tpm_public_parse_2b(j->dev.ak_public, j->dev.ak_public_len,
	    &j->ak, &e) == -1 || ima_refcache_ak_key(j->refcache,
	    j->dev.ak_public, j->dev.ak_public_len, &j->ak, &j->ak_key,
	    &e) == -1) {
		jg_fail(j, "manifest.signature", "the enrolled AK: %s", e.msg);
		return -1;
	}
	if (manifest_file_verify_key(manifest, len, &j->ak, j->ak_key, &j->m,
	    &e) == -1) {
		jg_fail(j, "manifest.signature", "%s%s", e.msg, claims(j, note,
		    sizeof(note)));
		return -1;
	}
	jg_ok(j, "manifest.signature", "by the enrolled AK");
	signed_ids(j, j->dev.id);
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

	p = jg_member(j, MEMBER_EK_CRT, &n);
	if (!same_bytes(p, n, j->dev.ek_cert, j->dev.ek_cert_len)) {
		jg_fail(j, "device.ek", "ek.crt differs from the enrolled EK "
		    "certificate");
		bad = true;
	}
	p = jg_member(j, MEMBER_EK_PUB, &n);
	if (!same_bytes(p, n, j->dev.ek_public, j->dev.ek_public_len)) {
		jg_fail(j, "device.ek", "ek.pub differs from the enrolled EK "
		    "public area");
		bad = true;
	}
	p = jg_member(j, MEMBER_AK_PUB, &n);
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

/* judge_prepare: the challenge row the manifest names, as issued (the
 * issued fields never change; its state is judge_finish's business). */
static int
read_challenge(struct judging *j, struct errbuf *e)
{
	struct errbuf pe;
	bool found;

	if (!j->m.has_challenge_id)
		return 0;
	memset(&j->ch, 0, sizeof(j->ch));
	if (store_challenge_get(j->s, j->m.challenge_id, &j->ch, &found,
	    e) == -1)
		return -1;
	if (!found)
		return 0;
	j->have_challenge = true;
	j->want_sel_ok = tpm_selection_parse(j->ch.pcr_selection,
	    j->ch.pcr_selection_len, &j->want_sel, &pe) == 0;
	return 0;
}

/* judge_finish: consume the challenge now, in input order. */
static int
judge_challenge(struct judging *j, const uint8_t result_id[STORE_ID_LEN],
    struct errbuf *e)
{
	struct store_challenge local;
	const struct store_challenge *ch = &local;
	enum store_consume v;
	char when[21];

	if (!j->m.has_challenge_id) {
		jg_fail(j, "challenge.known", "the manifest names no "
		    "challenge");
		return 0;
	}
	/* judge_prepare read the row; its issued fields (device, purpose,
	 * not_after: all used here) never change, so the consume need not
	 * read it again */
	memset(&local, 0, sizeof(local));
	if (j->have_challenge)
		ch = &j->ch;
	if (store_challenge_consume(j->s, j->m.challenge_id, j->dev.id,
	    j->now, result_id, &v, j->have_challenge ? NULL : &local,
	    e) == -1)
		return -1;
	if (v == STORE_CONSUME_UNKNOWN) {
		jg_fail(j, "challenge.known", "this store never issued the "
		    "challenge");
		return 0;
	}
	if (!j->have_challenge) {
		/* issued after judge_prepare read the store: the state
		 * checks and accept() need its seq */
		j->ch = local;
		j->have_challenge = true;
		ch = &j->ch;
	}
	jg_ok(j, "challenge.known", "%s challenge",
	    ch->purpose == STORE_CHALLENGE_ENROLLMENT ? "enrollment" :
	    "attestation");
	if (v == STORE_CONSUME_OTHER_DEVICE ||
	    memcmp(ch->device_id, j->dev.id, sizeof(j->dev.id)) != 0) {
		jg_fail(j, "challenge.device", "the challenge was issued to "
		    "another device");
		return 0;
	}
	jg_ok(j, "challenge.device", "issued to this device");
	if (result_time_format(ch->not_after, when, NULL) == -1)
		snprintf(when, sizeof(when), "%lld", (long long)ch->not_after);
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

struct judgement {
	struct judging j;
	struct result r;		/* judge_prepare's checks */
	/* judge_finish's: challenge, state; set by finish_checks() before
	 * assemble() reads it (judgement_new() does not zero it) */
	struct result extra;
	char *line;			/* judge_finish's JSON line, or NULL */
	size_t line_len;
};

static int
accept(struct judging *j, struct errbuf *e)
{
	struct store_attest_state st;

	judge_state_of(j, &st);
	memcpy(st.bundle_sha256, j->r->bundle_sha256, 32);
	st.seq = j->ch.seq;
	if (store_state_set(j->s, j->dev.id, &st, e) == -1)
		return -1;
	if (j->dev.state == STORE_DEVICE_PENDING &&
	    j->ch.purpose == STORE_CHALLENGE_ENROLLMENT &&
	    store_device_set_state(j->s, j->dev.id, STORE_DEVICE_ENROLLED,
	    j->now, e) == -1)
		return -1;
	return 0;
}

/* The read-only checks after the container, whose manifest callback
 * judged device.known and manifest.signature (authenticate()); 0 or -1 on
 * a store error. */
static int
prepare_checks(struct judging *j, struct errbuf *e)
{
	j->signed_ok = true;
	judge_ek(j);
	if (read_challenge(j, e) == -1)
		return -1;
	j->challenge_at = j->r->n_checks;
	judge_quote(j);
	j->state_at = j->r->n_checks;
	if (judge_uefi(j, e) == -1 || judge_ima(j, e) == -1 ||
	    judge_pcr(j, e) == -1) {
		judge_uefi_release(j);
		return -1;
	}
	judge_uefi_release(j);
	return 0;
}

static struct judgement *
judgement_new(const struct judge_input *in, int64_t now, struct errbuf *e)
{
	struct judgement *jd;

	/* two results of 38 KiB each: r is zeroed by result_start(),
	 * extra is filled before it is read */
	if ((jd = malloc(sizeof(*jd))) == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	memset(&jd->j, 0, sizeof(jd->j));
	jd->extra.n_checks = 0;
	jd->line = NULL;
	jd->line_len = 0;
	jd->j.now = now;
	jd->j.r = &jd->r;
	jg_sink_init(&jd->j);
	result_start(&jd->r, in, now);
	return jd;
}

int
judge_prepare(struct store *ro, struct ima_refcache *refcache, int64_t now,
    const struct judge_input *in, const uint8_t *buf, size_t len,
    struct judgement **out, struct errbuf *e)
{
	return judge_prepare_digest(ro, refcache, now, in, buf, len, NULL, out,
	    e);
}

int
judge_prepare_digest(struct store *ro, struct ima_refcache *refcache,
    int64_t now, const struct judge_input *in, const uint8_t *buf,
    size_t len, const uint8_t *bundle_sha256, struct judgement **out,
    struct errbuf *e)
{
	struct judgement *jd;
	int rc = 0;

	if ((*out = jd = judgement_new(in, now, e)) == NULL)
		return -1;
	jd->j.s = ro;
	jd->j.refcache = refcache;
	jd->j.scratch = in->scratch;
	jd->r.has_bundle_digest = true;
	if (bundle_sha256 != NULL)
		memcpy(jd->r.bundle_sha256, bundle_sha256,
		    sizeof(jd->r.bundle_sha256));
	else if (hashalg_digest(hashalg_by_name("sha256"), buf, len,
	    jd->r.bundle_sha256) == -1)
		rc = err_set(e, "SHA-256 of the bundle failed");
	if (rc == 0 && (rc = judge_container(&jd->j, buf, len, e)) == 0)
		rc = prepare_checks(&jd->j, e);
	else if (rc == 1)
		rc = 0;
	/* the bundle's bytes are not needed any more */
	EVP_PKEY_free(jd->j.ak_key);
	jd->j.ak_key = NULL;
	bundle_contents_free(&jd->j.bc);
	memset(&jd->j.bc, 0, sizeof(jd->j.bc));
	jd->j.s = NULL;
	jd->j.scratch = NULL;
	if (rc == -1) {
		judge_free(jd);
		*out = NULL;
	}
	return rc;
}

int
judge_prepare_unreadable(int64_t now, const struct judge_input *in,
    const char *why, struct judgement **out, struct errbuf *e)
{
	struct judgement *jd;

	if ((*out = jd = judgement_new(in, now, e)) == NULL)
		return -1;
	jg_fail(&jd->j, "bundle.container", "%s", why);
	jd->r.verdict = RESULT_ERROR;
	return 0;
}

const struct result *
judge_prepared_result(const struct judgement *jd)
{
	return &jd->r;
}

void
judge_free(struct judgement *jd)
{
	if (jd == NULL)
		return;
	EVP_PKEY_free(jd->j.ak_key);
	bundle_contents_free(&jd->j.bc);
	free(jd->line);
	free(jd);
}

uint64_t
judge_ima_entries(const struct judgement *jd)
{
	return jd->j.ima_entries;
}

char *
judge_take_line(struct judgement *jd, size_t *len)
{
	char *line = jd->line;

	*len = jd->line_len;
	jd->line = NULL;
	jd->line_len = 0;
	return line;
}

/* device.known as the run sees the device now (an earlier bundle of the
 * run may have completed its enrollment). */
static int
refresh_device(struct judging *j, struct errbuf *e)
{
	enum store_device_state state;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	bool found;

	/* only the state is wanted: one column, not the row with its blobs */
	if (store_device_get_state(j->s, j->dev.id, &state, &found, e) == -1)
		return -1;
	if (found && state != j->dev.state && state != STORE_DEVICE_REVOKED) {
		j->dev.state = state;
		hex_encode(j->dev.id, sizeof(j->dev.id), hex);
		snprintf(j->r->checks[j->device_known_at].reason,
		    sizeof(j->r->checks[0].reason), "device %s (%s)", hex,
		    store_device_state_name(j->dev.state));
	}
	return 0;
}

/* Append c to r; a full list keeps its last slot for a failure. */
static void
append_check(struct result *r, const struct result_check *c)
{
	if (r->n_checks == RESULT_CHECKS_MAX) {
		if (c->outcome != RESULT_CHECK_FAIL)
			return;
		r->n_checks--;
	}
	r->checks[r->n_checks++] = *c;
}

static void
append_checks(struct result *r, const struct result_check *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		append_check(r, &c[i]);
}

/* out = prepared checks with the challenge and state checks spliced in. */
static void
assemble(const struct judgement *jd, size_t nchal, struct result *out)
{
	const struct result *p = &jd->r, *x = &jd->extra;
	const struct judging *j = &jd->j;

	/* the members before the checks; append_checks fills these */
	memcpy(out, p, offsetof(struct result, checks));
	out->n_checks = 0;
	if (!j->signed_ok) {
		append_checks(out, p->checks, p->n_checks);
		return;
	}
	append_checks(out, p->checks, j->challenge_at);
	append_checks(out, x->checks, nchal);
	append_checks(out, p->checks + j->challenge_at,
	    j->state_at - j->challenge_at);
	append_checks(out, x->checks + nchal, x->n_checks - nchal);
	append_checks(out, p->checks + j->state_at,
	    p->n_checks - j->state_at);
}

/* The checks that depend on the run so far, into jd->extra. */
static int
finish_checks(struct judgement *jd, const uint8_t id[STORE_ID_LEN],
    size_t *nchal, struct errbuf *e)
{
	struct judging *j = &jd->j;

	if (refresh_device(j, e) == -1)
		return -1;
	j->r = &jd->extra;
	jd->extra.n_checks = 0;
	if (judge_challenge(j, id, e) == -1)
		return -1;
	*nchal = jd->extra.n_checks;
	return judge_state(j, e);
}

int
judge_finish(struct store *s, struct judgement *jd, struct result *out,
    uint8_t result_id[STORE_ID_LEN], struct errbuf *e)
{
	struct judging *j = &jd->j;
	uint8_t id[STORE_ID_LEN];
	size_t nchal = 0;
	int rc = -1;

	j->s = s;
	j->r = &jd->r;
	if (store_new_id(id, e) == -1)
		goto out;
	/* the row first when a challenge will name it, its outcome last */
	if (j->signed_ok && (record_early(s, &jd->r, id, e) == -1 ||
	    finish_checks(jd, id, &nchal, e) == -1))
		goto out;
	assemble(jd, nchal, out);
	j->r = out;
	if (out->verdict != RESULT_ERROR)
		out->verdict = jg_failed(j) ? RESULT_FAIL : RESULT_PASS;
	if (j->signed_ok && out->verdict == RESULT_PASS && accept(j, e) == -1)
		goto out;
	if (record(s, out, id, j->signed_ok, &jd->line, &jd->line_len,
	    e) == -1)
		goto out;
	if (result_id != NULL)
		memcpy(result_id, id, STORE_ID_LEN);
	rc = 0;
out:
	j->s = NULL;
	j->r = &jd->r;
	return rc;
}

int
judge_bundle(struct store *s, int64_t now, const struct judge_input *in,
    const uint8_t *buf, size_t len, struct result *out,
    uint8_t result_id[STORE_ID_LEN], struct errbuf *e)
{
	struct judgement *jd;
	int rc;

	if (judge_prepare(s, NULL, now, in, buf, len, &jd, e) == -1)
		return -1;
	rc = judge_finish(s, jd, out, result_id, e);
	judge_free(jd);
	return rc;
}

int
judge_unreadable(struct store *s, int64_t now, const struct judge_input *in,
    const char *why, struct result *out, uint8_t result_id[STORE_ID_LEN],
    struct errbuf *e)
{
	struct judgement *jd;
	int rc;

	if (judge_prepare_unreadable(now, in, why, &jd, e) == -1)
		return -1;
	rc = judge_finish(s, jd, out, result_id, e);
	judge_free(jd);
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

	p = jg_member(j, MEMBER_AK_PUB, &n);
	if (tpm_public_parse_2b(p, n, &j->ak, &e) == -1 ||
	    tpm_public_to_pkey(&j->ak, &j->ak_key, &e) == -1) {
		jg_fail(j, "manifest.signature", "ak.pub: %s", e.msg);
		return -1;
	}
	if (manifest_file_verify_key(j->bc.manifest, j->bc.manifest_len,
	    &j->ak, j->ak_key, &j->m, &e) == -1) {
		jg_fail(j, "manifest.signature", "%s", e.msg);
		return -1;
	}
	jg_ok(j, "manifest.signature", "by the bundle's own ak.pub (intact "
	    "as that AK signed it; which device it is needs the store)");
	signed_ids(j, j->m.device_id);
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
	struct judging *j;
	struct errbuf e;

	result_start(out, in, now);
	out->has_bundle_digest = hashalg_digest(hashalg_by_name("sha256"),
	    buf, len, out->bundle_sha256) == 0;
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		out->verdict = RESULT_ERROR;
		snprintf(out->checks[0].name, sizeof(out->checks[0].name),
		    "bundle.container");
		out->checks[0].outcome = RESULT_CHECK_FAIL;
		snprintf(out->checks[0].reason, sizeof(out->checks[0].reason),
		    "out of memory");
		out->n_checks = 1;
		return;
	}
	j->now = now;
	j->r = out;
	jg_sink_init(j);
	if (judge_container(j, buf, len, &e) == 0) {
		skip_no_store(j, before, 1);
		if (offline_signature(j) == 0) {
			skip_no_store(j, device, sizeof(device) /
			    sizeof(device[0]));
			judge_quote(j);
			skip_no_store(j, state, sizeof(state) /
			    sizeof(state[0]));
			/* no store, no error */
			(void)judge_uefi(j, &e);	/* reference skipped */
			(void)judge_ima(j, &e);
			(void)judge_pcr(j, &e);	/* skipped: no store */
			judge_uefi_release(j);
		}
	}
	if (out->verdict != RESULT_ERROR)
		out->verdict = jg_failed(j) ? RESULT_FAIL : RESULT_PASS;
	EVP_PKEY_free(j->ak_key);
	bundle_contents_free(&j->bc);
	free(j);
}
