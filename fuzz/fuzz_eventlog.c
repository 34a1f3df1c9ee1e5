/*
 * fuzz_eventlog.c - libFuzzer target for the UEFI event log: evlog_parse,
 * then everything a verifier does with a parsed log (replay, the facts,
 * every event's text, the comparison and every rule with the log as its
 * own reference), so the decoders of event data (variables, signature
 * lists, device paths, strings) see hostile bytes too.
 */
#include <stdint.h>
#include <string.h>

#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "policy/eventlog_policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	size_t i;

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
	evlog_replay_free(&rp);
	evlog_free(&l);
	return 0;
}
