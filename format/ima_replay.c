/* ima_replay.c - see ima_replay.h. */
#include "format/ima_replay.h"

#include <string.h>

const char *
ima_mode_name(enum ima_mode m)
{
	return m == IMA_MODE_PADDED ? "padded" : "per-bank";
}

static bool
is_sha1(const struct hashalg *a)
{
	return a->size == 20 && strcmp(a->name, "sha1") == 0;
}

/* The slot computing alg's template hash; added if new. */
static int
slot_for(struct ima_replay *r, const struct hashalg *alg, size_t *slot,
    struct errbuf *e)
{
	struct ima_hash_slot *s;
	size_t i;

	for (i = 0; i < r->nslots; i++)
		if (r->slots[i].alg == alg) {
			*slot = i;
			return 0;
		}
	s = &r->slots[r->nslots];
	s->alg = alg;
	if ((s->md = hashalg_md(alg)) == NULL)
		return err_set(e, "hash algorithm %s is not available in "
		    "OpenSSL", alg->name);
	if ((s->ctx = EVP_MD_CTX_new()) == NULL)
		return err_openssl(e, "EVP_MD_CTX_new");
	*slot = r->nslots++;
	return 0;
}

int
ima_replay_init(struct ima_replay *r, const struct hashalg *const *banks,
    size_t nbanks, unsigned modes, const struct hashalg *log_alg,
    struct errbuf *e)
{
	size_t i, j;
	bool padded = false;

	memset(r, 0, sizeof(*r));
	r->modes = modes & IMA_REPLAY_BOTH;
	r->log_alg = log_alg;
	if (r->modes == 0)
		return err_set(e, "no extension mode selected");
	if (nbanks > IMA_REPLAY_MAX_BANKS)
		return err_set(e, "more than %d banks", IMA_REPLAY_MAX_BANKS);
	for (i = 0; i < nbanks; i++) {
		for (j = 0; j < i; j++)
			if (banks[j] == banks[i]) {
				err_set(e, "bank %s given twice",
				    banks[i]->name);
				goto fail;
			}
		r->banks[i].alg = banks[i];
		if (slot_for(r, banks[i], &r->banks[i].slot, e) == -1)
			goto fail;
		if (!is_sha1(banks[i]))
			padded = true;
	}
	r->nbanks = nbanks;
	if (slot_for(r, log_alg, &r->log_slot, e) == -1)
		goto fail;
	r->sha1_slot = r->nslots;
	if (padded && (r->modes & IMA_REPLAY_PADDED) &&
	    slot_for(r, hashalg_by_name("sha1"), &r->sha1_slot, e) == -1)
		goto fail;
	return 0;
fail:
	ima_replay_free(r);
	return -1;
}

void
ima_replay_free(struct ima_replay *r)
{
	size_t i;

	for (i = 0; i < r->nslots; i++) {
		EVP_MD_CTX_free(r->slots[i].ctx);
		r->slots[i].ctx = NULL;
	}
	r->nslots = 0;
}

void
ima_replay_expect(struct ima_replay *r, const struct pcr_set *s)
{
	struct ima_replay_bank *b;
	const uint8_t *v;
	size_t i;
	unsigned p;

	for (i = 0; i < r->nbanks; i++) {
		b = &r->banks[i];
		b->expect = false;
		b->exp_present = 0;
		for (p = 0; p < IMA_PCR_COUNT; p++) {
			if ((v = pcr_set_get(s, b->alg, p)) == NULL)
				continue;
			memcpy(b->exp[p], v, b->alg->size);
			b->exp_present |= 1u << p;
			b->expect = true;
		}
	}
}

/* PCR = H(PCR || ext), with ctx reused. */
static int
extend(EVP_MD_CTX *ctx, const EVP_MD *md, uint8_t *pcr, const uint8_t *ext,
    size_t size, struct errbuf *e)
{
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, pcr, size) != 1 ||
	    EVP_DigestUpdate(ctx, ext, size) != 1 ||
	    EVP_DigestFinal_ex(ctx, pcr, NULL) != 1)
		return err_openssl(e, "PCR extend");
	return 0;
}

/* Template hashes the record needs: every slot, once. */
static int
hash_record(struct ima_replay *r, const struct ima_record *rec,
    struct errbuf *e)
{
	size_t i;

	for (i = 0; i < r->nslots; i++)
		if (ima_template_hash(r->slots[i].ctx, r->slots[i].md, rec,
		    r->slots[i].out, e) == -1)
			return -1;
	return 0;
}

/*
 * Whether a replayed PCR equals its quoted value. Called after every
 * record and nearly always unequal: the first 8 bytes (a PCR slot holds
 * HASHALG_MAX_SIZE) tell most values apart without a call to memcmp.
 */
static bool
same_pcr(const uint8_t *a, const uint8_t *b, size_t size)
{
	uint64_t x, y;

	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x == y && memcmp(a, b, size) == 0;
}

static void
track(struct ima_replay_bank *b, enum ima_mode m, unsigned pcr,
    uint32_t touched, uint64_t entries)
{
	uint32_t bit = 1u << pcr;

	/* A PCR without an expected value cannot be judged here: it is
	 * reported as missing, and does not move the prefix. */
	if (!(b->exp_present & bit))
		return;
	if (same_pcr(b->pcr[m][pcr], b->exp[pcr], b->alg->size))
		b->mismatch[m] &= ~bit;
	else
		b->mismatch[m] |= bit;
	if (b->mismatch[m] == 0) {
		b->prefix[m] = entries;
		b->touched_at[m] = touched;
	}
}

static int
extend_bank(struct ima_replay *r, struct ima_replay_bank *b,
    const struct ima_record *rec, struct errbuf *e)
{
	struct ima_hash_slot *s = &r->slots[b->slot];
	uint8_t ext[HASHALG_MAX_SIZE];
	size_t size = b->alg->size;
	unsigned p = rec->pcr;

	if (r->modes & IMA_REPLAY_PER_BANK) {
		if (rec->violation)
			memset(ext, 0xff, size);
		else
			memcpy(ext, s->out, size);
		if (extend(s->ctx, s->md, b->pcr[IMA_MODE_PER_BANK][p], ext,
		    size, e) == -1)
			return -1;
	}
	if (r->modes & IMA_REPLAY_PADDED) {
		if (is_sha1(b->alg) && (r->modes & IMA_REPLAY_PER_BANK))
			memcpy(b->pcr[IMA_MODE_PADDED][p],
			    b->pcr[IMA_MODE_PER_BANK][p], size);
		else {
			memset(ext, 0, size);
			if (rec->violation)
				memset(ext, 0xff, 20);
			else if (is_sha1(b->alg))
				memcpy(ext, s->out, 20);
			else
				memcpy(ext, r->slots[r->sha1_slot].out, 20);
			if (extend(s->ctx, s->md, b->pcr[IMA_MODE_PADDED][p],
			    ext, size, e) == -1)
				return -1;
		}
	}
	return 0;
}

int
ima_replay_record(struct ima_replay *r, const struct ima_record *rec,
    bool *column_ok, struct errbuf *e)
{
	struct ima_replay_bank *b;
	size_t i;
	int m;

	*column_ok = true;
	if (rec->pcr >= IMA_PCR_COUNT)
		return err_set(e, "PCR index %u out of range", rec->pcr);
	if (rec->violation)
		r->violations++;
	else {
		if (hash_record(r, rec, e) == -1)
			return -1;
		if (rec->digest_len != r->log_alg->size ||
		    memcmp(r->slots[r->log_slot].out, rec->digest,
		    rec->digest_len) != 0) {
			*column_ok = false;
			r->column_mismatches++;
		}
	}
	r->entries++;
	r->touched |= 1u << rec->pcr;
	for (i = 0; i < r->nbanks; i++) {
		b = &r->banks[i];
		if (extend_bank(r, b, rec, e) == -1)
			return -1;
		if (!b->expect)
			continue;
		for (m = 0; m < IMA_NMODES; m++)
			if (r->modes & (1u << m))
				track(b, (enum ima_mode)m, rec->pcr,
				    r->touched, r->entries);
	}
	return 0;
}

const uint8_t *
ima_replay_pcr(const struct ima_replay *r, size_t bank, enum ima_mode mode,
    unsigned pcr)
{
	if (bank >= r->nbanks || pcr >= IMA_PCR_COUNT)
		return NULL;
	if (!(r->modes & (1u << mode)))
		return NULL;
	return r->banks[bank].pcr[mode][pcr];
}

void
ima_replay_result(const struct ima_replay *r, size_t bank,
    struct ima_bank_result *out)
{
	static const uint8_t zeros[HASHALG_MAX_SIZE];
	const struct ima_replay_bank *b = &r->banks[bank];
	uint32_t later;
	unsigned p;
	int m;

	memset(out, 0, sizeof(*out));
	out->missing = r->touched & ~b->exp_present;
	for (m = 0; m < IMA_NMODES; m++) {
		if (!(r->modes & (1u << m)) || !b->expect)
			continue;
		/* PCRs first extended after the prefix must still be zero;
		 * those without a value are in out->missing instead. */
		later = r->touched & ~b->touched_at[m] & b->exp_present;
		out->matched[m] = true;
		for (p = 0; p < IMA_PCR_COUNT; p++)
			if ((later & (1u << p)) &&
			    (!(b->exp_present & (1u << p)) ||
			    memcmp(b->exp[p], zeros, b->alg->size) != 0))
				out->matched[m] = false;
		out->prefix[m] = b->prefix[m];
	}
}
