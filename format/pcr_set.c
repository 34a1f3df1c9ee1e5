/*
 * pcr_set.c - see pcr_set.h.
 *
 * Four input formats, told apart by their first bytes:
 *   - text (no NUL byte): our lines, or tpm2_pcrread YAML when the first
 *     meaningful line is a "key:" line;
 *   - the tpm2-tools "serialized" dump: it starts with the selection count
 *     as a little-endian u32 (1..16), so bytes 1..3 are zero; a dump made
 *     on a big-endian host starts like a marshaled file and is recognised
 *     by its fixed size when it does not parse as one;
 *   - the tpm2-tools "marshaled" form: a big-endian u32 count (1..16).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "format/bytes.h"
#include "format/fileio.h"
#include "format/hex.h"
#include "format/pcr_set.h"

/* Layout of the serialized (C memory dump) form, x86-64/aarch64 ABI. */
#define SER_SELECTION_SIZE	8	/* u16 hash, u8 size, u8[4], 1 pad */
#define SER_SELECTION_LIST	(4 + TPM2_NUM_PCR_BANKS * SER_SELECTION_SIZE)
#define SER_DIGEST_SIZE		(2 + sizeof(TPMU_HA))	/* u16 + u8[64] */
#define SER_DIGEST_LIST		(4 + 8 * SER_DIGEST_SIZE)
#define SER_VALUES_OFFSET	(SER_SELECTION_LIST + 4)
#define SER_DIGESTS_PER_LIST	8

const char *
pcr_file_format_name(enum pcr_file_format f)
{
	switch (f) {
	case PCR_FILE_LINES:
		return "lines";
	case PCR_FILE_YAML:
		return "tpm2_pcrread YAML";
	case PCR_FILE_TPM2_SERIALIZED:
		return "tpm2-tools serialized";
	case PCR_FILE_TPM2_MARSHALED:
		return "tpm2-tools marshaled";
	}
	return "unknown";
}

void
pcr_set_init(struct pcr_set *s)
{
	memset(s, 0, sizeof(*s));
}

static struct pcr_bank *
find_bank(const struct pcr_set *s, const struct hashalg *alg)
{
	size_t i;

	for (i = 0; i < s->nbanks; i++)
		if (s->banks[i].alg == alg ||
		    s->banks[i].alg->tpm_id == alg->tpm_id)
			return (struct pcr_bank *)&s->banks[i];
	return NULL;
}

const uint8_t *
pcr_set_get(const struct pcr_set *s, const struct hashalg *alg, unsigned pcr)
{
	const struct pcr_bank *b;

	if (alg == NULL || pcr >= PCR_COUNT || (b = find_bank(s, alg)) == NULL)
		return NULL;
	if ((b->present & (UINT32_C(1) << pcr)) == 0)
		return NULL;
	return b->values[pcr];
}

int
pcr_set_put(struct pcr_set *s, const struct hashalg *alg, unsigned pcr,
    const uint8_t *value, struct errbuf *e)
{
	struct pcr_bank *b;

	if (alg == NULL || alg->tpm_id == 0)
		return err_set(e, "PCR bank %s has no TPM algorithm id",
		    alg != NULL ? alg->name : "(null)");
	if (pcr >= PCR_COUNT)
		return err_set(e, "PCR index %u out of range (0..%d)", pcr,
		    PCR_COUNT - 1);
	if ((b = find_bank(s, alg)) == NULL) {
		if (s->nbanks >= PCR_SET_MAX_BANKS)
			return err_set(e, "more than %d PCR banks",
			    PCR_SET_MAX_BANKS);
		b = &s->banks[s->nbanks++];
		memset(b, 0, sizeof(*b));
		b->alg = alg;
	}
	memcpy(b->values[pcr], value, alg->size);
	b->present |= UINT32_C(1) << pcr;
	return 0;
}

/*
 * Add one value read from a file: a second, different value for the same
 * (bank, PCR) is an error; the same value twice is harmless.
 */
static int
add_value(struct pcr_set *s, const struct hashalg *alg, unsigned pcr,
    const uint8_t *value, size_t size, struct errbuf *e)
{
	const uint8_t *old;

	if (size != alg->size)
		return err_set(e, "%s PCR %u: value of %zu bytes, expected %zu",
		    alg->name, pcr, size, alg->size);
	if ((old = pcr_set_get(s, alg, pcr)) != NULL) {
		if (memcmp(old, value, size) != 0)
			return err_set(e, "%s PCR %u given twice with different "
			    "values", alg->name, pcr);
		return 0;
	}
	return pcr_set_put(s, alg, pcr, value, e);
}

static size_t
count_values(const struct pcr_set *s)
{
	size_t i, n = 0;
	unsigned p;

	for (i = 0; i < s->nbanks; i++)
		for (p = 0; p < PCR_COUNT; p++)
			if (s->banks[i].present & (UINT32_C(1) << p))
				n++;
	return n;
}

/* --- text formats ----------------------------------------------------- */

struct text_line {
	const char *p;		/* start, comments and outer blanks removed */
	size_t len;
	size_t lineno;
};

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/*
 * Next line of buf[*pos..len) with its '#' comment and surrounding blanks
 * removed. Returns 0 at the end of the buffer.
 */
static int
next_line(const char *buf, size_t len, size_t *pos, struct text_line *l)
{
	const char *start, *end, *hash;

	if (*pos >= len)
		return 0;
	start = buf + *pos;
	end = memchr(start, '\n', len - *pos);
	if (end == NULL)
		end = buf + len;
	*pos = (size_t)(end - buf) + 1;
	l->lineno++;
	if ((hash = memchr(start, '#', (size_t)(end - start))) != NULL)
		end = hash;
	while (start < end && is_blank(*start))
		start++;
	while (end > start && is_blank(end[-1]))
		end--;
	l->p = start;
	l->len = (size_t)(end - start);
	return 1;
}

/* Split off the next blank-separated token of l; 0 if there is none. */
static int
next_token(struct text_line *l, const char **tok, size_t *toklen)
{
	size_t i = 0, n;

	while (i < l->len && is_blank(l->p[i]))
		i++;
	if (i == l->len)
		return 0;
	n = i;
	while (n < l->len && !is_blank(l->p[n]))
		n++;
	*tok = l->p + i;
	*toklen = n - i;
	l->p += n;
	l->len -= n;
	return 1;
}

/* A decimal PCR index below PCR_COUNT, without sign or leading blanks. */
static int
parse_pcr_index(const char *s, size_t len, unsigned *pcr)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 2)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v >= PCR_COUNT)
		return -1;
	*pcr = v;
	return 0;
}

/* A bank name that has a TPM algorithm id. */
static const struct hashalg *
parse_bank(const char *s, size_t len, struct errbuf *e)
{
	const struct hashalg *alg;

	if ((alg = hashalg_by_name_n(s, len)) == NULL) {
		err_set(e, "unknown PCR bank '%.*s'", (int)(len > 32 ? 32 : len),
		    s);
		return NULL;
	}
	if (alg->tpm_id == 0) {
		err_set(e, "%s is not a TPM PCR bank algorithm", alg->name);
		return NULL;
	}
	return alg;
}

/* Decode a value of exactly alg->size bytes and add it to the set. */
static int
add_hex_value(struct pcr_set *s, const struct hashalg *alg, unsigned pcr,
    const char *hex, size_t hexlen, struct errbuf *e)
{
	uint8_t v[HASHALG_MAX_SIZE];

	if (hexlen != 2 * alg->size)
		return err_set(e, "%s PCR %u: %zu hex digits, expected %zu",
		    alg->name, pcr, hexlen, 2 * alg->size);
	if (hex_decode(hex, hexlen, v, sizeof(v)) != (long)alg->size)
		return err_set(e, "%s PCR %u: value is not hexadecimal",
		    alg->name, pcr);
	return add_value(s, alg, pcr, v, alg->size, e);
}

/* "ALG PCR HEX" */
static int
parse_lines_line(struct text_line *l, struct pcr_set *s, struct errbuf *e)
{
	const char *tok[4];
	size_t toklen[4], n = 0;
	const struct hashalg *alg;
	unsigned pcr;

	while (n < 4 && next_token(l, &tok[n], &toklen[n]))
		n++;
	if (n != 3)
		return err_set(e, "expected 'ALG PCR HEX', found %zu field%s", n,
		    n == 1 ? "" : "s");
	if ((alg = parse_bank(tok[0], toklen[0], e)) == NULL)
		return -1;
	if (parse_pcr_index(tok[1], toklen[1], &pcr) == -1)
		return err_set(e, "bad PCR index '%.*s' (0..%d)",
		    (int)(toklen[1] > 16 ? 16 : toklen[1]), tok[1], PCR_COUNT - 1);
	return add_hex_value(s, alg, pcr, tok[2], toklen[2], e);
}

static void
trim(const char **p, size_t *len)
{
	while (*len > 0 && is_blank(**p)) {
		(*p)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*p)[*len - 1]))
		(*len)--;
}

/*
 * tpm2_pcrread output: "ALG:" lines open a bank, "N : 0xHEX" lines give
 * values in it. A leading "pcrs:" (as tpm2_quote prints) is allowed.
 */
static int
parse_yaml_line(struct text_line *l, struct pcr_set *s,
    const struct hashalg **bank, int *seen_key, struct errbuf *e)
{
	const char *colon, *key, *val;
	size_t keylen, vallen;
	unsigned pcr;

	if ((colon = memchr(l->p, ':', l->len)) == NULL)
		return err_set(e, "expected 'ALG:' or 'PCR : 0xHEX'");
	key = l->p;
	keylen = (size_t)(colon - l->p);
	val = colon + 1;
	vallen = l->len - keylen - 1;
	trim(&key, &keylen);
	trim(&val, &vallen);
	if (vallen == 0) {
		if (!*seen_key && keylen == 4 && memcmp(key, "pcrs", 4) == 0) {
			*seen_key = 1;
			return 0;
		}
		*seen_key = 1;
		return (*bank = parse_bank(key, keylen, e)) == NULL ? -1 : 0;
	}
	*seen_key = 1;
	if (*bank == NULL)
		return err_set(e, "'%.*s' before any 'ALG:' line",
		    (int)(keylen > 16 ? 16 : keylen), key);
	if (parse_pcr_index(key, keylen, &pcr) == -1)
		return err_set(e, "bad PCR index '%.*s' (0..%d)",
		    (int)(keylen > 16 ? 16 : keylen), key, PCR_COUNT - 1);
	if (vallen < 2 || val[0] != '0' || (val[1] != 'x' && val[1] != 'X'))
		return err_set(e, "%s PCR %u: value must start with 0x",
		    (*bank)->name, pcr);
	return add_hex_value(s, *bank, pcr, val + 2, vallen - 2, e);
}

/* YAML if the first meaningful line has a colon: our lines have none. */
static enum pcr_file_format
detect_text(const char *buf, size_t len)
{
	struct text_line l = { 0 };
	size_t pos = 0;

	while (next_line(buf, len, &pos, &l))
		if (l.len > 0)
			return memchr(l.p, ':', l.len) != NULL ?
			    PCR_FILE_YAML : PCR_FILE_LINES;
	return PCR_FILE_LINES;
}

static int
parse_text(const char *buf, size_t len, enum pcr_file_format fmt,
    struct pcr_set *s, struct errbuf *e)
{
	struct text_line l = { 0 };
	const struct hashalg *bank = NULL;
	size_t pos = 0;
	int seen_key = 0, r;

	while (next_line(buf, len, &pos, &l)) {
		if (l.len == 0)
			continue;
		if (fmt == PCR_FILE_YAML)
			r = parse_yaml_line(&l, s, &bank, &seen_key, e);
		else
			r = parse_lines_line(&l, s, e);
		if (r == -1)
			return err_prefix(e, "line %zu", l.lineno);
	}
	return 0;
}

/* --- binary formats --------------------------------------------------- */

/*
 * Walks a selection in quote order and hands each selected (bank, PCR)
 * the next value: the values of a tpm2-tools PCR file are in this order,
 * split into TPML_DIGESTs of at most eight.
 */
struct sel_walk {
	const TPML_PCR_SELECTION *sel;
	uint32_t i;		/* selection entry */
	unsigned pcr;		/* next PCR to look at in entry i */
};

/* The next selected (bank, PCR); 0 when the selection is exhausted. */
static int
sel_next(struct sel_walk *w, const TPMS_PCR_SELECTION **ps, unsigned *pcr)
{
	for (; w->i < w->sel->count; w->i++, w->pcr = 0) {
		const TPMS_PCR_SELECTION *p = &w->sel->pcrSelections[w->i];

		for (; w->pcr < 8u * p->sizeofSelect; w->pcr++) {
			if (p->pcrSelect[w->pcr / 8] & (1u << (w->pcr % 8))) {
				*ps = p;
				*pcr = w->pcr++;
				return 1;
			}
		}
	}
	return 0;
}

/* Every entry names a known bank and at most 32 PCRs; empty allowed. */
static int
check_selection(const TPML_PCR_SELECTION *sel, struct errbuf *e)
{
	uint32_t i;

	if (sel->count > TPM2_NUM_PCR_BANKS)
		return err_set(e, "PCR selection count %u (at most %d)",
		    (unsigned)sel->count, TPM2_NUM_PCR_BANKS);
	for (i = 0; i < sel->count; i++) {
		const TPMS_PCR_SELECTION *p = &sel->pcrSelections[i];
		const struct hashalg *alg = hashalg_by_tpm(p->hash);

		if (alg == NULL)
			return err_set(e, "PCR selection %u: unknown bank "
			    "algorithm 0x%04x", (unsigned)i, (unsigned)p->hash);
		if (p->sizeofSelect > TPM2_PCR_SELECT_MAX)
			return err_set(e, "PCR selection %u: sizeofSelect %u "
			    "(at most %d)", (unsigned)i,
			    (unsigned)p->sizeofSelect, TPM2_PCR_SELECT_MAX);
	}
	return 0;
}

/* Assign the values of one TPML_DIGEST to the next selected PCRs. */
static int
assign_digests(struct sel_walk *w, const TPML_DIGEST *d, struct pcr_set *s,
    struct errbuf *e)
{
	const TPMS_PCR_SELECTION *ps;
	unsigned pcr;
	uint32_t k;

	if (d->count == 0 || d->count > SER_DIGESTS_PER_LIST)
		return err_set(e, "digest count %u (1..%d)",
		    (unsigned)d->count, SER_DIGESTS_PER_LIST);
	for (k = 0; k < d->count; k++) {
		if (!sel_next(w, &ps, &pcr))
			return err_set(e, "more PCR values than selected PCRs");
		if (d->digests[k].size > sizeof(d->digests[k].buffer))
			return err_set(e, "digest %u: size %u", (unsigned)k,
			    (unsigned)d->digests[k].size);
		if (add_value(s, hashalg_by_tpm(ps->hash), pcr,
		    d->digests[k].buffer, d->digests[k].size, e) == -1)
			return err_prefix(e, "digest %u", (unsigned)k);
	}
	return 0;
}

/* After the last TPML_DIGEST: every selected PCR must have had a value. */
static int
check_walk_done(struct sel_walk *w, struct errbuf *e)
{
	const TPMS_PCR_SELECTION *ps;
	unsigned pcr;

	if (sel_next(w, &ps, &pcr))
		return err_set(e, "no value for selected %s PCR %u",
		    hashalg_by_tpm(ps->hash)->name, pcr);
	return 0;
}



/* The value-list count of a serialized file, if its size fits one. */
static int
serialized_size_ok(const uint8_t *buf, size_t len, int big)
{
	uint32_t n;

	if (len < SER_VALUES_OFFSET)
		return 0;
	n = load_u32(buf + SER_SELECTION_LIST, big);
	return n <= (len - SER_VALUES_OFFSET) / SER_DIGEST_LIST &&
	    len == SER_VALUES_OFFSET + (size_t)n * SER_DIGEST_LIST;
}

/*
 * The memory dump: only the used selection entries, digest counts and
 * digest sizes are meaningful; unused entries and padding are ignored as
 * tpm2-tools ignores them.
 */
static int
parse_serialized(const uint8_t *buf, size_t len, int big, struct pcr_set *s,
    struct errbuf *e)
{
	TPML_PCR_SELECTION sel;
	TPML_DIGEST d;
	struct sel_walk w = { &sel, 0, 0 };
	uint32_t i, n;
	size_t off, k;

	if (len < SER_VALUES_OFFSET)
		return err_set(e, "truncated at offset %zu: %zu bytes, a "
		    "serialized PCR file has at least %zu", len, len,
		    (size_t)SER_VALUES_OFFSET);
	memset(&sel, 0, sizeof(sel));
	sel.count = load_u32(buf, big);
	if (sel.count > TPM2_NUM_PCR_BANKS)
		return err_set(e, "offset 0: PCR selection count %u (at most %d)",
		    (unsigned)sel.count, TPM2_NUM_PCR_BANKS);
	for (i = 0; i < sel.count; i++) {
		const uint8_t *p = buf + 4 + i * SER_SELECTION_SIZE;

		sel.pcrSelections[i].hash = load_u16(p, big);
		sel.pcrSelections[i].sizeofSelect = p[2];
		memcpy(sel.pcrSelections[i].pcrSelect, p + 3,
		    TPM2_PCR_SELECT_MAX);
	}
	if (check_selection(&sel, e) == -1)
		return err_prefix(e, "offset 0");
	n = load_u32(buf + SER_SELECTION_LIST, big);
	if (!serialized_size_ok(buf, len, big))
		return err_set(e, "offset %d: %u digest lists need %zu bytes, "
		    "file has %zu", SER_SELECTION_LIST, (unsigned)n,
		    (size_t)SER_VALUES_OFFSET + (size_t)n * SER_DIGEST_LIST,
		    len);
	for (i = 0; i < n; i++) {
		off = SER_VALUES_OFFSET + (size_t)i * SER_DIGEST_LIST;
		memset(&d, 0, sizeof(d));
		d.count = load_u32(buf + off, big);
		for (k = 0; k < SER_DIGESTS_PER_LIST; k++) {
			const uint8_t *p = buf + off + 4 + k * SER_DIGEST_SIZE;

			d.digests[k].size = load_u16(p, big);
			memcpy(d.digests[k].buffer, p + 2,
			    sizeof(d.digests[k].buffer));
		}
		if (assign_digests(&w, &d, s, e) == -1)
			return err_prefix(e, "offset %zu: digest list %u", off,
			    (unsigned)i);
	}
	if (check_walk_done(&w, e) == -1)
		return err_prefix(e, "offset %zu", len);
	return 0;
}

static int
parse_marshaled(const uint8_t *buf, size_t len, struct pcr_set *s,
    struct errbuf *e)
{
	TPML_PCR_SELECTION sel;
	TPML_DIGEST d;
	struct sel_walk w = { &sel, 0, 0 };
	size_t off = 0, start;
	uint32_t i, n;

	if (Tss2_MU_TPML_PCR_SELECTION_Unmarshal(buf, len, &off, &sel) != 0)
		return err_set(e, "offset 0: malformed TPML_PCR_SELECTION");
	if (sel.count == 0)
		return err_set(e, "offset 0: empty PCR selection");
	if (check_selection(&sel, e) == -1)
		return err_prefix(e, "offset 0");
	start = off;
	if (Tss2_MU_UINT32_Unmarshal(buf, len, &off, &n) != 0)
		return err_set(e, "offset %zu: truncated digest list count",
		    start);
	for (i = 0; i < n; i++) {
		start = off;
		if (Tss2_MU_TPML_DIGEST_Unmarshal(buf, len, &off, &d) != 0)
			return err_set(e, "offset %zu: digest list %u: "
			    "malformed TPML_DIGEST", start, (unsigned)i);
		if (assign_digests(&w, &d, s, e) == -1)
			return err_prefix(e, "offset %zu: digest list %u", start,
			    (unsigned)i);
	}
	if (off != len)
		return err_set(e, "offset %zu: %zu trailing bytes", off,
		    len - off);
	if (check_walk_done(&w, e) == -1)
		return err_prefix(e, "offset %zu", len);
	return 0;
}

/*
 * Both binary forms start with a u32 selection count of 1..16: little
 * endian in a serialized file from a little-endian host, big endian in a
 * marshaled file (and in a serialized file from a big-endian host).
 */
static int
parse_binary(const uint8_t *buf, size_t len, struct pcr_set *s,
    enum pcr_file_format *fmt, struct errbuf *e)
{
	struct errbuf me;
	int r;

	if (len >= 4 && buf[0] != 0 && buf[1] == 0 && buf[2] == 0 &&
	    buf[3] == 0) {
		*fmt = PCR_FILE_TPM2_SERIALIZED;
		return parse_serialized(buf, len, 0, s, e);
	}
	if (len >= 4 && buf[0] == 0 && buf[1] == 0 && buf[2] == 0 &&
	    buf[3] != 0) {
		*fmt = PCR_FILE_TPM2_MARSHALED;
		if ((r = parse_marshaled(buf, len, s, &me)) == 0 ||
		    !serialized_size_ok(buf, len, 1)) {
			if (r == -1 && e != NULL)
				*e = me;
			return r;
		}
		pcr_set_init(s);
		*fmt = PCR_FILE_TPM2_SERIALIZED;
		return parse_serialized(buf, len, 1, s, e);
	}
	*fmt = PCR_FILE_TPM2_MARSHALED;
	return err_set(e, "offset 0: not a PCR file: binary data that starts "
	    "with no PCR selection count");
}

int
pcr_set_parse(const uint8_t *buf, size_t len, struct pcr_set *out,
    enum pcr_file_format *fmt, struct errbuf *e)
{
	enum pcr_file_format f;
	int r;

	pcr_set_init(out);
	if (len > PCR_FILE_MAX)
		return err_set(e, "PCR file of %zu bytes, at most %u", len,
		    PCR_FILE_MAX);
	if (len == 0)
		return err_set(e, "empty PCR file");
	if (memchr(buf, '\0', len) == NULL) {
		f = detect_text((const char *)buf, len);
		r = parse_text((const char *)buf, len, f, out, e);
	} else {
		r = parse_binary(buf, len, out, &f, e);
	}
	if (fmt != NULL)
		*fmt = f;
	if (r == 0 && count_values(out) == 0)
		r = err_set(e, "no PCR values");
	if (r == -1) {
		pcr_set_init(out);
		return err_prefix(e, "%s PCR file", pcr_file_format_name(f));
	}
	return 0;
}

/* --- pcrDigest -------------------------------------------------------- */

int
pcr_set_digest(const struct pcr_set *s, const TPML_PCR_SELECTION *sel,
    const struct hashalg *hash, uint8_t *out, size_t *outlen,
    struct errbuf *e)
{
	struct sel_walk w = { sel, 0, 0 };
	const TPMS_PCR_SELECTION *ps;
	const struct hashalg *bank;
	const uint8_t *v;
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned pcr, n;
	int ok;

	if (check_selection(sel, e) == -1)
		return -1;
	if (hash == NULL || (md = hashalg_md(hash)) == NULL)
		return err_set(e, "pcrDigest hash %s unavailable",
		    hash != NULL ? hash->name : "(null)");
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return err_openssl(e, "EVP_MD_CTX_new");
	ok = EVP_DigestInit_ex(ctx, md, NULL);
	while (ok && sel_next(&w, &ps, &pcr)) {
		bank = hashalg_by_tpm(ps->hash);
		if ((v = pcr_set_get(s, bank, pcr)) == NULL) {
			EVP_MD_CTX_free(ctx);
			return err_set(e, "no value for selected %s PCR %u",
			    bank->name, pcr);
		}
		ok = EVP_DigestUpdate(ctx, v, bank->size);
	}
	if (ok)
		ok = EVP_DigestFinal_ex(ctx, out, &n);
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return err_openssl(e, "pcrDigest");
	*outlen = n;
	return 0;
}

int
pcr_set_read_file(const char *path, struct pcr_set *out,
    enum pcr_file_format *fmt, struct errbuf *e)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if (file_read(path, PCR_FILE_MAX, &buf, &len, e) == -1)
		return -1;
	pcr_set_init(out);
	rc = pcr_set_parse(buf, len, out, fmt, e);
	free(buf);
	return rc == -1 ? err_prefix(e, "%s", path) : 0;
}
