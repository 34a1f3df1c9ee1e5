/*
 * fuzz_ima_policy.c - libFuzzer target for IMA policy rule text and the
 * streaming evaluation. Input: rule lines, a NUL byte, then a binary IMA
 * list. Each rule that parses must format to a text that parses back to
 * the same text; the parsed records are evaluated under every rule at
 * once against a small reference set, fixed PCR values (boot_aggregate)
 * and no keyring (signatures are parsed, keys never found).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/ima_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct refset *set;
static struct pcr_set pcrs;
static struct ima_eval *ev;

static void
setup(void)
{
	static const char *const paths[] = { "/init", "/bin/sh", "/usr/bin/a" };
	const struct hashalg *algs[2];
	uint8_t d[HASHALG_MAX_SIZE];
	uint32_t src;
	size_t i, k;

	algs[0] = hashalg_by_name("sha1");
	algs[1] = hashalg_by_name("sha256");
	if (refset_new("fuzz", &set, NULL) != 0 ||
	    refset_add_source(set, "fuzz", &src, NULL) != 0 ||
	    ima_eval_new(&ev, NULL) != 0)
		abort();
	for (i = 0; i < 3; i++)
		for (k = 0; k < 2; k++) {
			memset(d, (int)(i + 1), sizeof(d));
			refset_add_entry(set, paths[i], strlen(paths[i]),
			    algs[k], d, (uint32_t)(i + 1), src, NULL);
		}
	if (refset_seal(set, NULL) != 0)
		abort();
	pcr_set_init(&pcrs);
	for (i = 0; i < 10; i++)
		for (k = 0; k < 2; k++) {
			memset(d, (int)i, sizeof(d));
			pcr_set_put(&pcrs, algs[k], (unsigned)i, d, NULL);
		}
}

static void
check_rule(const struct ima_rule *r)
{
	struct ima_policy q;
	char a[IMA_POLICY_TEXT_MAX * 2], b[IMA_POLICY_TEXT_MAX * 2];

	if (ima_policy_format(r, a, sizeof(a), NULL) != 0)
		return;
	memset(&q, 0, sizeof(q));
	if (ima_policy_add_rule(&q, a, NULL) != 0 ||
	    ima_policy_format(&q.rules[0], b, sizeof(b), NULL) != 0 ||
	    strcmp(a, b) != 0)
		abort();
}

static void
parse_rules(struct ima_policy *p, const char *text, size_t len)
{
	char line[IMA_POLICY_TEXT_MAX + 2];
	size_t i = 0, n;

	while (i < len) {
		for (n = 0; i + n < len && text[i + n] != '\n'; n++)
			;
		if (n < sizeof(line)) {
			memcpy(line, text + i, n);
			line[n] = '\0';
			if (ima_policy_add_rule(p, line, NULL) == 0)
				check_rule(&p->rules[p->nrules - 1]);
		}
		i += n + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ima_policy p;
	struct ima_eval_result res;
	struct ima_parser ps;
	struct ima_record rec;
	const uint8_t *nul;
	size_t off, need;
	bool pass;

	if (set == NULL)
		setup();
	memset(&p, 0, sizeof(p));
	nul = memchr(data, '\0', size);
	off = nul ? (size_t)(nul - data) : size;
	parse_rules(&p, (const char *)data, off);
	p.nsets = 1;
	p.sets[0] = set;
	if (ima_eval_begin(ev, &p, (size > 0 && (data[0] & 1)) ? &pcrs : NULL, NULL, NULL,
	    NULL) != 0)
		return 0;
	off = nul ? off + 1 : size;
	ima_parser_init(&ps, hashalg_by_name("sha1"), IMA_ORDER_UNKNOWN);
	while (off < size && ima_parse_record(&ps, data + off, size - off,
	    &rec, &need, NULL) == IMA_PARSE_RECORD) {
		if (ima_eval_record(ev, &rec, NULL) != 0)
			abort();
		off += rec.size;
	}
	if (ima_eval_end(ev, &res, &pass, NULL) != 0)
		abort();
	return 0;
}
