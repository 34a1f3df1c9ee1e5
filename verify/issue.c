/*
 * issue.c - build, sign and record one challenge for a device of the
 * store (verify/issue.h).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <tss2/tss2_mu.h>

#include "format/credential.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/tpm_public.h"
#include "verify/issue.h"

int
issue_signer_load(struct store *s, struct issue_signer *out, struct errbuf *e)
{
	memset(out, 0, sizeof(*out));
	if (store_verifier_key(s, &out->key, e) == -1)
		return err_prefix(e, "verifier key (run dossier init)");
	if (challenge_verifier_id(out->key, out->verifier_id, e) == -1) {
		issue_signer_free(out);
		return err_prefix(e, "verifier key");
	}
	return 0;
}

void
issue_signer_free(struct issue_signer *sg)
{
	EVP_PKEY_free(sg->key);
	sg->key = NULL;
}

void
issued_free(struct issued *is)
{
	free(is->file);
	memset(is, 0, sizeof(*is));
}

int
issue_parse_lifetime(const char *arg, int64_t *secs, struct errbuf *e)
{
	const char *p = arg;
	int64_t n = 0, unit = 1;

	if (!isdigit((unsigned char)*p))
		return err_set(e, "expiry '%s': want SECONDS, Nh or Nd", arg);
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (*p - '0');
		if (n > ISSUE_LIFETIME_MAX)
			return err_set(e, "expiry '%s': longer than %lld "
			    "seconds", arg, (long long)ISSUE_LIFETIME_MAX);
	}
	if (*p == 'h')
		unit = 3600;
	else if (*p == 'd')
		unit = 86400;
	else if (*p != '\0')
		return err_set(e, "expiry '%s': want SECONDS, Nh or Nd", arg);
	if (*p != '\0' && p[1] != '\0')
		return err_set(e, "expiry '%s': want SECONDS, Nh or Nd", arg);
	if (n == 0)
		return err_set(e, "expiry '%s': must be more than 0", arg);
	if (n > ISSUE_LIFETIME_MAX / unit)
		return err_set(e, "expiry '%s': longer than %lld seconds",
		    arg, (long long)ISSUE_LIFETIME_MAX);
	*secs = n * unit;
	return 0;
}

int
issue_default_selection(const struct pcr_set *refs, TPML_PCR_SELECTION *out,
    struct errbuf *e)
{
	TPMS_PCR_SELECTION *ps;
	unsigned pcr;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < refs->nbanks; i++) {
		if (refs->banks[i].alg == NULL ||
		    refs->banks[i].alg->tpm_id == 0)
			continue;
		if (out->count == TPM2_NUM_PCR_BANKS)
			return err_set(e, "more than %d PCR banks",
			    TPM2_NUM_PCR_BANKS);
		ps = &out->pcrSelections[out->count++];
		ps->hash = refs->banks[i].alg->tpm_id;
		ps->sizeofSelect = 3;
		for (pcr = 0; pcr <= ISSUE_PCR_LAST; pcr++)
			ps->pcrSelect[pcr / 8] |= (uint8_t)(1u << (pcr % 8));
	}
	if (out->count == 0)
		return err_set(e, "no reference PCR bank to select");
	return 0;
}

/* The selection marshaled into c->selection. */
static int
put_selection(const TPML_PCR_SELECTION *sel, struct challenge *c,
    struct errbuf *e)
{
	size_t off = 0;

	if (Tss2_MU_TPML_PCR_SELECTION_Marshal(sel, c->selection,
	    sizeof(c->selection), &off) != TSS2_RC_SUCCESS)
		return err_set(e, "cannot marshal the PCR selection");
	c->selection_len = off;
	return 0;
}

/* Wrap secret to the device's EK and AK Name into c->credential. */
static int
put_credential(const struct store_device *d, const uint8_t *secret,
    struct challenge *c, struct errbuf *e)
{
	struct tpm_public ek;
	struct credential cred;

	if (tpm_public_parse_2b(d->ek_public, d->ek_public_len, &ek, e) == -1)
		return err_prefix(e, "enrolled EK public area");
	if (d->ak_name_len > sizeof(c->ak_name.b))
		return err_set(e, "enrolled AK Name too long");
	memcpy(c->ak_name.b, d->ak_name, d->ak_name_len);
	c->ak_name.len = d->ak_name_len;
	if (credential_make(&ek, &c->ak_name, secret, STORE_SECRET_LEN, &cred,
	    e) == -1)
		return err_prefix(e, "credential");
	if (credential_file_encode(&cred, c->credential, sizeof(c->credential),
	    &c->credential_len, e) == -1)
		return err_prefix(e, "credential");
	return 0;
}

/* The content of the challenge (everything but the signature). */
static int
build(struct store *s, const struct issue_signer *sg,
    const struct store_device *d, int64_t now, int64_t lifetime,
    unsigned logs, const uint8_t *secret, struct challenge *c,
    struct errbuf *e)
{
	struct store_refs refs;
	TPML_PCR_SELECTION sel;
	bool found;
	int rc;

	memset(c, 0, sizeof(*c));
	if (store_new_id(c->id, e) == -1)
		return -1;
	memcpy(c->device_id, d->id, sizeof(c->device_id));
	if (store_refs_get(s, d->id, &refs, &found, e) == -1)
		return -1;
	rc = found ? issue_default_selection(&refs.pcrs, &sel, e) :
	    err_set(e, "no reference values");
	store_refs_free(&refs);
	if (rc == -1)
		return err_prefix(e, "PCR selection");
	if (put_selection(&sel, c, e) == -1 ||
	    put_credential(d, secret, c, e) == -1)
		return -1;
	c->logs = logs;
	c->issued = now;
	c->not_after = now + lifetime;
	memcpy(c->verifier_id, sg->verifier_id, sizeof(c->verifier_id));
	return 0;
}

/* "ima,ima-sha256": the names of the bits in logs, in vocabulary order. */
static void
logs_to_text(unsigned logs, char *out, size_t cap)
{
	unsigned bit;
	size_t used = 0;

	out[0] = '\0';
	for (bit = 1; bit & CHALLENGE_LOG_ALL; bit <<= 1)
		if ((logs & bit) && used < cap)
			used += (size_t)snprintf(out + used, cap - used, "%s%s",
			    used ? "," : "", challenge_log_name(bit));
}

int
issue_parse_logs(const char *list, unsigned *logs, struct errbuf *e)
{
	const char *p = list;
	unsigned bit;
	size_t n;

	*logs = 0;
	for (;;) {
		n = strcspn(p, ",");
		if ((bit = challenge_log_by_name(p, n)) == 0)
			return err_set(e, "unknown log '%.*s' (known: ima, "
			    "ima-sha1, ima-sha256, ima-sha384, ima-sha512, uefi)",
			    (int)n, p);
		if (*logs & bit)
			return err_set(e, "log '%.*s' named twice", (int)n, p);
		*logs |= bit;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

/* The ledger row for c. */
static void
ledger_row(const struct challenge *c, enum store_challenge_purpose purpose,
    const uint8_t *secret, struct store_challenge *row)
{
	memset(row, 0, sizeof(*row));
	memcpy(row->id, c->id, sizeof(row->id));
	memcpy(row->device_id, c->device_id, sizeof(row->device_id));
	row->purpose = purpose;
	memcpy(row->ak_name, c->ak_name.b, c->ak_name.len);
	row->ak_name_len = c->ak_name.len;
	memcpy(row->secret, secret, STORE_SECRET_LEN);
	memcpy(row->pcr_selection, c->selection, c->selection_len);
	row->pcr_selection_len = c->selection_len;
	logs_to_text(c->logs, row->logs, sizeof(row->logs));
	row->issued = c->issued;
	row->not_after = c->not_after;
}

int
issue_challenge(struct store *s, const struct issue_signer *sg,
    const struct store_device *d, enum store_challenge_purpose purpose,
    int64_t now, int64_t lifetime, unsigned logs, struct issued *out,
    struct errbuf *e)
{
	uint8_t secret[STORE_SECRET_LEN];
	struct store_challenge row;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (lifetime <= 0 || lifetime > ISSUE_LIFETIME_MAX)
		return err_set(e, "lifetime %lld out of range",
		    (long long)lifetime);
	if (logs == 0 || (logs & ~CHALLENGE_LOG_ALL) != 0)
		return err_set(e, "no valid log requested");
	if (RAND_priv_bytes(secret, sizeof(secret)) != 1)
		return err_openssl(e, "random secret");
	if (build(s, sg, d, now, lifetime, logs, secret, &out->ch, e) == -1)
		goto out;
	if (challenge_sign(&out->ch, sg->key, &out->file, &out->file_len,
	    e) == -1) {
		err_prefix(e, "signing");
		goto out;
	}
	ledger_row(&out->ch, purpose, secret, &row);
	if (store_challenge_issue(s, &row, e) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(row.secret, sizeof(row.secret));
	if (rc == -1)
		issued_free(out);
	return rc;
}
