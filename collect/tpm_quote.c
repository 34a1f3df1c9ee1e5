/* tpm_quote.c - see tpm_quote.h. */
#include "collect/tpm_quote.h"

#include <string.h>

#include <tss2/tss2_mu.h>

#include "collect/tpm_conn.h"
#include "format/bytes.h"
#include "format/hashalg.h"

/* Clear in rest the PCRs that got covers; whether anything was cleared. */
static int
selection_remove(TPML_PCR_SELECTION *rest, const TPML_PCR_SELECTION *got)
{
	UINT32 i, j;
	unsigned b;
	int progress = 0;

	for (i = 0; i < got->count && i < TPM2_NUM_PCR_BANKS; i++)
		for (j = 0; j < rest->count && j < TPM2_NUM_PCR_BANKS; j++) {
			if (rest->pcrSelections[j].hash !=
			    got->pcrSelections[i].hash)
				continue;
			for (b = 0; b < got->pcrSelections[i].sizeofSelect &&
			    b < rest->pcrSelections[j].sizeofSelect &&
			    b < TPM2_PCR_SELECT_MAX; b++) {
				if (rest->pcrSelections[j].pcrSelect[b] &
				    got->pcrSelections[i].pcrSelect[b])
					progress = 1;
				rest->pcrSelections[j].pcrSelect[b] &=
				    (BYTE)~got->pcrSelections[i].pcrSelect[b];
			}
		}
	return progress;
}

static int
selection_empty(const TPML_PCR_SELECTION *s)
{
	UINT32 i;
	unsigned b;

	for (i = 0; i < s->count && i < TPM2_NUM_PCR_BANKS; i++)
		for (b = 0; b < s->pcrSelections[i].sizeofSelect &&
		    b < TPM2_PCR_SELECT_MAX; b++)
			if (s->pcrSelections[i].pcrSelect[b] != 0)
				return 0;
	return 1;
}

/* Store one answer's digests, in selection order, into out->values. */
static int
keep_values(const TPML_PCR_SELECTION *got, const TPML_DIGEST *d,
    struct pcr_set *out, struct errbuf *e)
{
	const struct hashalg *alg;
	UINT32 i, k = 0;
	unsigned pcr;

	for (i = 0; i < got->count && i < TPM2_NUM_PCR_BANKS; i++) {
		alg = hashalg_by_tpm(got->pcrSelections[i].hash);
		if (alg == NULL)
			return err_set(e, "PCR bank 0x%04x unknown",
			    got->pcrSelections[i].hash);
		for (pcr = 0; pcr < 8u * got->pcrSelections[i].sizeofSelect &&
		    pcr < PCR_COUNT; pcr++) {
			if (!tpm_selection_has(&got->pcrSelections[i], pcr))
				continue;
			if (k >= d->count || k >= 8)
				return err_set(e, "TPM2_PCR_Read: fewer digests "
				    "than selected PCRs");
			if (d->digests[k].size != alg->size)
				return err_set(e, "TPM2_PCR_Read: %s PCR %u has "
				    "%u bytes", alg->name, pcr,
				    d->digests[k].size);
			if (pcr_set_put(out, alg, pcr, d->digests[k].buffer,
			    e) != 0)
				return -1;
			k++;
		}
	}
	if (k != d->count)
		return err_set(e, "TPM2_PCR_Read: %u digests for %u PCRs",
		    (unsigned)d->count, (unsigned)k);
	return 0;
}

static void
copy_digests(TPML_DIGEST *to, const TPML_DIGEST *from)
{
	UINT32 i;

	to->count = from->count;
	for (i = 0; i < from->count && i < 8; i++) {
		to->digests[i].size = from->digests[i].size;
		memcpy(to->digests[i].buffer, from->digests[i].buffer,
		    from->digests[i].size);
	}
}

/* One TPM2_PCR_Read of what is left in rest; appends to out. */
static int
pcr_read_call(ESYS_CONTEXT *esys, TPML_PCR_SELECTION *rest,
    struct tpm_pcrs *out, size_t *off, uint32_t *counter, struct errbuf *e)
{
	TPML_PCR_SELECTION *got = NULL;
	TPML_DIGEST *d = NULL;
	TSS2_RC rc;
	int ret = -1;

	rc = Esys_PCR_Read(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    rest, counter, &got, &d);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_PCR_Read", rc);
	if (d->count == 0 || !selection_remove(rest, got))
		err_set(e, "TPM2_PCR_Read returned none of the PCRs asked for "
		    "(bank not allocated?)");
	else if (keep_values(got, d, &out->values, e) != 0)
		;
	else if (out->ndigests >= TPM_PCR_READ_MAX_CALLS ||
	    Tss2_MU_TPML_DIGEST_Marshal(d, out->marshaled,
	    sizeof(out->marshaled), off) != TSS2_RC_SUCCESS)
		err_set(e, "PCR values do not fit");
	else {
		/* Copied field by field: the serialized form has its padding
		 * zeroed. */
		memset(&out->digests[out->ndigests], 0, sizeof(*d));
		copy_digests(&out->digests[out->ndigests++], d);
		ret = 0;
	}
	Esys_Free(got);
	Esys_Free(d);
	return ret;
}

/* One pass of reads; *changed set when the update counter moved. */
static int
pcr_read_once(ESYS_CONTEXT *esys, const TPML_PCR_SELECTION *sel,
    struct tpm_pcrs *out, int *changed, struct errbuf *e)
{
	TPML_PCR_SELECTION rest = *sel;
	size_t off = 0, count_at;
	uint32_t calls = 0, counter;

	*changed = 0;
	out->ndigests = 0;
	pcr_set_init(&out->values);
	out->sel = *sel;
	if (Tss2_MU_TPML_PCR_SELECTION_Marshal(sel, out->marshaled,
	    sizeof(out->marshaled), &off) != TSS2_RC_SUCCESS)
		return err_set(e, "cannot marshal the PCR selection");
	count_at = off;
	off += 4;
	while (!selection_empty(&rest)) {
		if (calls == TPM_PCR_READ_MAX_CALLS)
			return err_set(e, "TPM2_PCR_Read: no end after %u calls",
			    calls);
		if (pcr_read_call(esys, &rest, out, &off, &counter, e) != 0)
			return -1;
		if (calls > 0 && counter != out->update_counter) {
			*changed = 1;
			return 0;
		}
		out->update_counter = counter;
		calls++;
	}
	store_be32(out->marshaled + count_at, calls);
	out->marshaled_len = off;
	return 0;
}

int
tpm_pcr_read(ESYS_CONTEXT *esys, const TPML_PCR_SELECTION *sel,
    struct tpm_pcrs *out, struct errbuf *e)
{
	int tries, changed;

	memset(out, 0, sizeof(*out));
	for (tries = 0; tries < TPM_PCR_READ_TRIES; tries++) {
		if (pcr_read_once(esys, sel, out, &changed, e) != 0)
			return err_prefix(e, "reading PCRs");
		if (!changed)
			return 0;
	}
	return err_set(e, "reading PCRs: they kept changing (%d tries)",
	    TPM_PCR_READ_TRIES);
}

int
tpm_pcrs_serialized(const struct tpm_pcrs *p, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e)
{
	TPML_PCR_SELECTION sel;
	UINT32 i;
	uint32_t n = p->ndigests;
	size_t need = sizeof(sel) + sizeof(n) + n * sizeof(TPML_DIGEST);

	if (n == 0 || n > TPM_PCR_READ_MAX_CALLS || cap < need)
		return err_set(e, "serialized PCR file: no room or no values");
	memset(&sel, 0, sizeof(sel));
	sel.count = p->sel.count;
	for (i = 0; i < p->sel.count && i < TPM2_NUM_PCR_BANKS; i++) {
		sel.pcrSelections[i].hash = p->sel.pcrSelections[i].hash;
		sel.pcrSelections[i].sizeofSelect =
		    p->sel.pcrSelections[i].sizeofSelect;
		memcpy(sel.pcrSelections[i].pcrSelect,
		    p->sel.pcrSelections[i].pcrSelect, TPM2_PCR_SELECT_MAX);
	}
	memcpy(out, &sel, sizeof(sel));
	memcpy(out + sizeof(sel), &n, sizeof(n));
	memcpy(out + sizeof(sel) + sizeof(n), p->digests,
	    n * sizeof(TPML_DIGEST));
	*len = need;
	return 0;
}

/* TPM2_Quote into out->attest / out->sig. */
static int
quote_once(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const TPML_PCR_SELECTION *sel, const TPM2B_DATA *qd,
    struct tpm_quote *out, struct errbuf *e)
{
	TPMT_SIG_SCHEME scheme = { .scheme = TPM2_ALG_NULL };
	TPM2B_ATTEST *quoted = NULL;
	TPMT_SIGNATURE *sig = NULL;
	size_t off = 0;
	TSS2_RC rc;
	int ret = -1;

	rc = Esys_Quote(esys, ak->key.tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, qd, &scheme, sel, &quoted, &sig);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_Quote", rc);
	if (quoted->size == 0 || quoted->size > sizeof(out->attest)) {
		err_set(e, "TPM2_Quote: attestation of %u bytes", quoted->size);
		goto done;
	}
	memcpy(out->attest, quoted->attestationData, quoted->size);
	out->attest_len = quoted->size;
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, out->sig, sizeof(out->sig),
	    &off) != TSS2_RC_SUCCESS) {
		err_set(e, "cannot marshal the quote signature");
		goto done;
	}
	out->sig_len = off;
	ret = 0;
done:
	Esys_Free(quoted);
	Esys_Free(sig);
	return ret;
}

/* Whether the quote covers exactly the values read: 1 yes, 0 no. */
static int
quote_matches(const struct tpm_quote *q, const uint8_t *nonce,
    size_t nonce_len, struct errbuf *e)
{
	struct tpm_attest a;
	const TPMS_QUOTE_INFO *qi;
	const struct hashalg *h;
	TPMT_SIGNATURE sig;
	uint8_t d[HASHALG_MAX_SIZE];
	size_t dlen;

	if (tpm_attest_parse(q->attest, q->attest_len, &a, e) != 0)
		return -1;
	if (a.att.type != TPM2_ST_ATTEST_QUOTE)
		return err_set(e, "TPM2_Quote gave attestation type 0x%04x",
		    a.att.type);
	if (a.att.extraData.size != nonce_len ||
	    memcmp(a.att.extraData.buffer, nonce, nonce_len) != 0)
		return err_set(e, "the quote's extraData is not the nonce");
	qi = &a.att.attested.quote;
	if (tpm_selection_compare(&qi->pcrSelect, &q->pcrs.sel, e) != 0)
		return err_prefix(e, "the quote's PCR selection");
	/* The pcrDigest is made with the signing scheme's hash. */
	if (tpm_signature_parse(q->sig, q->sig_len, &sig, e) != 0)
		return err_prefix(e, "quote signature");
	if ((h = tpm_signature_hash(&sig)) == NULL)
		return err_set(e, "quote signature without a known hash");
	if (pcr_set_digest(&q->pcrs.values, &qi->pcrSelect, h, d, &dlen,
	    e) != 0)
		return -1;
	return dlen == qi->pcrDigest.size &&
	    memcmp(d, qi->pcrDigest.buffer, dlen) == 0;
}

int
tpm_quote_pcrs(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const TPML_PCR_SELECTION *sel, const uint8_t *nonce, size_t nonce_len,
    struct tpm_quote *out, struct errbuf *e)
{
	TPM2B_DATA qd = { 0 };
	int tries, m;

	memset(out, 0, sizeof(*out));
	if (nonce_len > sizeof(qd.buffer))
		return err_set(e, "quote: nonce of %zu bytes exceeds %zu",
		    nonce_len, sizeof(qd.buffer));
	qd.size = (UINT16)nonce_len;
	if (nonce_len > 0)
		memcpy(qd.buffer, nonce, nonce_len);
	for (tries = 0; tries < TPM_QUOTE_TRIES; tries++) {
		if (tpm_pcr_read(esys, sel, &out->pcrs, e) != 0 ||
		    quote_once(esys, ak, sel, &qd, out, e) != 0)
			return err_prefix(e, "quote");
		if ((m = quote_matches(out, nonce, nonce_len, e)) < 0)
			return err_prefix(e, "quote");
		if (m == 1)
			return 0;
	}
	return err_set(e, "quote: PCRs kept changing between reading and "
	    "quoting (%d tries)", TPM_QUOTE_TRIES);
}
