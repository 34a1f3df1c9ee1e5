/* tpm_attest.c - see tpm_attest.h. */
#include "format/tpm_attest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "format/hashalg.h"
#include "format/bytes.h"

/* PCRs meant by "all": the 24 of a PC Client TPM. */
#define SELECTION_ALL_PCRS 24
/* Largest PCR index the selection syntax takes (sizeofSelect <= 4). */
#define SELECTION_MAX_PCR 31

const char *
tpm_attest_format_name(enum tpm_attest_format f)
{
	switch (f) {
	case TPM_ATTEST_RAW:
		return "TPMS_ATTEST";
	case TPM_ATTEST_TPM2B:
		return "TPM2B_ATTEST";
	}
	return "?";
}



int
tpm_attest_locate(const uint8_t *buf, size_t len, const uint8_t **body,
    size_t *body_len, enum tpm_attest_format *format, struct errbuf *e)
{
	if (len == 0)
		return err_set(e, "empty attestation data");
	if (len >= 2 && load_be16(buf) == len - 2) {
		*body = buf + 2;
		*body_len = len - 2;
		*format = TPM_ATTEST_TPM2B;
	} else {
		*body = buf;
		*body_len = len;
		*format = TPM_ATTEST_RAW;
	}
	if (*body_len > TPM_ATTEST_MAX_BYTES)
		return err_set(e, "attestation data of %zu bytes exceeds the "
		    "limit of %d", *body_len, TPM_ATTEST_MAX_BYTES);
	return 0;
}

static bool
attest_type_known(TPM2_ST type)
{
	switch (type) {
	case TPM2_ST_ATTEST_NV:
	case TPM2_ST_ATTEST_COMMAND_AUDIT:
	case TPM2_ST_ATTEST_SESSION_AUDIT:
	case TPM2_ST_ATTEST_CERTIFY:
	case TPM2_ST_ATTEST_QUOTE:
	case TPM2_ST_ATTEST_TIME:
	case TPM2_ST_ATTEST_CREATION:
		return true;
	}
	return false;
}

/*
 * The fields of TPMS_ATTEST one by one (the same sequence
 * Tss2_MU_TPMS_ATTEST_Unmarshal follows), so that an error names the field
 * and its offset, and so that the magic is read rather than judged.
 */
static int
attest_unmarshal(const uint8_t *b, size_t n, TPMS_ATTEST *a, struct errbuf *e)
{
	size_t off = 0, at;

	at = off;
	if (Tss2_MU_UINT32_Unmarshal(b, n, &off, &a->magic) != 0)
		return err_set(e, "magic at offset %zu: truncated", at);
	at = off;
	if (Tss2_MU_TPM2_ST_Unmarshal(b, n, &off, &a->type) != 0)
		return err_set(e, "type at offset %zu: truncated", at);
	if (!attest_type_known(a->type))
		return err_set(e, "type at offset %zu: 0x%04x is not an "
		    "attestation structure tag", at, a->type);
	at = off;
	if (Tss2_MU_TPM2B_NAME_Unmarshal(b, n, &off, &a->qualifiedSigner) != 0)
		return err_set(e, "qualifiedSigner (TPM2B_NAME) at offset %zu: "
		    "truncated or larger than %zu bytes", at,
		    sizeof(a->qualifiedSigner.name));
	at = off;
	if (Tss2_MU_TPM2B_DATA_Unmarshal(b, n, &off, &a->extraData) != 0)
		return err_set(e, "extraData (TPM2B_DATA) at offset %zu: "
		    "truncated or larger than %zu bytes", at,
		    sizeof(a->extraData.buffer));
	at = off;
	if (Tss2_MU_TPMS_CLOCK_INFO_Unmarshal(b, n, &off, &a->clockInfo) != 0)
		return err_set(e, "clockInfo at offset %zu: truncated", at);
	at = off;
	if (Tss2_MU_UINT64_Unmarshal(b, n, &off, &a->firmwareVersion) != 0)
		return err_set(e, "firmwareVersion at offset %zu: truncated", at);
	at = off;
	if (Tss2_MU_TPMU_ATTEST_Unmarshal(b, n, &off, a->type,
	    &a->attested) != 0)
		return err_set(e, "attested (type 0x%04x) at offset %zu: "
		    "truncated or malformed (PCR selection count above %d, "
		    "sizeofSelect above %d or a size field too large)",
		    a->type, at, TPM2_NUM_PCR_BANKS, TPM2_PCR_SELECT_MAX);
	if (off != n)
		return err_set(e, "%zu trailing bytes after the structure at "
		    "offset %zu", n - off, off);
	return 0;
}

int
tpm_attest_parse(const uint8_t *buf, size_t len, struct tpm_attest *out,
    struct errbuf *e)
{
	const uint8_t *body;
	size_t body_len;

	memset(out, 0, sizeof(*out));
	if (tpm_attest_locate(buf, len, &body, &body_len, &out->format, e) != 0)
		return -1;
	memcpy(out->raw, body, body_len);
	out->raw_len = body_len;
	if (attest_unmarshal(body, body_len, &out->att, e) == 0)
		return 0;
	err_prefix(e, "malformed %s", tpm_attest_format_name(out->format));
	if (out->format == TPM_ATTEST_RAW && len >= 6 &&
	    load_be32(buf + 2) == TPM2_GENERATED_VALUE)
		err_prefix(e, "looks like a TPM2B_ATTEST whose size field "
		    "(%u) does not match the %zu bytes that follow",
		    load_be16(buf), len - 2);
	return -1;
}

int
tpm_selection_parse(const uint8_t *buf, size_t len, TPML_PCR_SELECTION *out,
    struct errbuf *e)
{
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (Tss2_MU_TPML_PCR_SELECTION_Unmarshal(buf, len, &off, out) != 0)
		return err_set(e, "malformed TPML_PCR_SELECTION: truncated, "
		    "count above %d or sizeofSelect above %d",
		    TPM2_NUM_PCR_BANKS, TPM2_PCR_SELECT_MAX);
	if (off != len)
		return err_set(e, "malformed TPML_PCR_SELECTION: %zu trailing "
		    "bytes at offset %zu", len - off, off);
	return 0;
}

bool
tpm_selection_has(const TPMS_PCR_SELECTION *s, unsigned pcr)
{
	if (pcr / 8 >= s->sizeofSelect || pcr / 8 >= TPM2_PCR_SELECT_MAX)
		return false;
	return (s->pcrSelect[pcr / 8] >> (pcr % 8)) & 1;
}

static uint32_t
selection_bits(const TPMS_PCR_SELECTION *s)
{
	uint32_t bits = 0;
	unsigned pcr;

	for (pcr = 0; pcr <= SELECTION_MAX_PCR; pcr++)
		if (tpm_selection_has(s, pcr))
			bits |= (uint32_t)1 << pcr;
	return bits;
}

uint32_t
tpm_selection_bank_bits(const TPML_PCR_SELECTION *sel, uint16_t hash,
    bool *found)
{
	uint32_t bits = 0, i;

	*found = false;
	for (i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		if (sel->pcrSelections[i].hash != hash)
			continue;
		*found = true;
		bits |= selection_bits(&sel->pcrSelections[i]);
	}
	return bits;
}

/* One number of a PCR list, 0..SELECTION_MAX_PCR; advances *p. */
static int
spec_pcr_number(const char **p, unsigned *out, struct errbuf *e)
{
	unsigned long v;
	char *end;

	if (**p < '0' || **p > '9')
		return err_set(e, "expected a PCR number at \"%s\"", *p);
	v = strtoul(*p, &end, 10);
	if (v > SELECTION_MAX_PCR)
		return err_set(e, "PCR %lu out of range (0-%d)", v,
		    SELECTION_MAX_PCR);
	*out = (unsigned)v;
	*p = end;
	return 0;
}

/* LIST of one bank ("0,1,5-7", "all", "none") up to '+' or the end. */
static int
spec_pcr_list(const char *p, const char *end, uint32_t *bits,
    struct errbuf *e)
{
	unsigned lo, hi, i;
	size_t n = (size_t)(end - p);

	*bits = 0;
	if (n == 3 && strncmp(p, "all", 3) == 0) {
		*bits = ((uint32_t)1 << SELECTION_ALL_PCRS) - 1;
		return 0;
	}
	if (n == 4 && strncmp(p, "none", 4) == 0)
		return 0;
	if (n == 0)
		return err_set(e, "empty PCR list");
	while (p < end) {
		if (spec_pcr_number(&p, &lo, e) != 0)
			return -1;
		hi = lo;
		if (p < end && *p == '-') {
			p++;
			if (spec_pcr_number(&p, &hi, e) != 0)
				return -1;
			if (hi < lo)
				return err_set(e, "range %u-%u runs backwards",
				    lo, hi);
		}
		for (i = lo; i <= hi; i++)
			*bits |= (uint32_t)1 << i;
		if (p < end && *p != ',')
			return err_set(e, "unexpected '%c' in PCR list", *p);
		if (p < end)
			p++;
		if (p == end && end[-1] == ',')
			return err_set(e, "PCR list ends with ','");
	}
	return 0;
}

static void
selection_set_bits(TPMS_PCR_SELECTION *s, uint32_t bits)
{
	unsigned i;

	s->sizeofSelect = (bits >> SELECTION_ALL_PCRS) ? 4 : 3;
	memset(s->pcrSelect, 0, sizeof(s->pcrSelect));
	for (i = 0; i < s->sizeofSelect; i++)
		s->pcrSelect[i] = (uint8_t)(bits >> (8 * i));
}

/* One BANK:LIST item of a spec, [p, end). */
static int
spec_bank(const char *p, const char *end, TPML_PCR_SELECTION *out,
    struct errbuf *e)
{
	const struct hashalg *alg;
	const char *colon;
	uint32_t bits, i;
	bool dup;

	colon = memchr(p, ':', (size_t)(end - p));
	if (colon == NULL)
		return err_set(e, "\"%.*s\": expected BANK:PCRS",
		    (int)(end - p), p);
	alg = hashalg_by_name_n(p, (size_t)(colon - p));
	if (alg == NULL || alg->tpm_id == 0)
		return err_set(e, "unknown PCR bank \"%.*s\"",
		    (int)(colon - p), p);
	dup = false;
	for (i = 0; i < out->count; i++)
		dup |= out->pcrSelections[i].hash == alg->tpm_id;
	if (dup)
		return err_set(e, "bank %s named twice", alg->name);
	if (out->count >= TPM2_NUM_PCR_BANKS)
		return err_set(e, "more than %d banks", TPM2_NUM_PCR_BANKS);
	if (spec_pcr_list(colon + 1, end, &bits, e) != 0)
		return err_prefix(e, "bank %s", alg->name);
	out->pcrSelections[out->count].hash = alg->tpm_id;
	selection_set_bits(&out->pcrSelections[out->count], bits);
	out->count++;
	return 0;
}

int
tpm_selection_from_spec(const char *spec, TPML_PCR_SELECTION *out,
    struct errbuf *e)
{
	const char *p = spec, *end;

	memset(out, 0, sizeof(*out));
	if (*spec == '\0')
		return err_set(e, "empty PCR selection");
	for (;;) {
		end = strchr(p, '+');
		if (end == NULL)
			end = p + strlen(p);
		if (spec_bank(p, end, out, e) != 0)
			return err_prefix(e, "PCR selection \"%s\"", spec);
		if (*end == '\0')
			return 0;
		p = end + 1;
	}
}

/* Append to out[*used..cap); returns -1 (and stops) once it does not fit. */
static int
append(char *out, size_t cap, size_t *used, const char *s)
{
	size_t n = strlen(s);

	if (*used + n + 1 > cap) {
		if (*used < cap) {
			memcpy(out + *used, s, cap - *used - 1);
			out[cap - 1] = '\0';
			*used = cap - 1;
		}
		return -1;
	}
	memcpy(out + *used, s, n + 1);
	*used += n;
	return 0;
}

/* "0,1,10" or "none" for a bitmap. */
static void
bits_to_list(uint32_t bits, char *out, size_t cap)
{
	size_t used = 0;
	unsigned pcr;
	char num[8];

	out[0] = '\0';
	if (bits == 0) {
		(void)append(out, cap, &used, "none");
		return;
	}
	for (pcr = 0; pcr <= SELECTION_MAX_PCR; pcr++) {
		if (!((bits >> pcr) & 1))
			continue;
		snprintf(num, sizeof(num), "%s%u", used ? "," : "", pcr);
		(void)append(out, cap, &used, num);
	}
}

static void
bank_name(uint16_t hash, char *out, size_t cap)
{
	const struct hashalg *alg = hashalg_by_tpm(hash);

	if (alg != NULL)
		snprintf(out, cap, "%s", alg->name);
	else
		snprintf(out, cap, "0x%04x", hash);
}

int
tpm_selection_format(const TPML_PCR_SELECTION *sel, char *out, size_t cap)
{
	char list[128], name[16];
	size_t used = 0;
	uint32_t i;
	int rc = 0;

	if (cap == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
		bank_name(sel->pcrSelections[i].hash, name, sizeof(name));
		bits_to_list(selection_bits(&sel->pcrSelections[i]), list,
		    sizeof(list));
		if ((i > 0 && append(out, cap, &used, "+") != 0) ||
		    append(out, cap, &used, name) != 0 ||
		    append(out, cap, &used, ":") != 0 ||
		    append(out, cap, &used, list) != 0) {
			rc = -1;
			break;
		}
	}
	return rc;
}

/* Add "; what" to a growing message. */
static void
note(char *msg, size_t cap, const char *what)
{
	size_t used = strlen(msg);

	if (used > 0)
		(void)append(msg, cap, &used, "; ");
	(void)append(msg, cap, &used, what);
}

static void
compare_bank(uint16_t hash, uint32_t got, bool found, uint32_t want,
    char *msg, size_t cap)
{
	char name[16], list[128], line[256];

	bank_name(hash, name, sizeof(name));
	if (!found) {
		snprintf(line, sizeof(line), "bank %s requested but not in "
		    "the signed selection", name);
		note(msg, cap, line);
		return;
	}
	if (got == want)
		return;
	if (got == 0) {
		snprintf(line, sizeof(line), "bank %s: signed bitmap is empty "
		    "(bank not allocated in the TPM)", name);
		note(msg, cap, line);
		return;
	}
	if (want & ~got) {
		bits_to_list(want & ~got, list, sizeof(list));
		snprintf(line, sizeof(line), "bank %s: PCR %s requested but "
		    "not signed", name, list);
		note(msg, cap, line);
	}
	if (got & ~want) {
		bits_to_list(got & ~want, list, sizeof(list));
		snprintf(line, sizeof(line), "bank %s: PCR %s signed but not "
		    "requested", name, list);
		note(msg, cap, line);
	}
}

/* Whether sel->pcrSelections[i]'s bank already appeared before i. */
static bool
bank_seen_before(const TPML_PCR_SELECTION *sel, uint32_t i)
{
	uint32_t j;

	for (j = 0; j < i; j++)
		if (sel->pcrSelections[j].hash == sel->pcrSelections[i].hash)
			return true;
	return false;
}

int
tpm_selection_compare(const TPML_PCR_SELECTION *got,
    const TPML_PCR_SELECTION *want, struct errbuf *e)
{
	char msg[ERRBUF_MAX] = "", name[16], line[128];
	uint32_t i, gbits, wbits;
	uint16_t hash;
	bool gfound, wfound;

	for (i = 0; i < want->count && i < TPM2_NUM_PCR_BANKS; i++) {
		if (bank_seen_before(want, i))
			continue;
		hash = want->pcrSelections[i].hash;
		wbits = tpm_selection_bank_bits(want, hash, &wfound);
		gbits = tpm_selection_bank_bits(got, hash, &gfound);
		compare_bank(hash, gbits, gfound, wbits, msg, sizeof(msg));
	}
	for (i = 0; i < got->count && i < TPM2_NUM_PCR_BANKS; i++) {
		if (bank_seen_before(got, i))
			continue;
		hash = got->pcrSelections[i].hash;
		(void)tpm_selection_bank_bits(want, hash, &wfound);
		if (wfound)
			continue;
		bank_name(hash, name, sizeof(name));
		snprintf(line, sizeof(line), "bank %s signed but not "
		    "requested", name);
		note(msg, sizeof(msg), line);
	}
	if (msg[0] != '\0')
		return err_set(e, "%s", msg);
	return 0;
}
