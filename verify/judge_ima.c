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
 *
 * Then each per-bank list ima-<alg>.log (Linux 6.10+
 * binary_runtime_measurements_<alg>), present or requested by the
 * challenge as "ima-<alg>": ima.<alg>-list.parse (parsed whole with the
 * column algorithm its media type's digest= parameter names, which must
 * be <alg>), ima.<alg>-list.replay (every column is its template hash
 * under <alg>, and the list replays in per-bank mode into bank <alg> only,
 * to that bank's quoted PCR 10), ima.<alg>-list.consistent (the same list
 * as ima.log: as many records, and each with the same PCR, template name
 * and template data; only the digest column differs).
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

	if (j->s == NULL) {		/* judge_bundle_offline */
		jg_skip(j, "ima.reference", "no store");
		return 0;
	}
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

/* Whether the challenge asks for the log named log ("ima", "ima-sha256"). */
static bool
wants_log(const struct judging *j, const char *log)
{
	const char *p = j->ch.logs;
	size_t n, len = strlen(log);

	while (j->have_challenge && *p != '\0') {
		n = strcspn(p, ",");
		if (n == len && strncmp(p, log, len) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

static int
judge_ima_classic(struct judging *j, struct errbuf *e)
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
		if (wants_log(j, "ima"))
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

/* ---- per-bank lists -------------------------------------------------------- */

/* The per-bank lists, in the challenge vocabulary's order. */
static const char *const bank_list_algs[] = {
	"sha1", "sha256", "sha384", "sha512",
};

/* One per-bank list being judged. */
struct bank_list {
	const char *alg_name;
	const struct hashalg *alg;
	char parse[RESULT_CHECK_NAME_MAX + 1];	/* check names */
	char replay[RESULT_CHECK_NAME_MAX + 1];
	char consistent[RESULT_CHECK_NAME_MAX + 1];
	const uint8_t *data;
	size_t len;
	uint64_t entries;

	/* replay */
	bool replay_on;
	uint64_t bad_columns, first_bad;
	char first_bad_path[IMA_PATH_SHOWN + 8];

	/* comparison with ima.log */
	const uint8_t *ima;		/* NULL: no ima.log */
	size_t ima_len, ima_pos;
	struct ima_parser ima_p;
	bool ima_broken;		/* ima.log does not parse */
	bool differs;
	char why[IMA_PATH_SHOWN + 200];
};

/* The manifest's member entry by name; NULL if none. */
static const struct bundle_member *
member_entry(const struct judging *j, const char *name)
{
	size_t i;

	for (i = 0; i < j->bc.nmembers; i++)
		if (strcmp(j->bc.members[i].name, name) == 0)
			return &j->bc.members[i];
	return NULL;
}

/*
 * The digest= parameter of a media type ("...; digest=sha256; ..."): 0
 * and its value in out, or -1 if there is none.
 */
static int
media_type_digest(const char *mt, char *out, size_t cap)
{
	const char *p = mt;
	size_t n;

	while ((p = strchr(p, ';')) != NULL) {
		p += 1 + strspn(p + 1, " ");
		if (strncmp(p, "digest=", 7) != 0)
			continue;
		p += 7;
		n = strcspn(p, "; ");
		if (n == 0 || n >= cap)
			return -1;
		memcpy(out, p, n);
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/* The quoted PCR 10 of bank alg as an expectation; false if not quoted. */
static bool
quoted_pcr10(const struct judging *j, const struct hashalg *alg,
    struct pcr_set *exp)
{
	const TPML_PCR_SELECTION *sel = &j->att.att.attested.quote.pcrSelect;
	const uint8_t *v;
	size_t i;

	pcr_set_init(exp);
	if (!j->att_ok || !j->pcrs_ok)
		return false;
	for (i = 0; i < sel->count; i++)
		if (hashalg_by_tpm(sel->pcrSelections[i].hash) == alg &&
		    tpm_selection_has(&sel->pcrSelections[i], 10) &&
		    (v = pcr_set_get(&j->pcrs, alg, 10)) != NULL &&
		    pcr_set_put(exp, alg, 10, v, NULL) == 0)
			return true;
	return false;
}

/* Compare bank-list record rec with the next record of ima.log. */
static void
compare_next(struct bank_list *bl, const struct ima_record *rec)
{
	struct ima_record o;
	struct errbuf pe;
	char path[IMA_PATH_SHOWN + 8];
	size_t need;

	if (bl->ima == NULL || bl->ima_broken || bl->differs)
		return;
	ima_printable(rec->path ? rec->path : "", rec->path_len, path,
	    sizeof(path));
	if (bl->ima_pos >= bl->ima_len) {
		snprintf(bl->why, sizeof(bl->why), "entry %" PRIu64 " '%s': "
		    "ima.log ends before it (%" PRIu64 " entries)", rec->index,
		    path, rec->index);
		bl->differs = true;
		return;
	}
	if (ima_parse_record(&bl->ima_p, bl->ima + bl->ima_pos,
	    bl->ima_len - bl->ima_pos, &o, &need, &pe) != IMA_PARSE_RECORD) {
		bl->ima_broken = true;
		return;
	}
	bl->ima_pos += o.size;
	if (o.pcr != rec->pcr || o.tmpl->name_len != rec->tmpl->name_len ||
	    memcmp(o.tmpl->name, rec->tmpl->name, o.tmpl->name_len) != 0 ||
	    o.data_len != rec->data_len ||
	    memcmp(o.data, rec->data, o.data_len) != 0) {
		snprintf(bl->why, sizeof(bl->why), "entry %" PRIu64 " '%s': "
		    "PCR, template or template data differ from ima.log's "
		    "entry %" PRIu64, rec->index, path, o.index);
		bl->differs = true;
	}
}

/* Parse the list whole, replaying and comparing as it goes. */
static int
scan_bank_list(struct bank_list *bl, struct ima_replay *rp, struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t pos = 0, need;
	bool col_ok;

	ima_parser_init(&p, bl->alg, IMA_ORDER_UNKNOWN);
	if (bl->len == 0)
		return err_set(e, "empty list");
	while (pos < bl->len) {
		switch (ima_parse_record(&p, bl->data + pos, bl->len - pos,
		    &rec, &need, e)) {
		case IMA_PARSE_RECORD:
			break;
		case IMA_PARSE_MORE:
			return ima_parse_finish(&p, bl->data + pos,
			    bl->len - pos, e);
		default:
			return -1;
		}
		if (bl->replay_on) {
			if (ima_replay_record(rp, &rec, &col_ok, e) == -1)
				return -1;
			if (!col_ok && bl->bad_columns++ == 0) {
				bl->first_bad = rec.index;
				ima_printable(rec.path ? rec.path : "",
				    rec.path_len, bl->first_bad_path,
				    sizeof(bl->first_bad_path));
			}
		}
		compare_next(bl, &rec);
		bl->entries++;
		pos += rec.size;
	}
	return 0;
}

static void
report_bank_replay(struct judging *j, struct bank_list *bl,
    struct ima_replay *rp)
{
	struct ima_bank_result res;

	if (!bl->replay_on) {
		jg_skip(j, bl->replay, "the quote has no %s PCR 10",
		    bl->alg_name);
		return;
	}
	ima_replay_result(rp, 0, &res);
	if (bl->bad_columns > 0)
		jg_fail(j, bl->replay, "%" PRIu64 " entries with a wrong %s "
		    "template digest, first entry %" PRIu64 " '%s'",
		    bl->bad_columns, bl->alg_name, bl->first_bad,
		    bl->first_bad_path);
	else if (!res.matched[IMA_MODE_PER_BANK])
		jg_fail(j, bl->replay, "the list (%" PRIu64 " entries) does "
		    "not replay to the quoted %s PCR 10 (per-bank mode)",
		    bl->entries, bl->alg_name);
	else
		jg_ok(j, bl->replay, "%" PRIu64 " of %" PRIu64 " entries reach "
		    "the quoted %s PCR 10 (per-bank mode)",
		    res.prefix[IMA_MODE_PER_BANK], bl->entries, bl->alg_name);
}

static void
report_bank_consistent(struct judging *j, struct bank_list *bl)
{
	uint64_t left = 0;
	struct ima_parser p = bl->ima_p;
	struct ima_record o;
	struct errbuf pe;
	size_t pos = bl->ima_pos, need;

	if (bl->ima == NULL) {
		jg_skip(j, bl->consistent, "no ima.log to compare with");
		return;
	}
	/* ima.log's records after the list's last one */
	while (!bl->ima_broken && !bl->differs && pos < bl->ima_len) {
		if (ima_parse_record(&p, bl->ima + pos, bl->ima_len - pos, &o,
		    &need, &pe) != IMA_PARSE_RECORD) {
			bl->ima_broken = true;
			break;
		}
		left++;
		pos += o.size;
	}
	if (bl->ima_broken)
		jg_skip(j, bl->consistent, "ima.log does not parse");
	else if (bl->differs)
		jg_fail(j, bl->consistent, "%s", bl->why);
	else if (left > 0)
		jg_fail(j, bl->consistent, "the list has %" PRIu64 " entries, "
		    "ima.log %" PRIu64 " more", bl->entries, left);
	else
		jg_ok(j, bl->consistent, "the %" PRIu64 " entries of ima.log, "
		    "in order", bl->entries);
}

/* Parse, replay and compare one present list. */
static void
judge_bank_list(struct judging *j, struct bank_list *bl,
    const struct bundle_member *mb)
{
	static struct ima_replay rp;
	struct pcr_set exp;
	struct errbuf pe;
	char digest[32];

	if (media_type_digest(mb->media_type, digest, sizeof(digest)) == -1 ||
	    strcmp(digest, bl->alg_name) != 0) {
		jg_fail(j, bl->parse, "%s: media type '%s' does not say "
		    "digest=%s", mb->name, mb->media_type, bl->alg_name);
		return;
	}
	if (bl->alg == NULL || hashalg_md(bl->alg) == NULL) {
		jg_fail(j, bl->parse, "%s: no digest for %s", mb->name,
		    bl->alg_name);
		return;
	}
	bl->replay_on = quoted_pcr10(j, bl->alg, &exp);
	if (bl->replay_on && ima_replay_init(&rp, &bl->alg, 1,
	    IMA_REPLAY_PER_BANK, bl->alg, &pe) == -1) {
		jg_fail(j, bl->replay, "%s", pe.msg);
		return;
	}
	if (bl->replay_on)
		ima_replay_expect(&rp, &exp);
	bl->ima = jg_member(j, "ima.log", &bl->ima_len);
	ima_parser_init(&bl->ima_p, hashalg_by_name("sha1"),
	    IMA_ORDER_UNKNOWN);
	if (scan_bank_list(bl, &rp, &pe) == -1)
		jg_fail(j, bl->parse, "%s: %s", mb->name, pe.msg);
	else {
		jg_ok(j, bl->parse, "%" PRIu64 " entries", bl->entries);
		report_bank_replay(j, bl, &rp);
		report_bank_consistent(j, bl);
	}
	if (bl->replay_on)
		ima_replay_free(&rp);
}

static void
judge_bank_lists(struct judging *j)
{
	static struct bank_list bl;
	const struct bundle_member *mb;
	char member[BUNDLE_MEMBER_NAME_MAX + 1], log[32];
	size_t i;

	for (i = 0; i < sizeof(bank_list_algs) / sizeof(bank_list_algs[0]);
	    i++) {
		memset(&bl, 0, sizeof(bl));
		bl.alg_name = bank_list_algs[i];
		bl.alg = hashalg_by_name(bl.alg_name);
		snprintf(bl.parse, sizeof(bl.parse), "ima.%s-list.parse",
		    bl.alg_name);
		snprintf(bl.replay, sizeof(bl.replay), "ima.%s-list.replay",
		    bl.alg_name);
		snprintf(bl.consistent, sizeof(bl.consistent),
		    "ima.%s-list.consistent", bl.alg_name);
		snprintf(member, sizeof(member), "ima-%s.log", bl.alg_name);
		snprintf(log, sizeof(log), "ima-%s", bl.alg_name);
		mb = member_entry(j, member);
		if (mb == NULL || (bl.data = jg_member(j, member,
		    &bl.len)) == NULL) {
			if (wants_log(j, log))
				jg_fail(j, bl.parse, "the challenge asks for "
				    "the log '%s' and the bundle has no %s",
				    log, member);
			continue;
		}
		judge_bank_list(j, &bl, mb);
	}
}

int
judge_ima(struct judging *j, struct errbuf *e)
{
	if (judge_ima_classic(j, e) == -1)
		return -1;
	judge_bank_lists(j);
	return 0;
}
