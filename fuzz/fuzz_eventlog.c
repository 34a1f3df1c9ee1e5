/*
 * fuzz_eventlog.c - libFuzzer target for the UEFI event log: evlog_parse,
 * then everything a verifier does with a parsed log (replay, the facts,
 * every event's text, the comparison and every rule with the log as its
 * own reference), so the decoders of event data (variables, signature
 * lists, device paths, strings) see hostile bytes too.
 *
 * A log compared with itself must show no difference. It is then also
 * compared with a fixed real reference log (REF_LOG, parsed once, path
 * relative to the repository root where the fuzz scripts run targets),
 * every difference put into words and the rules evaluated against that
 * reference, and each rule's canonical text must parse back to itself.
 * The input's first bytes, up to a NUL, are also tried as a rule text.
 */
#include <stdint.h>
#include <string.h>

#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "format/fileio.h"
#include "policy/eventlog_policy.h"

#include <stdio.h>
#include <stdlib.h>

#define REF_LOG "testdata/eventlogs/tpm2-tools/event-sd-boot-fedora37.bin"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct evlog ref;
static struct evlog_facts ref_f;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct errbuf e;
	uint8_t *buf;
	size_t len;

	(void)argc;
	(void)argv;
	evlog_init(&ref);
	if (file_read(REF_LOG, FILEIO_MAX_SMALL, &buf, &len, &e) != 0 ||
	    evlog_parse(&ref, buf, len, &e) != 0) {
		fprintf(stderr, "fuzz_eventlog: %s (run from the repository "
		    "root)\n", e.msg);
		exit(1);
	}
	/* buf stays: the parsed log points into it */
	evlog_facts_get(&ref, &ref_f);
	return 0;
}

static void
say_diff(void *arg, const struct evlog_diff_item *d)
{
	char out[EVLOG_FINDING_MAX];

	evlog_diff_text(arg, &ref, d, out, sizeof(out));
	if (out[0] == '\0')
		__builtin_trap();
}

static void
self_diff(void *arg, const struct evlog_diff_item *d)
{
	(void)arg;
	(void)d;
	__builtin_trap();	/* a log differs from itself */
}

/* The input's text up to a NUL, as a rule: its canonical form reparses. */
static void
rule_text(const uint8_t *data, size_t size)
{
	char text[EVLOG_RULE_TEXT_MAX + 1], again[EVLOG_RULE_TEXT_MAX + 1];
	struct evlog_policy p, q;
	struct errbuf e;
	size_t n = strnlen((const char *)data, size < sizeof(text) - 1 ?
	    size : sizeof(text) - 1);

	memcpy(text, data, n);
	text[n] = '\0';
	memset(&p, 0, sizeof(p));
	memset(&q, 0, sizeof(q));
	if (evlog_policy_add_rule(&p, text, &e) != 0)
		return;
	if (evlog_rule_format(&p.rules[0], again, sizeof(again), &e) != 0 ||
	    evlog_policy_add_rule(&q, again, &e) != 0 ||
	    q.rules[0].kind != p.rules[0].kind ||
	    strcmp(q.rules[0].glob, p.rules[0].glob) != 0 ||
	    evlog_policy_add_rule(&p, again, &e) == 0)	/* twice */
		__builtin_trap();
	(void)evlog_rule_name(p.rules[0].kind);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rules[] = { "secureboot", "dbx", "bootchain",
	    "cmdline:*", "separators", "reference" };
	struct evlog l;
	struct evlog_replay rp;
	struct evlog_facts f;
	struct evlog_policy p;
	struct evlog_rule_result res[EVLOG_POLICY_RULES_MAX];
	struct pcr_set s;
	struct evlog_pcr_cmp cmp;
	struct errbuf e;
	char text[EVLOG_TEXT_MAX];
	size_t i, n;

	rule_text(data, size);
	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	(void)evlog_parse(&l, data, size, &e);
	if (evlog_replay_run(&rp, &l, NULL, 0, &e) == 0 &&
	    evlog_replay_to_pcr_set(&rp, &s, &e) == 0) {
		evlog_replay_compare(&rp, &s, &cmp);
		if (cmp.mismatch)
			__builtin_trap();	/* its own values must match */
	}
	for (i = 0; i < l.nevents; i++) {
		evlog_event_text(&l, &l.events[i], text, sizeof(text));
		(void)evlog_event_cmdline(&l.events[i], text, sizeof(text));
		(void)evlog_event_trust(&l, &l.events[i]);
	}
	evlog_facts_get(&l, &f);
	memset(&p, 0, sizeof(p));
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (evlog_policy_add_rule(&p, rules[i], &e) == -1)
			__builtin_trap();
	(void)evlog_policy_eval(&p, &l, &f, &l, &f, NULL, NULL, res, &e);
	if (evlog_diff(&l, &l, self_diff, NULL, &n, &e) == 0 && n != 0)
		__builtin_trap();
	(void)evlog_diff(&l, &ref, say_diff, &l, NULL, &e);
	(void)evlog_policy_eval(&p, &l, &f, &ref, &ref_f, NULL, NULL, res, &e);
	evlog_replay_free(&rp);
	evlog_free(&l);
	return 0;
}
