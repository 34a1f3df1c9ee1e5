/*
 * test_pcr_policy.c - policy/pcr_policy.h: the pcrs rule (parse, canonical
 * text, refusals) and the comparison of quoted PCR values with a
 * reference (selection order, only the signed selection, missing values).
 */
#include <stdio.h>
#include <string.h>

#include "format/hashalg.h"
#include "policy/pcr_policy.h"
#include "format/tpm_attest.h"
#include "tests/unit/check.h"

static void
check_canonical(const char *in, const char *want)
{
	struct pcr_rule r;
	struct errbuf e;
	char out[PCR_POLICY_TEXT_MAX];
	int ok;

	ok = pcr_policy_parse(in, &r, &e) == 0 &&
	    pcr_policy_format(&r, out, sizeof(out), &e) == 0 &&
	    strcmp(out, want) == 0;
	CHECK(ok, "rule '%s' is '%s'", in, want);
	if (!ok)
		printf("#   got '%s' (%s)\n", out, e.msg);
}

static void
check_refused(const char *in, const char *needle)
{
	struct pcr_rule r;
	struct errbuf e;

	e.msg[0] = '\0';
	CHECK(pcr_policy_parse(in, &r, &e) == -1 && strstr(e.msg, needle) !=
	    NULL, "rule '%s' refused: %s", in, needle);
}

static void
test_rules(void)
{
	struct pcr_rule r;
	struct errbuf e;
	char list[PCR_LIST_TEXT_MAX];

	check_canonical("pcrs", "pcrs");
	check_canonical("pcrs:ignore=4", "pcrs:ignore=4");
	check_canonical("pcrs:ignore=9,8,4", "pcrs:ignore=4,8,9");
	check_canonical("pcrs:only=7,0-6,9", "pcrs:only=0-7,9");
	check_canonical("pcrs:ignore=4:only=0-7", "pcrs:only=0-7:ignore=4");
	check_canonical("pcrs:only=31", "pcrs:only=31");
	CHECK(pcr_policy_parse("pcrs:only=0-7:ignore=4", &r, &e) == 0 &&
	    pcr_policy_mask(&r) == 0xefu, "only=0-7:ignore=4 compares "
	    "0-3,5-7");
	CHECK(pcr_policy_parse("pcrs:ignore=0-9", &r, &e) == 0 &&
	    pcr_policy_mask(&r) == 0xfffffc00u, "ignore=0-9 compares 10-31");
	check_refused("pcrs:only=", "want a PCR number");
	check_refused("pcrs:only=32", "want a PCR number");
	check_refused("pcrs:only=100", "want a PCR number");
	check_refused("pcrs:only=7-3", "backwards");
	check_refused("pcrs:only=1:only=2", "given twice");
	check_refused("pcrs:ignore=1:ignore=2", "given twice");
	check_refused("pcrs:only=1,", "want a PCR number");
	check_refused("pcrs:only=1x", "unexpected 'x'");
	check_refused("pcrs:skip=1", "unknown option");
	check_refused("pcrs:", "unknown option");
	check_refused("pcrs:only=4:ignore=4", "no PCR to compare");
	check_refused("pcrsx", "not a pcrs rule");
	check_refused("reorder", "not a pcrs rule");
	CHECK(pcr_policy_is_rule("pcrs") && pcr_policy_is_rule("pcrs:only=1")
	    && !pcr_policy_is_rule("pcrsx") && !pcr_policy_is_rule("reorder")
	    && !pcr_policy_is_rule("pcr"), "pcr_policy_is_rule: the word only");
	pcr_list_format(0, list, sizeof(list));
	CHECK(strcmp(list, "none") == 0, "list: empty is none");
	pcr_list_format(0x80000403u, list, sizeof(list));
	CHECK(strcmp(list, "0,1,10,31") == 0, "list: pairs are not ranges");
}

struct seen {
	size_t n;
	char text[8][160];
};

static void
on_diff(void *arg, const struct pcr_diff *d)
{
	struct seen *s = arg;

	if (s->n < 8)
		snprintf(s->text[s->n++], sizeof(s->text[0]), "%s:%u:%s",
		    d->alg->name, d->pcr, d->reference ? "differs" : "none");
}

static void
put(struct pcr_set *s, const char *bank, unsigned pcr, uint8_t fill)
{
	uint8_t v[HASHALG_MAX_SIZE];
	struct errbuf e;

	memset(v, fill, sizeof(v));
	if (pcr_set_put(s, hashalg_by_name(bank), pcr, v, &e) == -1)
		printf("# put: %s\n", e.msg);
}

static void
test_compare(void)
{
	static struct pcr_set quoted, ref;
	TPML_PCR_SELECTION sel;
	struct seen seen;
	struct errbuf e;
	size_t compared, differ;
	unsigned pcr;

	pcr_set_init(&quoted);
	pcr_set_init(&ref);
	for (pcr = 0; pcr <= 10; pcr++) {
		put(&quoted, "sha1", pcr, (uint8_t)pcr);
		put(&quoted, "sha256", pcr, (uint8_t)pcr);
		put(&ref, "sha1", pcr, (uint8_t)pcr);
		put(&ref, "sha256", pcr, (uint8_t)pcr);
	}
	/* a value outside the selection, different: never looked at */
	put(&quoted, "sha256", 16, 0x16);
	put(&ref, "sha256", 16, 0x61);
	if (tpm_selection_from_spec("sha1:0-10+sha256:0-10", &sel, &e) == -1)
		printf("# selection: %s\n", e.msg);
	memset(&seen, 0, sizeof(seen));
	CHECK(pcr_policy_compare(&quoted, &sel, 0xffffffffu, &ref, on_diff,
	    &seen, &compared, &differ, &e) == 0 && compared == 22 &&
	    differ == 0 && seen.n == 0, "equal sets: 22 compared, none "
	    "differ, PCR 16 outside the selection not read");
	/* PCR 4 extended in both banks; PCR 9 missing from the reference */
	put(&quoted, "sha1", 4, 0xaa);
	put(&quoted, "sha256", 4, 0xaa);
	pcr_set_init(&ref);
	for (pcr = 0; pcr <= 10; pcr++) {
		if (pcr != 9)
			put(&ref, "sha1", pcr, (uint8_t)pcr);
		put(&ref, "sha256", pcr, (uint8_t)pcr);
	}
	memset(&seen, 0, sizeof(seen));
	CHECK(pcr_policy_compare(&quoted, &sel, 0xffffffffu, &ref, on_diff,
	    &seen, &compared, &differ, &e) == 0 && compared == 22 &&
	    differ == 3 && seen.n == 3 &&
	    strcmp(seen.text[0], "sha1:4:differs") == 0 &&
	    strcmp(seen.text[1], "sha1:9:none") == 0 &&
	    strcmp(seen.text[2], "sha256:4:differs") == 0,
	    "PCR 4 in both banks and a missing PCR 9, in selection order");
	memset(&seen, 0, sizeof(seen));
	CHECK(pcr_policy_compare(&quoted, &sel, ~((1u << 4) | (1u << 9)),
	    &ref, on_diff, &seen, &compared, &differ, &e) == 0 &&
	    compared == 18 && differ == 0, "mask without 4 and 9: 18 "
	    "compared, none differ");
	memset(&seen, 0, sizeof(seen));
	CHECK(pcr_policy_compare(&quoted, &sel, 1u << 10, &ref, on_diff,
	    &seen, &compared, &differ, &e) == 0 && compared == 2 &&
	    differ == 0, "mask of PCR 10 only: 2 compared");
	/* the selection names a PCR the quoted values lack */
	if (tpm_selection_from_spec("sha256:0-11", &sel, &e) == -1)
		printf("# selection: %s\n", e.msg);
	CHECK(pcr_policy_compare(&quoted, &sel, 0xffffffffu, &ref, NULL, NULL,
	    &compared, &differ, &e) == -1 && strstr(e.msg, "sha256 PCR 11")
	    != NULL, "a selected PCR without a quoted value is an error");
}

int
main(void)
{
	test_rules();
	test_compare();
	return check_finish();
}
