/*
 * verify_test_judge_uefi.c - the UEFI checks of judge.h (verify/
 * judge_uefi.c) against a real store, with evidence minted by
 * testdata/gen/mint.h carrying a small crypto-agile event log built here
 * (Spec ID, SecureBoot, separators on PCRs 0-7, one boot application on
 * PCR 4), PCRs 0-9 quoted as its replay:
 *   - the log equal to the device's reference log passes; pcr.reference
 *     leaves PCRs 0-9 to it;
 *   - another application digest (PCRs quoted as its replay) fails
 *     uefi.reference naming the event;
 *   - a log that does not replay fails uefi.replay.<bank> naming PCR 4;
 *   - a truncated log fails uefi.parse with the offset;
 *   - a challenge asking for "uefi" answered without a log fails
 *     uefi.parse;
 *   - a device without a reference log: uefi.reference skipped, the PCRs
 *     go back to pcr.reference;
 *   - a stored uefi.secureboot rule fails on Secure Boot off, naming the
 *     variable; uefi.* rules are not IMA rules (ima.reorder still runs);
 *   - ima.boot-aggregate is checked against PCRs 0-9 as replayed from
 *     uefi.log (a boot_aggregate of that replay passes, a wrong one
 *     fails);
 *   - judge_bundle_offline: uefi.reference skipped "no store".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "format/eventlog.h"
#include "policy/ima_policy.h"
#include "testdata/gen/mint.h"
#include "tests/unit/check.h"
#include "verify/judge.h"
#include "verify/store.h"
#include "verify/store_pcrref.h"

#define NOW		((int64_t)1800000000)
#define SELECTION	"sha1:0-10+sha256:0-10"

struct dev {
	struct mint_ak ak;
	char ek_crt[64], ek_pub[64];
	uint8_t id[32];
};

static struct store *st;
static struct mint_log ima_log;
static const struct mint_log *cur_ima = &ima_log;	/* what bundles carry */

static void die(const char *, const char *) __attribute__((noreturn));

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "verify_test_judge_uefi: %s: %s\n", what,
	    why ? why : "");
	exit(1);
}

/* ---- a small event log and its replay ---------------------------------------- */

struct elog {
	uint8_t b[4096];
	size_t n;
	struct pcr_set pcrs;	/* PCRs 0-9 replayed, sha1 and sha256 */
};

static void
put(struct elog *l, const void *p, size_t n)
{
	if (sizeof(l->b) - l->n < n)
		die("event log", "too large");
	memcpy(l->b + l->n, p, n);
	l->n += n;
}

static void
put32(struct elog *l, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 24) };

	put(l, b, 4);
}

static void
extend(struct elog *l, const char *alg, unsigned pcr, const uint8_t *d)
{
	const struct hashalg *h = hashalg_by_name(alg);
	uint8_t in[2 * HASHALG_MAX_SIZE], out[HASHALG_MAX_SIZE];
	const uint8_t *old = pcr_set_get(&l->pcrs, h, pcr);
	struct errbuf e;

	memcpy(in, old, h->size);
	memcpy(in + h->size, d, h->size);
	if (hashalg_digest(h, in, 2 * h->size, out) == -1 ||
	    pcr_set_put(&l->pcrs, h, pcr, out, &e) == -1)
		die("extend", NULL);
}

/* One TCG_PCR_EVENT2: digests H(what), data. */
static void
event(struct elog *l, unsigned pcr, uint32_t type, const void *data,
    size_t n, const void *what, size_t wn)
{
	uint8_t d1[20], d256[32];

	hashalg_digest(hashalg_by_name("sha1"), what, wn, d1);
	hashalg_digest(hashalg_by_name("sha256"), what, wn, d256);
	put32(l, pcr);
	put32(l, type);
	put32(l, 2);
	put(l, "\x04\x00", 2);
	put(l, d1, 20);
	put(l, "\x0b\x00", 2);
	put(l, d256, 32);
	put32(l, (uint32_t)n);
	put(l, data, n);
	extend(l, "sha1", pcr, d1);
	extend(l, "sha256", pcr, d256);
}

/* UEFI_VARIABLE_DATA of EFI_GLOBAL_VARIABLE "SecureBoot" = sb */
static void
secureboot(struct elog *l, uint8_t sb)
{
	static const uint8_t guid[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93,
	    0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
	uint8_t d[64];
	size_t i, n = 0;
	const char *name = "SecureBoot";

	memcpy(d, guid, 16);
	n = 16;
	memset(d + n, 0, 16);
	d[n] = 10;		/* UnicodeNameLength */
	d[n + 8] = 1;		/* VariableDataLength */
	n += 16;
	for (i = 0; i < 10; i++) {
		d[n++] = (uint8_t)name[i];
		d[n++] = 0;
	}
	d[n++] = sb;
	event(l, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, d, n, d, n);
}

/* Spec ID, SecureBoot, separators 0-7, an application whose image is
 * the text image. */
static void
make_log(struct elog *l, uint8_t sb, const char *image)
{
	static const uint8_t zero[HASHALG_MAX_SIZE];
	uint8_t spec[37], sep[4] = { 0 }, app[32];
	unsigned pcr;
	struct errbuf e;

	memset(l, 0, offsetof(struct elog, pcrs));
	pcr_set_init(&l->pcrs);
	for (pcr = 0; pcr < 10; pcr++)
		if (pcr_set_put(&l->pcrs, hashalg_by_name("sha1"), pcr, zero,
		    &e) == -1 || pcr_set_put(&l->pcrs,
		    hashalg_by_name("sha256"), pcr, zero, &e) == -1)
			die("PCRs", e.msg);
	memset(spec, 0, sizeof(spec));
	memcpy(spec, "Spec ID Event03", 16);
	spec[21] = 2;		/* major */
	spec[23] = 2;		/* uintnSize */
	spec[24] = 2;		/* two algorithms */
	spec[28] = 0x04; spec[30] = 20;
	spec[32] = 0x0b; spec[34] = 32;
	put32(l, 0);
	put32(l, EV_NO_ACTION);
	put(l, zero, 20);
	put32(l, sizeof(spec));
	put(l, spec, sizeof(spec));
	secureboot(l, sb);
	for (pcr = 0; pcr < 8; pcr++)
		event(l, pcr, EV_SEPARATOR, sep, 4, sep, 4);
	/* UEFI_IMAGE_LOAD_EVENT without a device path */
	memset(app, 0, sizeof(app));
	app[0] = 0x10;
	event(l, 4, EV_EFI_BOOT_SERVICES_APPLICATION, app, sizeof(app), image,
	    strlen(image));
}

/* ---- store and bundles ----------------------------------------------------------- */

static void
add_device(struct dev *d, const char *label, const struct elog *ref)
{
	struct store_device sd;
	struct store_refs refs;
	struct errbuf e;

	if (mint_ak_init(&d->ak, NULL, &e) == -1)
		die("AK", e.msg);
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
	sd.state = STORE_DEVICE_ENROLLED;
	if (store_device_id(sd.ek_cert, sd.ek_cert_len, sd.id, &e) == -1 ||
	    store_device_add(st, &sd, NOW - 1000, &e) == -1)
		die("add device", e.msg);
	memcpy(d->id, sd.id, 32);
	memset(&refs, 0, sizeof(refs));
	if (mint_ref_pcrs(&refs.pcrs, &e) == -1)
		die("reference PCRs", e.msg);
	refs.ima_log_alg = hashalg_by_name("sha1");
	refs.ima_log = ima_log.data;
	refs.ima_log_len = ima_log.len;
	if (store_refs_set(st, d->id, &refs, NOW - 1000, &e) == -1 ||
	    (ref != NULL && store_uefi_ref_set(st, d->id, ref->b, ref->n,
	    d->id, NOW - 1000, &e) == -1))
		die("references", e.msg);
}

/* A challenge to d asking for logs; the bundle answering it, carrying
 * log (NULL: none) with PCRs 0-9 as pcrs (NULL: log's replay). */
static const struct result *
judge(const struct dev *d, const char *logs, const struct elog *log,
    size_t log_len, const struct pcr_set *pcrs, const char *name,
    struct result *res, bool offline)
{
	struct judge_input in = { name, false, 0, NULL };
	struct store_challenge sc;
	struct mint_spec s;
	struct errbuf e;
	size_t off = 0;
	uint8_t *b;
	size_t n;

	memset(&sc, 0, sizeof(sc));
	if (store_new_id(sc.id, &e) == -1)
		die("id", e.msg);
	RAND_bytes(sc.secret, sizeof(sc.secret));
	memcpy(sc.device_id, d->id, 32);
	sc.purpose = STORE_CHALLENGE_ATTESTATION;
	memcpy(sc.ak_name, d->ak.name.b, d->ak.name.len);
	sc.ak_name_len = d->ak.name.len;
	mint_spec_init(&s, &d->ak);
	if (tpm_selection_from_spec(SELECTION, &s.sel, &e) == -1 ||
	    Tss2_MU_TPML_PCR_SELECTION_Marshal(&s.sel, sc.pcr_selection,
	    sizeof(sc.pcr_selection), &off) != 0)
		die("selection", e.msg);
	sc.pcr_selection_len = off;
	snprintf(sc.logs, sizeof(sc.logs), "%s", logs);
	sc.issued = NOW - 100;
	sc.not_after = NOW + 1000;
	if (!offline && store_challenge_issue(st, &sc, &e) == -1)
		die("issue", e.msg);
	s.ek_crt = (const uint8_t *)d->ek_crt;
	s.ek_crt_len = strlen(d->ek_crt);
	s.ek_pub = (const uint8_t *)d->ek_pub;
	s.ek_pub_len = strlen(d->ek_pub);
	memcpy(s.challenge_id, sc.id, 16);
	memcpy(s.nonce, sc.secret, 32);
	s.ima = cur_ima->data;
	s.ima_len = cur_ima->len;
	if (log != NULL) {
		s.uefi = log->b;
		s.uefi_len = log_len;
		s.uefi_pcrs = pcrs != NULL ? pcrs : &log->pcrs;
	}
	if (mint_evidence(&s, &b, &n, &e) == -1)
		die(name, e.msg);
	if (offline)
		judge_bundle_offline(NOW, &in, b, n, res);
	else if (judge_bundle(st, NOW, &in, b, n, res, NULL, &e) == -1)
		die("judge", e.msg);
	free(b);
	return res;
}

static const struct result_check *
find(const struct result *r, const char *name, enum result_outcome o,
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
		fprintf(stderr, "  %s %d %s\n", r->checks[i].name,
		    (int)r->checks[i].outcome, r->checks[i].reason);
}

/* Whether r's failed checks are exactly names (space-separated, in
 * order, each once). */
static bool
fails_only(const struct result *r, const char *names)
{
	char got[512] = "";
	size_t i, o = 0;

	for (i = 0; i < r->n_checks && o < sizeof(got); i++) {
		if (r->checks[i].outcome != RESULT_CHECK_FAIL)
			continue;
		if (i > 0 && strcmp(r->checks[i - 1].name,
		    r->checks[i].name) == 0)
			continue;
		o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s",
		    o ? " " : "", r->checks[i].name);
	}
	if (strcmp(got, names) != 0) {
		fprintf(stderr, "failed: '%s', expected '%s'\n", got, names);
		dump(r);
		return false;
	}
	return true;
}

int
main(void)
{
	static struct elog base, other, sboff;
	static struct result res;
	static struct pcr_set wrong;
	char dir[] = "/tmp/verify_test_judge_uefi.XXXXXX", path[80];
	const char *paths[] = { "/usr/bin/a", "/usr/bin/b", "/usr/lib/c.so" };
	struct dev A, N, S;
	const struct result *r;
	const char *rules[] = { "uefi.secureboot" };
	struct errbuf e;
	uint8_t x[32] = { 1 };
	size_t i;

	if (mkdtemp(dir) == NULL)
		die("mkdtemp", NULL);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	if (store_open(path, STORE_CREATE_NEW, &st, &e) == -1)
		die("store", e.msg);
	memset(&ima_log, 0, sizeof(ima_log));
	if (mint_log_add(&ima_log, "boot_aggregate", "boot", NULL, &e) == -1)
		die("IMA log", e.msg);
	for (i = 0; i < 3; i++)
		if (mint_log_add(&ima_log, paths[i], paths[i], NULL, &e) == -1)
			die("IMA log", e.msg);
	make_log(&base, 1, "grub 2.06 image");
	make_log(&other, 1, "grub 2.12 image");
	make_log(&sboff, 0, "grub 2.06 image");
	add_device(&A, "device A", &base);
	add_device(&N, "device without a reference log", NULL);
	add_device(&S, "device with uefi.secureboot", &base);
	if (store_policy_set(st, S.id, 0, rules, 1, &e) == -1 ||
	    store_begin(st, &e) == -1)
		die("policy", e.msg);

	r = judge(&A, "ima,uefi", &base, base.n, NULL, "same", &res, false);
	CHECK(r->verdict == RESULT_PASS, "the reference log itself passes");
	if (r->verdict != RESULT_PASS)
		dump(r);
	CHECK(find(r, "uefi.parse", RESULT_OK, "11 events (crypto-"
	    "agile format; banks sha1, sha256); Secure Boot on, 1 "
	    "applications") != NULL, "uefi.parse: events, banks, facts");
	CHECK(find(r, "uefi.replay.sha256", RESULT_OK, "10 events "
	    "replay to the 10 quoted PCRs") != NULL,
	    "uefi.replay.sha256: PCRs 0-9 reached");
	CHECK(find(r, "uefi.reference", RESULT_OK, "the 11 events pair "
	    "with the reference event log") != NULL, "uefi.reference ok");
	CHECK(find(r, "pcr.reference", RESULT_OK, "PCR 0-10 judged by "
	    "their logs") != NULL, "pcr.reference leaves PCRs 0-9 to uefi.log");

	r = judge(&A, "ima,uefi", &other, other.n, NULL, "other", &res,
	    false);
	CHECK(fails_only(r, "uefi.reference"),
	    "another boot loader: uefi.reference fails, nothing else");
	CHECK(find(r, "uefi.reference", RESULT_CHECK_FAIL, "1 event added, "
	    "removed or changed against the reference event log") != NULL,
	    "uefi.reference: the summary");
	CHECK(find(r, "uefi.reference", RESULT_CHECK_FAIL, "PCR 4 "
	    "EV_EFI_BOOT_SERVICES_APPLICATION") != NULL &&
	    find(r, "uefi.reference", RESULT_CHECK_FAIL, "changed") != NULL,
	    "uefi.reference: the application's event named");

	/* PCR 4 quoted as it would be after one more extend */
	wrong = base.pcrs;
	extend((struct elog *)&base, "sha256", 4, x);
	r = judge(&A, "ima,uefi", &base, base.n, &base.pcrs, "no-replay",
	    &res, false);
	base.pcrs = wrong;
	CHECK(fails_only(r, "uefi.replay.sha256"),
	    "a log that does not replay: uefi.replay.sha256 fails only");
	CHECK(find(r, "uefi.replay.sha256", RESULT_CHECK_FAIL, "PCR 4: 2 "
	    "events of uefi.log replay to ") != NULL,
	    "uefi.replay.sha256 names PCR 4 and its events");
	CHECK(find(r, "uefi.replay.sha1", RESULT_OK, NULL) != NULL,
	    "uefi.replay.sha1 still holds");

	r = judge(&A, "ima,uefi", &base, base.n - 5, NULL, "truncated", &res,
	    false);
	CHECK(find(r, "uefi.parse", RESULT_CHECK_FAIL, "offset") != NULL &&
	    find(r, "uefi.parse", RESULT_CHECK_FAIL, "10 events read") != NULL,
	    "a truncated log: uefi.parse names the offset and the events read");
	CHECK(find(r, "uefi.replay.sha256", RESULT_OK, NULL) == NULL,
	    "a log that does not parse is not replayed");

	r = judge(&A, "ima,uefi", NULL, 0, NULL, "no-log", &res, false);
	CHECK(find(r, "uefi.parse", RESULT_CHECK_FAIL, "the challenge asks "
	    "for the UEFI event log and the bundle has no uefi.log") != NULL,
	    "a uefi challenge without the log fails uefi.parse");
	r = judge(&A, "ima", NULL, 0, NULL, "no-log-ima", &res, false);
	CHECK(r->verdict == RESULT_PASS && find(r, "uefi.parse",
	    RESULT_CHECK_FAIL, NULL) == NULL,
	    "no log, none asked for: no uefi check, pass");

	r = judge(&N, "ima,uefi", &base, base.n, NULL, "no-reference", &res,
	    false);
	CHECK(find(r, "uefi.reference", RESULT_SKIP, "no reference "
	    "event log") != NULL, "no reference log: uefi.reference skipped");
	CHECK(find(r, "pcr.reference", RESULT_CHECK_FAIL, "PCR 0 sha1") !=
	    NULL, "no reference log: pcr.reference judges PCRs 0-9 again");

	r = judge(&S, "ima,uefi", &sboff, sboff.n, NULL, "sb-off", &res,
	    false);
	CHECK(find(r, "uefi.secureboot", RESULT_CHECK_FAIL, "SecureBoot") !=
	    NULL, "Secure Boot off: uefi.secureboot fails naming the variable");
	CHECK(find(r, "uefi.secureboot", RESULT_CHECK_FAIL,
	    "rule uefi.secureboot (the device's)") != NULL,
	    "uefi.secureboot: the rule and its source named");
	CHECK(find(r, "ima.reorder", RESULT_OK, NULL) != NULL,
	    "a uefi rule alone leaves the IMA default (reorder)");
	/* this small log measures no PK, KEK or db: the rule says so, and
	 * nothing about the SecureBoot variable */
	r = judge(&S, "ima,uefi", &base, base.n, NULL, "sb-on", &res, false);
	CHECK(fails_only(r, "uefi.secureboot") && find(r, "uefi.secureboot",
	    RESULT_CHECK_FAIL, "PK") != NULL && find(r, "uefi.secureboot",
	    RESULT_CHECK_FAIL, "SecureBoot=") == NULL,
	    "Secure Boot on, no keys measured: only the keys are named");

	/* boot_aggregate of the replayed sha256 PCRs 0-9 */
	{
		static struct mint_log agg_log, bad_log;
		const char *brule[] = { "boot_aggregate" };
		uint8_t agg[HASHALG_MAX_SIZE];
		struct dev G;

		if (ima_boot_aggregate(&base.pcrs, hashalg_by_name("sha256"), 9,
		    agg, &e) == -1 ||
		    mint_log_add(&agg_log, "boot_aggregate", NULL, agg,
		    &e) == -1 ||
		    mint_log_add(&bad_log, "boot_aggregate", NULL, x,
		    &e) == -1)
			die("boot_aggregate", e.msg);
		for (i = 0; i < 3; i++)
			if (mint_log_add(&agg_log, paths[i], paths[i], NULL,
			    &e) == -1 || mint_log_add(&bad_log, paths[i],
			    paths[i], NULL, &e) == -1)
				die("IMA log", e.msg);
		add_device(&G, "device with boot_aggregate", &base);
		if (store_policy_set(st, G.id, 0, brule, 1, &e) == -1)
			die("policy", e.msg);
		cur_ima = &agg_log;
		r = judge(&G, "ima,uefi", &base, base.n, NULL, "aggregate",
		    &res, false);
		CHECK(r->verdict == RESULT_PASS && find(r, "ima.boot-aggregate",
		    RESULT_OK, "against PCRs 0-9 as replayed from uefi.log") !=
		    NULL, "ima.boot-aggregate: against the replayed PCRs 0-9");
		if (r->verdict != RESULT_PASS)
			dump(r);
		cur_ima = &bad_log;
		r = judge(&G, "ima,uefi", &base, base.n, NULL, "bad-aggregate",
		    &res, false);
		CHECK(find(r, "ima.boot-aggregate", RESULT_CHECK_FAIL, NULL) !=
		    NULL, "ima.boot-aggregate: a wrong one fails");
		cur_ima = &ima_log;
		mint_ak_free(&G.ak);
		free(agg_log.data);
		free(bad_log.data);
	}

	r = judge(&A, "ima,uefi", &other, other.n, NULL, "offline", &res,
	    true);
	CHECK(find(r, "uefi.reference", RESULT_SKIP, "no store") !=
	    NULL && find(r, "uefi.replay.sha256", RESULT_OK, NULL) !=
	    NULL, "offline: replayed, reference skipped (no store)");

	if (store_commit(st, &e) == -1)
		die("commit", e.msg);
	store_close(st);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		die("cleanup", dir);
	mint_ak_free(&A.ak);
	mint_ak_free(&N.ak);
	mint_ak_free(&S.ak);
	free(ima_log.data);
	return check_failures ? 1 : 0;
}
