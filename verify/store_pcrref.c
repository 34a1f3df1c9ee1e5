/*
 * store_pcrref.c - PCR references and reference event logs in the store
 * (store_pcrref.h; tables of schema 7, dossier-store(5)).
 */
#include <stdlib.h>
#include <string.h>

#include "verify/store_internal.h"
#include "verify/store_pcrref.h"

const char *
store_pcr_origin_name(enum store_pcr_origin o)
{
	return o == STORE_PCRS_UPDATE ? "update" : "enrollment";
}

/* Rows (bank, pcr, value) of a bound statement into p. */
static int
read_pcr_rows(struct store *s, sqlite3_stmt *st, struct pcr_set *p,
    const char *what, struct errbuf *e)
{
	uint8_t value[HASHALG_MAX_SIZE];
	const struct hashalg *alg;
	int64_t bank, pcr;
	size_t len;
	int r;

	pcr_set_init(p);
	while ((r = store_step_row(s, st, what, e)) == 1) {
		bank = sqlite3_column_int64(st, 0);
		pcr = sqlite3_column_int64(st, 1);
		alg = bank > 0 && bank <= UINT16_MAX ?
		    hashalg_by_tpm((uint16_t)bank) : NULL;
		if (alg == NULL || pcr < 0 || pcr >= PCR_COUNT) {
			err_set(e, "%s: corrupt store: PCR bank %lld index "
			    "%lld", what, (long long)bank, (long long)pcr);
			break;
		}
		if (store_col_blob(st, 2, value, sizeof(value), &len,
		    alg->size, what, e) == -1 ||
		    pcr_set_put(p, alg, (unsigned)pcr, value, e) == -1)
			break;
	}
	sqlite3_reset(st);
	return r == 0 ? 0 : -1;
}

/* Insert every value of p with statement id, key bound by bind_key. */
static int
put_pcr_rows(struct store *s, enum store_stmt id, const uint8_t *dev,
    int64_t set_id, const struct pcr_set *p, const char *what,
    struct errbuf *e)
{
	const struct pcr_bank *b;
	sqlite3_stmt *st;
	unsigned pcr;
	size_t i, n = 0;

	if (p->nbanks > PCR_SET_MAX_BANKS)
		return err_set(e, "%s: %zu PCR banks", what, p->nbanks);
	for (i = 0; i < p->nbanks; i++) {
		b = &p->banks[i];
		if (b->alg == NULL || b->alg->tpm_id == 0)
			return err_set(e, "%s: PCR bank without a TPM "
			    "algorithm", what);
		for (pcr = 0; pcr < PCR_COUNT; pcr++) {
			if ((b->present & (1u << pcr)) == 0)
				continue;
			if ((st = store_stmt(s, id, what, e)) == NULL ||
			    (dev != NULL ? store_bind_blob(s, st, 1, dev,
			    STORE_DEVICE_ID_LEN, what, e) :
			    store_bind_int(s, st, 1, set_id, what, e)) == -1 ||
			    store_bind_int(s, st, 2, b->alg->tpm_id, what,
			    e) == -1 ||
			    store_bind_int(s, st, 3, pcr, what, e) == -1 ||
			    store_bind_blob(s, st, 4, b->values[pcr],
			    b->alg->size, what, e) == -1 ||
			    store_step_done(s, st, what, e) == -1)
				return -1;
			n++;
		}
	}
	if (n == 0)
		return err_set(e, "%s: no PCR values", what);
	return 0;
}

/* ---- a device's reference PCR values --------------------------------------- */

int
store_pcr_ref_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    struct store_pcr_ref *out, bool *found, struct errbuf *e)
{
	static const char what[] = "get reference PCRs";
	char origin[16];
	sqlite3_stmt *st;
	size_t len;
	int r;

	out->has_origin = false;
	out->origin = STORE_PCRS_ENROLLMENT;
	memset(out->source_bundle, 0, sizeof(out->source_bundle));
	out->updated = 0;
	*found = false;
	if ((st = store_stmt(s, ST_REFS_GET_PCRS, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    read_pcr_rows(s, st, &out->pcrs, what, e) == -1)
		return -1;
	if (out->pcrs.nbanks == 0)
		return 0;
	*found = true;
	if ((st = store_stmt(s, ST_PCRREF_ORIGIN_GET, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1)
		return -1;
	if ((r = store_step_row(s, st, what, e)) == -1)
		return -1;
	if (r == 0)
		return 0;
	if (store_col_text(st, 0, origin, sizeof(origin), what, e) == -1 ||
	    store_col_blob(st, 1, out->source_bundle,
	    sizeof(out->source_bundle), &len, STORE_SHA256_LEN, what,
	    e) == -1) {
		sqlite3_reset(st);
		return -1;
	}
	out->updated = sqlite3_column_int64(st, 2);
	sqlite3_reset(st);
	out->has_origin = true;
	out->origin = strcmp(origin, "update") == 0 ? STORE_PCRS_UPDATE :
	    STORE_PCRS_ENROLLMENT;
	return 0;
}

int
store_pcr_ref_mark(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    enum store_pcr_origin origin,
    const uint8_t source_bundle[STORE_SHA256_LEN], int64_t now,
    struct errbuf *e)
{
	static const char what[] = "set reference PCRs' origin";
	sqlite3_stmt *st;

	if ((st = store_stmt(s, ST_PCRREF_ORIGIN_PUT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_bind_text(s, st, 2, store_pcr_origin_name(origin), what,
	    e) == -1 ||
	    store_bind_blob(s, st, 3, source_bundle, STORE_SHA256_LEN, what,
	    e) == -1 ||
	    store_bind_int(s, st, 4, now, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_pcr_ref_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const struct pcr_set *pcrs, enum store_pcr_origin origin,
    const uint8_t source_bundle[STORE_SHA256_LEN], int64_t now,
    struct errbuf *e)
{
	static const char what[] = "set reference PCRs";
	sqlite3_stmt *st;
	int rc = -1;

	if (store_op_begin(s, what, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_REFS_DELETE_PCRS, what, e)) != NULL &&
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == 0 &&
	    store_step_done(s, st, what, e) == 0 &&
	    put_pcr_rows(s, ST_REFS_INSERT_PCR, id, 0, pcrs, what, e) == 0 &&
	    store_pcr_ref_mark(s, id, origin, source_bundle, now, e) == 0)
		rc = 0;
	return store_op_end(s, rc, e);
}

/* ---- golden values of a set ------------------------------------------------ */

int
store_refset_pcrs_set(struct store *s, int64_t set_id,
    const struct pcr_set *pcrs, const char *source, int64_t now,
    struct errbuf *e)
{
	static const char what[] = "set golden PCRs";
	sqlite3_stmt *st;
	int rc = -1;

	if (pcrs != NULL && (source == NULL || source[0] == '\0' ||
	    strlen(source) > STORE_PCR_SOURCE_MAX))
		return err_set(e, "%s: a source of 1..%d bytes is needed", what,
		    STORE_PCR_SOURCE_MAX);
	if (store_op_begin(s, what, e) == -1)
		return -1;
	if ((st = store_stmt(s, ST_SETPCR_DELETE, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1 ||
	    (st = store_stmt(s, ST_SETPCR_SOURCE_DELETE, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1)
		goto out;
	if (pcrs != NULL && (put_pcr_rows(s, ST_SETPCR_INSERT, NULL, set_id,
	    pcrs, what, e) == -1 ||
	    (st = store_stmt(s, ST_SETPCR_SOURCE_PUT, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    store_bind_text(s, st, 2, source, what, e) == -1 ||
	    store_bind_int(s, st, 3, now, what, e) == -1 ||
	    store_step_done(s, st, what, e) == -1))
		goto out;
	rc = 0;
out:
	return store_op_end(s, rc, e);
}

int
store_refset_pcrs_get(struct store *s, int64_t set_id, struct pcr_set *out,
    char *source, int64_t *updated, bool *found, struct errbuf *e)
{
	static const char what[] = "get golden PCRs";
	sqlite3_stmt *st;
	int r;

	*found = false;
	source[0] = '\0';
	*updated = 0;
	if ((st = store_stmt(s, ST_SETPCR_GET, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    read_pcr_rows(s, st, out, what, e) == -1)
		return -1;
	if (out->nbanks == 0)
		return 0;
	*found = true;
	if ((st = store_stmt(s, ST_SETPCR_SOURCE_GET, what, e)) == NULL ||
	    store_bind_int(s, st, 1, set_id, what, e) == -1 ||
	    (r = store_step_row(s, st, what, e)) == -1)
		return -1;
	if (r == 0)
		return 0;
	r = store_col_text(st, 0, source, STORE_PCR_SOURCE_MAX + 1, what, e);
	*updated = sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
	return r;
}

/* ---- reference UEFI event log -------------------------------------------------- */

int
store_uefi_ref_set(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    const uint8_t *log, size_t len,
    const uint8_t source_bundle[STORE_SHA256_LEN], int64_t now,
    struct errbuf *e)
{
	static const char what[] = "set reference UEFI log";
	sqlite3_stmt *st;

	if (log == NULL) {
		if ((st = store_stmt(s, ST_UEFI_REF_DELETE, what, e)) == NULL ||
		    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what,
		    e) == -1)
			return -1;
		return store_step_done(s, st, what, e);
	}
	if (len == 0 || len > STORE_UEFI_LOG_MAX)
		return err_set(e, "%s: %zu bytes (1..%zu)", what, len,
		    STORE_UEFI_LOG_MAX);
	if ((st = store_stmt(s, ST_UEFI_REF_PUT, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    store_bind_blob(s, st, 2, log, len, what, e) == -1 ||
	    store_bind_blob(s, st, 3, source_bundle, STORE_SHA256_LEN, what,
	    e) == -1 ||
	    store_bind_int(s, st, 4, now, what, e) == -1)
		return -1;
	return store_step_done(s, st, what, e);
}

int
store_uefi_ref_get(struct store *s, const uint8_t id[STORE_DEVICE_ID_LEN],
    uint8_t **log, size_t *len, uint8_t source_bundle[STORE_SHA256_LEN],
    int64_t *updated, bool *found, struct errbuf *e)
{
	static const char what[] = "get reference UEFI log";
	const void *p;
	sqlite3_stmt *st;
	size_t n, blen;
	int r;

	*log = NULL;
	*len = 0;
	*found = false;
	if ((st = store_stmt(s, ST_UEFI_REF_GET, what, e)) == NULL ||
	    store_bind_blob(s, st, 1, id, STORE_DEVICE_ID_LEN, what, e) == -1 ||
	    (r = store_step_row(s, st, what, e)) == -1)
		return -1;
	if (r == 0)
		return 0;
	p = sqlite3_column_blob(st, 0);
	n = (size_t)sqlite3_column_bytes(st, 0);
	if (p == NULL || n == 0 || n > STORE_UEFI_LOG_MAX) {
		sqlite3_reset(st);
		return err_set(e, "%s: corrupt store: a %zu-byte log", what, n);
	}
	if (store_col_blob(st, 1, source_bundle, STORE_SHA256_LEN, &blen,
	    STORE_SHA256_LEN, what, e) == -1) {
		sqlite3_reset(st);
		return -1;
	}
	*updated = sqlite3_column_int64(st, 2);
	if ((*log = malloc(n)) == NULL) {
		sqlite3_reset(st);
		return err_set(e, "%s: out of memory", what);
	}
	memcpy(*log, p, n);
	*len = n;
	*found = true;
	sqlite3_reset(st);
	return 0;
}
