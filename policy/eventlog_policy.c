/* eventlog_policy.c - see eventlog_policy.h. */
#include "policy/eventlog_policy.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bytes.h"
#include "format/hex.h"

/* ---- comparison ------------------------------------------------------------ */

/* The bank both logs have, strongest first: (index in l, index in ref). */
static int
common_bank(const struct evlog *l, const struct evlog *ref, int *rb)
{
	static const uint16_t pref[] = { TPM2_ALG_SHA512, TPM2_ALG_SHA384,
	    TPM2_ALG_SHA256, TPM2_ALG_SHA1 };
	size_t i;
	int b;

	for (i = 0; i < sizeof(pref) / sizeof(pref[0]); i++)
		if ((b = evlog_bank_index(l, pref[i])) >= 0 &&
		    (*rb = evlog_bank_index(ref, pref[i])) >= 0)
			return b;
	for (i = 0; i < l->nbanks; i++)
		if ((*rb = evlog_bank_index(ref, l->banks[i].tpm_id)) >= 0)
			return (int)i;
	return -1;
}

/* The strongest algorithm both events carry a digest in: banks in *b
 * (of l) and *rb (of ref); false when they share none. */
static bool
pair_banks(const struct evlog *l, const struct evlog_event *ev,
    const struct evlog *ref, const struct evlog_event *rev, int *b, int *rb)
{
	static const uint16_t pref[] = { TPM2_ALG_SHA512, TPM2_ALG_SHA384,
	    TPM2_ALG_SHA256, TPM2_ALG_SHA1 };
	size_t i;

	for (i = 0; i < sizeof(pref) / sizeof(pref[0]); i++)
		if ((*b = evlog_bank_index(l, pref[i])) >= 0 &&
		    (*rb = evlog_bank_index(ref, pref[i])) >= 0 &&
		    ev->digest[*b] != NULL && rev->digest[*rb] != NULL)
			return true;
	for (i = 0; i < l->nbanks; i++) {
		*b = (int)i;
		if ((*rb = evlog_bank_index(ref, l->banks[i].tpm_id)) >= 0 &&
		    ev->digest[*b] != NULL && rev->digest[*rb] != NULL)
			return true;
	}
	return false;
}

struct keyed {
	uint32_t pcr, type, ev, seq;
	size_t key;		/* offset in the key arena */
	const char *kp;		/* the key, once the arena is complete */
};

struct keyset {
	struct keyed *k;
	size_t n;
	char *arena;
	size_t used, cap;
	const struct evlog *l;
};

/* The description an event is paired by (see the header). */
static void
event_key(const struct evlog *l, const struct evlog_event *ev, char *out,
    size_t cap)
{
	struct evlog_var v;
	char buf[EVLOG_TEXT_MAX];

	out[0] = '\0';
	switch (ev->type) {
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_VARIABLE_BOOT2:
		if (evlog_var_decode(ev->data, ev->data_len, &v, NULL) == 0) {
			evlog_ucs2_text(v.name, v.name_len, buf, sizeof(buf));
			snprintf(out, cap, "%s", buf);
		}
		return;
	case EV_EFI_BOOT_SERVICES_APPLICATION:
	case EV_EFI_BOOT_SERVICES_DRIVER:
	case EV_EFI_RUNTIME_SERVICES_DRIVER:
	case EV_EFI_ACTION:
	case EV_ACTION:
	case EV_EFI_VARIABLE_AUTHORITY:
		evlog_event_text(l, ev, out, cap);
		return;
	case EV_IPL:
		if (evlog_event_cmdline(ev, buf, sizeof(buf)))
			snprintf(out, cap, "kernel command line");
		else
			evlog_event_text(l, ev, out, cap);
		return;
	}
}

static int
keyed_cmp(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c;

	if (x->pcr != y->pcr)
		return x->pcr < y->pcr ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if ((c = strcmp(x->kp, y->kp)))
		return c;
	return x->ev < y->ev ? -1 : x->ev > y->ev;
}

static void
keyset_free(struct keyset *ks)
{
	free(ks->k);
	free(ks->arena);
}

static int
keyset_build(struct keyset *ks, const struct evlog *l, struct errbuf *e)
{
	char key[EVLOG_TEXT_MAX];
	const struct evlog_event *ev;
	size_t i, kl;
	char *na;

	memset(ks, 0, sizeof(*ks));
	ks->l = l;
	if (l->nevents && (ks->k = calloc(l->nevents, sizeof(*ks->k))) == NULL)
		return err_set(e, "out of memory comparing event logs");
	for (i = 0; i < l->nevents; i++) {
		ev = &l->events[i];
		if (ev->flags & EVLOG_EV_NOT_EXTENDED)
			continue;
		event_key(l, ev, key, sizeof(key));
		kl = strlen(key) + 1;
		if (ks->cap - ks->used < kl) {
			ks->cap = ks->cap * 2 + kl + 4096;
			if ((na = realloc(ks->arena, ks->cap)) == NULL)
				return err_set(e, "out of memory comparing "
				    "event logs");
			ks->arena = na;
		}
		memcpy(ks->arena + ks->used, key, kl);
		ks->k[ks->n].pcr = ev->pcr;
		ks->k[ks->n].type = ev->type;
		ks->k[ks->n].ev = ev->index;
		ks->k[ks->n].key = ks->used;
		ks->used += kl;
		ks->n++;
	}
	/* Pointers only now: the arena may have moved while growing. */
	for (i = 0; i < ks->n; i++)
		ks->k[i].kp = ks->arena + ks->k[i].key;
	if (ks->n)
		qsort(ks->k, ks->n, sizeof(*ks->k), keyed_cmp);
	for (i = 0; i < ks->n; i++)
		ks->k[i].seq = i > 0 && ks->k[i - 1].pcr == ks->k[i].pcr &&
		    ks->k[i - 1].type == ks->k[i].type &&
		    strcmp(ks->k[i - 1].kp, ks->k[i].kp) == 0 ?
		    ks->k[i - 1].seq + 1 : 0;
	return 0;
}

static int
pair_cmp(const struct keyset *a, size_t i, const struct keyset *b, size_t j)
{
	const struct keyed *x = &a->k[i], *y = &b->k[j];
	int c;

	if (x->pcr != y->pcr)
		return x->pcr < y->pcr ? -1 : 1;
	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	if ((c = strcmp(x->kp, y->kp)))
		return c < 0 ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
evlog_diff(const struct evlog *l, const struct evlog *ref, evlog_diff_fn fn,
    void *arg, size_t *count, struct errbuf *e)
{
	struct keyset a, b;
	struct evlog_diff_item d;
	size_t i = 0, j = 0, n = 0;
	int bank, rbank = -1, c;

	if (count)
		*count = 0;
	if ((bank = common_bank(l, ref, &rbank)) < 0)
		return err_set(e, "the log and the reference log have no bank "
		    "in common");
	memset(&b, 0, sizeof(b));
	if (keyset_build(&a, l, e) == -1 || keyset_build(&b, ref, e) == -1) {
		keyset_free(&a);
		keyset_free(&b);
		return -1;
	}
	memset(&d, 0, sizeof(d));
	d.bank = bank;
	d.ref_bank = rbank;
	while (i < a.n || j < b.n) {
		c = i == a.n ? 1 : j == b.n ? -1 : pair_cmp(&a, i, &b, j);
		d.ev = c <= 0 ? &l->events[a.k[i].ev] : NULL;
		d.ref = c >= 0 ? &ref->events[b.k[j].ev] : NULL;
		d.bank = bank;
		d.ref_bank = rbank;
		if (c < 0) {
			d.kind = EVLOG_DIFF_ADDED;
			i++;
		} else if (c > 0) {
			d.kind = EVLOG_DIFF_REMOVED;
			j++;
		} else {
			i++;
			j++;
			d.bank = bank;
			d.ref_bank = rbank;
			if (pair_banks(l, d.ev, ref, d.ref, &d.bank,
			    &d.ref_bank) && memcmp(d.ev->digest[d.bank],
			    d.ref->digest[d.ref_bank],
			    l->banks[d.bank].size) == 0)
				continue;
			d.kind = EVLOG_DIFF_CHANGED;
		}
		n++;
		if (fn)
			fn(arg, &d);
	}
	keyset_free(&a);
	keyset_free(&b);
	if (count)
		*count = n;
	return 0;
}

static void
digest_text(const struct evlog *l, int b, const struct evlog_event *ev,
    char *out)
{
	char hex[2 * HASHALG_MAX_SIZE + 1];

	if (ev->digest[b] == NULL) {
		sprintf(out, "no %.16s digest", l->banks[b].alg ?
		    l->banks[b].alg->name : "?");
		return;
	}
	hex_encode(ev->digest[b], l->banks[b].size, hex);
	sprintf(out, "%.16s:%s", l->banks[b].alg ? l->banks[b].alg->name :
	    "?", hex);
}

static const char *
type_text(uint32_t type, char *buf)
{
	const char *n = evlog_type_name(type);

	if (n != NULL)
		return n;
	sprintf(buf, "type 0x%08x", type);
	return buf;
}

void
evlog_diff_text(const struct evlog *l, const struct evlog *ref,
    const struct evlog_diff_item *d, char *out, size_t cap)
{
	char t1[EVLOG_TEXT_MAX], t2[EVLOG_TEXT_MAX], tn[24];
	char d1[2 * HASHALG_MAX_SIZE + 24], d2[2 * HASHALG_MAX_SIZE + 24];
	const struct evlog_event *ev = d->ev ? d->ev : d->ref;
	const struct evlog *el = d->ev ? l : ref;

	evlog_event_text(el, ev, t1, sizeof(t1));
	switch (d->kind) {
	case EVLOG_DIFF_ADDED:
		digest_text(l, d->bank, d->ev, d1);
		snprintf(out, cap, "PCR %u %s %s: added (event %u, %s)",
		    ev->pcr, type_text(ev->type, tn), t1, ev->index, d1);
		break;
	case EVLOG_DIFF_REMOVED:
		digest_text(ref, d->ref_bank, d->ref, d2);
		snprintf(out, cap, "PCR %u %s %s: removed (reference event %u, "
		    "%s)", ev->pcr, type_text(ev->type, tn), t1, ev->index, d2);
		break;
	case EVLOG_DIFF_CHANGED:
		digest_text(ref, d->ref_bank, d->ref, d2);
		digest_text(l, d->bank, d->ev, d1);
		evlog_event_text(ref, d->ref, t2, sizeof(t2));
		if (strcmp(t1, t2) == 0)
			snprintf(out, cap, "PCR %u %s %s: digest changed from "
			    "%s to %s (event %u)", ev->pcr,
			    type_text(ev->type, tn), t1, d2, d1, ev->index);
		else
			snprintf(out, cap, "PCR %u %s: changed from \"%s\" "
			    "(%s) to \"%s\" (%s) (event %u)", ev->pcr,
			    type_text(ev->type, tn), t2, d2, t1, d1,
			    ev->index);
		break;
	}
}

/* ---- rule text --------------------------------------------------------------- */

static const char *const rule_names[] = {
	[EVLOG_RULE_SECUREBOOT] = "secureboot",
	[EVLOG_RULE_DBX] = "dbx",
	[EVLOG_RULE_BOOTCHAIN] = "bootchain",
	[EVLOG_RULE_CMDLINE] = "cmdline",
	[EVLOG_RULE_SEPARATORS] = "separators",
	[EVLOG_RULE_REFERENCE] = "reference",
};

const char *
evlog_rule_name(enum evlog_rule_kind k)
{
	return (size_t)k < sizeof(rule_names) / sizeof(rule_names[0]) ?
	    rule_names[k] : "?";
}

int
evlog_policy_add_rule(struct evlog_policy *p, const char *text,
    struct errbuf *e)
{
	struct evlog_rule r;
	const char *colon = strchr(text, ':');
	size_t nl = colon ? (size_t)(colon - text) : strlen(text), i, k;

	memset(&r, 0, sizeof(r));
	for (k = 0; k < sizeof(rule_names) / sizeof(rule_names[0]); k++)
		if (strlen(rule_names[k]) == nl &&
		    strncmp(text, rule_names[k], nl) == 0)
			break;
	if (k == sizeof(rule_names) / sizeof(rule_names[0]))
		return err_set(e, "event log rule '%.64s': unknown rule "
		    "(secureboot, dbx, bootchain, cmdline:GLOB, separators, "
		    "reference)", text);
	r.kind = (enum evlog_rule_kind)k;
	if (r.kind == EVLOG_RULE_CMDLINE) {
		if (colon == NULL || colon[1] == '\0')
			return err_set(e, "event log rule 'cmdline' needs a "
			    "glob: cmdline:GLOB");
		if (strlen(colon + 1) > EVLOG_RULE_GLOB_MAX)
			return err_set(e, "event log rule cmdline: glob longer "
			    "than %d bytes", EVLOG_RULE_GLOB_MAX);
		strcpy(r.glob, colon + 1);
	} else if (colon != NULL)
		return err_set(e, "event log rule '%s' takes no options "
		    "('%.64s')", rule_names[k], text);
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == r.kind)
			return err_set(e, "event log rule '%s' given twice",
			    rule_names[k]);
	if (p->nrules == EVLOG_POLICY_RULES_MAX)
		return err_set(e, "more than %d event log rules",
		    EVLOG_POLICY_RULES_MAX);
	p->rules[p->nrules++] = r;
	return 0;
}

int
evlog_rule_format(const struct evlog_rule *r, char *out, size_t cap,
    struct errbuf *e)
{
	int n;

	if (r->kind == EVLOG_RULE_CMDLINE)
		n = snprintf(out, cap, "cmdline:%s", r->glob);
	else
		n = snprintf(out, cap, "%s", evlog_rule_name(r->kind));
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "event log rule text longer than %zu bytes",
		    cap);
	return 0;
}

/* ---- evaluation --------------------------------------------------------------- */

struct ectx {
	const struct evlog *l, *ref;
	evlog_finding_fn fn;
	void *arg;
	struct evlog_rule_result *res;
	enum evlog_rule_kind rule;
};

static void __attribute__((format(printf, 3, 4)))
finding(struct ectx *c, const struct evlog_event *ev, const char *fmt, ...)
{
	struct evlog_finding f;
	char text[EVLOG_FINDING_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	c->res->failed = true;
	c->res->findings++;
	if (c->fn == NULL)
		return;
	f.rule = c->rule;
	f.ev = ev;
	f.text = text;
	c->fn(c->arg, &f);
}

static void
need_var(struct ectx *c, const struct evlog_fact_var *v, const char *name)
{
	if (!v->present)
		finding(c, NULL, "%s is not measured", name);
	else if (v->trust != EVLOG_TRUST_VERIFIED)
		finding(c, &c->l->events[v->event], "%s (event %u): its data "
		    "is not covered by its digest (%s)", name, v->event,
		    evlog_trust_name(v->trust));
}

static void
rule_secureboot(struct ectx *c, const struct evlog_facts *f)
{
	const struct evlog_fact_var *sb = &f->secureboot_var;

	if (f->secureboot == EVLOG_SB_OFF)
		finding(c, &c->l->events[sb->event], "Secure Boot is off: "
		    "SecureBoot=00 (event %u)", sb->event);
	else if (f->secureboot == EVLOG_SB_UNKNOWN && !sb->present)
		finding(c, NULL, "the SecureBoot variable is not measured");
	else if (f->secureboot == EVLOG_SB_UNKNOWN)
		finding(c, &c->l->events[sb->event], "the SecureBoot variable "
		    "(event %u) does not say on or off (%s, data not one byte "
		    "or not 00/01)", sb->event, evlog_trust_name(sb->trust));
	if (f->debug_mode)
		finding(c, &c->l->events[f->debug_event], "\"UEFI Debug Mode\""
		    " (event %u): the firmware ran with a debugger enabled",
		    f->debug_event);
	if (f->dma_disabled)
		finding(c, &c->l->events[f->dma_event], "\"DMA Protection "
		    "Disabled\" (event %u)", f->dma_event);
	need_var(c, &f->pk, "PK");
	need_var(c, &f->kek, "KEK");
	need_var(c, &f->db, "db");
	snprintf(c->res->note, sizeof(c->res->note), "Secure Boot %s, PK, "
	    "KEK, db %s", f->secureboot == EVLOG_SB_ON ? "on" : "not on",
	    f->pk.present && f->kek.present && f->db.present ? "measured" :
	    "not all measured");
}

struct sigref {
	const uint8_t *type, *data;
	size_t len;
};

static int
sigref_cmp(const void *a, const void *b)
{
	const struct sigref *x = a, *y = b;
	int c;

	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if ((c = memcmp(x->type, y->type, 16)))
		return c;
	return memcmp(x->data, y->data, x->len);
}

/* The dbx value of a facts entry whose data is verified, or -1. */
static int
dbx_value(const struct evlog *l, const struct evlog_fact_var *v,
    struct evlog_var *out)
{
	const struct evlog_event *ev;

	if (!v->present || v->trust != EVLOG_TRUST_VERIFIED)
		return -1;
	ev = &l->events[v->event];
	return evlog_var_decode(ev->data, ev->data_len, out, NULL);
}

static int
rule_dbx(struct ectx *c, const struct evlog_facts *f,
    const struct evlog_facts *rf, struct errbuf *e)
{
	struct evlog_var dv, rv;
	struct evlog_sig_iter it;
	struct evlog_sig s;
	struct sigref *idx = NULL, key;
	char hex[2 * 64 + 4], g[37];
	size_t n = 0, missing = 0, checked = 0;
	long cnt;

	if (c->ref == NULL) {
		c->res->skipped = true;
		snprintf(c->res->note, sizeof(c->res->note), "no reference "
		    "log to compare dbx with");
		return 0;
	}
	if (dbx_value(c->ref, &rf->dbx, &rv) == -1 ||
	    evlog_sig_count(rv.value, rv.value_len, NULL) < 0) {
		c->res->skipped = true;
		snprintf(c->res->note, sizeof(c->res->note), "the reference "
		    "log has no dbx whose data its digest covers");
		return 0;
	}
	if (dbx_value(c->l, &f->dbx, &dv) == -1) {
		finding(c, f->dbx.present ? &c->l->events[f->dbx.event] : NULL,
		    "%s", f->dbx.present ? "dbx: its data is not covered by "
		    "its digest" : "dbx is not measured");
		return 0;
	}
	if ((cnt = evlog_sig_count(dv.value, dv.value_len, e)) < 0) {
		finding(c, &c->l->events[f->dbx.event], "dbx (event %u): %s",
		    f->dbx.event, e->msg);
		return 0;
	}
	if (cnt > 0 && (idx = calloc((size_t)cnt, sizeof(*idx))) == NULL)
		return err_set(e, "out of memory for %ld dbx entries", cnt);
	evlog_sig_iter_init(&it, dv.value, dv.value_len);
	while (evlog_sig_next(&it, &s, NULL) == 1 && n < (size_t)cnt) {
		idx[n].type = s.type;
		idx[n].data = s.data;
		idx[n++].len = s.len;
	}
	if (n > 1)
		qsort(idx, n, sizeof(*idx), sigref_cmp);
	evlog_sig_iter_init(&it, rv.value, rv.value_len);
	while (evlog_sig_next(&it, &s, NULL) == 1) {
		checked++;
		key.type = s.type;
		key.data = s.data;
		key.len = s.len;
		if (n > 0 && bsearch(&key, idx, n, sizeof(*idx), sigref_cmp))
			continue;
		missing++;
		hex_encode(s.data, s.len > 32 ? 32 : s.len, hex);
		evlog_guid_text(s.type, g);
		finding(c, &c->l->events[f->dbx.event], "dbx (event %u) lacks "
		    "the reference's entry %s%s (type %s)", f->dbx.event, hex,
		    s.len > 32 ? "..." : "", g);
	}
	free(idx);
	snprintf(c->res->note, sizeof(c->res->note), "dbx has %zu entries, "
	    "%zu of the reference's %zu %s", n, checked - missing, checked,
	    missing ? "present" : "all present");
	return 0;
}

static void
rule_bootchain(struct ectx *c)
{
	const struct evlog_event *ev, *r;
	char text[EVLOG_TEXT_MAX], d[2 * HASHALG_MAX_SIZE + 24];
	size_t i, j, apps = 0;
	int b, rb = -1, eb, erb;

	if (c->ref == NULL) {
		c->res->skipped = true;
		snprintf(c->res->note, sizeof(c->res->note), "no reference "
		    "log of allowed applications");
		return;
	}
	if ((b = common_bank(c->l, c->ref, &rb)) < 0) {
		finding(c, NULL, "the log and the reference log have no bank "
		    "in common");
		return;
	}
	for (i = 0; i < c->l->nevents; i++) {
		ev = &c->l->events[i];
		if (ev->type != EV_EFI_BOOT_SERVICES_APPLICATION ||
		    (ev->flags & EVLOG_EV_NOT_EXTENDED))
			continue;
		apps++;
		for (j = 0; j < c->ref->nevents; j++) {
			r = &c->ref->events[j];
			if (r->type == EV_EFI_BOOT_SERVICES_APPLICATION &&
			    !(r->flags & EVLOG_EV_NOT_EXTENDED) &&
			    pair_banks(c->l, ev, c->ref, r, &eb, &erb) &&
			    memcmp(r->digest[erb], ev->digest[eb],
			    c->l->banks[eb].size) == 0)
				break;
		}
		if (j < c->ref->nevents)
			continue;
		evlog_event_text(c->l, ev, text, sizeof(text));
		digest_text(c->l, b, ev, d);
		finding(c, ev, "PCR %u EV_EFI_BOOT_SERVICES_APPLICATION %s "
		    "(event %u): %s is not the digest of an application of the "
		    "reference log", ev->pcr, text, ev->index, d);
	}
	snprintf(c->res->note, sizeof(c->res->note), "%zu application%s "
	    "checked", apps, apps == 1 ? "" : "s");
}

static void
rule_cmdline(struct ectx *c, const struct evlog_facts *f, const char *glob)
{
	const struct evlog_event *ev;
	char text[EVLOG_TEXT_MAX];
	size_t i, n = 0;

	for (i = 0; i < c->l->nevents; i++) {
		ev = &c->l->events[i];
		if (!evlog_event_cmdline(ev, text, sizeof(text)) ||
		    (ev->flags & EVLOG_EV_NOT_EXTENDED))
			continue;
		n++;
		if (evlog_event_trust(c->l, ev) != EVLOG_TRUST_VERIFIED)
			finding(c, ev, "PCR %u kernel command line (event %u) "
			    "is not covered by its digest: \"%s\"", ev->pcr,
			    ev->index, text);
		else if (fnmatch(glob, text, 0) != 0)
			finding(c, ev, "PCR %u kernel command line \"%s\" "
			    "(event %u) does not match \"%s\"", ev->pcr, text,
			    ev->index, glob);
	}
	(void)f;
	if (n == 0)
		finding(c, NULL, "no kernel command line is measured");
	snprintf(c->res->note, sizeof(c->res->note), "%zu kernel command "
	    "line%s", n, n == 1 ? "" : "s");
}

static void
rule_separators(struct ectx *c, const struct evlog_facts *f)
{
	unsigned p;

	for (p = 0; p < 8; p++) {
		if (f->separators[p] == 0)
			finding(c, NULL, "PCR %u has no EV_SEPARATOR", p);
		else if (f->separators[p] > 1)
			finding(c, NULL, "PCR %u has %u EV_SEPARATOR events",
			    p, f->separators[p]);
		if (f->separator_error & (1u << p))
			finding(c, NULL, "PCR %u has an error separator "
			    "(ffffffff): the firmware reports a failure", p);
		if (f->separator_bad & (1u << p))
			finding(c, NULL, "PCR %u has an EV_SEPARATOR whose "
			    "data its digest does not cover", p);
	}
	snprintf(c->res->note, sizeof(c->res->note), "PCRs 0-7");
}

static void
diff_finding(void *arg, const struct evlog_diff_item *d)
{
	struct ectx *c = arg;
	char text[EVLOG_FINDING_MAX];

	evlog_diff_text(c->l, c->ref, d, text, sizeof(text));
	finding(c, d->ev, "%s", text);
}

static int
rule_reference(struct ectx *c, struct errbuf *e)
{
	size_t n;

	if (c->ref == NULL) {
		c->res->skipped = true;
		snprintf(c->res->note, sizeof(c->res->note), "no reference "
		    "log");
		return 0;
	}
	if (evlog_diff(c->l, c->ref, diff_finding, c, &n, e) == -1) {
		if (strstr(e->msg, "out of memory") != NULL)
			return -1;
		finding(c, NULL, "%s", e->msg);
		return 0;
	}
	snprintf(c->res->note, sizeof(c->res->note), "%zu difference%s",
	    n, n == 1 ? "" : "s");
	return 0;
}

int
evlog_policy_eval(const struct evlog_policy *p, const struct evlog *l,
    const struct evlog_facts *f, const struct evlog *ref,
    const struct evlog_facts *ref_f, evlog_finding_fn fn, void *arg,
    struct evlog_rule_result *res, struct errbuf *e)
{
	struct ectx c;
	size_t i;
	int rc = 0;

	c.l = l;
	c.ref = ref_f != NULL ? ref : NULL;
	c.fn = fn;
	c.arg = arg;
	for (i = 0; i < p->nrules && rc == 0; i++) {
		memset(&res[i], 0, sizeof(res[i]));
		c.res = &res[i];
		c.rule = p->rules[i].kind;
		switch (p->rules[i].kind) {
		case EVLOG_RULE_SECUREBOOT:
			rule_secureboot(&c, f);
			break;
		case EVLOG_RULE_DBX:
			rc = rule_dbx(&c, f, ref_f, e);
			break;
		case EVLOG_RULE_BOOTCHAIN:
			rule_bootchain(&c);
			break;
		case EVLOG_RULE_CMDLINE:
			rule_cmdline(&c, f, p->rules[i].glob);
			break;
		case EVLOG_RULE_SEPARATORS:
			rule_separators(&c, f);
			break;
		case EVLOG_RULE_REFERENCE:
			rc = rule_reference(&c, e);
			break;
		}
	}
	return rc;
}
