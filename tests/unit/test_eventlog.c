/*
 * test_eventlog.c - the UEFI event log parser, replay, facts, comparison
 * and policy rules (format/eventlog*.h) on logs built here byte by byte
 * and on real ones (testdata/eventlogs/PROVENANCE.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "policy/eventlog_policy.h"
#include "format/fileio.h"
#include "tests/unit/check.h"

/* ---- a log builder ---------------------------------------------------------- */

struct lb {
	uint8_t b[65536];
	size_t n;
};

static void
p32(struct lb *l, uint32_t v)
{
	l->b[l->n++] = (uint8_t)v;
	l->b[l->n++] = (uint8_t)(v >> 8);
	l->b[l->n++] = (uint8_t)(v >> 16);
	l->b[l->n++] = (uint8_t)(v >> 24);
}

static void
p16(struct lb *l, uint16_t v)
{
	l->b[l->n++] = (uint8_t)v;
	l->b[l->n++] = (uint8_t)(v >> 8);
}

static void
pb(struct lb *l, const void *p, size_t n)
{
	memcpy(l->b + l->n, p, n);
	l->n += n;
}

static void
h(const char *md, const void *p, size_t n, uint8_t *o)
{
	EVP_Digest(p, n, o, NULL, EVP_get_digestbyname(md), NULL);
}

/* Spec ID Event03 declaring sha1 and sha256 (and extra, if id != 0). */
static void
specid(struct lb *l, uint16_t extra_id, uint16_t extra_size)
{
	uint8_t z[20] = { 0 };
	uint32_t n = extra_id ? 3 : 2;

	p32(l, 0);
	p32(l, 3);
	pb(l, z, 20);
	p32(l, 24 + 4 + 4 * n + 1);
	pb(l, "Spec ID Event03", 16);
	p32(l, 0);
	l->b[l->n++] = 0;
	l->b[l->n++] = 2;
	l->b[l->n++] = 0;
	l->b[l->n++] = 2;
	p32(l, n);
	p16(l, 4);
	p16(l, 20);
	p16(l, 11);
	p16(l, 32);
	if (extra_id) {
		p16(l, extra_id);
		p16(l, extra_size);
	}
	l->b[l->n++] = 0;
}

/* An agile event; digests are H(what) (what NULL: H(data)). */
static void
ev(struct lb *l, uint32_t pcr, uint32_t type, const void *data, size_t n,
    const void *what, size_t wn, uint16_t extra_size)
{
	uint8_t d[64];

	if (what == NULL) {
		what = data;
		wn = n;
	}
	p32(l, pcr);
	p32(l, type);
	p32(l, extra_size ? 3 : 2);
	p16(l, 4);
	h("sha1", what, wn, d);
	pb(l, d, 20);
	p16(l, 11);
	h("sha256", what, wn, d);
	pb(l, d, 32);
	if (extra_size) {
		p16(l, 0x99);
		memset(d, 0xab, extra_size);
		pb(l, d, extra_size);
	}
	p32(l, (uint32_t)n);
	pb(l, data, n);
}

static void
locality(struct lb *l, uint8_t loc)
{
	uint8_t d[17], z[52] = { 0 };

	memcpy(d, "StartupLocality", 16);
	d[16] = loc;
	p32(l, 0);
	p32(l, 3);
	p32(l, 2);
	p16(l, 4);
	pb(l, z, 20);
	p16(l, 11);
	pb(l, z, 32);
	p32(l, 17);
	pb(l, d, 17);
}

static const uint8_t g_global[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93,
    0xd2, 0x11, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
static const uint8_t g_imgsec[16] = { 0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d,
    0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f };
static const uint8_t g_sha256[16] = { 0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50,
    0x92, 0x40, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28 };

static void
var(struct lb *l, const uint8_t *guid, const char *name, const void *val,
    size_t vlen)
{
	uint8_t d[4096];
	size_t nl = strlen(name), i, n = 32 + 2 * nl + vlen;

	memset(d, 0, sizeof(d));
	memcpy(d, guid, 16);
	d[16] = (uint8_t)nl;
	d[24] = (uint8_t)vlen;
	d[25] = (uint8_t)(vlen >> 8);
	for (i = 0; i < nl; i++)
		d[32 + 2 * i] = (uint8_t)name[i];
	memcpy(d + 32 + 2 * nl, val, vlen);
	ev(l, 7, EV_EFI_VARIABLE_DRIVER_CONFIG, d, n, NULL, 0, 0);
}

/* dbx: one SHA-256 list of n entries, entry i = 32 bytes of (i + 1),
 * entry `skip` left out. */
static void
dbx(struct lb *l, unsigned n, int skip)
{
	uint8_t d[2048];
	size_t o = 28;
	unsigned i;

	memset(d, 0, sizeof(d));
	memcpy(d, g_sha256, 16);
	d[24] = 48;
	for (i = 0; i < n; i++) {
		if ((int)i == skip)
			continue;
		memset(d + o, 0x77, 16);	/* owner */
		memset(d + o + 16, (int)i + 1, 32);
		o += 48;
	}
	d[16] = (uint8_t)o;
	d[17] = (uint8_t)(o >> 8);
	var(l, g_imgsec, "dbx", d, o);
}

static void
app(struct lb *l, const char *image)
{
	uint8_t d[32] = { 0 };

	ev(l, 4, EV_EFI_BOOT_SERVICES_APPLICATION, d, 32, image,
	    strlen(image), 0);
}

static void
grub(struct lb *l, const char *prefix, const char *s)
{
	char d[512];
	size_t n = (size_t)snprintf(d, sizeof(d), "%s%s", prefix, s);

	ev(l, 8, EV_IPL, d, n + 1, s, strlen(s), 0);
}

struct bootopts {
	uint8_t sb;
	const char *grub_image;
	int dbx_skip;
	const char *cmdline;
	bool debug;
	bool error_sep3;
	bool no_sep5;
};

/* A whole boot: the policy rules' material. */
static void
boot(struct lb *l, const struct bootopts *o)
{
	uint8_t z[4] = { 0 }, ff[4] = { 0xff, 0xff, 0xff, 0xff }, c[100];
	unsigned p;

	l->n = 0;
	specid(l, 0, 0);
	var(l, g_global, "SecureBoot", &o->sb, 1);
	memset(c, 0x11, sizeof(c));
	memcpy(c, g_sha256, 16);
	c[16] = 76;
	c[24] = 48;
	var(l, g_global, "PK", c, 76);
	var(l, g_global, "KEK", c, 76);
	var(l, g_imgsec, "db", c, 76);
	dbx(l, 4, o->dbx_skip);
	if (o->debug)
		ev(l, 7, EV_EFI_ACTION, "UEFI Debug Mode", 15, NULL, 0, 0);
	for (p = 0; p < 8; p++) {
		if (p == 5 && o->no_sep5)
			continue;
		ev(l, p, EV_SEPARATOR, p == 3 && o->error_sep3 ? ff : z, 4,
		    NULL, 0, 0);
	}
	app(l, "shim");
	app(l, o->grub_image);
	grub(l, "grub_cmd: ", "insmod gzio");
	grub(l, "kernel_cmdline: ", o->cmdline);
	ev(l, 5, EV_EFI_ACTION, "Exit Boot Services Invocation", 29, NULL, 0,
	    0);
}

static const struct bootopts good = { 1, "grub", -1,
    "/vmlinuz root=/dev/vda1 ro", false, false, false };

/* ---- helpers ------------------------------------------------------------------ */

static int
parse(struct evlog *l, const struct lb *b, struct errbuf *e)
{
	return evlog_parse(l, b->b, b->n, e);
}

static bool
has(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

static void
extend(const char *md, uint8_t *pcr, size_t n, const uint8_t *d)
{
	uint8_t b[128];

	memcpy(b, pcr, n);
	memcpy(b + n, d, n);
	h(md, b, 2 * n, pcr);
}

struct collect {
	unsigned n;
	char text[8][1024];
};

static void
on_finding(void *arg, const struct evlog_finding *f)
{
	struct collect *c = arg;

	if (c->n < 8)
		snprintf(c->text[c->n], sizeof(c->text[0]), "%s", f->text);
	c->n++;
}

/* Evaluate one rule on boot o against reference r (NULL: none). */
static struct evlog_rule_result
rule(const char *text, const struct bootopts *o, const struct bootopts *r,
    struct collect *c)
{
	static struct lb lb, rb;
	struct evlog l, ref;
	struct evlog_facts f, rf;
	struct evlog_policy p;
	struct evlog_rule_result res[EVLOG_POLICY_RULES_MAX];
	struct errbuf e;

	memset(&p, 0, sizeof(p));
	memset(c, 0, sizeof(*c));
	memset(res, 0, sizeof(res));
	evlog_init(&l);
	evlog_init(&ref);
	boot(&lb, o);
	if (evlog_policy_add_rule(&p, text, &e) == -1 || parse(&l, &lb, &e))
		res[0].failed = res[0].skipped = true;
	evlog_facts_get(&l, &f);
	if (r != NULL) {
		boot(&rb, r);
		(void)parse(&ref, &rb, &e);
		evlog_facts_get(&ref, &rf);
	}
	if (evlog_policy_eval(&p, &l, &f, r ? &ref : NULL, r ? &rf : NULL,
	    on_finding, c, res, &e) == -1)
		res[0].failed = res[0].skipped = true;
	evlog_free(&l);
	evlog_free(&ref);
	return res[0];
}

/* ---- tests -------------------------------------------------------------------- */

static void
test_truncation_and_trailing(void)
{
	static struct lb b;
	struct evlog l;
	struct errbuf e;
	size_t full;

	evlog_init(&l);
	boot(&b, &good);
	full = b.n;
	CHECK(parse(&l, &b, &e) == 0 && l.parsed_all, "generated boot parses");
	CHECK(l.format == EVLOG_FORMAT_AGILE && l.nbanks == 2,
	    "crypto-agile, two banks");
	b.n = full - 10;
	CHECK(parse(&l, &b, &e) == -1 && has(e.msg, "truncated") &&
	    has(e.msg, "at offset"), "a cut log fails: %s", e.msg);
	CHECK(!l.parsed_all && l.nevents > 0 && l.err_offset < full,
	    "events before the cut are kept (%zu), err_offset %zu",
	    l.nevents, l.err_offset);
	b.n = full;
	b.b[b.n++] = 0xaa;
	b.b[b.n++] = 0xbb;
	b.b[b.n++] = 0xcc;
	snprintf(e.msg, sizeof(e.msg), "x");
	CHECK(parse(&l, &b, &e) == -1 && has(e.msg, "3 bytes") &&
	    l.err_offset == full, "3 trailing bytes at offset %zu: %s", full,
	    e.msg);
	CHECK(evlog_parse(&l, b.b, 0, &e) == -1 && has(e.msg, "empty"),
	    "an empty log is refused: %s", e.msg);
	evlog_free(&l);
}

static void
test_pcr_none_and_range(void)
{
	static struct lb b;
	struct evlog l;
	struct evlog_replay rp;
	struct errbuf e;
	uint8_t z[4] = { 0 };

	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	b.n = 0;
	specid(&b, 0, 0);
	ev(&b, 0xffffffffu, EV_NO_ACTION, "vendor", 6, NULL, 0, 0);
	ev(&b, 0xffffffffu, EV_EFI_ACTION, "odd", 3, NULL, 0, 0);
	ev(&b, 4, EV_SEPARATOR, z, 4, NULL, 0, 0);
	CHECK(parse(&l, &b, &e) == 0, "PCR 0xffffffff events parse");
	CHECK(l.nevents == 4 && (l.events[2].flags & EVLOG_EV_NOT_EXTENDED),
	    "an event on PCR 0xffffffff is kept and not extended");
	CHECK(evlog_replay_run(&rp, &l, NULL, 0, &e) == 0 &&
	    rp.extended == (1u << 4) && rp.banks[0].events_into[4] == 1,
	    "replay extends only PCR 4");
	CHECK(evlog_event_trust(&l, &l.events[2]) ==
	    EVLOG_TRUST_NOT_EXTENDED, "its data is covered by nothing");
	b.n = 0;
	specid(&b, 0, 0);
	ev(&b, 40, EV_SEPARATOR, z, 4, NULL, 0, 0);
	CHECK(parse(&l, &b, &e) == -1 && has(e.msg, "PCR index 40") &&
	    has(e.msg, "event 1 at offset"), "PCR 40 is refused: %s", e.msg);
	evlog_replay_free(&rp);
	evlog_free(&l);
}

static void
test_locality(uint8_t loc)
{
	static struct lb b;
	struct evlog l;
	struct evlog_replay rp;
	struct errbuf e;
	uint8_t z[4] = { 0 }, p1[20] = { 0 }, p2[32] = { 0 }, d[32];
	int i1, i2;

	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	b.n = 0;
	specid(&b, 0, 0);
	locality(&b, loc);
	ev(&b, 0, EV_SEPARATOR, z, 4, NULL, 0, 0);
	CHECK(parse(&l, &b, &e) == 0 && l.has_locality && l.locality == loc,
	    "StartupLocality %u is read", loc);
	CHECK(evlog_replay_run(&rp, &l, NULL, 0, &e) == 0 &&
	    rp.locality_applied, "locality %u applied", loc);
	p1[19] = loc;
	p2[31] = loc;
	h("sha1", z, 4, d);
	extend("sha1", p1, 20, d);
	h("sha256", z, 4, d);
	extend("sha256", p2, 32, d);
	i1 = evlog_replay_bank(&rp, hashalg_by_name("sha1"));
	i2 = evlog_replay_bank(&rp, hashalg_by_name("sha256"));
	CHECK(i1 >= 0 && memcmp(rp.banks[i1].pcr[0], p1, 20) == 0,
	    "sha1 PCR 0 starts at 0...0%02x", loc);
	CHECK(i2 >= 0 && memcmp(rp.banks[i2].pcr[0], p2, 32) == 0,
	    "sha256 PCR 0 starts at 0...0%02x", loc);
	CHECK(l.events[1].flags & EVLOG_EV_NOT_EXTENDED,
	    "the StartupLocality event is not extended");
	evlog_replay_free(&rp);
	evlog_free(&l);
}

static void
test_unknown_type_and_alg(void)
{
	static struct lb b;
	struct evlog l;
	struct evlog_replay rp;
	struct evlog_facts f;
	struct errbuf e;
	char text[256];

	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	b.n = 0;
	specid(&b, 0, 0);
	ev(&b, 2, 0x8000abcd, "vendor blob", 11, NULL, 0, 0);
	CHECK(parse(&l, &b, &e) == 0 && l.nevents == 2,
	    "an unknown event type is kept");
	CHECK(evlog_type_name(l.events[1].type) == NULL &&
	    evlog_event_trust(&l, &l.events[1]) == EVLOG_TRUST_UNKNOWN_TYPE,
	    "its data is not trusted");
	evlog_event_text(&l, &l.events[1], text, sizeof(text));
	CHECK(has(text, "vendor blob") || has(text, "76656e646f72"),
	    "it is shown: %s", text);
	evlog_facts_get(&l, &f);
	CHECK(f.unknown_types == 1, "facts count it");
	CHECK(evlog_replay_run(&rp, &l, NULL, 0, &e) == 0 &&
	    rp.extended == (1u << 2), "it is extended (the TPM was)");

	/* An algorithm this build does not know, size from the Spec ID. */
	b.n = 0;
	specid(&b, 0x99, 24);
	ev(&b, 3, EV_EFI_ACTION, "x", 1, NULL, 0, 24);
	CHECK(parse(&l, &b, &e) == 0 && l.nbanks == 3 &&
	    l.banks[2].alg == NULL && l.banks[2].size == 24,
	    "an unknown algorithm's digests are stepped over by the Spec ID "
	    "size");
	CHECK(evlog_replay_run(&rp, &l, NULL, 0, &e) == 0 && rp.nbanks == 2 &&
	    has(rp.skipped_note, "0x0099"), "and not replayed (%s)",
	    rp.skipped_note);
	/* A known algorithm with another size is refused. */
	b.n = 0;
	specid(&b, 0, 0);
	b.b[32 + 24 + 4 + 6] = 20;	/* sha256's size */
	CHECK(parse(&l, &b, &e) == -1 && has(e.msg, "sha256") &&
	    has(e.msg, "size 20"), "sha256 of 20 bytes is refused: %s", e.msg);
	/* An event naming an undeclared algorithm. */
	b.n = 0;
	specid(&b, 0, 0);
	ev(&b, 3, EV_EFI_ACTION, "x", 1, NULL, 0, 24);
	CHECK(parse(&l, &b, &e) == -1 && has(e.msg, "digests"),
	    "more digests than declared are refused: %s", e.msg);
	evlog_replay_free(&rp);
	evlog_free(&l);
}

static void
test_sha1_format(void)
{
	static struct lb b;
	struct evlog l;
	struct evlog_replay rp;
	struct errbuf e;
	uint8_t d[20], p[20] = { 0 }, z[4] = { 0 };

	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	b.n = 0;
	h("sha1", z, 4, d);
	p32(&b, 7);
	p32(&b, EV_SEPARATOR);
	pb(&b, d, 20);
	p32(&b, 4);
	pb(&b, z, 4);
	CHECK(parse(&l, &b, &e) == 0 && l.format == EVLOG_FORMAT_SHA1 &&
	    l.nbanks == 1 && l.nevents == 1, "a TCG 1.2 SHA-1 log parses");
	extend("sha1", p, 20, d);
	CHECK(evlog_replay_run(&rp, &l, NULL, 0, &e) == 0 &&
	    memcmp(rp.banks[0].pcr[7], p, 20) == 0, "and replays");
	CHECK(evlog_event_trust(&l, &l.events[0]) == EVLOG_TRUST_VERIFIED,
	    "its separator is covered by its digest");
	evlog_replay_free(&rp);
	evlog_free(&l);
}

static void
test_trust(void)
{
	static struct lb b;
	struct evlog l;
	struct errbuf e;
	uint8_t z[4] = { 0 }, one[4] = { 1 };

	evlog_init(&l);
	b.n = 0;
	specid(&b, 0, 0);
	ev(&b, 0, EV_SEPARATOR, z, 4, NULL, 0, 0);
	ev(&b, 1, EV_SEPARATOR, z, 4, one, 4, 0);
	app(&b, "image");
	grub(&b, "grub_cmd: ", "ls");
	ev(&b, 0, EV_POST_CODE, "code", 4, "blob", 4, 0);
	ev(&b, 7, EV_EFI_ACTION, "UEFI Debug Mode", 15, "other", 5, 0);
	CHECK(parse(&l, &b, &e) == 0, "trust log parses");
	CHECK(evlog_event_trust(&l, &l.events[1]) == EVLOG_TRUST_VERIFIED,
	    "separator: verified");
	CHECK(evlog_event_trust(&l, &l.events[2]) == EVLOG_TRUST_MISMATCH,
	    "separator with another digest: mismatch");
	CHECK(evlog_event_trust(&l, &l.events[3]) == EVLOG_TRUST_OTHER,
	    "application: the digest covers the image (other)");
	CHECK(evlog_event_trust(&l, &l.events[4]) == EVLOG_TRUST_VERIFIED,
	    "GRUB command: digest of the bare string, verified");
	CHECK(evlog_event_trust(&l, &l.events[5]) == EVLOG_TRUST_OTHER,
	    "POST code: other");
	CHECK(evlog_event_trust(&l, &l.events[6]) == EVLOG_TRUST_MISMATCH,
	    "EFI action whose digest is not its text: mismatch");
	CHECK(evlog_event_trust(&l, &l.events[0]) == EVLOG_TRUST_NOT_EXTENDED,
	    "Spec ID: not extended");
	evlog_free(&l);
}

static void
diff_count(void *arg, const struct evlog_diff_item *d)
{
	unsigned *n = arg;

	n[d->kind]++;
}

static void
test_diff(void)
{
	static struct lb a, r;
	struct evlog l, ref;
	struct evlog_diff_item d;
	struct errbuf e;
	struct bootopts o = good;
	unsigned n[3] = { 0, 0, 0 };
	size_t count;
	char text[2048];
	uint8_t z[4] = { 0 };

	evlog_init(&l);
	evlog_init(&ref);
	boot(&r, &good);
	(void)parse(&ref, &r, &e);
	boot(&a, &good);
	(void)parse(&l, &a, &e);
	CHECK(evlog_diff(&l, &ref, NULL, NULL, &count, &e) == 0 && count == 0,
	    "a log equals itself");
	o.grub_image = "evil grub";
	boot(&a, &o);
	ev(&a, 14, EV_SEPARATOR, z, 4, NULL, 0, 0);
	(void)parse(&l, &a, &e);
	CHECK(evlog_diff(&l, &ref, diff_count, n, &count, &e) == 0 &&
	    count == 2 && n[EVLOG_DIFF_CHANGED] == 1 &&
	    n[EVLOG_DIFF_ADDED] == 1, "changed 1 (%u), added 1 (%u)",
	    n[EVLOG_DIFF_CHANGED], n[EVLOG_DIFF_ADDED]);
	/* The boot loader's digest changed: named with both digests. */
	memset(&d, 0, sizeof(d));
	d.kind = EVLOG_DIFF_CHANGED;
	d.ev = &l.events[14];
	d.ref = &ref.events[14];
	d.bank = d.ref_bank = 1;
	evlog_diff_text(&l, &ref, &d, text, sizeof(text));
	CHECK(has(text, "PCR 4 EV_EFI_BOOT_SERVICES_APPLICATION") &&
	    has(text, "digest changed from sha256:"), "%s", text);
	/* Order-insensitive: two separators swapped give no difference. */
	boot(&a, &good);
	(void)parse(&l, &a, &e);
	{
		struct evlog_event t = l.events[6];

		l.events[6] = l.events[7];
		l.events[7] = t;
	}
	CHECK(evlog_diff(&l, &ref, NULL, NULL, &count, &e) == 0 && count == 0,
	    "events in another order are not differences");
	evlog_free(&l);
	evlog_free(&ref);
}

static void
test_rules(void)
{
	struct evlog_policy p;
	struct evlog_rule_result r;
	struct collect c;
	struct bootopts o;
	struct errbuf e;
	char text[64];

	memset(&p, 0, sizeof(p));
	CHECK(evlog_policy_add_rule(&p, "cmdline:*ro*", &e) == 0 &&
	    evlog_rule_format(&p.rules[0], text, sizeof(text), &e) == 0 &&
	    strcmp(text, "cmdline:*ro*") == 0, "cmdline rule text round trip");
	CHECK(evlog_policy_add_rule(&p, "cmdline:x", &e) == -1 &&
	    has(e.msg, "twice"), "a rule given twice is refused");
	CHECK(evlog_policy_add_rule(&p, "cmdline", &e) == -1 ||
	    p.nrules == 1, "cmdline without a glob is refused");
	CHECK(evlog_policy_add_rule(&p, "secureboot:x", &e) == -1,
	    "options on secureboot are refused");
	CHECK(evlog_policy_add_rule(&p, "bogus", &e) == -1 &&
	    has(e.msg, "unknown"), "unknown rule refused");

	r = rule("secureboot", &good, NULL, &c);
	CHECK(!r.failed && !r.skipped, "secureboot passes");
	o = good;
	o.sb = 0;
	r = rule("secureboot", &o, NULL, &c);
	CHECK(r.failed && has(c.text[0], "off"), "secureboot off fails: %s",
	    c.text[0]);
	o = good;
	o.debug = true;
	r = rule("secureboot", &o, NULL, &c);
	CHECK(r.failed && has(c.text[0], "Debug"), "debug mode fails: %s",
	    c.text[0]);

	r = rule("dbx", &good, &good, &c);
	CHECK(!r.failed && !r.skipped, "dbx equal to the reference passes");
	r = rule("dbx", &good, NULL, &c);
	CHECK(r.skipped && !r.failed, "dbx without a reference is skipped");
	o = good;
	o.dbx_skip = 2;
	r = rule("dbx", &o, &good, &c);
	CHECK(r.failed && c.n == 1 && has(c.text[0], "0303030303"),
	    "a removed dbx entry fails, naming it: %s", c.text[0]);
	r = rule("dbx", &good, &o, &c);
	CHECK(!r.failed, "a dbx newer than the reference passes");

	r = rule("bootchain", &good, &good, &c);
	CHECK(!r.failed && !r.skipped, "bootchain passes");
	o = good;
	o.grub_image = "other grub";
	r = rule("bootchain", &o, &good, &c);
	CHECK(r.failed && c.n == 1 && has(c.text[0], "sha256:"),
	    "another boot loader fails: %s", c.text[0]);

	r = rule("cmdline:*root=/dev/vda1 ro", &good, NULL, &c);
	CHECK(!r.failed, "cmdline matches");
	o = good;
	o.cmdline = "/vmlinuz root=/dev/vda1 ro init=/bin/sh";
	r = rule("cmdline:*root=/dev/vda1 ro", &o, NULL, &c);
	CHECK(r.failed && has(c.text[0], "init=/bin/sh"),
	    "another cmdline fails: %s", c.text[0]);

	r = rule("separators", &good, NULL, &c);
	CHECK(!r.failed, "separators pass");
	o = good;
	o.error_sep3 = true;
	r = rule("separators", &o, NULL, &c);
	CHECK(r.failed && has(c.text[0], "PCR 3") && has(c.text[0], "error"),
	    "an error separator fails: %s", c.text[0]);
	o = good;
	o.no_sep5 = true;
	r = rule("separators", &o, NULL, &c);
	CHECK(r.failed && has(c.text[0], "PCR 5"),
	    "a missing separator fails: %s", c.text[0]);

	r = rule("reference", &good, &good, &c);
	CHECK(!r.failed, "reference passes on equal logs");
	o = good;
	o.sb = 0;
	r = rule("reference", &o, &good, &c);
	CHECK(r.failed && c.n == 1 && has(c.text[0], "SecureBoot=00"),
	    "reference names the changed variable: %s", c.text[0]);
}

static void
test_real(void)
{
	static const struct {
		const char *file;
		int parses;
		size_t events;		/* as tpm2_eventlog counts */
		enum evlog_sb sb;
	} t[] = {
		{ "ibmtss/hp1.log", 1, 35, EVLOG_SB_ON },
		{ "ibmtss/deb1.log", 1, 109, EVLOG_SB_ON },
		{ "ibmtss/ideapad1.log", 1, 0, EVLOG_SB_ON },
		{ "keylime/binary_bios_measurements", 1, 121, EVLOG_SB_OFF },
		{ "tpm2-tools/event-uefi-sha1-log.bin", 1, 0, EVLOG_SB_UNKNOWN },
		{ "keylime/binary_bios_measurements-bogus", 0, 0,
		    EVLOG_SB_UNKNOWN },
	};
	struct evlog l;
	struct evlog_facts f;
	struct errbuf e;
	char path[256];
	uint8_t *buf;
	size_t len, i, j, none;
	int rc;

	evlog_init(&l);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(path, sizeof(path), "testdata/eventlogs/%s", t[i].file);
		if (file_read(path, EVLOG_MAX_SIZE, &buf, &len, &e) == -1) {
			CHECK(0, "%s: %s", path, e.msg);
			continue;
		}
		rc = evlog_parse(&l, buf, len, &e);
		CHECK((rc == 0) == t[i].parses, "%s: %s", t[i].file,
		    rc == 0 ? "parses" : e.msg);
		if (t[i].events)
			CHECK(l.nevents == t[i].events, "%s: %zu events",
			    t[i].file, l.nevents);
		evlog_facts_get(&l, &f);
		CHECK(f.secureboot == t[i].sb, "%s: Secure Boot state",
		    t[i].file);
		if (strcmp(t[i].file, "ibmtss/ideapad1.log") == 0) {
			for (j = 0, none = 0; j < l.nevents; j++)
				none += l.events[j].pcr == EVLOG_PCR_NONE;
			CHECK(none == 1 && f.pcr_none == 1,
			    "ideapad1: its PCR 0xffffffff event is reported");
		}
		free(buf);
	}
	evlog_free(&l);
}

int
main(void)
{
	test_truncation_and_trailing();
	test_pcr_none_and_range();
	test_locality(3);
	test_locality(4);
	test_unknown_type_and_alg();
	test_sha1_format();
	test_trust();
	test_diff();
	test_rules();
	test_real();
	return check_finish();
}
