/* uefi_checks.c - the uefi.* check lines, see uefi_checks.h. */
#include "verify/uefi_checks.h"

#include <stdio.h>

#include "format/results.h"

static const char *
sb_text(enum evlog_sb sb)
{
	return sb == EVLOG_SB_ON ? "on" : sb == EVLOG_SB_OFF ? "off" :
	    "unknown";
}

static void
banks_text(const struct evlog *l, char *out, size_t cap)
{
	size_t i, o = 0;
	int n;

	out[0] = '\0';
	for (i = 0; i < l->nbanks && o < cap; i++) {
		if (l->banks[i].alg != NULL)
			n = snprintf(out + o, cap - o, "%s%s", o ? ", " : "",
			    l->banks[i].alg->name);
		else
			n = snprintf(out + o, cap - o, "%s0x%04x", o ? ", " :
			    "", l->banks[i].tpm_id);
		if (n < 0)
			break;
		o += (size_t)n;
	}
}

void
uefi_check_parsed(const struct check_sink *s, const struct evlog *l,
    const struct evlog_facts *f)
{
	char banks[120];

	banks_text(l, banks, sizeof(banks));
	check_ok(s, "uefi.parse", "%zu events (%s format; banks %s); Secure "
	    "Boot %s, %zu applications", l->nevents,
	    l->format == EVLOG_FORMAT_AGILE ? "crypto-agile" : "SHA-1",
	    banks, sb_text(f->secureboot), f->apps.count);
}

void
uefi_check_unparsed(const struct check_sink *s, const struct evlog *l,
    const char *msg)
{
	check_fail(s, "uefi.parse", "%s (%zu events read before offset %zu)",
	    msg, l->nevents, l->err_offset);
}

/* The kept lines within the budget, then how many were not written. */
static void
finding_lines(const struct check_sink *s, const char *name,
    const struct uefi_rule_outcome *o, const char *more_what)
{
	size_t k, more = o->res->findings;

	for (k = 0; k < o->nlines && *o->budget > 0; k++) {
		check_fail(s, name, "%s", o->lines[k]);
		(*o->budget)--;
		more--;
	}
	if (more > 0)
		check_fail(s, name, "... and %zu more %s", more, more_what);
}

void
uefi_rule_check(const struct check_sink *s, const struct uefi_rule_outcome *o)
{
	const struct evlog_rule_result *res = o->res;
	char name[RESULT_CHECK_NAME_MAX + 1], text[EVLOG_RULE_TEXT_MAX];
	struct errbuf fe;

	snprintf(name, sizeof(name), "uefi.%s", evlog_rule_name(o->rule->kind));
	if (o->rule->kind == EVLOG_RULE_REFERENCE) {
		if (res->skipped)
			check_skip(s, name, "%s", res->note);
		else if (!res->failed)
			check_ok(s, name, "the %zu events pair with %s",
			    o->nevents, o->source);
		else {
			check_fail(s, name, "%zu event%s added, removed or "
			    "changed against %s", res->findings,
			    res->findings == 1 ? "" : "s", o->source);
			finding_lines(s, name, o, "differing events");
		}
		return;
	}
	if (evlog_rule_format(o->rule, text, sizeof(text), &fe) == -1)
		snprintf(text, sizeof(text), "%s", name + 5);
	if (res->skipped) {
		check_skip(s, name, "%s; rule uefi.%.200s (%s)", res->note, text,
		    o->source);
		return;
	}
	if (!res->failed) {
		check_ok(s, name, "%s; rule uefi.%.200s (%s)", res->note, text,
		    o->source);
		return;
	}
	check_fail(s, name, "%zu findings; rule uefi.%.200s (%s)",
	    res->findings, text, o->source);
	finding_lines(s, name, o, "findings");
}
