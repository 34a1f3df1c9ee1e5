/* pcr_policy.c - the pcrs rule and the PCR comparison (pcr_policy.h). */
#include <stdio.h>
#include <string.h>

#include "policy/pcr_policy.h"

#define ALL_PCRS	0xffffffffu	/* PCR_COUNT == 32 */

bool
pcr_policy_is_rule(const char *text)
{
	size_t w = strcspn(text, ":");

	return w == sizeof(PCR_POLICY_WORD) - 1 &&
	    strncmp(text, PCR_POLICY_WORD, w) == 0;
}

/* A decimal PCR index at *p (advanced); -1 if none or out of range. */
static int
pcr_number(const char **p)
{
	unsigned v = 0;
	size_t n = 0;

	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		if (++n > 2 || v >= PCR_COUNT)
			return -1;
	}
	return n == 0 ? -1 : (int)v;
}

/* LIST up to the next ':' or the end; *p advanced past it. */
static int
parse_list(const char **p, const char *opt, uint32_t *mask, struct errbuf *e)
{
	int a, b;

	*mask = 0;
	for (;;) {
		if ((a = pcr_number(p)) == -1)
			return err_set(e, "%s=: want a PCR number 0-%d at '%.16s'",
			    opt, PCR_COUNT - 1, *p);
		b = a;
		if (**p == '-') {
			(*p)++;
			if ((b = pcr_number(p)) == -1)
				return err_set(e, "%s=: want a PCR number 0-%d "
				    "after '-' at '%.16s'", opt, PCR_COUNT - 1,
				    *p);
			if (b < a)
				return err_set(e, "%s=: range %d-%d goes "
				    "backwards", opt, a, b);
		}
		for (; a <= b; a++)
			*mask |= 1u << a;
		if (**p == ',') {
			(*p)++;
			continue;
		}
		if (**p == '\0' || **p == ':')
			return 0;
		return err_set(e, "%s=: unexpected '%c' in the list", opt, **p);
	}
}

int
pcr_policy_parse(const char *text, struct pcr_rule *out, struct errbuf *e)
{
	const char *p = text;
	bool seen_ignore = false;
	uint32_t m;

	memset(out, 0, sizeof(*out));
	if (!pcr_policy_is_rule(text))
		return err_set(e, "not a pcrs rule");
	p += sizeof(PCR_POLICY_WORD) - 1;
	while (*p == ':') {
		p++;
		if (strncmp(p, "only=", 5) == 0) {
			if (out->has_only)
				return err_set(e, "pcrs: only= given twice");
			p += 5;
			if (parse_list(&p, "only", &m, e) == -1)
				return err_prefix(e, "pcrs");
			out->has_only = true;
			out->only = m;
		} else if (strncmp(p, "ignore=", 7) == 0) {
			if (seen_ignore)
				return err_set(e, "pcrs: ignore= given twice");
			p += 7;
			if (parse_list(&p, "ignore", &m, e) == -1)
				return err_prefix(e, "pcrs");
			seen_ignore = true;
			out->ignore = m;
		} else
			return err_set(e, "pcrs: unknown option '%.*s' (known: "
			    "only=LIST, ignore=LIST)", (int)strcspn(p, ":=") >
			    32 ? 32 : (int)strcspn(p, ":="), p);
	}
	if (*p != '\0')
		return err_set(e, "pcrs: unexpected text after the rule");
	if (pcr_policy_mask(out) == 0)
		return err_set(e, "pcrs: the rule leaves no PCR to compare");
	return 0;
}

uint32_t
pcr_policy_mask(const struct pcr_rule *r)
{
	return (r->has_only ? r->only : ALL_PCRS) & ~r->ignore;
}

void
pcr_list_format(uint32_t mask, char *out, size_t cap)
{
	size_t used = 0;
	unsigned a, b;
	int n;

	if (cap == 0)
		return;
	out[0] = '\0';
	if (mask == 0) {
		snprintf(out, cap, "none");
		return;
	}
	for (a = 0; a < PCR_COUNT; a = b + 1) {
		if (!(mask & (1u << a))) {
			b = a;
			continue;
		}
		for (b = a; b + 1 < PCR_COUNT && (mask & (1u << (b + 1))); b++)
			;
		if (b == a)
			n = snprintf(out + used, cap - used, "%s%u",
			    used ? "," : "", a);
		else if (b == a + 1)
			n = snprintf(out + used, cap - used, "%s%u,%u",
			    used ? "," : "", a, b);
		else
			n = snprintf(out + used, cap - used, "%s%u-%u",
			    used ? "," : "", a, b);
		if (n < 0 || (size_t)n >= cap - used)
			return;		/* truncated, NUL-terminated */
		used += (size_t)n;
	}
}

int
pcr_policy_format(const struct pcr_rule *r, char *out, size_t cap,
    struct errbuf *e)
{
	char only[PCR_LIST_TEXT_MAX], ignore[PCR_LIST_TEXT_MAX];
	int n;

	pcr_list_format(r->only, only, sizeof(only));
	pcr_list_format(r->ignore, ignore, sizeof(ignore));
	n = snprintf(out, cap, "%s%s%s%s%s", PCR_POLICY_WORD,
	    r->has_only ? ":only=" : "", r->has_only ? only : "",
	    r->ignore ? ":ignore=" : "", r->ignore ? ignore : "");
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "pcrs rule text does not fit in %zu bytes",
		    cap);
	return 0;
}

int
pcr_policy_compare(const struct pcr_set *quoted, const TPML_PCR_SELECTION *sel,
    uint32_t mask, const struct pcr_set *ref, pcr_diff_fn fn, void *arg,
    size_t *compared, size_t *differ, struct errbuf *e)
{
	const TPMS_PCR_SELECTION *ps;
	const struct hashalg *alg;
	const uint8_t *q, *r;
	struct pcr_diff d;
	uint32_t bits;
	unsigned pcr, k;
	uint32_t i;

	*compared = *differ = 0;
	if (sel->count > TPM2_NUM_PCR_BANKS)
		return err_set(e, "PCR selection: %u banks", (unsigned)sel->count);
	for (i = 0; i < sel->count; i++) {
		ps = &sel->pcrSelections[i];
		bits = 0;
		for (k = 0; k < ps->sizeofSelect && k < 4; k++)
			bits |= (uint32_t)ps->pcrSelect[k] << (8 * k);
		if ((bits & mask) == 0)
			continue;
		if ((alg = hashalg_by_tpm(ps->hash)) == NULL)
			return err_set(e, "PCR selection: unknown bank 0x%04x",
			    (unsigned)ps->hash);
		for (pcr = 0; pcr < PCR_COUNT; pcr++) {
			if (!(bits & mask & (1u << pcr)))
				continue;
			if ((q = pcr_set_get(quoted, alg, pcr)) == NULL)
				return err_set(e, "no quoted value for %s PCR "
				    "%u", alg->name, pcr);
			(*compared)++;
			r = pcr_set_get(ref, alg, pcr);
			if (r != NULL && memcmp(q, r, alg->size) == 0)
				continue;
			(*differ)++;
			d.alg = alg;
			d.pcr = pcr;
			d.quoted = q;
			d.reference = r;
			if (fn != NULL)
				fn(arg, &d);
		}
	}
	return 0;
}
