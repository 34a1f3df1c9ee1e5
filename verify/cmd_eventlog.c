/*
 * cmd_eventlog.c - dossier eventlog show | replay | check: UEFI / TCG PC
 * Client firmware event logs (dossier-eventlog(1)).
 *
 * The log is read whole (at most EVLOG_MAX_SIZE) and parsed, replayed,
 * decoded and judged by format/eventlog*.h, the code the verifier's judge
 * calls per bundle; this file only prints. Every text taken from a log is
 * escaped by the format/ decoders before it reaches a line or a JSON
 * string.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/err.h"
#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "policy/eventlog_policy.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/ima_log.h"
#include "format/pcr_set.h"
#include "format/results.h"
#include "verify/cmd.h"
#include "verify/report.h"
#include "verify/uefi_checks.h"

static const char usage_text[] =
    "usage: dossier eventlog show [--json] LOG\n"
    "       dossier eventlog replay [--bank ALG]... LOG\n"
    "       dossier eventlog check LOG --pcrs FILE [--ref-log FILE] "
    "[--policy RULE]...\n";

enum {
	OPT_BANK = 256,
	OPT_PCRS,
	OPT_REF_LOG,
	OPT_POLICY,
	OPT_JSON,
};

static const struct option long_opts[] = {
	{ "bank", required_argument, NULL, OPT_BANK },
	{ "pcrs", required_argument, NULL, OPT_PCRS },
	{ "ref-log", required_argument, NULL, OPT_REF_LOG },
	{ "policy", required_argument, NULL, OPT_POLICY },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct el_opts {
	const char *sub;
	const char *log;
	const struct hashalg *banks[EVLOG_MAX_BANKS];
	size_t nbanks;
	const char *pcrs;
	const char *ref_log;
	struct evlog_policy policy;
	bool json;
};

static int
parse_opts(int argc, char **argv, struct el_opts *o)
{
	const struct hashalg *a;
	struct errbuf e;
	size_t i;
	int c;

	memset(o, 0, sizeof(*o));
	o->sub = argv[0];
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
		switch (c) {
		case OPT_BANK:
			a = hashalg_by_name(optarg);
			if (a == NULL || a->tpm_id == 0 ||
			    hashalg_md(a) == NULL) {
				cmd_error("eventlog: bank '%s' is not a TPM hash "
				    "algorithm available here", optarg);
				return -1;
			}
			for (i = 0; i < o->nbanks && o->banks[i] != a; i++)
				;
			if (i < o->nbanks)
				break;
			if (o->nbanks == EVLOG_MAX_BANKS) {
				cmd_error("eventlog: more than %d banks",
				    EVLOG_MAX_BANKS);
				return -1;
			}
			o->banks[o->nbanks++] = a;
			break;
		case OPT_PCRS:
			o->pcrs = optarg;
			break;
		case OPT_REF_LOG:
			if (o->ref_log != NULL) {
				cmd_error("eventlog check: one --ref-log");
				return -1;
			}
			o->ref_log = optarg;
			break;
		case OPT_POLICY:
			if (evlog_policy_add_rule(&o->policy, optarg, &e) ==
			    -1) {
				cmd_error("eventlog check: --policy: %s",
				    e.msg);
				return -1;
			}
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		default:
			cmd_error("eventlog %s: unknown option or missing "
			    "argument '%s'", o->sub, argv[optind - 1]);
			fputs(usage_text, stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		cmd_error("eventlog %s: expected exactly one LOG operand",
		    o->sub);
		fputs(usage_text, stderr);
		return -1;
	}
	o->log = argv[optind];
	return 0;
}

/* A whole log file, parsed. 1: parsed with an error (message in e,
 * events before it kept), 0: parsed, -1: unreadable (message printed). */
static int
load_log(const char *path, struct evlog *l, uint8_t **buf,
    struct errbuf *e)
{
	struct errbuf fe;
	size_t len;

	if (file_read(path, EVLOG_MAX_SIZE, buf, &len, &fe) == -1) {
		cmd_error("%s", fe.msg);
		return -1;
	}
	if (evlog_parse(l, *buf, len, e) == -1) {
		err_prefix(e, "%s", path);
		return 1;
	}
	return 0;
}

static const char *
bank_name(const struct evlog *l, size_t b, char *buf)
{
	if (l->banks[b].alg != NULL)
		return l->banks[b].alg->name;
	sprintf(buf, "0x%04x", l->banks[b].tpm_id);
	return buf;
}

static const char *
type_text(uint32_t type, char *buf)
{
	const char *n = evlog_type_name(type);

	if (n != NULL)
		return n;
	sprintf(buf, "0x%08x", type);
	return buf;
}

/* ---- JSON ------------------------------------------------------------------- */

/* s as a JSON string (format/results.h's writer), or null. */
static void
json_string(FILE *out, const char *s)
{
	if (result_json_fputs(out, s, strlen(s)) == -1)
		fputs("null", out);
}

static void
json_digests(FILE *out, const struct evlog *l, const struct evlog_event *ev)
{
	char hex[2 * HASHALG_MAX_SIZE + 1], nb[8];
	size_t b;
	bool first = true;

	fputc('{', out);
	for (b = 0; b < l->nbanks; b++) {
		if (ev->digest[b] == NULL)
			continue;
		hex_encode(ev->digest[b], l->banks[b].size, hex);
		fprintf(out, "%s\"%s\":\"%s\"", first ? "" : ",",
		    bank_name(l, b, nb), hex);
		first = false;
	}
	fputc('}', out);
}

static void
json_event_list(FILE *out, const struct evlog *l,
    const struct evlog_fact_list *fl, bool cmdline)
{
	char text[EVLOG_TEXT_MAX];
	const struct evlog_event *ev;
	size_t i;

	fputc('[', out);
	for (i = 0; i < fl->count && i < EVLOG_FACTS_LIST_MAX; i++) {
		ev = &l->events[fl->ev[i]];
		if (cmdline) {
			evlog_event_cmdline(ev, text, sizeof(text));
			fputs(i ? "," : "", out);
			json_string(out, text);
			continue;
		}
		evlog_event_text(l, ev, text, sizeof(text));
		fprintf(out, "%s{\"event\":%u,\"pcr\":%u,\"description\":",
		    i ? "," : "", ev->index, ev->pcr);
		json_string(out, text);
		fputs(",\"digests\":", out);
		json_digests(out, l, ev);
		fprintf(out, ",\"data\":\"%s\"}",
		    evlog_trust_name(evlog_event_trust(l, ev)));
	}
	fputc(']', out);
}

static void
json_var(FILE *out, const struct evlog *l, const char *key,
    const struct evlog_fact_var *v)
{
	if (!v->present) {
		fprintf(out, ",\"%s\":null", key);
		return;
	}
	fprintf(out, ",\"%s\":{\"event\":%u,\"data\":\"%s\",\"digests\":",
	    key, v->event, evlog_trust_name(v->trust));
	json_digests(out, l, &l->events[v->event]);
	fputc('}', out);
}

static void
show_json(const struct el_opts *o, const struct evlog *l,
    const struct evlog_replay *rp, const struct evlog_facts *f,
    const char *error)
{
	FILE *out = stdout;
	char text[EVLOG_TEXT_MAX], nb[16], hex[2 * HASHALG_MAX_SIZE + 1];
	const struct evlog_event *ev;
	size_t i, b;
	unsigned p;
	bool first;

	fputs("{\"log\":", out);
	json_string(out, o->log);
	fprintf(out, ",\"format\":\"%s\",\"banks\":[",
	    l->format == EVLOG_FORMAT_AGILE ? "crypto-agile" : "sha1");
	for (b = 0; b < l->nbanks; b++)
		fprintf(out, "%s\"%s\"", b ? "," : "", bank_name(l, b, nb));
	fputs("],\"error\":", out);
	if (error)
		json_string(out, error);
	else
		fputs("null", out);
	fputs(",\"events\":[", out);
	for (i = 0; i < l->nevents; i++) {
		ev = &l->events[i];
		evlog_event_text(l, ev, text, sizeof(text));
		fprintf(out, "%s{\"index\":%u,\"offset\":%zu,\"pcr\":", i ?
		    "," : "", ev->index, ev->offset);
		if (ev->pcr == EVLOG_PCR_NONE)
			fputs("4294967295", out);
		else
			fprintf(out, "%u", ev->pcr);
		fprintf(out, ",\"type\":\"%s\",\"type_id\":%u,\"extended\":%s,"
		    "\"digests\":", type_text(ev->type, nb), ev->type,
		    ev->flags & EVLOG_EV_NOT_EXTENDED ? "false" : "true");
		json_digests(out, l, ev);
		fprintf(out, ",\"data_size\":%u,\"data\":\"%s\","
		    "\"description\":", ev->data_len,
		    evlog_trust_name(evlog_event_trust(l, ev)));
		json_string(out, text);
		fputc('}', out);
	}
	fputs("],\"pcrs\":{", out);
	for (b = 0; b < rp->nbanks; b++) {
		fprintf(out, "%s\"%s\":{", b ? "," : "", rp->banks[b].alg->name);
		first = true;
		for (p = 0; p < EVLOG_PCR_COUNT; p++) {
			if (!(rp->banks[b].extended & (1u << p)))
				continue;
			hex_encode(rp->banks[b].pcr[p], rp->banks[b].alg->size,
			    hex);
			fprintf(out, "%s\"%u\":\"%s\"", first ? "" : ",", p,
			    hex);
			first = false;
		}
		fputc('}', out);
	}
	fprintf(out, "},\"secureboot\":{\"enabled\":%s",
	    f->secureboot == EVLOG_SB_ON ? "true" :
	    f->secureboot == EVLOG_SB_OFF ? "false" : "null");
	json_var(out, l, "variable", &f->secureboot_var);
	json_var(out, l, "pk", &f->pk);
	json_var(out, l, "kek", &f->kek);
	json_var(out, l, "db", &f->db);
	json_var(out, l, "dbx", &f->dbx);
	if (f->dbx_entries >= 0)
		fprintf(out, ",\"dbx_entries\":%ld", f->dbx_entries);
	else
		fputs(",\"dbx_entries\":null", out);
	fprintf(out, ",\"debug_mode\":%s,\"dma_protection_disabled\":%s}",
	    f->debug_mode ? "true" : "false",
	    f->dma_disabled ? "true" : "false");
	fputs(",\"applications\":", out);
	json_event_list(out, l, &f->apps, false);
	fputs(",\"cmdline\":", out);
	json_event_list(out, l, &f->cmdlines, true);
	fprintf(out, ",\"cmdline_unverified\":%zu,\"ipl\":",
	    f->cmdline_unverified);
	json_event_list(out, l, &f->ipl, false);
	fputs(",\"actions\":", out);
	json_event_list(out, l, &f->actions, false);
	fprintf(out, ",\"exit_boot_services\":%s,\"separators\":{",
	    f->exit_boot_services ? "true" : "false");
	for (p = 0; p < 8; p++)
		fprintf(out, "%s\"%u\":{\"count\":%u,\"error\":%s,"
		    "\"covered\":%s}", p ? "," : "", p, f->separators[p],
		    f->separator_error & (1u << p) ? "true" : "false",
		    f->separator_bad & (1u << p) ? "false" : "true");
	fprintf(out, "},\"unknown_types\":%zu,\"pcr_none_events\":%zu,"
	    "\"data_mismatches\":%zu}\n", f->unknown_types, f->pcr_none,
	    f->mismatches);
}

/* ---- show -------------------------------------------------------------------- */

static void
show_var(const struct evlog *l, const char *name,
    const struct evlog_fact_var *v)
{
	char text[EVLOG_TEXT_MAX];

	if (!v->present) {
		printf("%s: not measured\n", name);
		return;
	}
	evlog_event_text(l, &l->events[v->event], text, sizeof(text));
	printf("%s: event %u [%s] %s\n", name, v->event,
	    evlog_trust_name(v->trust), text);
}

static void
show_text(const struct el_opts *o, const struct evlog *l,
    const struct evlog_facts *f)
{
	char text[EVLOG_TEXT_MAX], nb[16], hex[2 * HASHALG_MAX_SIZE + 1];
	char esc[1024];
	const struct evlog_event *ev;
	size_t i, b;
	unsigned p;

	ima_printable(o->log, strlen(o->log), esc, sizeof(esc));
	printf("log: %s\nformat: %s\nbanks:", esc,
	    l->format == EVLOG_FORMAT_AGILE ? "crypto-agile (Spec ID Event03)"
	    : "sha1 (TCG 1.2)");
	for (b = 0; b < l->nbanks; b++)
		printf(" %s", bank_name(l, b, nb));
	printf("\nevents: %zu\n", l->nevents);
	for (i = 0; i < l->nevents; i++) {
		ev = &l->events[i];
		evlog_event_text(l, ev, text, sizeof(text));
		if (ev->pcr == EVLOG_PCR_NONE)
			printf("\nevent %u: PCR 0xffffffff", ev->index);
		else
			printf("\nevent %u: PCR %u", ev->index, ev->pcr);
		printf(" %s%s (offset %zu, %u bytes of data)%s\n",
		    type_text(ev->type, nb),
		    evlog_type_name(ev->type) ? "" : " (unknown type)",
		    ev->offset, ev->data_len, ev->flags &
		    EVLOG_EV_NOT_EXTENDED ? " not extended" : "");
		for (b = 0; b < l->nbanks; b++) {
			if (ev->digest[b] == NULL)
				continue;
			hex_encode(ev->digest[b], l->banks[b].size, hex);
			printf("  %s %s\n", bank_name(l, b, nb), hex);
		}
		printf("  data [%s]: %s\n",
		    evlog_trust_name(evlog_event_trust(l, ev)), text);
	}
	printf("\nsecureboot: %s\n", f->secureboot == EVLOG_SB_ON ? "on" :
	    f->secureboot == EVLOG_SB_OFF ? "off" : "unknown");
	show_var(l, "SecureBoot", &f->secureboot_var);
	show_var(l, "PK", &f->pk);
	show_var(l, "KEK", &f->kek);
	show_var(l, "db", &f->db);
	show_var(l, "dbx", &f->dbx);
	if (f->debug_mode)
		printf("debug-mode: event %u\n", f->debug_event);
	if (f->dma_disabled)
		printf("dma-protection-disabled: event %u\n", f->dma_event);
	for (i = 0; i < f->apps.count && i < EVLOG_FACTS_LIST_MAX; i++) {
		ev = &l->events[f->apps.ev[i]];
		evlog_event_text(l, ev, text, sizeof(text));
		printf("application: event %u %s\n", ev->index, text);
	}
	for (i = 0; i < f->cmdlines.count && i < EVLOG_FACTS_LIST_MAX; i++) {
		ev = &l->events[f->cmdlines.ev[i]];
		evlog_event_cmdline(ev, text, sizeof(text));
		printf("cmdline: PCR %u event %u %s\n", ev->pcr, ev->index,
		    text);
	}
	if (f->cmdline_unverified)
		printf("cmdline-unverified: %zu\n", f->cmdline_unverified);
	printf("separators:");
	for (p = 0; p < 8; p++)
		printf(" %u:%u%s%s", p, f->separators[p],
		    f->separator_error & (1u << p) ? "(error)" : "",
		    f->separator_bad & (1u << p) ? "(not covered)" : "");
	printf("\nexit-boot-services: %s\n", f->exit_boot_services ? "yes" :
	    "no");
	if (f->unknown_types)
		printf("unknown-types: %zu\n", f->unknown_types);
	if (f->pcr_none)
		printf("pcr-0xffffffff-events: %zu\n", f->pcr_none);
	if (f->mismatches)
		printf("data-not-covered: %zu\n", f->mismatches);
}

/* ---- commands ---------------------------------------------------------------- */

static enum outcome
el_show(const struct el_opts *o)
{
	struct evlog l;
	struct evlog_replay rp;
	struct evlog_facts f;
	struct report rep;
	struct errbuf e, pe;
	uint8_t *buf = NULL;
	enum outcome out = OUTCOME_HOLDS;
	int rc;

	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	if ((rc = load_log(o->log, &l, &buf, &pe)) == -1)
		return OUTCOME_ERROR;
	if (evlog_replay_run(&rp, &l, NULL, 0, &e) == -1) {
		cmd_error("%s: %s", o->log, e.msg);
		out = OUTCOME_ERROR;
		goto done;
	}
	evlog_facts_get(&l, &f);
	if (o->json)
		show_json(o, &l, &rp, &f, rc ? pe.msg : NULL);
	else {
		show_text(o, &l, &f);
		if (rc) {
			report_init(&rep, stdout);
			uefi_check_unparsed(&rep.sink, &l, pe.msg);
		}
	}
	if (rc)
		out = OUTCOME_FAILS;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("eventlog show: writing standard output failed");
		out = OUTCOME_ERROR;
	}
done:
	evlog_replay_free(&rp);
	evlog_free(&l);
	free(buf);
	return out;
}

static enum outcome
el_replay(const struct el_opts *o)
{
	struct evlog l;
	struct evlog_replay rp;
	struct report rep;
	struct errbuf e, pe;
	char hex[2 * HASHALG_MAX_SIZE + 1];
	uint8_t *buf = NULL;
	enum outcome out = OUTCOME_HOLDS;
	size_t b;
	unsigned p;
	int rc;

	evlog_init(&l);
	memset(&rp, 0, sizeof(rp));
	report_init(&rep, stdout);
	if ((rc = load_log(o->log, &l, &buf, &pe)) == -1)
		return OUTCOME_ERROR;
	if (rc) {
		uefi_check_unparsed(&rep.sink, &l, pe.msg);
		out = OUTCOME_FAILS;
	}
	if (evlog_replay_run(&rp, &l, o->banks, o->nbanks, &e) == -1) {
		cmd_error("%s: %s", o->log, e.msg);
		out = OUTCOME_ERROR;
		goto done;
	}
	/* "ALG PCR HEX", as dossier ima replay prints (dossier-pcrs(5)) */
	for (b = 0; b < rp.nbanks; b++)
		for (p = 0; p < EVLOG_PCR_COUNT; p++) {
			if (!(rp.banks[b].extended & (1u << p)))
				continue;
			hex_encode(rp.banks[b].pcr[p], rp.banks[b].alg->size,
			    hex);
			printf("%s %u %s\n", rp.banks[b].alg->name, p, hex);
		}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("eventlog replay: writing standard output failed");
		out = OUTCOME_ERROR;
	}
done:
	evlog_replay_free(&rp);
	evlog_free(&l);
	free(buf);
	return out;
}

/* The failing findings of each rule, kept for its check's lines. */
struct findctx {
	const struct evlog_policy *p;
	char **lines[EVLOG_POLICY_RULES_MAX];
	size_t n[EVLOG_POLICY_RULES_MAX], cap[EVLOG_POLICY_RULES_MAX];
	bool oom;
};

static void
on_finding(void *arg, const struct evlog_finding *f)
{
	struct findctx *fc = arg;
	char **nv, *t;
	size_t i, cap;

	for (i = 0; i < fc->p->nrules; i++)
		if (fc->p->rules[i].kind == f->rule)
			break;
	if (i == fc->p->nrules)
		return;
	if (fc->n[i] == fc->cap[i]) {
		cap = fc->cap[i] ? 2 * fc->cap[i] : 16;
		if ((nv = realloc(fc->lines[i], cap * sizeof(*nv))) == NULL) {
			fc->oom = true;
			return;
		}
		fc->lines[i] = nv;
		fc->cap[i] = cap;
	}
	if ((t = strdup(f->text)) == NULL) {
		fc->oom = true;
		return;
	}
	fc->lines[i][fc->n[i]++] = t;
}

static void
findctx_free(struct findctx *fc)
{
	size_t i, k;

	for (i = 0; i < EVLOG_POLICY_RULES_MAX; i++) {
		for (k = 0; k < fc->n[i]; k++)
			free(fc->lines[i][k]);
		free(fc->lines[i]);
	}
}

/* Each rule's check, in the words dossier verify uses
 * (verify/uefi_checks.h); every finding named (no budget here). */
static void
report_rules(struct report *rep, const struct el_opts *o,
    const struct evlog *l, const struct evlog_rule_result *res,
    const struct findctx *fc)
{
	char refsrc[1100];	/* a path cut at about 1000 bytes */
	struct uefi_rule_outcome ro;
	size_t i, budget = SIZE_MAX;

	snprintf(refsrc, sizeof(refsrc), "the reference log %s",
	    o->ref_log ? o->ref_log : "");
	for (i = 0; i < o->policy.nrules; i++) {
		memset(&ro, 0, sizeof(ro));
		ro.rule = &o->policy.rules[i];
		ro.res = &res[i];
		ro.source = ro.rule->kind == EVLOG_RULE_REFERENCE ? refsrc :
		    "--policy";
		ro.nevents = l->nevents;
		ro.lines = (const char *const *)fc->lines[i];
		ro.nlines = fc->n[i];
		ro.budget = &budget;
		uefi_rule_check(&rep->sink, &ro);
	}
}

static int
read_pcrs(const char *path, struct pcr_set *s)
{
	struct errbuf e;

	if (pcr_set_read_file(path, s, NULL, &e) == -1) {
		cmd_error("%s", e.msg);
		return -1;
	}
	return 0;
}

static void
report_replay(struct report *rep, const struct evlog_replay *rp,
    const struct pcr_set *s, const char *pcrs)
{
	struct evlog_pcr_cmp cmp;
	char h1[2 * HASHALG_MAX_SIZE + 1], h2[2 * HASHALG_MAX_SIZE + 1];

	evlog_replay_compare(rp, s, &cmp);
	if (cmp.mismatch) {
		hex_encode(cmp.replayed, cmp.alg->size, h1);
		hex_encode(cmp.quoted, cmp.alg->size, h2);
		report_fail(rep, "uefi.replay", "PCR %u %s: the %u event%s "
		    "replayed into it give %s, the PCR values have %s",
		    cmp.pcr, cmp.alg->name, cmp.events,
		    cmp.events == 1 ? "" : "s", h1, h2);
	} else if (cmp.compared == 0)
		report_fail(rep, "uefi.replay", "the PCR values (%s) have "
		    "none of the %s the log extends", pcrs,
		    rp->nbanks ? "PCRs" : "banks");
	else
		report_ok(rep, "uefi.replay", "%zu PCR value%s match%s%s",
		    cmp.compared, cmp.compared == 1 ? "" : "s",
		    cmp.compared == 1 ? "es" : "", cmp.missing ?
		    " (some PCRs the log extends are not in the PCR values)" :
		    "");
}

static enum outcome
el_check(struct el_opts *o)
{
	struct evlog l, ref;
	struct evlog_replay rp;
	struct evlog_facts f, rf;
	struct evlog_rule_result res[EVLOG_POLICY_RULES_MAX];
	struct pcr_set pcrs;
	struct report rep;
	struct findctx fc;
	struct errbuf e, pe;
	uint8_t *buf = NULL, *rbuf = NULL;
	enum outcome out = OUTCOME_ERROR;
	int rc;

	if (o->pcrs == NULL) {
		cmd_error("eventlog check: --pcrs FILE is required");
		fputs(usage_text, stderr);
		return OUTCOME_ERROR;
	}
	if (o->policy.nrules == 0 && o->ref_log != NULL)
		(void)evlog_policy_add_rule(&o->policy, "reference", NULL);
	evlog_init(&l);
	evlog_init(&ref);
	memset(&rp, 0, sizeof(rp));
	memset(&fc, 0, sizeof(fc));
	report_init(&rep, stdout);
	if (read_pcrs(o->pcrs, &pcrs) == -1)
		goto done;
	if (o->ref_log != NULL) {
		if ((rc = load_log(o->ref_log, &ref, &rbuf, &pe)) == -1)
			goto done;
		if (rc) {
			cmd_error("--ref-log %s", pe.msg);
			goto done;
		}
		evlog_facts_get(&ref, &rf);
	}
	if ((rc = load_log(o->log, &l, &buf, &pe)) == -1)
		goto done;
	if (rc) {
		uefi_check_unparsed(&rep.sink, &l, pe.msg);
		out = OUTCOME_FAILS;
		goto done;
	}
	evlog_facts_get(&l, &f);
	uefi_check_parsed(&rep.sink, &l, &f);
	if (evlog_replay_run(&rp, &l, NULL, 0, &e) == -1) {
		cmd_error("%s: %s", o->log, e.msg);
		goto done;
	}
	report_replay(&rep, &rp, &pcrs, o->pcrs);
	fc.p = &o->policy;
	if (evlog_policy_eval(&o->policy, &l, &f, o->ref_log ? &ref : NULL,
	    o->ref_log ? &rf : NULL, on_finding, &fc, res, &e) == -1) {
		cmd_error("eventlog check: %s", e.msg);
		goto done;
	}
	if (fc.oom) {
		cmd_error("eventlog check: out of memory");
		goto done;
	}
	report_rules(&rep, o, &l, res, &fc);
	/* A rule that could not be evaluated does not hold either. */
	out = rep.failed || rep.skipped ? OUTCOME_FAILS : OUTCOME_HOLDS;
done:
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("eventlog check: writing standard output failed");
		out = OUTCOME_ERROR;
	}
	evlog_replay_free(&rp);
	evlog_free(&l);
	evlog_free(&ref);
	findctx_free(&fc);
	free(buf);
	free(rbuf);
	return out;
}

enum outcome
cmd_eventlog(int argc, char **argv)
{
	struct el_opts o;
	int rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? OUTCOME_ERROR : OUTCOME_HOLDS;
	}
	if ((rc = parse_opts(argc - 1, argv + 1, &o)) != 0)
		return rc > 0 ? OUTCOME_HOLDS : OUTCOME_ERROR;
	if (strcmp(o.sub, "show") == 0) {
		if (o.nbanks || o.pcrs || o.ref_log || o.policy.nrules)
			goto misuse;
		return el_show(&o);
	}
	if (strcmp(o.sub, "replay") == 0) {
		if (o.json || o.pcrs || o.ref_log || o.policy.nrules)
			goto misuse;
		return el_replay(&o);
	}
	if (strcmp(o.sub, "check") == 0) {
		if (o.json || o.nbanks)
			goto misuse;
		return el_check(&o);
	}
	cmd_error("eventlog: unknown subcommand '%s'", o.sub);
	fputs(usage_text, stderr);
	return OUTCOME_ERROR;
misuse:
	cmd_error("eventlog %s: an option that belongs to another subcommand",
	    o.sub);
	fputs(usage_text, stderr);
	return OUTCOME_ERROR;
}
