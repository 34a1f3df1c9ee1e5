/*
 * judge_ima.c - the IMA checks of one bundle (judge.h): parse ima.log,
 * check every template-digest column, replay it to the quoted PCR 10 of
 * every quoted bank in both extension modes, report an unquoted tail, and
 * compare its entries with the device's reference log regardless of order.
 *
 * The comparison is a multiset comparison of keys (pcr, template name,
 * path, file digest algorithm and digest), order ignored (the seed's
 * method: IMA logs of the same system differ in order from boot to boot).
 * Unmatched evidence entries that share (pcr, template, path) with an
 * unmatched reference entry are "changed" (the digest differs); the other
 * unmatched evidence entries are "new"; unmatched reference entries are
 * "missing". Policy: new and changed fail, each named by index, path and
 * digest (up to JUDGE_FINDINGS_MAX lines, then a count); missing ones are
 * counted in an ok line.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/hex.h"
#include "format/ima_log.h"
#include "format/ima_replay.h"
#include "verify/judge.h"
#include "verify/judge_int.h"

#define IMA_PATH_SHOWN	160	/* path bytes in a reason, escaped */

/* One entry's comparison key; pointers into the log buffer. */
struct ima_key {
	uint32_t pcr;
	const char *tmpl, *path, *alg;
	size_t tmpl_len, path_len, alg_len;
	const uint8_t *dig;
	size_t dig_len;
	uint64_t index;
	bool matched;
};

struct ima_keys {
	struct ima_key *v;
	size_t n, cap;
};

struct ima_scan {
	uint64_t entries;
	uint64_t bad_columns;
	uint64_t first_bad;
	char first_bad_path[IMA_PATH_SHOWN + 8];
};

static int
keys_add(struct ima_keys *k, const uint8_t *buf, size_t pos,
    const struct ima_record *rec, struct errbuf *e)
{
	struct ima_key *nv, *x;
	size_t cap;

	if (k->n == k->cap) {
		cap = k->cap ? k->cap * 2 : 256;
		if ((nv = realloc(k->v, cap * sizeof(*nv))) == NULL)
			return err_set(e, "out of memory");
		k->v = nv;
		k->cap = cap;
	}
	x = &k->v[k->n++];
	memset(x, 0, sizeof(*x));
	x->pcr = rec->pcr;
	x->tmpl = (const char *)buf + pos + 4 + rec->digest_len + 4;
	x->tmpl_len = rec->tmpl->name_len;
	x->path = rec->path;
	x->path_len = rec->path_len;
	x->alg = rec->file_alg_name;
	x->alg_len = rec->file_alg_name_len;
	x->dig = rec->file_digest;
	x->dig_len = rec->file_digest_len;
	x->index = rec->index;
	return 0;
}

static int
cmp_bytes(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n ? memcmp(a, b, n) : 0;

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen;
}

/* (pcr, template, path): the identity of a measured thing. */
static int
cmp_what(const struct ima_key *a, const struct ima_key *b)
{
	int c;

	if (a->pcr != b->pcr)
		return a->pcr < b->pcr ? -1 : 1;
	if ((c = cmp_bytes(a->tmpl, a->tmpl_len, b->tmpl, b->tmpl_len)) != 0)
		return c;
	return cmp_bytes(a->path, a->path_len, b->path, b->path_len);
}

static int
cmp_key(const void *pa, const void *pb)
{
	const struct ima_key *a = pa, *b = pb;
	int c;

	if ((c = cmp_what(a, b)) != 0)
		return c;
	if ((c = cmp_bytes(a->alg, a->alg_len, b->alg, b->alg_len)) != 0)
		return c;
	if ((c = cmp_bytes(a->dig, a->dig_len, b->dig, b->dig_len)) != 0)
		return c;
	return a->index < b->index ? -1 : a->index > b->index;
}

static int
cmp_digest(const struct ima_key *a, const struct ima_key *b)
{
	int c;

	if ((c = cmp_bytes(a->alg, a->alg_len, b->alg, b->alg_len)) != 0)
		return c;
	return cmp_bytes(a->dig, a->dig_len, b->dig, b->dig_len);
}

/*
 * Parse a whole log with column algorithm col, collecting keys and (if rp
 * is not NULL) replaying it. -1 with the parse error in e.
 */
static int
scan_log(const uint8_t *buf, size_t len, const struct hashalg *col,
    struct ima_keys *keys, struct ima_replay *rp, struct ima_scan *sc,
    struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t pos = 0, need;
	bool col_ok;

	memset(sc, 0, sizeof(*sc));
	ima_parser_init(&p, col, IMA_ORDER_UNKNOWN);
	while (pos < len) {
		switch (ima_parse_record(&p, buf + pos, len - pos, &rec, &need,
		    e)) {
		case IMA_PARSE_RECORD:
			break;
		case IMA_PARSE_MORE:
			return ima_parse_finish(&p, buf + pos, len - pos, e);
		default:
			return -1;
		}
		if (keys_add(keys, buf, pos, &rec, e) == -1)
			return -1;
		if (rp != NULL) {
			if (ima_replay_record(rp, &rec, &col_ok, e) == -1)
				return -1;
			if (!col_ok && sc->bad_columns++ == 0) {
				sc->first_bad = rec.index;
				ima_printable(rec.path ? rec.path : "",
				    rec.path_len, sc->first_bad_path,
				    sizeof(sc->first_bad_path));
			}
		}
		sc->entries++;
		pos += rec.size;
	}
	return 0;
}

static void
describe(const struct ima_key *k, char *out, size_t cap)
{
	char path[IMA_PATH_SHOWN + 8], hex[2 * HASHALG_MAX_SIZE + 1];
	size_t dl = k->dig_len > HASHALG_MAX_SIZE ? HASHALG_MAX_SIZE :
	    k->dig_len;

	ima_printable(k->path ? k->path : "", k->path_len, path, sizeof(path));
	hex_encode(k->dig ? k->dig : (const uint8_t *)"", dl, hex);
	snprintf(out, cap, "entry %" PRIu64 " '%s' %.*s%s%s", k->index, path,
	    (int)(k->alg_len > 16 ? 16 : k->alg_len), k->alg ? k->alg : "",
	    k->alg_len ? ":" : "", hex);
}

/* Mark multiset matches of two sorted key lists. */
static void
match_keys(struct ima_keys *ev, struct ima_keys *ref)
{
	size_t a = 0, b = 0;
	int c;

	while (a < ev->n && b < ref->n) {
		c = cmp_what(&ev->v[a], &ref->v[b]);
		if (c == 0)
			c = cmp_digest(&ev->v[a], &ref->v[b]);
		if (c == 0) {
			ev->v[a++].matched = true;
			ref->v[b++].matched = true;
		} else if (c < 0)
			a++;
		else
			b++;
	}
}

static void
report_reference(struct judging *j, struct ima_keys *ev, struct ima_keys *ref)
{
	char d1[IMA_PATH_SHOWN + 200], d2[IMA_PATH_SHOWN + 200];
	size_t a, b = 0, shown = 0, bad = 0, missing = 0;
	struct ima_key *pair;

	qsort(ev->v, ev->n, sizeof(ev->v[0]), cmp_key);
	qsort(ref->v, ref->n, sizeof(ref->v[0]), cmp_key);
	match_keys(ev, ref);
	for (a = 0; a < ev->n; a++) {
		if (ev->v[a].matched)
			continue;
		/* an unmatched reference entry for the same thing? */
		pair = NULL;
		while (b < ref->n && (ref->v[b].matched ||
		    cmp_what(&ref->v[b], &ev->v[a]) < 0))
			b++;
		if (b < ref->n && cmp_what(&ref->v[b], &ev->v[a]) == 0) {
			pair = &ref->v[b];
			pair->matched = true;	/* reported as changed */
		}
		bad++;
		if (shown == JUDGE_FINDINGS_MAX)
			continue;
		shown++;
		describe(&ev->v[a], d1, sizeof(d1));
		if (pair != NULL) {
			describe(pair, d2, sizeof(d2));
			jg_fail(j, "ima.reference", "changed: %s; reference %s",
			    d1, d2);
		} else
			jg_fail(j, "ima.reference", "new: %s is not in the "
			    "reference log", d1);
	}
	if (bad > shown)
		jg_fail(j, "ima.reference", "and %zu more new or changed "
		    "entries", bad - shown);
	d1[0] = '\0';
	for (b = 0; b < ref->n; b++)
		if (!ref->v[b].matched && missing++ == 0)
			describe(&ref->v[b], d1, sizeof(d1));
	if (missing > 0)
		jg_ok(j, "ima.reference", "%zu reference entries missing, "
		    "first: reference %s", missing, d1);
	else if (bad == 0)
		jg_ok(j, "ima.reference", "%zu entries, all in the reference "
		    "log (order ignored)", ev->n);
}

/* The reference comparison; -1 only on a store error. */
static int
check_reference(struct judging *j, struct ima_keys *ev, struct errbuf *e)
{
	struct store_refs refs;
	struct ima_keys ref = { NULL, 0, 0 };
	struct ima_scan sc;
	struct errbuf pe;
	bool found;

	if (store_refs_get(j->s, j->dev.id, &refs, &found, e) == -1)
		return -1;
	if (!found || refs.ima_log_alg == NULL) {
		jg_skip(j, "ima.reference", "the device has no reference IMA "
		    "log");
		store_refs_free(&refs);
		return 0;
	}
	if (scan_log(refs.ima_log, refs.ima_log_len, refs.ima_log_alg, &ref,
	    NULL, &sc, &pe) == -1)
		jg_fail(j, "ima.reference", "the reference log: %s", pe.msg);
	else
		report_reference(j, ev, &ref);
	free(ref.v);
	store_refs_free(&refs);
	return 0;
}

/* Banks of the quote with PCR 10 and their quoted values. */
static size_t
quoted_banks(const struct judging *j, const struct hashalg **banks,
    struct pcr_set *exp)
{
	const TPML_PCR_SELECTION *sel = &j->att.att.attested.quote.pcrSelect;
	const struct hashalg *alg;
	const uint8_t *v;
	size_t i, n = 0;

	pcr_set_init(exp);
	for (i = 0; i < sel->count && n < IMA_REPLAY_MAX_BANKS; i++) {
		alg = hashalg_by_tpm(sel->pcrSelections[i].hash);
		if (alg == NULL || hashalg_md(alg) == NULL ||
		    !tpm_selection_has(&sel->pcrSelections[i], 10) ||
		    (v = pcr_set_get(&j->pcrs, alg, 10)) == NULL ||
		    pcr_set_put(exp, alg, 10, v, NULL) == -1)
			continue;
		banks[n++] = alg;
	}
	return n;
}

/* ima.replay.<bank> lines; the shortest matched prefix in *prefix. */
static bool
report_replay(struct judging *j, struct ima_replay *rp, uint64_t entries,
    uint64_t *prefix)
{
	struct ima_bank_result res;
	char name[RESULT_CHECK_NAME_MAX + 1];
	enum ima_mode m;
	size_t b;
	bool all = true;

	*prefix = entries;
	for (b = 0; b < rp->nbanks; b++) {
		ima_replay_result(rp, b, &res);
		snprintf(name, sizeof(name), "ima.replay.%s",
		    rp->banks[b].alg->name);
		m = res.matched[IMA_MODE_PER_BANK] ? IMA_MODE_PER_BANK :
		    IMA_MODE_PADDED;
		if (!res.matched[m]) {
			jg_fail(j, name, "the log (%" PRIu64 " entries) does "
			    "not replay to the quoted PCR 10 in per-bank or "
			    "padded mode", entries);
			all = false;
			continue;
		}
		jg_ok(j, name, "%s mode: %" PRIu64 " entries reach the quoted "
		    "PCR 10", ima_mode_name(m), res.prefix[m]);
		if (res.prefix[m] < *prefix)
			*prefix = res.prefix[m];
	}
	return all;
}

static bool
wants_ima(const struct judging *j)
{
	const char *p = j->ch.logs;
	size_t n;

	while (j->have_challenge && *p != '\0') {
		n = strcspn(p, ",");
		if (n == 3 && strncmp(p, "ima", 3) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

int
judge_ima(struct judging *j, struct errbuf *e)
{
	const struct hashalg *banks[IMA_REPLAY_MAX_BANKS];
	static struct ima_replay rp;
	struct ima_keys ev = { NULL, 0, 0 };
	struct pcr_set exp;
	struct ima_scan sc;
	struct errbuf pe;
	const uint8_t *log;
	uint64_t prefix;
	size_t len, nb = 0;
	bool replay;
	int rc = 0;

	if ((log = jg_member(j, "ima.log", &len)) == NULL) {
		if (wants_ima(j))
			jg_fail(j, "ima.parse", "the challenge asks for the IMA "
			    "log and the bundle has no ima.log");
		return 0;
	}
	replay = j->att_ok && j->pcrs_ok &&
	    (nb = quoted_banks(j, banks, &exp)) > 0;
	if (replay && ima_replay_init(&rp, banks, nb, IMA_REPLAY_BOTH,
	    hashalg_by_name("sha1"), &pe) == -1) {
		jg_fail(j, "ima.replay", "%s", pe.msg);
		return 0;
	}
	if (replay)
		ima_replay_expect(&rp, &exp);
	if (scan_log(log, len, hashalg_by_name("sha1"), &ev,
	    replay ? &rp : NULL, &sc, &pe) == -1) {
		jg_fail(j, "ima.parse", "ima.log: %s", pe.msg);
		goto out;
	}
	jg_ok(j, "ima.parse", "%" PRIu64 " entries", sc.entries);
	if (!replay) {
		jg_skip(j, "ima.template-digest", "no quoted PCR 10 to "
		    "replay to");
		jg_skip(j, "ima.replay", "no quoted PCR 10 values");
	} else {
		if (sc.bad_columns > 0)
			jg_fail(j, "ima.template-digest", "%" PRIu64 " entries "
			    "with a wrong template digest, first entry %"
			    PRIu64 " '%s'", sc.bad_columns, sc.first_bad,
			    sc.first_bad_path);
		else
			jg_ok(j, "ima.template-digest", "every column matches "
			    "its template data");
		if (report_replay(j, &rp, sc.entries, &prefix) &&
		    prefix == sc.entries)
			jg_ok(j, "ima.unquoted-tail", "none");
		else if (prefix < sc.entries)
			jg_ok(j, "ima.unquoted-tail", "%" PRIu64 " entries "
			    "after the quoted state (measured after the quote)",
			    sc.entries - prefix);
	}
	rc = check_reference(j, &ev, e);
out:
	if (replay)
		ima_replay_free(&rp);
	free(ev.v);
	return rc;
}
