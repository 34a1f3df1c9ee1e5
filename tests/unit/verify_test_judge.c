/*
 * verify_test_judge.c - judge.h against a real store with evidence minted
 * by testdata/gen/mint.h (software AKs, real TPMS_ATTEST and signatures):
 * one batch of passing and failing bundles, each failure with its own
 * named check; what a batch leaves in the store; a rolled-back run and a
 * killed run leave challenges unconsumed.
 *
 * With arguments "fixture DIR [REFLOG]" it instead writes a store for
 * tests/t_verify.sh: DIR/store.db with devices "a" and "b" (AK keys
 * DIR/a.pem, DIR/b.pem, EK files DIR/a.crt, DIR/a.pub, ...), reference
 * log DIR/ref.log for both (a copy of REFLOG, or six ima-ng entries made
 * here), and attestation challenges listed in DIR/challenges
 * ("NAME DEVICE ID-HEX SECRET-HEX" lines; NAME "expired" is expired;
 * $FIXTURE_CHALLENGES more named b0, b1, ... for the batch tests).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>

#include <openssl/pem.h>
#include <openssl/rand.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "testdata/gen/mint.h"
#include "tests/unit/check.h"
#include "verify/judge.h"
#include "verify/store.h"

#define NOW		((int64_t)1800000000)
#define SELECTION	"sha1:0-10+sha256:0-10"

struct dev {
	struct mint_ak ak;
	char ek_crt[64], ek_pub[64];
	uint8_t id[32];
};

struct chal {
	uint8_t id[16];
	uint8_t secret[32];
};

static struct store *st;
static int64_t issue_time = NOW - 100000;	/* fixture: real time */
static struct mint_log ref_log;

static void die(const char *, const struct errbuf *)
    __attribute__((noreturn));

static void
die(const char *what, const struct errbuf *e)
{
	fprintf(stderr, "verify_test_judge: %s: %s\n", what, e ? e->msg : "");
	exit(2);
}

static void
make_ref_log(void)
{
	static const char *const paths[] = { "boot_aggregate", "/usr/bin/sh",
	    "/usr/lib/libc.so.6", "/usr/bin/ls", "/etc/passwd",
	    "/usr/sbin/sshd" };
	struct errbuf e;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (mint_log_add(&ref_log, paths[i], paths[i], NULL, &e) == -1)
			die("reference log", &e);
}

static void
add_device(struct dev *d, const char *label, enum store_device_state state)
{
	struct store_device sd;
	struct store_refs refs;
	struct errbuf e;

	if (mint_ak_init(&d->ak, NULL, &e) == -1)
		die("AK", &e);
	snprintf(d->ek_crt, sizeof(d->ek_crt), "EK certificate of %s", label);
	snprintf(d->ek_pub, sizeof(d->ek_pub), "EK public area of %s", label);
	memset(&sd, 0, sizeof(sd));
	sd.ek_cert_len = strlen(d->ek_crt);
	memcpy(sd.ek_cert, d->ek_crt, sd.ek_cert_len);
	sd.ek_public_len = strlen(d->ek_pub);
	memcpy(sd.ek_public, d->ek_pub, sd.ek_public_len);
	memcpy(sd.ak_public, d->ak.pub2b, d->ak.pub2b_len);
	sd.ak_public_len = d->ak.pub2b_len;
	memcpy(sd.ak_name, d->ak.name.b, d->ak.name.len);
	sd.ak_name_len = d->ak.name.len;
	sd.state = state;
	if (store_device_id(sd.ek_cert, sd.ek_cert_len, sd.id, &e) == -1 ||
	    store_device_add(st, &sd, NOW - 1000, &e) == -1)
		die("add device", &e);
	memcpy(d->id, sd.id, 32);
	memset(&refs, 0, sizeof(refs));
	pcr_set_init(&refs.pcrs);
	refs.ima_log_alg = hashalg_by_name("sha1");
	refs.ima_log = ref_log.data;
	refs.ima_log_len = ref_log.len;
	if (store_refs_set(st, d->id, &refs, NOW - 1000, &e) == -1)
		die("references", &e);
}

static void
issue(const struct dev *d, enum store_challenge_purpose purpose,
    int64_t not_after, struct chal *c)
{
	struct store_challenge sc;
	TPML_PCR_SELECTION sel;
	struct errbuf e;
	size_t off = 0;

	memset(&sc, 0, sizeof(sc));
	if (store_new_id(c->id, &e) == -1)
		die("id", &e);
	RAND_bytes(c->secret, sizeof(c->secret));
	memcpy(sc.id, c->id, 16);
	memcpy(sc.device_id, d->id, 32);
	sc.purpose = purpose;
	memcpy(sc.ak_name, d->ak.name.b, d->ak.name.len);
	sc.ak_name_len = d->ak.name.len;
	memcpy(sc.secret, c->secret, 32);
	if (tpm_selection_from_spec(SELECTION, &sel, &e) == -1 ||
	    Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, sc.pcr_selection,
	    sizeof(sc.pcr_selection), &off) != 0)
		die("selection", &e);
	sc.pcr_selection_len = off;
	snprintf(sc.logs, sizeof(sc.logs), "ima");
	sc.issued = issue_time;
	sc.not_after = not_after;
	if (store_challenge_issue(st, &sc, &e) == -1)
		die("issue", &e);
}

/* A spec answering challenge c as device d with the reference log. */
static void
answer(struct mint_spec *s, const struct dev *d, const struct chal *c)
{
	struct errbuf e;

	mint_spec_init(s, &d->ak);
	s->ek_crt = (const uint8_t *)d->ek_crt;
	s->ek_crt_len = strlen(d->ek_crt);
	s->ek_pub = (const uint8_t *)d->ek_pub;
	s->ek_pub_len = strlen(d->ek_pub);
	memcpy(s->challenge_id, c->id, 16);
	memcpy(s->nonce, c->secret, 32);
	if (tpm_selection_from_spec(SELECTION, &s->sel, &e) == -1)
		die("selection", &e);
	s->ima = ref_log.data;
	s->ima_len = ref_log.len;
}

static struct result res;

/* Mint s and judge it as input name. */
static const struct result *
judge_spec(const struct mint_spec *s, const char *name)
{
	struct judge_input in = { name, false, 0 };
	uint8_t *b;
	size_t n;
	struct errbuf e;

	if (mint_evidence(s, &b, &n, &e) == -1)
		die(name, &e);
	if (judge_bundle(st, NOW, &in, b, n, &res, NULL, &e) == -1)
		die("judge", &e);
	free(b);
	return &res;
}

static const struct result_check *
find_check(const struct result *r, const char *name, enum result_outcome o,
    const char *needle)
{
	size_t i;

	for (i = 0; i < r->n_checks; i++)
		if (strcmp(r->checks[i].name, name) == 0 &&
		    r->checks[i].outcome == o && (needle == NULL ||
		    strstr(r->checks[i].reason, needle) != NULL))
			return &r->checks[i];
	return NULL;
}

static void
dump(const struct result *r)
{
	size_t i;

	for (i = 0; i < r->n_checks; i++)
		printf("#   %s %s: %s\n", result_outcome_name(
		    r->checks[i].outcome), r->checks[i].name,
		    r->checks[i].reason);
}

/* The bundle fails, first at check name, with needle in its reason. */
static void
expect_fail(const struct result *r, const char *what, const char *name,
    const char *needle)
{
	const struct result_check *f = judge_first_failure(r);
	bool ok = r->verdict == RESULT_FAIL && f != NULL &&
	    strcmp(f->name, name) == 0 && (needle == NULL ||
	    strstr(f->reason, needle) != NULL);

	CHECK(ok, "%s: fails at %s", what, name);
	if (!ok)
		dump(r);
}

static void
expect_pass(const struct result *r, const char *what)
{
	CHECK(r->verdict == RESULT_PASS, "%s: passes", what);
	if (r->verdict != RESULT_PASS)
		dump(r);
}

static enum store_challenge_state
challenge_state(const struct chal *c)
{
	struct store_challenge sc;
	struct errbuf e;
	bool found;

	if (store_challenge_get(st, c->id, &sc, &found, &e) == -1 || !found)
		die("challenge get", &e);
	return sc.state;
}

static void
edited_log(const size_t *order, size_t n, size_t change, struct mint_log *out)
{
	struct errbuf e;

	if (mint_log_edit(ref_log.data, ref_log.len, order, n, change, out,
	    &e) == -1)
		die("edit log", &e);
}

static struct dev A, B, C, Dord;

static void
test_batch(void)
{
	static const size_t reordered[] = { 0, 2, 1, 3, 5, 4 };
	static const size_t dropped[] = { 0, 1, 2, 4, 5 };
	static const size_t all[] = { 0, 1, 2, 3, 4, 5 };
	struct chal c[20];
	struct mint_spec s;
	struct mint_log l1 = { 0 }, l2 = { 0 }, l3 = { 0 }, l4 = { 0 };
	struct judge_input in = { "garbage.bin", false, 0 };
	struct errbuf e;
	EVP_PKEY *other;
	uint8_t *good;
	size_t good_len, i;
	long plen;

	for (i = 0; i < 20; i++)
		issue(&A, STORE_CHALLENGE_ATTESTATION, NOW + 3600, &c[i]);
	issue(&A, STORE_CHALLENGE_ATTESTATION, NOW - 1, &c[19]);
	if (store_begin(st, &e) == -1)
		die("begin", &e);

	/* 1. a good bundle */
	answer(&s, &A, &c[0]);
	if (mint_evidence(&s, &good, &good_len, &e) == -1)
		die("mint", &e);
	{
		struct judge_input gi = { "good.dossier", false, 0 };

		if (judge_bundle(st, NOW, &gi, good, good_len, &res, NULL,
		    &e) == -1)
			die("judge", &e);
	}
	expect_pass(&res, "good bundle");
	CHECK(find_check(&res, "state.clock", RESULT_OK, "first") != NULL,
	    "good bundle: first accepted state");
	CHECK(find_check(&res, "ima.replay.sha256", RESULT_OK, "per-bank")
	    != NULL && find_check(&res, "ima.replay.sha1", RESULT_OK, NULL)
	    != NULL, "good bundle: replay in both banks, per-bank mode");
	CHECK(find_check(&res, "ima.reorder", RESULT_OK, "6 entries")
	    != NULL, "good bundle: every entry in the reference");
	CHECK(res.has_device && memcmp(res.device_id, A.id, 32) == 0 &&
	    res.has_challenge && memcmp(res.challenge_id, c[0].id, 16) == 0,
	    "good bundle: device and challenge ids");
	CHECK(challenge_state(&c[0]) == STORE_CHALLENGE_CONSUMED,
	    "good bundle: challenge consumed");

	/* 2. the same bytes again */
	{
		struct judge_input gi = { "replayed.dossier", false, 0 };

		if (judge_bundle(st, NOW, &gi, good, good_len, &res, NULL,
		    &e) == -1)
			die("judge", &e);
	}
	expect_fail(&res, "replayed bundle", "challenge.single-use",
	    "already answered");

	/* 3. expired challenge */
	answer(&s, &A, &c[19]);
	s.clock += 10;
	expect_fail(judge_spec(&s, "expired"), "expired challenge",
	    "challenge.expiry", "expired at");

	/* 4. device B answers A's challenge with its own AK */
	answer(&s, &B, &c[1]);
	expect_fail(judge_spec(&s, "other device"), "other device",
	    "challenge.device", "another device");
	CHECK(challenge_state(&c[1]) == STORE_CHALLENGE_ISSUED,
	    "other device: A's challenge stays issued");

	/* 5. manifest signed by another key */
	if ((other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL)
		die("keygen", NULL);
	answer(&s, &A, &c[2]);
	s.manifest_key = other;
	expect_fail(judge_spec(&s, "wrong AK"), "wrong AK",
	    "manifest.signature", NULL);
	CHECK(res.n_checks == 3, "wrong AK: nothing judged after the "
	    "signature");
	CHECK(challenge_state(&c[2]) == STORE_CHALLENGE_ISSUED,
	    "wrong AK: the challenge is not burnt");
	EVP_PKEY_free(other);

	/* 6. a PCR value changed after the quote */
	answer(&s, &A, &c[3]);
	s.clock += 20;
	s.flip_pcr = 0;
	expect_fail(judge_spec(&s, "changed PCR"), "changed PCR",
	    "quote.pcr-digest", "changed");

	/* 7. an IMA entry added (measured by the device, in the quote) */
	if (mint_log_put(&l1, ref_log.data, ref_log.len, &e) == -1 ||
	    mint_log_add(&l1, "/tmp/evil", "evil", NULL, &e) == -1)
		die("log", &e);
	answer(&s, &A, &c[4]);
	s.clock += 30;
	s.ima = l1.data;
	s.ima_len = l1.len;
	expect_fail(judge_spec(&s, "IMA added"), "IMA entry added",
	    "ima.reorder", "extra: entry 6 '/tmp/evil' sha256:");
	CHECK(find_check(&res, "ima.replay.sha1", RESULT_OK, NULL) != NULL,
	    "IMA entry added: the log itself replays");

	/* 8. an entry removed from the log after the quote */
	edited_log(dropped, 5, SIZE_MAX, &l2);
	answer(&s, &A, &c[5]);
	s.clock += 40;
	s.ima_member = l2.data;
	s.ima_member_len = l2.len;
	expect_fail(judge_spec(&s, "IMA removed"), "IMA entry removed",
	    "ima.replay.sha1", "does not replay");
	free(l2.data);

	/* 9. an entry changed (a file's content changed on the device) */
	edited_log(all, 6, 3, &l3);
	answer(&s, &A, &c[6]);
	s.clock += 50;
	s.ima = l3.data;
	s.ima_len = l3.len;
	expect_fail(judge_spec(&s, "IMA changed"), "IMA entry changed",
	    "ima.reorder", "changed: entry 3 '/usr/bin/ls'");

	/* 10. truncated log: the last entry is not carried */
	answer(&s, &A, &c[7]);
	s.clock += 60;
	if ((plen = mint_log_prefix_len(ref_log.data, ref_log.len, 5, &e)) < 0)
		die("prefix", &e);
	s.ima_carried = (size_t)plen;
	expect_fail(judge_spec(&s, "truncated"), "truncated log",
	    "ima.replay.sha1", "does not replay");

	/* 10b. truncated in the middle of a record */
	answer(&s, &A, &c[8]);
	s.clock += 70;
	s.ima_carried = ref_log.len - 7;
	expect_fail(judge_spec(&s, "cut"), "log cut mid-record", "ima.parse",
	    NULL);

	/* 11. a member changed after signing */
	answer(&s, &A, &c[9]);
	s.clock += 80;
	s.tamper_member = "quote.sig";
	expect_fail(judge_spec(&s, "tampered"), "changed manifest member",
	    "bundle.container", "quote.sig");
	CHECK(challenge_state(&c[9]) == STORE_CHALLENGE_ISSUED,
	    "changed member: the challenge is not burnt");

	/* 12. an extra tar entry */
	answer(&s, &A, &c[10]);
	s.clock += 90;
	s.extra_member = true;
	expect_fail(judge_spec(&s, "extra"), "extra member",
	    "bundle.container", "extra");

	/* 13. the clock went back within the same reset */
	answer(&s, &A, &c[11]);
	s.clock = 500000;
	expect_fail(judge_spec(&s, "rollback"), "rolled-back clock",
	    "state.clock", "rollback");

	/* 14. a reordered log (same multiset) passes */
	edited_log(reordered, 6, SIZE_MAX, &l4);
	answer(&s, &A, &c[12]);
	s.clock = 2000000;
	s.ima = l4.data;
	s.ima_len = l4.len;
	expect_pass(judge_spec(&s, "reordered"), "reordered IMA log");
	CHECK(find_check(&res, "ima.reorder", RESULT_OK,
	    "extra 0, changed 0, duplicate 0, missing 0")
	    != NULL, "reordered IMA log: all entries found");

	/* 15. a TPM reset: resetCount + 1, clock restarted lower */
	answer(&s, &A, &c[13]);
	s.clock = 1000;
	s.reset_count = 2;
	expect_pass(judge_spec(&s, "reset"), "TPM reset");
	CHECK(find_check(&res, "state.reset", RESULT_OK, "reboot reported")
	    != NULL, "TPM reset: reported");

	/* 16. resetCount going back fails */
	answer(&s, &A, &c[14]);
	s.clock = 5000;
	s.reset_count = 1;
	expect_fail(judge_spec(&s, "reset back"), "resetCount back",
	    "state.reset", "went back");

	/* 17. an unquoted tail in the reference is reported, not failed */
	answer(&s, &A, &c[15]);
	s.clock = 6000;
	s.reset_count = 2;
	if ((plen = mint_log_prefix_len(ref_log.data, ref_log.len, 4, &e)) < 0)
		die("prefix", &e);
	s.ima_quoted = (size_t)plen;
	expect_pass(judge_spec(&s, "tail"), "unquoted tail");
	CHECK(find_check(&res, "ima.unquoted-tail", RESULT_OK, "2 entries")
	    != NULL, "unquoted tail: counted");

	/* 18. an entry the device no longer measures: reported missing */
	edited_log(dropped, 5, SIZE_MAX, &l2);
	answer(&s, &A, &c[16]);
	s.clock = 7000;
	s.reset_count = 2;
	s.ima = l2.data;
	s.ima_len = l2.len;
	expect_pass(judge_spec(&s, "missing"), "IMA entry missing");
	CHECK(find_check(&res, "ima.reorder", RESULT_OK, "missing 1; first "
	    "reported: missing: '/usr/bin/ls'") != NULL,
	    "IMA entry missing: named in the ok line");
	free(l2.data);

	/* 20. garbage */
	if (judge_bundle(st, NOW, &in, (const uint8_t *)"not a bundle\n", 13,
	    &res, NULL, &e) == -1)
		die("judge", &e);
	CHECK(res.verdict == RESULT_ERROR && res.n_checks == 1 &&
	    strcmp(res.checks[0].name, "bundle.container") == 0 &&
	    !res.has_device, "garbage: one error result");

	/* 21. the batch goes on after it */
	answer(&s, &A, &c[18]);
	s.clock = 9000;
	s.reset_count = 2;
	expect_pass(judge_spec(&s, "after garbage"), "a bundle after garbage");

	if (store_commit(st, &e) == -1)
		die("commit", &e);
	CHECK(challenge_state(&c[0]) == STORE_CHALLENGE_CONSUMED &&
	    challenge_state(&c[1]) == STORE_CHALLENGE_ISSUED &&
	    challenge_state(&c[2]) == STORE_CHALLENGE_ISSUED &&
	    challenge_state(&c[12]) == STORE_CHALLENGE_CONSUMED,
	    "after commit: consumed exactly the answered challenges");
	free(good);
	free(l1.data);
	free(l3.data);
	free(l4.data);
}

/* Signed but malformed members fail their own checks, without a crash. */
static void
test_garbage_members(void)
{
	static const struct {
		const char *member, *check;
	} cases[] = {
		{ "quote.attest", "quote.magic" },
		{ "quote.sig", "quote.signature" },
		{ "pcrs.bin", "quote.pcr-digest" },
		{ "ima.log", "ima.parse" },
		{ "ek.pub", "device.ek" },
	};
	struct mint_spec s;
	struct chal c;
	struct errbuf e;
	char what[64];
	size_t i;

	if (store_begin(st, &e) == -1)
		die("begin", &e);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		issue(&B, STORE_CHALLENGE_ATTESTATION, NOW + 3600, &c);
		answer(&s, &B, &c);
		s.garbage_member = cases[i].member;
		snprintf(what, sizeof(what), "signed garbage %s",
		    cases[i].member);
		expect_fail(judge_spec(&s, what), what, cases[i].check, NULL);
		CHECK(challenge_state(&c) == STORE_CHALLENGE_CONSUMED,
		    "%s: the signed answer consumed its challenge", what);
	}
	if (store_rollback(st, &e) == -1)
		die("rollback", &e);
}

/* A pending device answering its enrollment challenge becomes enrolled. */
static void
test_enrollment(void)
{
	struct store_device d;
	struct mint_spec s;
	struct chal c;
	struct errbuf e;
	bool found;

	issue(&C, STORE_CHALLENGE_ENROLLMENT, NOW + 3600, &c);
	if (store_begin(st, &e) == -1)
		die("begin", &e);
	answer(&s, &C, &c);
	expect_pass(judge_spec(&s, "enrollment"), "enrollment answer");
	if (store_commit(st, &e) == -1 ||
	    store_device_get(st, C.id, &d, &found, &e) == -1)
		die("commit", &e);
	CHECK(found && d.state == STORE_DEVICE_ENROLLED,
	    "enrollment answer: the device is enrolled");
}

/* A failing answer to the enrollment challenge leaves the device pending. */
static void
test_enrollment_fails(void)
{
	static struct dev D;
	struct store_device d;
	struct mint_spec s;
	struct chal c;
	struct errbuf e;
	bool found;

	add_device(&D, "device D", STORE_DEVICE_PENDING);
	issue(&D, STORE_CHALLENGE_ENROLLMENT, NOW + 3600, &c);
	if (store_begin(st, &e) == -1)
		die("begin", &e);
	answer(&s, &D, &c);
	s.flip_pcr = 3;
	expect_fail(judge_spec(&s, "bad enrollment"), "bad enrollment answer",
	    "quote.pcr-digest", NULL);
	if (store_commit(st, &e) == -1 ||
	    store_device_get(st, D.id, &d, &found, &e) == -1)
		die("commit", &e);
	CHECK(found && d.state == STORE_DEVICE_PENDING,
	    "bad enrollment answer: the device stays pending");
	mint_ak_free(&D.ak);
}

/* The two-phase API: judge_finish() keeps the JSON line it cut the stored
 * checks from, and hands it over once (batch writes it as the result). */
static void
test_line(void)
{
	struct store_result_record rec;
	struct judge_input in = { "line", false, 0 };
	struct judgement *jd;
	struct mint_spec s;
	struct result out;
	struct chal c;
	struct errbuf e;
	uint8_t *b, id[STORE_ID_LEN];
	char *line, *again, *want, *a;
	size_t n, len, len2, wlen;
	bool found;

	issue(&B, STORE_CHALLENGE_ATTESTATION, NOW + 3600, &c);
	answer(&s, &B, &c);
	if (mint_evidence(&s, &b, &n, &e) == -1)
		die("line: mint", &e);
	if (judge_prepare(st, NULL, NOW, &in, b, n, &jd, &e) == -1)
		die("line: prepare", &e);
	line = judge_take_line(jd, &len);
	CHECK(line == NULL && len == 0, "line: none before judge_finish");
	if (store_begin(st, &e) == -1 ||
	    judge_finish(st, jd, &out, id, &e) == -1 ||
	    store_commit(st, &e) == -1)
		die("line: finish", &e);
	expect_pass(&out, "line: the bundle");
	line = judge_take_line(jd, &len);
	again = judge_take_line(jd, &len2);
	CHECK(line != NULL && again == NULL && len2 == 0,
	    "line: taken once");
	if (result_json_line(&out, &want, &wlen, &e) == -1)
		die("line: result_json_line", &e);
	CHECK(line != NULL && len == wlen && strlen(line) == len &&
	    memcmp(line, want, len) == 0,
	    "line: the line of the final result");
	if (store_result_find_before(st, out.bundle_sha256, INT64_MAX, &rec,
	    &found, &e) == -1)
		die("line: stored result", &e);
	a = line != NULL ? strstr(line, "\"checks\":") : NULL;
	CHECK(found && rec.r.verdict == STORE_VERDICT_PASS,
	    "line: the row, added before the consume, has the final verdict");
	CHECK(found && a != NULL && strncmp(a + 9, rec.checks_json,
	    strlen(rec.checks_json)) == 0 && strncmp(a + 9 +
	    strlen(rec.checks_json), ",\"bundle_sha256\":", 17) == 0,
	    "line: the store holds the line's checks array, whole");
	if (found)
		store_result_record_free(&rec);
	free(want);
	free(line);
	judge_free(jd);
	free(b);
}

/* A rolled-back run leaves the challenge issued and no state. */
static void
test_rollback(void)
{
	struct mint_spec s;
	struct chal c;
	struct errbuf e;

	issue(&B, STORE_CHALLENGE_ATTESTATION, NOW + 3600, &c);
	if (store_begin(st, &e) == -1)
		die("begin", &e);
	answer(&s, &B, &c);
	expect_pass(judge_spec(&s, "rolled back"), "bundle of a rolled-back run");
	CHECK(challenge_state(&c) == STORE_CHALLENGE_CONSUMED,
	    "rollback: consumed inside the run");
	if (store_rollback(st, &e) == -1)
		die("rollback", &e);
	CHECK(challenge_state(&c) == STORE_CHALLENGE_ISSUED,
	    "rollback: issued again after it");
}

/* Bundle of device d answering c with the given TPM state. */
static const struct result *
judge_state_spec(const struct dev *d, const struct chal *c, uint64_t clock,
    uint32_t reset_count, const char *name)
{
	struct mint_spec s;

	answer(&s, d, c);
	s.clock = clock;
	s.reset_count = reset_count;
	return judge_spec(&s, name);
}

/*
 * One device's bundles judged in another order than they were made (a
 * USB stick, a spool, a second run): each is compared with the accepted
 * states of the challenges issued before and after its own, so they all
 * pass; a quote showing an older state for a later challenge still fails,
 * whichever of the two is judged first.
 */
static void
test_order(void)
{
	struct chal c[10];
	struct errbuf e;
	size_t i;

	for (i = 0; i < 10; i++)
		issue(&Dord, STORE_CHALLENGE_ATTESTATION, NOW + 3600, &c[i]);
	if (store_begin(st, &e) == -1)
		die("begin", &e);
	expect_pass(judge_state_spec(&Dord, &c[2], 3000, 1, "third"),
	    "order: the third bundle first");
	expect_pass(judge_state_spec(&Dord, &c[0], 1000, 1, "first"),
	    "order: then the first");
	CHECK(find_check(&res, "state.clock", RESULT_OK, "first accepted")
	    != NULL, "order: the first has no state before it");
	expect_pass(judge_state_spec(&Dord, &c[1], 2000, 1, "second"),
	    "order: then the second");
	CHECK(find_check(&res, "state.clock", RESULT_OK, "last accepted 1000")
	    != NULL, "order: the second is compared with the first");

	/* a reboot between them, judged last to first */
	expect_pass(judge_state_spec(&Dord, &c[5], 200, 2, "sixth"),
	    "order: after a reboot, the last bundle first");
	CHECK(find_check(&res, "state.reset", RESULT_OK, "reboot reported")
	    != NULL, "order: the reboot is reported");
	expect_pass(judge_state_spec(&Dord, &c[4], 100, 2, "fifth"),
	    "order: the first bundle after the reboot");
	expect_pass(judge_state_spec(&Dord, &c[3], 4000, 1, "fourth"),
	    "order: the last bundle before the reboot, judged last");

	/* genuine rollbacks, either judged order */
	expect_pass(judge_state_spec(&Dord, &c[6], 500, 2, "seventh"),
	    "rollback: the earlier challenge's bundle");
	expect_fail(judge_state_spec(&Dord, &c[7], 300, 2, "eighth"),
	    "rollback: a lower clock for a later challenge", "state.clock",
	    "went back from 500 to 300");
	expect_pass(judge_state_spec(&Dord, &c[9], 900, 2, "tenth"),
	    "rollback: the later challenge's bundle first");
	expect_fail(judge_state_spec(&Dord, &c[8], 950, 2, "ninth"),
	    "rollback: a higher clock for an earlier challenge, judged "
	    "second", "state.clock", "issued after this one");
	CHECK(find_check(&res, "state.reset", RESULT_OK, NULL) != NULL &&
	    find_check(&res, "state.restart", RESULT_OK, NULL) != NULL &&
	    find_check(&res, "state.firmware", RESULT_OK, NULL) != NULL,
	    "rollback: the other state checks are still there");
	if (store_commit(st, &e) == -1)
		die("commit", &e);
}

/* A run killed before its commit leaves the store as it was. */
static void
test_killed(const char *path)
{
	struct store_attest_state before, after;
	struct mint_spec s;
	struct chal c;
	struct errbuf e;
	struct store *cs;
	bool found_b, found_a;
	int status;
	pid_t pid;

	issue(&B, STORE_CHALLENGE_ATTESTATION, NOW + 3600, &c);
	if (store_state_newest(st, B.id, &before, &found_b, &e) == -1)
		die("state", &e);
	fflush(stdout);
	if ((pid = fork()) == -1)
		die("fork", NULL);
	if (pid == 0) {
		if (store_open(path, STORE_MUST_EXIST, &cs, &e) == -1 ||
		    store_begin(cs, &e) == -1)
			_exit(3);
		st = cs;
		answer(&s, &B, &c);
		(void)judge_spec(&s, "killed");
		if (res.verdict != RESULT_PASS)
			_exit(4);
		raise(SIGKILL);
		_exit(5);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "killed run: the child judged and was killed");
	CHECK(challenge_state(&c) == STORE_CHALLENGE_ISSUED,
	    "killed run: the challenge is still issued");
	if (store_state_newest(st, B.id, &after, &found_a, &e) == -1)
		die("state", &e);
	/* member by member: the struct has padding */
	CHECK(found_a == found_b && (!found_a ||
	    (after.clock == before.clock &&
	    after.reset_count == before.reset_count &&
	    after.restart_count == before.restart_count &&
	    after.safe == before.safe &&
	    after.firmware_version == before.firmware_version &&
	    after.accepted == before.accepted &&
	    memcmp(after.bundle_sha256, before.bundle_sha256,
	    sizeof(after.bundle_sha256)) == 0)),
	    "killed run: the device state is unchanged");
}

/* ---- fixture for tests/t_verify.sh ------------------------------------------- */

static void
write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];
	struct errbuf e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (file_write_atomic(path, data, len, &e) == -1)
		die(path, &e);
}

static void
write_key(const char *dir, const char *name, EVP_PKEY *k)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL ||
	    PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) != 1)
		die(path, NULL);
	fclose(f);
}

static int
fixture(const char *dir, const char *ref_path)
{
	static const char *const names[] = { "pass", "replay", "other",
	    "wrongak", "pcr", "added", "removed", "changed", "truncated",
	    "tampered", "extra", "rollback", "reordered", "reset", "signed",
	    "stdin", "tar1", "tar2", "zst1", "zst2", "dir1", "dir2",
	    "killed" };
	char path[4096], line[256], idhex[33], sechex[65];
	struct store_verifier v;
	struct chal c;
	struct errbuf e;
	EVP_PKEY *vk;
	FILE *f;
	size_t i, extra;
	bool found;
	char *pem;
	long pemlen;
	BIO *bio;

	issue_time = (int64_t)time(NULL) - 100000;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (store_open(path, STORE_CREATE_NEW, &st, &e) == -1)
		die("store", &e);
	if ((vk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, vk, NULL, NULL, 0, NULL, NULL) != 1)
		die("verifier key", NULL);
	pemlen = BIO_get_mem_data(bio, &pem);
	if (store_verifier_set(st, pem, (size_t)pemlen, NOW, &e) == -1 ||
	    store_verifier_get(st, &v, &found, &e) == -1)
		die("verifier", &e);
	BIO_free(bio);
	EVP_PKEY_free(vk);
	if (ref_path == NULL)
		make_ref_log();
	else if (file_read(ref_path, MINT_LOG_MAX, &ref_log.data, &ref_log.len,
	    &e) == -1)
		die("reference log", &e);
	write_file(dir, "ref.log", ref_log.data, ref_log.len);
	add_device(&A, "device a", STORE_DEVICE_ENROLLED);
	add_device(&B, "device b", STORE_DEVICE_ENROLLED);
	write_key(dir, "a.pem", A.ak.key);
	write_key(dir, "b.pem", B.ak.key);
	write_file(dir, "a.crt", A.ek_crt, strlen(A.ek_crt));
	write_file(dir, "a.pub", A.ek_pub, strlen(A.ek_pub));
	write_file(dir, "b.crt", B.ek_crt, strlen(B.ek_crt));
	write_file(dir, "b.pub", B.ek_pub, strlen(B.ek_pub));
	snprintf(path, sizeof(path), "%s/challenges", dir);
	if ((f = fopen(path, "w")) == NULL)
		die(path, NULL);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		issue(&A, STORE_CHALLENGE_ATTESTATION, time(NULL) + 3600, &c);
		hex_encode(c.id, 16, idhex);
		hex_encode(c.secret, 32, sechex);
		snprintf(line, sizeof(line), "%s a %s %s\n", names[i], idhex,
		    sechex);
		fputs(line, f);
	}
	issue(&A, STORE_CHALLENGE_ATTESTATION, time(NULL) - 10, &c);
	hex_encode(c.id, 16, idhex);
	hex_encode(c.secret, 32, sechex);
	fprintf(f, "expired a %s %s\n", idhex, sechex);
	/* batch tests: FIXTURE_CHALLENGES more, named b0, b1, ... */
	extra = getenv("FIXTURE_CHALLENGES") ? strtoul(getenv(
	    "FIXTURE_CHALLENGES"), NULL, 10) : 0;
	for (i = 0; i < extra && i < 100000; i++) {
		issue(&A, STORE_CHALLENGE_ATTESTATION, time(NULL) + 3600, &c);
		hex_encode(c.id, 16, idhex);
		hex_encode(c.secret, 32, sechex);
		fprintf(f, "b%zu a %s %s\n", i, idhex, sechex);
	}
	fclose(f);
	store_close(st);
	mint_ak_free(&A.ak);
	mint_ak_free(&B.ak);
	free(ref_log.data);
	return 0;
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/verify_test_judge.XXXXXX", path[64];
	struct errbuf e;

	if ((argc == 3 || argc == 4) && strcmp(argv[1], "fixture") == 0)
		return fixture(argv[2], argc == 4 ? argv[3] : NULL);
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (store_open(path, STORE_CREATE_NEW, &st, &e) == -1)
		die("store", &e);
	make_ref_log();
	add_device(&A, "device A", STORE_DEVICE_ENROLLED);
	add_device(&B, "device B", STORE_DEVICE_ENROLLED);
	add_device(&C, "device C", STORE_DEVICE_PENDING);
	add_device(&Dord, "device order", STORE_DEVICE_ENROLLED);
	test_batch();
	test_order();
	test_garbage_members();
	test_enrollment();
	test_enrollment_fails();
	test_line();
	test_rollback();
	test_killed(path);
	store_close(st);
	mint_ak_free(&A.ak);
	mint_ak_free(&B.ak);
	mint_ak_free(&C.ak);
	mint_ak_free(&Dord.ak);
	free(ref_log.data);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return check_finish();
}
