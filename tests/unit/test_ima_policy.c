/*
 * test_ima_policy.c - IMA policies (policy/ima_policy.h): rule text round
 * trips and rejections; reorder on the real charra log (reordered passes;
 * an entry removed, duplicated, changed or added is found and named as
 * missing, duplicate, changed or extra); allowlist with excludes and
 * digest-only; violations; boot_aggregate for both kernel rules, SHA-1,
 * the "ima" template, zero, kexec and missing PCRs. Records are built here
 * byte by byte and parsed with the real parser; expected boot_aggregate
 * values are one-shot digests over the PCR values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/fileio.h"
#include "policy/ima_policy.h"
#include "tests/unit/check.h"

static const struct hashalg *sha1, *sha256;

/* --- records ---------------------------------------------------------------- */

#define MAXREC 4096

struct log {
	size_t n;
	struct ima_record rec[MAXREC];
	uint8_t *mem[MAXREC];
};

static void
le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Parse one built record; the bytes stay allocated in the log. */
static struct ima_record *
parse_one(struct log *l, uint8_t *b, size_t len)
{
	struct ima_parser p;
	struct errbuf e = { "" };
	size_t need;

	ima_parser_init(&p, sha1, IMA_ORDER_LE);
	if (ima_parse_record(&p, b, len, &l->rec[l->n], &need, &e) !=
	    IMA_PARSE_RECORD) {
		printf("# built record does not parse: %s\n", e.msg);
		exit(1);
	}
	l->rec[l->n].index = l->n;
	l->mem[l->n] = b;
	return &l->rec[l->n++];
}

/* An ima-ng record "ALG:" digest, path. violation: zero column. */
static struct ima_record *
add_ng(struct log *l, const struct hashalg *a, const uint8_t *digest,
    const char *path, bool violation)
{
	size_t an = strlen(a->ima_name) + 2, pn = strlen(path) + 1;
	size_t dl = 4 + an + a->size + 4 + pn, len = 4 + 20 + 4 + 6 + 4 + dl;
	uint8_t *b = calloc(1, len), *q = b;

	le32(q, 10);
	memset(q + 4, violation ? 0 : 0x11, 20);
	le32(q + 24, 6);
	memcpy(q + 28, "ima-ng", 6);
	le32(q + 34, (uint32_t)dl);
	q += 38;
	le32(q, (uint32_t)(an + a->size));
	memcpy(q + 4, a->ima_name, an - 2);
	q[4 + an - 2] = ':';
	memcpy(q + 4 + an, digest, a->size);
	q += 4 + an + a->size;
	le32(q, (uint32_t)pn);
	memcpy(q + 4, path, pn);
	return parse_one(l, b, len);
}

/* A legacy "ima" template record: SHA-1 digest, name. */
static struct ima_record *
add_legacy(struct log *l, const uint8_t *digest, const char *name)
{
	size_t nn = strlen(name), len = 4 + 20 + 4 + 3 + 20 + 4 + nn;
	uint8_t *b = calloc(1, len);

	le32(b, 10);
	memset(b + 4, 0x22, 20);
	le32(b + 24, 3);
	memcpy(b + 28, "ima", 3);
	memcpy(b + 31, digest, 20);
	le32(b + 51, (uint32_t)nn);
	memcpy(b + 55, name, nn);
	return parse_one(l, b, len);
}

static void
log_free(struct log *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->mem[i]);
	l->n = 0;
}

/* --- evaluation with findings collected --------------------------------- */

struct seen {
	size_t n;
	enum ima_finding_class cls[64];
	bool fails[64];
	uint64_t index[64];
	char path[64][128];
	char detail[64][160];
	char source[64][64];
	uint8_t ref_digest[64][HASHALG_MAX_SIZE];
};

static void
collect(void *arg, const struct ima_finding *f)
{
	struct seen *s = arg;
	size_t n = s->n;

	if (n >= 64)
		return;
	s->cls[n] = f->cls;
	s->fails[n] = f->fails;
	s->index[n] = f->index;
	snprintf(s->path[n], sizeof(s->path[n]), "%.*s", (int)f->path_len,
	    f->path ? f->path : "");
	snprintf(s->detail[n], sizeof(s->detail[n]), "%s",
	    f->detail ? f->detail : "");
	snprintf(s->source[n], sizeof(s->source[n]), "%s",
	    f->source ? f->source : "");
	if (f->ref_digest)
		memcpy(s->ref_digest[n], f->ref_digest, f->ref_alg->size);
	s->n++;
}

static struct ima_eval *ev;

/* Evaluate recs[order[i]] for i < n (order NULL: 0..n-1). */
static bool
run(const struct ima_policy *p, const struct pcr_set *pcrs,
    struct ima_record *const *recs, size_t n, struct seen *seen,
    struct ima_eval_result *res)
{
	struct errbuf e = { "" };
	bool pass = false;
	size_t i;

	memset(seen, 0, sizeof(*seen));
	if (ima_eval_begin(ev, p, pcrs, collect, seen, &e) == -1) {
		printf("# begin: %s\n", e.msg);
		exit(1);
	}
	for (i = 0; i < n; i++)
		if (ima_eval_record(ev, recs[i], &e) == -1) {
			printf("# record: %s\n", e.msg);
			exit(1);
		}
	if (ima_eval_end(ev, res, &pass, &e) == -1) {
		printf("# end: %s\n", e.msg);
		exit(1);
	}
	return pass;
}

/* --- rule text -------------------------------------------------------------- */

static bool
round_trip(const char *in, const char *want)
{
	struct ima_policy p;
	struct errbuf e = { "" };
	char out[IMA_POLICY_TEXT_MAX + 1];

	memset(&p, 0, sizeof(p));
	if (ima_policy_add_rule(&p, in, &e) == -1) {
		printf("# %s: %s\n", in, e.msg);
		return false;
	}
	if (ima_policy_format(&p.rules[0], out, sizeof(out), &e) == -1)
		return false;
	if (strcmp(out, want) != 0) {
		printf("# %s -> %s, want %s\n", in, out, want);
		return false;
	}
	memset(&p, 0, sizeof(p));
	return ima_policy_add_rule(&p, out, &e) == 0 &&
	    ima_policy_format(&p.rules[0], out, sizeof(out), &e) == 0 &&
	    strcmp(out, want) == 0;
}

static bool
refused(const char *in, const char *why)
{
	struct ima_policy p;
	struct errbuf e = { "" };

	memset(&p, 0, sizeof(p));
	if (ima_policy_add_rule(&p, in, &e) == 0 || p.nrules != 0)
		return false;
	if (strstr(e.msg, why) == NULL) {
		printf("# %s: %s\n", in, e.msg);
		return false;
	}
	return true;
}

static void
test_text(void)
{
	struct ima_policy p;
	struct errbuf e = { "" };
	char big[IMA_POLICY_TEXT_MAX + 64], out[16];
	size_t i;

	CHECK(round_trip("reorder", "reorder"), "reorder");
	CHECK(round_trip("reorder:fail=changed,extra", "reorder"),
	    "default classes written as the default");
	CHECK(round_trip("reorder:fail=missing,extra",
	    "reorder:fail=extra,missing"), "classes in canonical order");
	CHECK(round_trip("reorder:fail=none", "reorder:fail=none"),
	    "fail=none");
	CHECK(round_trip("reorder:fail=duplicate,changed,missing,extra",
	    "reorder:fail=extra,missing,changed,duplicate"), "all classes");
	CHECK(round_trip("allowlist:digest-only:exclude=/tmp/*,/var/log/*",
	    "allowlist:exclude=/tmp/*,/var/log/*:digest-only"),
	    "allowlist options in canonical order");
	CHECK(round_trip("signatures:require=/usr/bin/*",
	    "signatures:require=/usr/bin/*"), "signatures");
	CHECK(round_trip("boot_aggregate:allow-zero",
	    "boot_aggregate:allow-zero"), "boot_aggregate:allow-zero");
	CHECK(round_trip("violations:max=0", "violations"), "violations");
	CHECK(round_trip("violations:max=12", "violations:max=12"),
	    "violations:max");

	CHECK(refused("frobnicate", "unknown rule"), "unknown rule");
	CHECK(refused("", "empty rule"), "empty rule");
	CHECK(refused("reorder:fail=bogus", "unknown class"), "unknown class");
	CHECK(refused("reorder:fail=not-allowed", "unknown class"),
	    "class of another rule");
	CHECK(refused("reorder:fail=extra,extra", "twice"), "class twice");
	CHECK(refused("reorder:", "empty option"), "trailing colon");
	CHECK(refused("reorder::fail=extra", "empty option"), "empty option");
	CHECK(refused("reorder:digest-only", "unknown option"),
	    "option of another rule");
	CHECK(refused("allowlist:digest-only:digest-only", "twice"),
	    "option twice");
	CHECK(refused("allowlist:exclude=", "empty glob"), "empty glob");
	CHECK(refused("allowlist:exclude=/a,,/b", "empty glob"),
	    "empty glob in a list");
	CHECK(refused("violations:max=x", "not a number"), "max not a number");
	CHECK(refused("violations:max=99999999999999999999", "not a number"),
	    "max too large");
	CHECK(refused("Reorder", "unknown rule"), "names are case-sensitive");
	memset(big, 0, sizeof(big));
	strcpy(big, "allowlist:exclude=");
	memset(big + strlen(big), 'a', IMA_POLICY_GLOB_MAX + 1);
	CHECK(refused(big, "longer than"), "glob too long");
	memset(big, 0, sizeof(big));
	strcpy(big, "allowlist:exclude=");
	for (i = 0; i <= IMA_POLICY_GLOBS_MAX; i++)
		strcat(big, i ? ",/x" : "/x");
	CHECK(refused(big, "more than"), "too many globs");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "reorder:", 8);
	CHECK(refused(big, "longer than"), "rule text too long");

	memset(&p, 0, sizeof(p));
	CHECK(ima_policy_add_rule(&p, "reorder", &e) == 0 &&
	    ima_policy_add_rule(&p, "reorder:fail=none", &e) == -1 &&
	    strstr(e.msg, "second") && p.nrules == 1,
	    "one rule of each kind (%s)", e.msg);
	CHECK(ima_policy_format(&p.rules[0], out, 4, &e) == -1,
	    "format refuses a short buffer");
}

/* --- reorder on a real log --------------------------------------------------- */

static struct log lg;

static struct refset *
set_from_log(const uint8_t *buf, size_t len)
{
	struct refset *s = NULL;
	struct errbuf e = { "" };

	if (refset_new("charra", &s, &e) == -1 ||
	    refset_add_ima_log(s, buf, len, sha1, "charra", "bundle charra",
	    &e) == -1 || refset_seal(s, &e) == -1) {
		printf("# %s\n", e.msg);
		exit(1);
	}
	return s;
}

static size_t
read_log(const uint8_t *buf, size_t len)
{
	struct ima_parser p;
	size_t off = 0, need;

	ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
	while (off < len && lg.n < MAXREC && ima_parse_record(&p, buf + off,
	    len - off, &lg.rec[lg.n], &need, NULL) == IMA_PARSE_RECORD) {
		off += lg.rec[lg.n].size;
		lg.mem[lg.n] = NULL;
		lg.n++;
	}
	return lg.n;
}

static size_t
count_class(const struct seen *s, enum ima_finding_class c)
{
	size_t i, n = 0;

	for (i = 0; i < s->n; i++)
		n += s->cls[i] == c;
	return n;
}

/* The first counting record at or after i. */
static size_t
counting_from(size_t i)
{
	while (!refset_record_counts(&lg.rec[i]))
		i++;
	return i;
}

static void
test_reorder(void)
{
	static struct ima_record *recs[MAXREC + 2];
	struct ima_policy p;
	struct ima_eval_result res;
	struct seen seen;
	struct ima_record changed, extra;
	struct refset *set;
	uint8_t *buf = NULL, newdig[20];
	size_t len, n, i, a, b, k;
	struct errbuf e = { "" };
	char path[128];

	if (file_read("testdata/ima/charra/binary_runtime_measurements",
	    1u << 24, &buf, &len, &e) == -1)
		exit(1);
	n = read_log(buf, len);
	set = set_from_log(buf, len);
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "reorder", &e);
	p.nsets = 1;
	p.sets[0] = set;

	for (i = 0; i < n; i++)
		recs[i] = &lg.rec[i];
	CHECK(run(&p, NULL, recs, n, &seen, &res) && seen.n == 0 &&
	    res.entries == n, "the log against itself: pass, no findings");
	/* Reverse the order, then swap neighbours: still the same multiset. */
	for (i = 0; i < n; i++)
		recs[i] = &lg.rec[n - 1 - i];
	for (i = 0; i + 1 < n; i += 2) {
		struct ima_record *t = recs[i];
		recs[i] = recs[i + 1];
		recs[i + 1] = t;
	}
	CHECK(run(&p, NULL, recs, n, &seen, &res) && seen.n == 0,
	    "reordered log passes reorder (%zu findings)", seen.n);

	/* Remove one: missing, reported, not failing by default. */
	a = counting_from(100);
	for (i = 0, k = 0; i < n; i++)
		if (i != a)
			recs[k++] = &lg.rec[i];
	snprintf(path, sizeof(path), "%.*s", (int)lg.rec[a].path_len,
	    lg.rec[a].path);
	CHECK(run(&p, NULL, recs, k, &seen, &res) && seen.n == 1 &&
	    seen.cls[0] == IMA_FIND_MISSING && !seen.fails[0] &&
	    seen.index[0] == UINT64_MAX && strcmp(seen.path[0], path) == 0 &&
	    strcmp(seen.source[0], "bundle charra") == 0 &&
	    res.counted[IMA_FIND_MISSING] == 1, "removed entry: missing %s",
	    path);

	/* Duplicate one. */
	for (i = 0; i < n; i++)
		recs[i] = &lg.rec[i];
	recs[n] = &lg.rec[a];
	CHECK(!run(&p, NULL, recs, n + 1, &seen, &res) == false &&
	    seen.n == 1 && seen.cls[0] == IMA_FIND_DUPLICATE &&
	    !seen.fails[0] && seen.index[0] == lg.rec[a].index,
	    "duplicated entry: duplicate, not failing by default");
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "reorder:fail=duplicate", &e);
	p.nsets = 1;
	p.sets[0] = set;
	CHECK(!run(&p, NULL, recs, n + 1, &seen, &res) && seen.fails[0] &&
	    res.rule_failed[0] && res.failing[IMA_FIND_DUPLICATE] == 1,
	    "fail=duplicate fails it");

	/* Change one digest: changed, with the reference digest. */
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "reorder", &e);
	p.nsets = 1;
	p.sets[0] = set;
	b = counting_from(200);
	changed = lg.rec[b];
	memcpy(newdig, changed.file_digest, 20);
	newdig[0] ^= 0xff;
	changed.file_digest = newdig;
	recs[b] = &changed;
	CHECK(!run(&p, NULL, recs, n, &seen, &res) &&
	    count_class(&seen, IMA_FIND_CHANGED) == 1 &&
	    count_class(&seen, IMA_FIND_MISSING) == 0 &&
	    seen.cls[0] == IMA_FIND_CHANGED && seen.fails[0] &&
	    seen.index[0] == b && memcmp(seen.ref_digest[0],
	    lg.rec[b].file_digest, 20) == 0 &&
	    strcmp(seen.source[0], "bundle charra") == 0,
	    "changed digest: changed (fails) with the reference digest, the "
	    "reference entry not reported again as missing");

	/* The changed digest first, the reference's digest later: one
	 * change, the later exact entry matches, nothing missing. */
	recs[n] = &lg.rec[b];
	CHECK(!run(&p, NULL, recs, n + 1, &seen, &res) &&
	    count_class(&seen, IMA_FIND_CHANGED) == 1 &&
	    count_class(&seen, IMA_FIND_DUPLICATE) == 0 &&
	    count_class(&seen, IMA_FIND_MISSING) == 0,
	    "changed then the reference digest: changed once, no duplicate, "
	    "nothing missing");
	recs[b] = &lg.rec[b];

	/* Add a new path: extra. */
	extra = lg.rec[b];
	extra.path = "/usr/bin/evil";
	extra.path_len = 13;
	extra.index = n;
	recs[n] = &extra;
	CHECK(!run(&p, NULL, recs, n + 1, &seen, &res) && seen.n == 1 &&
	    seen.cls[0] == IMA_FIND_EXTRA && seen.fails[0] &&
	    strcmp(seen.path[0], "/usr/bin/evil") == 0 &&
	    res.failing[IMA_FIND_EXTRA] == 1 && res.rule_failed[0],
	    "added entry: extra, failing");

	/* A path longer than any set can hold: extra, in its place. */
	{
		static char longpath[REFSET_PATH_MAX + 10];
		struct ima_record lr = lg.rec[b];
		memset(longpath, 'x', sizeof(longpath));
		longpath[0] = '/';
		lr.path = longpath;
		lr.path_len = sizeof(longpath);
		lr.index = n;
		recs[n] = &lr;
		recs[n + 1] = &extra;
		extra.index = n + 1;
		CHECK(!run(&p, NULL, recs, n + 2, &seen, &res) &&
		    seen.n == 2 && seen.cls[0] == IMA_FIND_EXTRA &&
		    seen.index[0] == n && seen.index[1] == n + 1 &&
		    strlen(seen.path[0]) > 100,
		    "over-long path: extra, in log order before the next");
		extra.index = n;
		recs[n] = &extra;
	}

	/* The same ev again: counters cleared by the epoch. */
	CHECK(run(&p, NULL, recs, n, &seen, &res) && seen.n == 0,
	    "second evaluation on the same state starts clean");

	/* Two sets: an entry in the second counts. */
	{
		struct refset *s2 = NULL;
		uint32_t src;
		refset_new("extra", &s2, &e);
		refset_add_source(s2, "package evil", &src, &e);
		refset_add_entry(s2, "/usr/bin/evil", 13, extra.file_alg,
		    extra.file_digest, 1, src, &e);
		refset_seal(s2, &e);
		p.nsets = 2;
		p.sets[1] = s2;
		CHECK(run(&p, NULL, recs, n + 1, &seen, &res) && seen.n == 0,
		    "second set supplies the extra entry");
		CHECK(run(&p, NULL, recs, n, &seen, &res) && seen.n == 1 &&
		    seen.cls[0] == IMA_FIND_MISSING &&
		    strcmp(seen.source[0], "package evil") == 0,
		    "its entry missing when not measured");
		refset_free(s2);
		p.nsets = 1;
	}

	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "reorder", &e);
	CHECK(ima_eval_begin(ev, &p, NULL, collect, &seen, &e) == -1,
	    "reorder without a set refused");
	refset_free(set);
	free(buf);
	lg.n = 0;
}

/* --- allowlist and violations ----------------------------------------------- */

static void
test_allowlist(void)
{
	struct log *l = calloc(1, sizeof(*l));
	struct ima_record *recs[8];
	struct ima_policy p;
	struct ima_eval_result res;
	struct seen seen;
	struct refset *s = NULL;
	struct errbuf e = { "" };
	uint8_t d1[32], d2[32], d3[32];
	uint32_t src;

	memset(d1, 1, 32);
	memset(d2, 2, 32);
	memset(d3, 3, 32);
	refset_new("allow", &s, &e);
	refset_add_source(s, "golden", &src, &e);
	refset_add_entry(s, "/usr/bin/a", 10, sha256, d1, 1, src, &e);
	refset_add_entry(s, "/usr/lib/b.so", 13, sha256, d2, 1, src, &e);
	refset_seal(s, &e);
	recs[0] = add_ng(l, sha256, d1, "/usr/bin/a", false);
	recs[1] = add_ng(l, sha256, d1, "/usr/bin/a", false);	/* twice */
	recs[2] = add_ng(l, sha256, d2, "/opt/b.so", false);	/* moved */
	recs[3] = add_ng(l, sha256, d3, "/tmp/x", false);	/* excluded */
	recs[4] = add_ng(l, sha256, d3, "/usr/bin/c", false);	/* unknown */

	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "allowlist:exclude=/tmp/*", &e);
	p.nsets = 1;
	p.sets[0] = s;
	CHECK(!run(&p, NULL, recs, 5, &seen, &res) && seen.n == 2 &&
	    seen.cls[0] == IMA_FIND_NOT_ALLOWED && seen.index[0] == 2 &&
	    seen.index[1] == 4 && seen.fails[0] &&
	    res.failing[IMA_FIND_NOT_ALLOWED] == 2,
	    "exact: moved file and unknown file not allowed, excluded and "
	    "repeated files fine (%zu)", seen.n);
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "allowlist:exclude=/tmp/*:digest-only", &e);
	p.nsets = 1;
	p.sets[0] = s;
	CHECK(!run(&p, NULL, recs, 5, &seen, &res) && seen.n == 1 &&
	    seen.index[0] == 4, "digest-only: the moved file is allowed");
	CHECK(run(&p, NULL, recs, 4, &seen, &res) && seen.n == 0 &&
	    res.entries == 4, "digest-only without the unknown file passes");
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "allowlist", &e);
	p.nsets = 1;
	p.sets[0] = s;
	CHECK(!run(&p, NULL, recs, 4, &seen, &res) && seen.n == 2 &&
	    seen.index[1] == 3, "without the exclude /tmp/x is not allowed");

	/* Violations: counted without the rule, failing above max. */
	recs[5] = add_ng(l, sha256, d3, "/var/log/v", true);
	recs[6] = add_ng(l, sha256, d3, "/var/log/w", true);
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "allowlist", &e);
	p.nsets = 1;
	p.sets[0] = s;
	CHECK(run(&p, NULL, recs, 2, &seen, &res) && res.violations == 0,
	    "no violations");
	recs[2] = recs[5];
	recs[3] = recs[6];
	CHECK(run(&p, NULL, recs, 4, &seen, &res) && res.violations == 2 &&
	    seen.n == 0, "violations counted, not judged without the rule, "
	    "not in the allowlist");
	ima_policy_add_rule(&p, "violations:max=1", &e);
	CHECK(!run(&p, NULL, recs, 4, &seen, &res) && res.violations == 2 &&
	    seen.n == 1 && seen.cls[0] == IMA_FIND_VIOLATION &&
	    seen.index[0] == recs[3]->index && res.rule_failed[1] && !res.rule_failed[0],
	    "max=1: the second violation fails the violations rule");
	p.rules[1].max_violations = 2;
	CHECK(run(&p, NULL, recs, 4, &seen, &res) && seen.n == 0,
	    "max=2 passes");
	refset_free(s);
	log_free(l);
	free(l);
}

/* --- boot_aggregate ---------------------------------------------------------- */

static void
fill_pcrs(struct pcr_set *ps, const struct hashalg *a, unsigned last)
{
	uint8_t v[HASHALG_MAX_SIZE];
	unsigned i;

	for (i = 0; i <= last; i++) {
		memset(v, (int)(0x30 + i + a->size), a->size);
		pcr_set_put(ps, a, i, v, NULL);
	}
}

/* H(PCR0 || ... || PCRlast) by one-shot digest. */
static void
expect_aggr(const struct pcr_set *ps, const struct hashalg *a,
    unsigned last, uint8_t *out)
{
	uint8_t cat[10 * HASHALG_MAX_SIZE];
	unsigned i;

	for (i = 0; i <= last; i++)
		memcpy(cat + i * a->size, pcr_set_get(ps, a, i), a->size);
	hashalg_digest(a, cat, (last + 1) * a->size, out);
}

static bool
boot_run(const char *rule_text, const struct pcr_set *ps,
    struct ima_record **recs, size_t n, struct seen *seen,
    struct ima_eval_result *res)
{
	struct ima_policy p;
	struct errbuf e = { "" };

	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, rule_text, &e);
	return run(&p, ps, recs, n, seen, res);
}

static void
test_boot_aggregate(void)
{
	struct log *l = calloc(1, sizeof(*l));
	struct ima_record *recs[4];
	struct ima_eval_result res;
	struct seen seen;
	struct pcr_set ps, ps7;
	uint8_t v[HASHALG_MAX_SIZE], zero[HASHALG_MAX_SIZE], d[32];

	memset(zero, 0, sizeof(zero));
	memset(d, 7, sizeof(d));
	pcr_set_init(&ps);
	fill_pcrs(&ps, sha256, 9);
	fill_pcrs(&ps, sha1, 9);
	pcr_set_init(&ps7);
	fill_pcrs(&ps7, sha256, 7);

	expect_aggr(&ps, sha256, 9, v);
	recs[0] = add_ng(l, sha256, v, "boot_aggregate", false);
	recs[1] = add_ng(l, sha256, d, "/init", false);
	CHECK(boot_run("boot_aggregate", &ps, recs, 2, &seen, &res) &&
	    res.boot_aggregate_ok && seen.n == 0 &&
	    strcmp(res.boot_aggregate_how, "sha256 bank, PCRs 0-9") == 0,
	    "Linux >= 5.8: sha256 over PCRs 0-9 (%s)",
	    res.boot_aggregate_how);
	CHECK(ima_boot_aggregate(&ps, sha256, 9, d, NULL) == 0 &&
	    memcmp(d, v, 32) == 0, "ima_boot_aggregate gives the same value");

	expect_aggr(&ps, sha256, 7, v);
	recs[0] = add_ng(l, sha256, v, "boot_aggregate", false);
	CHECK(boot_run("boot_aggregate", &ps, recs, 2, &seen, &res) &&
	    res.boot_aggregate_ok &&
	    strcmp(res.boot_aggregate_how, "sha256 bank, PCRs 0-7") == 0,
	    "stable kernel without 8-9: sha256 over PCRs 0-7 (%s)",
	    res.boot_aggregate_how);
	CHECK(boot_run("boot_aggregate", &ps7, recs, 2, &seen, &res) &&
	    res.boot_aggregate_ok, "only PCRs 0-7 quoted: 0-7 still checked");

	expect_aggr(&ps, sha1, 7, v);
	recs[0] = add_ng(l, sha1, v, "boot_aggregate", false);
	CHECK(boot_run("boot_aggregate", &ps, recs, 2, &seen, &res) &&
	    strcmp(res.boot_aggregate_how, "sha1 bank, PCRs 0-7") == 0,
	    "sha1 d-ng: PCRs 0-7");
	recs[0] = add_legacy(l, v, "boot_aggregate");
	CHECK(boot_run("boot_aggregate", &ps, recs, 2, &seen, &res) &&
	    strcmp(res.boot_aggregate_how, "sha1 bank, PCRs 0-7") == 0,
	    "\"ima\" template: SHA-1 over PCRs 0-7");
	expect_aggr(&ps, sha1, 9, v);
	recs[0] = add_ng(l, sha1, v, "boot_aggregate", false);
	CHECK(!boot_run("boot_aggregate", &ps, recs, 2, &seen, &res) &&
	    seen.n == 1 && seen.cls[0] == IMA_FIND_BOOT_AGGREGATE &&
	    seen.fails[0] && seen.index[0] == recs[0]->index,
	    "sha1 over 0-9 is not a kernel's value: fails (%s)",
	    seen.detail[0]);

	memcpy(v, zero, 32);
	v[31] = 1;
	recs[0] = add_ng(l, sha256, v, "boot_aggregate", false);
	CHECK(!boot_run("boot_aggregate", &ps, recs, 2, &seen, &res) &&
	    seen.n == 1 && strstr(seen.detail[0], "0-9 nor 0-7") &&
	    !res.boot_aggregate_ok, "wrong value fails (%s)", seen.detail[0]);

	recs[0] = add_ng(l, sha256, zero, "boot_aggregate", false);
	CHECK(!boot_run("boot_aggregate", &ps, recs, 2, &seen, &res) &&
	    res.boot_aggregate_zero && seen.n == 1 && seen.fails[0] &&
	    strstr(seen.detail[0], "zero"), "zero boot_aggregate fails");
	CHECK(boot_run("boot_aggregate:allow-zero", &ps, recs, 2, &seen,
	    &res) && res.boot_aggregate_zero && seen.n == 1 &&
	    !seen.fails[0], "allow-zero: reported, passes");

	expect_aggr(&ps, sha256, 9, v);
	recs[0] = add_ng(l, sha256, v, "boot_aggregate", false);
	recs[2] = add_ng(l, sha256, d, "boot_aggregate", false);
	CHECK(boot_run("boot_aggregate", &ps, recs, 3, &seen, &res) &&
	    seen.n == 1 && !seen.fails[0] && seen.index[0] == recs[2]->index &&
	    strstr(seen.detail[0], "kexec"),
	    "a later boot_aggregate (kexec) is reported, not judged");

	CHECK(boot_run("boot_aggregate", NULL, recs, 2, &seen, &res) &&
	    res.rule_skipped[0] && strstr(res.rule_note[0], "no quoted"),
	    "no PCRs: rule skipped with a note");
	pcr_set_init(&ps7);
	fill_pcrs(&ps7, sha1, 9);
	CHECK(boot_run("boot_aggregate", &ps7, recs, 2, &seen, &res) &&
	    res.rule_skipped[0] && strstr(res.rule_note[0], "sha256"),
	    "bank not quoted: skipped, naming it (%s)", res.rule_note[0]);
	CHECK(!boot_run("boot_aggregate", &ps, recs + 1, 1, &seen, &res) &&
	    seen.n == 1 && strstr(seen.detail[0], "no boot_aggregate"),
	    "a log without boot_aggregate fails");
	CHECK(ima_boot_aggregate(&ps7, sha256, 7, v, NULL) == -1,
	    "ima_boot_aggregate: missing PCR is an error");
	log_free(l);
	free(l);
}

/* The keylime text log's real boot_aggregate is zero (no TPM). */
static void
test_real_zero(void)
{
	struct ima_reader r;
	struct ima_record rec;
	struct ima_policy p;
	struct ima_eval_result res;
	struct seen seen;
	struct errbuf e = { "" };
	struct pcr_set ps;
	bool pass = true;
	FILE *f = fopen("testdata/ima/keylime/ascii_runtime_measurements",
	    "r");

	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "boot_aggregate", &e);
	pcr_set_init(&ps);
	fill_pcrs(&ps, sha1, 9);
	memset(&seen, 0, sizeof(seen));
	if (f == NULL || ima_reader_init(&r, fileno(f), "keylime", sha1,
	    &e) == -1)
		exit(1);
	ima_eval_begin(ev, &p, &ps, collect, &seen, &e);
	while (ima_reader_next(&r, &rec, &e) == IMA_READ_RECORD)
		ima_eval_record(ev, &rec, &e);
	ima_eval_end(ev, &res, &pass, &e);
	CHECK(!pass && res.boot_aggregate_zero && seen.n == 1 &&
	    seen.index[0] == 0, "keylime log: zero boot_aggregate found");
	ima_reader_free(&r);
	fclose(f);
}

/*
 * Signatures on testdata/ima/sig/v2.bin (made by helper H2's generator,
 * see its PROVENANCE.md): with rsa.crt and ec.der the four records are
 * valid, valid, unsigned, unknown key 641af532; a flipped signature byte
 * makes the first invalid.
 */
static size_t
read_records(uint8_t *buf, size_t len, struct ima_record *recs, size_t max)
{
	struct ima_parser p;
	size_t off = 0, need, n = 0;

	ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
	while (off < len && n < max && ima_parse_record(&p, buf + off,
	    len - off, &recs[n], &need, NULL) == IMA_PARSE_RECORD)
		off += recs[n++].size;
	return n;
}

static void
test_signatures(void)
{
	struct ima_keyring *kr = NULL;
	struct ima_record rec[8], *recs[8];
	struct ima_policy p;
	struct ima_eval_result res;
	struct seen seen;
	struct errbuf e = { "" };
	uint8_t *buf = NULL, *key = NULL;
	size_t len, klen, n, i;

	if (file_read("testdata/ima/sig/v2.bin", 1u << 20, &buf, &len,
	    &e) == -1 || ima_keyring_new(&kr, &e) == -1) {
		printf("# %s\n", e.msg);
		exit(1);
	}
	if (file_read("testdata/ima/sig/rsa.crt", 1u << 20, &key, &klen,
	    &e) == 0) {
		ima_keyring_add(kr, key, klen, "rsa.crt", &e);
		free(key);
	}
	if (file_read("testdata/ima/sig/ec.der", 1u << 20, &key, &klen,
	    &e) == 0) {
		ima_keyring_add(kr, key, klen, "ec.der", &e);
		free(key);
	}
	CHECK(ima_keyring_count(kr) == 2, "two trusted keys");
	n = read_records(buf, len, rec, 8);
	CHECK(n == 4, "four signed-log records (%zu)", n);
	for (i = 0; i < n; i++)
		recs[i] = &rec[i];
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "signatures", &e);
	p.keys = kr;
	CHECK(!run(&p, NULL, recs, n, &seen, &res) && res.sig_valid == 2 &&
	    res.sig_unsigned == 1 && res.sig_unknown_key == 1 &&
	    res.sig_invalid == 0, "valid 2, unsigned 1, unknown key 1 "
	    "(%llu %llu %llu %llu)", (unsigned long long)res.sig_valid,
	    (unsigned long long)res.sig_unsigned,
	    (unsigned long long)res.sig_unknown_key,
	    (unsigned long long)res.sig_invalid);
	CHECK(seen.n == 2 && seen.cls[0] == IMA_FIND_UNSIGNED &&
	    !seen.fails[0] && strcmp(seen.path[0], "/unsigned") == 0 &&
	    seen.cls[1] == IMA_FIND_UNKNOWN_KEY && seen.fails[1] &&
	    strstr(seen.detail[1], "641af532"),
	    "unsigned reported (not required), unknown key fails (%s)",
	    seen.detail[1]);
	CHECK(run(&p, NULL, recs, 3, &seen, &res), "without the unknown key "
	    "the rule passes");
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "signatures:require=/uns*", &e);
	p.keys = kr;
	CHECK(!run(&p, NULL, recs, 3, &seen, &res) && seen.n == 1 &&
	    seen.fails[0] && res.failing[IMA_FIND_UNSIGNED] == 1,
	    "require glob: the unsigned entry fails");
	/* Flip the last byte of the first record's signature. */
	buf[rec[0].offset + rec[0].size - 1] ^= 0x01;
	n = read_records(buf, len, rec, 8);
	memset(&p, 0, sizeof(p));
	ima_policy_add_rule(&p, "signatures", &e);
	p.keys = kr;
	CHECK(!run(&p, NULL, recs, 2, &seen, &res) && res.sig_invalid == 1 &&
	    res.sig_valid == 1 && seen.n == 1 &&
	    seen.cls[0] == IMA_FIND_BAD_SIGNATURE && seen.fails[0],
	    "bad signature counted and failing (%s)", seen.detail[0]);
	p.keys = NULL;
	CHECK(!run(&p, NULL, recs + 1, 1, &seen, &res) &&
	    res.sig_unknown_key == 1, "no keyring: unknown key");
	ima_keyring_free(kr);
	free(buf);
}

int
main(void)
{
	sha1 = hashalg_by_name("sha1");
	sha256 = hashalg_by_name("sha256");
	if (ima_eval_new(&ev, NULL) == -1)
		return 1;
	test_text();
	test_reorder();
	test_allowlist();
	test_boot_aggregate();
	test_real_zero();
	test_signatures();
	ima_eval_free(ev);
	return check_finish();
}
