/*
 * fuzz_judge.c - libFuzzer target: the whole judgement of one bundle
 * (judge_bundle(), verify/judge.h) against a small store, so the logic
 * behind the parsers is fuzzed too: device lookup, EK and challenge
 * checks, state comparison with accepted states on both sides, IMA replay
 * against references and the device's IMA policy, result assembly and the
 * result row.
 *
 * fuzz-link: verify   (the Makefile links verify/'s objects for this)
 *
 * The store (made once, in a directory under /dev/shm, else $TMPDIR or
 * /tmp, removed at exit) holds one enrolled device whose AK is the fixed
 * test AK of fuzz/bundle_mutator.h and whose EK files are fuzz/keys/ek.crt
 * and ek.pub (their bytes are repeated below), its reference log (the six
 * ima-ng entries of tests/unit/verify_test_judge.c's fixture, as
 * fuzz/keys/ref.log), IMA policy rules reorder, allowlist and violations,
 * and three attestation challenges in issue order: one answered (an
 * accepted state: clock 500000, reset 1), FUZZ_CHALLENGE (the one the
 * seeds answer: id 11..11, secret 22..22), one answered later (clock
 * 5000000). Each input is judged inside store_begin() and rolled back, so
 * every input sees the same store and runs are reproducible.
 * Seeds: fuzz/keys/mint-seeds.sh. A store error (-1) is a finding: trap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format/results.h"
#include "fuzz/bundle_mutator.h"
#include "testdata/gen/mint.h"
#include "verify/judge.h"
#include "verify/store.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NOW		((int64_t)1800000000)
#define SELECTION	"sha1:0-10+sha256:0-10"
#define EK_CRT		"EK certificate of the fuzz device\n"
#define EK_PUB		"EK public area of the fuzz device\n"

static struct store *st;
static char dir[64], db[96];

static void
die(const char *what, const struct errbuf *e)
{
	fprintf(stderr, "fuzz_judge: %s: %s\n", what, e ? e->msg : "");
	abort();
}

static void
cleanup(void)
{
	char p[128];

	store_close(st);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	unlink(db);
	rmdir(dir);
}

static void
challenge(const struct store_device *d, uint8_t idbyte, uint8_t secbyte)
{
	struct store_challenge c;
	TPML_PCR_SELECTION sel;
	struct errbuf e;
	size_t off = 0;

	memset(&c, 0, sizeof(c));
	memset(c.id, idbyte, sizeof(c.id));
	memset(c.secret, secbyte, sizeof(c.secret));
	memcpy(c.device_id, d->id, sizeof(c.device_id));
	c.purpose = STORE_CHALLENGE_ATTESTATION;
	memcpy(c.ak_name, d->ak_name, d->ak_name_len);
	c.ak_name_len = d->ak_name_len;
	if (tpm_selection_from_spec(SELECTION, &sel, &e) == -1 ||
	    Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, c.pcr_selection,
	    sizeof(c.pcr_selection), &off) != 0)
		die("selection", &e);
	c.pcr_selection_len = off;
	snprintf(c.logs, sizeof(c.logs), "ima");
	c.issued = NOW - 100000;
	c.not_after = NOW + 3600;
	if (store_challenge_issue(st, &c, &e) == -1)
		die("challenge", &e);
}

static void
accepted(const struct store_device *d, int64_t seq, uint64_t clock)
{
	struct store_attest_state s;
	struct errbuf e;

	memset(&s, 0, sizeof(s));
	s.clock = clock;
	s.reset_count = 1;
	s.safe = true;
	s.firmware_version = 0x2023012500000000ull;
	s.accepted = NOW - 50000;
	s.seq = seq;
	if (store_state_set(st, d->id, &s, &e) == -1)
		die("state", &e);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const paths[] = { "boot_aggregate", "/usr/bin/sh",
	    "/usr/lib/libc.so.6", "/usr/bin/ls", "/etc/passwd",
	    "/usr/sbin/sshd" };
	static const char *const rules[] = { "reorder:fail=extra",
	    "allowlist", "violations:max=2" };
	const char *tmp = getenv("TMPDIR");
	struct store_device d;
	struct store_refs refs;
	struct mint_ak ak;
	struct mint_log ref;
	struct errbuf e;
	EVP_PKEY *key;
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "%s/fuzz_judge.XXXXXX",
	    access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	snprintf(db, sizeof(db), "%s/store.db", dir);
	if (store_open(db, STORE_CREATE_NEW, &st, &e) == -1)
		die("store", &e);
	atexit(cleanup);
	if ((key = EVP_PKEY_dup(bm_ak())) == NULL ||
	    mint_ak_init(&ak, key, &e) == -1)
		die("AK", &e);
	memset(&d, 0, sizeof(d));
	d.ek_cert_len = strlen(EK_CRT);
	memcpy(d.ek_cert, EK_CRT, d.ek_cert_len);
	d.ek_public_len = strlen(EK_PUB);
	memcpy(d.ek_public, EK_PUB, d.ek_public_len);
	memcpy(d.ak_public, ak.pub2b, ak.pub2b_len);
	d.ak_public_len = ak.pub2b_len;
	memcpy(d.ak_name, ak.name.b, ak.name.len);
	d.ak_name_len = ak.name.len;
	d.state = STORE_DEVICE_ENROLLED;
	if (store_device_id(d.ek_cert, d.ek_cert_len, d.id, &e) == -1 ||
	    store_device_add(st, &d, NOW - 200000, &e) == -1)
		die("device", &e);
	memset(&ref, 0, sizeof(ref));
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (mint_log_add(&ref, paths[i], paths[i], NULL, &e) == -1)
			die("reference log", &e);
	memset(&refs, 0, sizeof(refs));
	pcr_set_init(&refs.pcrs);
	refs.ima_log_alg = hashalg_by_name("sha1");
	refs.ima_log = ref.data;
	refs.ima_log_len = ref.len;
	if (store_refs_set(st, d.id, &refs, NOW - 150000, &e) == -1 ||
	    store_policy_set(st, d.id, 0, rules, sizeof(rules) /
	    sizeof(rules[0]), &e) == -1)
		die("references", &e);
	free(ref.data);
	challenge(&d, 0x10, 0x20);	/* seq 1: answered before */
	challenge(&d, 0x11, 0x22);	/* seq 2: FUZZ_CHALLENGE */
	challenge(&d, 0x12, 0x24);	/* seq 3: answered after */
	accepted(&d, 1, 500000);
	accepted(&d, 3, 5000000);
	mint_ak_free(&ak);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct result r;
	struct judge_input in = { .name = "fuzz.bundle" };
	uint8_t rid[STORE_ID_LEN];
	struct errbuf e;
	size_t i;

	if (store_begin(st, &e) == -1)
		die("begin", &e);
	if (judge_bundle(st, NOW, &in, data, size, &r, rid, &e) == -1)
		die("judge_bundle", &e);
	if (store_rollback(st, &e) == -1)
		die("rollback", &e);
	if ((r.verdict != RESULT_PASS && r.verdict != RESULT_FAIL &&
	    r.verdict != RESULT_ERROR) || r.n_checks > RESULT_CHECKS_MAX)
		__builtin_trap();
	for (i = 0; i < r.n_checks; i++)
		if (r.checks[i].name[0] == '\0')
			__builtin_trap();
	if (getenv("FUZZ_JUDGE_VERBOSE") != NULL)
		for (i = 0; i < r.n_checks; i++)
			fprintf(stderr, "%s %s %s\n", r.checks[i].name,
			    result_outcome_name(r.checks[i].outcome),
			    r.checks[i].reason);
	return 0;
}
