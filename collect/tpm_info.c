/* tpm_info.c - see tpm_info.h. */
#include "collect/tpm_info.h"

#include <ctype.h>
#include <string.h>

#include "collect/tpm_conn.h"
#include "format/hashalg.h"

/* A TPM answers with moreData set until it has sent every property; a
 * broken one could say so forever. */
#define TPM_INFO_MAX_ROUNDS 16

static int
has_prop(const struct tpm_info *info, TPM2_PT pt)
{
	return pt >= TPM2_PT_FIXED && pt < TPM2_PT_FIXED + TPM_INFO_NPROPS &&
	    (info->have & (1u << (pt - TPM2_PT_FIXED))) != 0;
}

static uint32_t
prop(const struct tpm_info *info, TPM2_PT pt)
{
	return info->prop[pt - TPM2_PT_FIXED];
}

/* Keep the properties of one answer; *next becomes the one after the last. */
static void
keep_props(struct tpm_info *info, const TPML_TAGGED_TPM_PROPERTY *l,
    TPM2_PT *next)
{
	UINT32 i;
	TPM2_PT pt;

	for (i = 0; i < l->count && i < TPM2_MAX_TPM_PROPERTIES; i++) {
		pt = l->tpmProperty[i].property;
		if (pt >= TPM2_PT_FIXED && pt < TPM2_PT_FIXED + TPM_INFO_NPROPS) {
			info->prop[pt - TPM2_PT_FIXED] = l->tpmProperty[i].value;
			info->have |= 1u << (pt - TPM2_PT_FIXED);
		}
		if (pt >= *next)
			*next = pt + 1;
	}
}

static int
read_fixed_props(ESYS_CONTEXT *esys, struct tpm_info *info, struct errbuf *e)
{
	TPMS_CAPABILITY_DATA *data;
	TPMI_YES_NO more = TPM2_YES;
	TPM2_PT next = TPM2_PT_FIXED, asked;
	TPM2_CAP cap;
	TSS2_RC rc;
	int round;

	for (round = 0; more && round < TPM_INFO_MAX_ROUNDS &&
	    next < TPM2_PT_FIXED + TPM_INFO_NPROPS; round++) {
		asked = next;
		data = NULL;
		rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE,
		    ESYS_TR_NONE, TPM2_CAP_TPM_PROPERTIES, next,
		    TPM_INFO_NPROPS, &more, &data);
		if (rc != TSS2_RC_SUCCESS)
			return tpm_err(e, "TPM2_GetCapability(TPM_PROPERTIES)",
			    rc);
		if (data->capability != TPM2_CAP_TPM_PROPERTIES) {
			cap = data->capability;
			Esys_Free(data);
			return err_set(e, "TPM2_GetCapability(TPM_PROPERTIES): "
			    "answer is capability 0x%x", (unsigned)cap);
		}
		keep_props(info, &data->data.tpmProperties, &next);
		Esys_Free(data);
		if (next == asked)
			break;	/* no progress: nothing more in our range */
	}
	return 0;
}

static int
read_banks(ESYS_CONTEXT *esys, struct tpm_info *info, struct errbuf *e)
{
	TPMS_CAPABILITY_DATA *data = NULL;
	TPMI_YES_NO more;
	TPM2_CAP cap;
	TSS2_RC rc;

	rc = Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	    TPM2_CAP_PCRS, 0, 1, &more, &data);
	if (rc != TSS2_RC_SUCCESS)
		return tpm_err(e, "TPM2_GetCapability(PCRS)", rc);
	if (data->capability != TPM2_CAP_PCRS) {
		cap = data->capability;
		Esys_Free(data);
		return err_set(e, "TPM2_GetCapability(PCRS): answer is "
		    "capability 0x%x", (unsigned)cap);
	}
	info->banks = data->data.assignedPCR;
	Esys_Free(data);
	if (info->banks.count > TPM2_NUM_PCR_BANKS)
		return err_set(e, "TPM2_GetCapability(PCRS): %u banks",
		    (unsigned)info->banks.count);
	return 0;
}

int
tpm_info_read(ESYS_CONTEXT *esys, struct tpm_info *info, struct errbuf *e)
{
	memset(info, 0, sizeof(*info));
	if (read_fixed_props(esys, info, e) == -1 ||
	    read_banks(esys, info, e) == -1)
		return -1;
	return 0;
}

/* Four characters packed big-endian in a property; NULs dropped, anything
 * unprintable shown as '?'. out needs 5 bytes. */
static void
prop_chars(uint32_t v, char *out)
{
	int i, n = 0;
	unsigned char c;

	for (i = 3; i >= 0; i--) {
		c = (v >> (8 * i)) & 0xff;
		if (c == '\0')
			continue;
		out[n++] = isprint(c) ? (char)c : '?';
	}
	out[n] = '\0';
}

static void
print_manufacturer(FILE *f, const struct tpm_info *info)
{
	char id[5];

	if (!has_prop(info, TPM2_PT_MANUFACTURER)) {
		fputs("manufacturer: unknown\n", f);
		return;
	}
	prop_chars(prop(info, TPM2_PT_MANUFACTURER), id);
	fprintf(f, "manufacturer: %s (0x%08x)\n", id,
	    prop(info, TPM2_PT_MANUFACTURER));
}

static void
print_vendor(FILE *f, const struct tpm_info *info)
{
	char s[4 * 4 + 1] = "", part[5];
	size_t n;
	TPM2_PT pt;

	for (pt = TPM2_PT_VENDOR_STRING_1; pt <= TPM2_PT_VENDOR_STRING_4; pt++) {
		if (!has_prop(info, pt))
			continue;
		prop_chars(prop(info, pt), part);
		strcat(s, part);
	}
	n = strlen(s);
	while (n > 0 && s[n - 1] == ' ')
		s[--n] = '\0';
	fprintf(f, "vendor: %s\n", n > 0 ? s : "unknown");
}

static void
print_spec(FILE *f, const struct tpm_info *info)
{
	char family[5];
	uint32_t rev;

	if (has_prop(info, TPM2_PT_FAMILY_INDICATOR)) {
		prop_chars(prop(info, TPM2_PT_FAMILY_INDICATOR), family);
		fprintf(f, "family: %s\n", family);
	} else
		fputs("family: unknown\n", f);
	if (has_prop(info, TPM2_PT_LEVEL))
		fprintf(f, "level: %u\n", prop(info, TPM2_PT_LEVEL));
	else
		fputs("level: unknown\n", f);
	if (has_prop(info, TPM2_PT_REVISION)) {
		rev = prop(info, TPM2_PT_REVISION);	/* 138 is 1.38 */
		fprintf(f, "revision: %u.%02u\n", rev / 100, rev % 100);
	} else
		fputs("revision: unknown\n", f);
	if (has_prop(info, TPM2_PT_YEAR) && has_prop(info, TPM2_PT_DAY_OF_YEAR))
		fprintf(f, "spec-date: %u day %u\n", prop(info, TPM2_PT_YEAR),
		    prop(info, TPM2_PT_DAY_OF_YEAR));
	else
		fputs("spec-date: unknown\n", f);
}

static void
print_firmware(FILE *f, const struct tpm_info *info)
{
	if (has_prop(info, TPM2_PT_FIRMWARE_VERSION_1) &&
	    has_prop(info, TPM2_PT_FIRMWARE_VERSION_2))
		fprintf(f, "firmware: 0x%08x 0x%08x\n",
		    prop(info, TPM2_PT_FIRMWARE_VERSION_1),
		    prop(info, TPM2_PT_FIRMWARE_VERSION_2));
	else
		fputs("firmware: unknown\n", f);
}

/* "0-7 10 16-23": the PCRs set in one selection bitmap. */
static void
print_pcr_list(FILE *f, const TPMS_PCR_SELECTION *s)
{
	unsigned nbits, i, start;
	const char *sep = "";

	nbits = 8 * (s->sizeofSelect < sizeof(s->pcrSelect) ?
	    s->sizeofSelect : sizeof(s->pcrSelect));
	for (i = 0; i < nbits; i++) {
		if (!(s->pcrSelect[i / 8] & (1u << (i % 8))))
			continue;
		start = i;
		while (i + 1 < nbits &&
		    (s->pcrSelect[(i + 1) / 8] & (1u << ((i + 1) % 8))))
			i++;
		if (start == i)
			fprintf(f, "%s%u", sep, start);
		else
			fprintf(f, "%s%u-%u", sep, start, i);
		sep = " ";
	}
}

static int
selection_empty(const TPMS_PCR_SELECTION *s)
{
	unsigned i;

	for (i = 0; i < s->sizeofSelect && i < sizeof(s->pcrSelect); i++)
		if (s->pcrSelect[i] != 0)
			return 0;
	return 1;
}

static void
print_banks(FILE *f, const struct tpm_info *info)
{
	const TPMS_PCR_SELECTION *s;
	const struct hashalg *alg;
	UINT32 i;

	for (i = 0; i < info->banks.count && i < TPM2_NUM_PCR_BANKS; i++) {
		s = &info->banks.pcrSelections[i];
		if (selection_empty(s))
			continue;
		alg = hashalg_by_tpm(s->hash);
		if (alg != NULL)
			fprintf(f, "pcr-bank: %s ", alg->name);
		else
			fprintf(f, "pcr-bank: alg-0x%04x ", s->hash);
		print_pcr_list(f, s);
		fputc('\n', f);
	}
}

void
tpm_info_print(FILE *f, const struct tpm_info *info)
{
	print_manufacturer(f, info);
	print_vendor(f, info);
	print_firmware(f, info);
	print_spec(f, info);
	print_banks(f, info);
}
