/* tpm_sign.c - see tpm_sign.h. */
#include "collect/tpm_sign.h"

#include <string.h>

#include <tss2/tss2_mu.h>

#include "collect/tpm_conn.h"

/* TPM_GENERATED_VALUE as the first bytes of a TPMS_ATTEST. */
static const uint8_t tpm_generated[4] = { 0xff, 0x54, 0x43, 0x47 };

/* The AK's signing scheme (fixed for a restricted key). */
static int
ak_scheme(const struct tpm_ak *ak, TPMT_SIG_SCHEME *s, struct errbuf *e)
{
	const TPMT_PUBLIC *p = &ak->key.pub.pub;

	memset(s, 0, sizeof(*s));
	if (p->type == TPM2_ALG_RSA) {
		s->scheme = p->parameters.rsaDetail.scheme.scheme;
		s->details.any.hashAlg =
		    p->parameters.rsaDetail.scheme.details.anySig.hashAlg;
	} else if (p->type == TPM2_ALG_ECC) {
		s->scheme = p->parameters.eccDetail.scheme.scheme;
		s->details.any.hashAlg =
		    p->parameters.eccDetail.scheme.details.anySig.hashAlg;
	} else
		return err_set(e, "the AK is neither RSA nor ECC");
	if (s->scheme == TPM2_ALG_NULL ||
	    hashalg_by_tpm(s->details.any.hashAlg) == NULL)
		return err_set(e, "the AK has no fixed signing scheme with a "
		    "known hash (scheme 0x%04x)", s->scheme);
	return 0;
}

static int
check_input(const uint8_t *data, size_t len, struct errbuf *e)
{
	if (len < TPM_SIGN_DATA_MIN)
		return err_set(e, "cannot sign %zu bytes with a restricted key: "
		    "the TPM gives a hash ticket only for %u bytes or more",
		    len, TPM_SIGN_DATA_MIN);
	if (len > TPM_SIGN_DATA_MAX)
		return err_set(e, "%zu bytes to sign exceed the limit of %u",
		    len, TPM_SIGN_DATA_MAX);
	if (memcmp(data, tpm_generated, sizeof(tpm_generated)) == 0)
		return err_set(e, "refusing to sign data that starts with "
		    "FF 54 43 47 (TPM_GENERATED_VALUE, the start of a "
		    "TPMS_ATTEST): the TPM gives no ticket for it, a "
		    "restricted key signs such bytes only in attestations");
	return 0;
}

/* Stream data through a hash sequence; digest and ticket out. */
static int
hash_sequence(ESYS_CONTEXT *esys, TPMI_ALG_HASH alg, const uint8_t *data,
    size_t len, TPM2B_DIGEST **digest, TPMT_TK_HASHCHECK **ticket,
    struct errbuf *e)
{
	TPM2B_AUTH auth = { 0 };
	TPM2B_MAX_BUFFER buf, empty = { 0 };
	ESYS_TR seq = ESYS_TR_NONE;
	size_t off, n;
	TSS2_RC rc;

	rc = Esys_HashSequenceStart(esys, ESYS_TR_NONE, ESYS_TR_NONE,
	    ESYS_TR_NONE, &auth, alg, &seq);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_HashSequenceStart", rc);
	/* Every chunk but possibly the last is full: the first one is
	 * min(len, 1024) >= 4 bytes, as the ticket rule needs. */
	for (off = 0; off < len; off += n) {
		n = len - off < TPM_SIGN_CHUNK ? len - off : TPM_SIGN_CHUNK;
		buf.size = (UINT16)n;
		memcpy(buf.buffer, data + off, n);
		rc = Esys_SequenceUpdate(esys, seq, ESYS_TR_PASSWORD,
		    ESYS_TR_NONE, ESYS_TR_NONE, &buf);
		if (rc != TSS2_RC_SUCCESS) {
			Esys_FlushContext(esys, seq);
			tpm_err(e, "TPM2_SequenceUpdate", rc);
			return err_prefix(e, "at byte %zu", off);
		}
	}
	rc = Esys_SequenceComplete(esys, seq, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, &empty, ESYS_TR_RH_OWNER, digest, ticket);
	if (rc != TSS2_RC_SUCCESS) {
		Esys_FlushContext(esys, seq);
		return tpm_err(e, "TPM2_SequenceComplete", rc);
	}
	if ((*ticket)->tag != TPM2_ST_HASHCHECK ||
	    (*ticket)->hierarchy == TPM2_RH_NULL) {
		Esys_Free(*digest);
		Esys_Free(*ticket);
		*digest = NULL;
		*ticket = NULL;
		return err_set(e, "TPM2_SequenceComplete gave a NULL ticket");
	}
	return 0;
}

int
tpm_sign_data(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const uint8_t *data, size_t len, struct tpm_signed *out, struct errbuf *e)
{
	TPMT_SIG_SCHEME scheme;
	TPM2B_DIGEST *digest = NULL;
	TPMT_TK_HASHCHECK *ticket = NULL;
	TPMT_SIGNATURE *sig = NULL;
	size_t off = 0;
	TSS2_RC rc;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (check_input(data, len, e) != 0 || ak_scheme(ak, &scheme, e) != 0)
		return err_prefix(e, "signing with the AK");
	if (hash_sequence(esys, scheme.details.any.hashAlg, data, len, &digest,
	    &ticket, e) != 0)
		goto done;
	rc = Esys_Sign(esys, ak->key.tr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	    ESYS_TR_NONE, digest, &scheme, ticket, &sig);
	if (rc != TSS2_RC_SUCCESS) {
		tpm_err(e, "TPM2_Sign", rc);
		goto done;
	}
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(sig, out->sig_raw,
	    sizeof(out->sig_raw), &off) != TSS2_RC_SUCCESS) {
		err_set(e, "cannot marshal the signature");
		goto done;
	}
	out->sig = *sig;
	out->sig_len = off;
	memcpy(out->digest, digest->buffer, digest->size);
	out->digest_len = digest->size;
	ret = 0;
done:
	Esys_Free(digest);
	Esys_Free(ticket);
	Esys_Free(sig);
	if (ret != 0)
		err_prefix(e, "signing with the AK");
	return ret;
}
