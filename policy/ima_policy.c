/*
 * ima_policy.c - IMA policy rules as text: names, parsing and the
 * canonical form. The streaming evaluation of a log against reference
 * sets, a keyring and quoted PCRs is in ima_policy_eval.c. See
 * ima_policy.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "policy/ima_policy.h"

#define DEFAULT_FAIL_MASK \
	((1u << IMA_FIND_EXTRA) | (1u << IMA_FIND_CHANGED))
#define REORDER_CLASSES \
	((1u << IMA_FIND_EXTRA) | (1u << IMA_FIND_MISSING) | \
	    (1u << IMA_FIND_CHANGED) | (1u << IMA_FIND_DUPLICATE))

static const char *const class_names[IMA_FIND_NCLASSES] = {
	"extra", "missing", "changed", "duplicate", "not-allowed",
	"unsigned", "unknown-key", "bad-signature", "boot_aggregate",
	"violation",
};

static const char *const rule_names[] = {
	"reorder", "allowlist", "signatures", "boot_aggregate", "violations",
};
_Static_assert(sizeof(rule_names) / sizeof(rule_names[0]) == IMA_RULE_NKINDS,
    "a name for every kind of rule");

const char *
ima_finding_class_name(enum ima_finding_class c)
{
	return (unsigned)c < IMA_FIND_NCLASSES ? class_names[c] : "?";
}

const char *
ima_rule_name(enum ima_rule_kind k)
{
	return (unsigned)k < IMA_RULE_NKINDS ? rule_names[k] : "?";
}

/* --- rule text ------------------------------------------------------------ */

/* The next ':'-separated option of text, or NULL at the end. */
static const char *
next_opt(const char **p, size_t *len)
{
	const char *s = *p, *c;

	if (*s == '\0')
		return NULL;
	c = strchr(s, ':');
	*len = c ? (size_t)(c - s) : strlen(s);
	*p = c ? c + 1 : s + *len;
	return s;
}

static bool
opt_is(const char *opt, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(opt, name, len) == 0;
}

/* "name=" prefix: the value after it, or NULL. */
static const char *
opt_value(const char *opt, size_t len, const char *name, size_t *vlen)
{
	size_t n = strlen(name);

	if (len <= n || memcmp(opt, name, n) != 0 || opt[n] != '=')
		return NULL;
	*vlen = len - n - 1;
	return opt + n + 1;
}

static int
parse_classes(struct ima_rule *r, const char *v, size_t vlen,
    struct errbuf *e)
{
	size_t i, n;
	unsigned c, mask = 0;

	r->fail_mask = 0;
	if (vlen == 4 && memcmp(v, "none", 4) == 0)
		return 0;
	for (i = 0; i <= vlen; i = i + n + 1) {
		n = 0;
		while (i + n < vlen && v[i + n] != ',')
			n++;
		for (c = 0; c < IMA_FIND_NCLASSES; c++)
			if ((REORDER_CLASSES & (1u << c)) &&
			    opt_is(v + i, n, class_names[c]))
				break;
		if (c == IMA_FIND_NCLASSES)
			return err_set(e, "reorder: unknown class \"%.*s\" "
			    "(extra, missing, changed, duplicate or none)",
			    (int)n, v + i);
		if (mask & (1u << c))
			return err_set(e, "reorder: class %s given twice",
			    class_names[c]);
		mask |= 1u << c;
	}
	r->fail_mask = mask;
	return 0;
}

_Static_assert(IMA_POLICY_TEXT_MAX < UINT16_MAX, "glob offsets are 16 bits");

const char *
ima_rule_glob(const struct ima_rule *r, size_t i)
{
	return r->globbuf + r->glob_at[i];
}

static int
parse_globs(struct ima_rule *r, const char *v, size_t vlen,
    struct errbuf *e)
{
	size_t i, n;

	for (i = 0; i <= vlen; i = i + n + 1) {
		n = 0;
		while (i + n < vlen && v[i + n] != ',')
			n++;
		if (n == 0)
			return err_set(e, "%s: empty glob",
			    ima_rule_name(r->kind));
		if (n > IMA_POLICY_GLOB_MAX)
			return err_set(e, "%s: glob longer than %d bytes",
			    ima_rule_name(r->kind), IMA_POLICY_GLOB_MAX);
		if (r->nglobs >= IMA_POLICY_GLOBS_MAX)
			return err_set(e, "%s: more than %d globs",
			    ima_rule_name(r->kind), IMA_POLICY_GLOBS_MAX);
		if (n + 1 > sizeof(r->globbuf) - r->globbuf_used)
			return err_set(e, "%s: globs longer than %d bytes in "
			    "all", ima_rule_name(r->kind),
			    IMA_POLICY_TEXT_MAX);
		r->glob_at[r->nglobs++] = (uint16_t)r->globbuf_used;
		memcpy(r->globbuf + r->globbuf_used, v + i, n);
		r->globbuf[r->globbuf_used + n] = '\0';
		r->globbuf_used += n + 1;
	}
	return 0;
}

static int
parse_u64(const char *v, size_t vlen, uint64_t *out)
{
	uint64_t x = 0;
	size_t i;

	if (vlen == 0 || vlen > 19)
		return -1;
	for (i = 0; i < vlen; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	*out = x;
	return 0;
}

static int
parse_option(struct ima_rule *r, const char *opt, size_t len,
    unsigned *seen, struct errbuf *e)
{
	const char *v;
	size_t vlen;
	unsigned bit;

	if (r->kind == IMA_RULE_REORDER &&
	    (v = opt_value(opt, len, "fail", &vlen)) != NULL) {
		bit = 1;
		if (!(*seen & bit) && parse_classes(r, v, vlen, e) == -1)
			return -1;
	} else if (r->kind == IMA_RULE_ALLOWLIST &&
	    (v = opt_value(opt, len, "exclude", &vlen)) != NULL) {
		bit = 2;
		if (!(*seen & bit) && parse_globs(r, v, vlen, e) == -1)
			return -1;
	} else if (r->kind == IMA_RULE_ALLOWLIST &&
	    opt_is(opt, len, "digest-only")) {
		bit = 4;
		r->digest_only = true;
	} else if (r->kind == IMA_RULE_SIGNATURES &&
	    (v = opt_value(opt, len, "require", &vlen)) != NULL) {
		bit = 8;
		if (!(*seen & bit) && parse_globs(r, v, vlen, e) == -1)
			return -1;
	} else if (r->kind == IMA_RULE_BOOT_AGGREGATE &&
	    opt_is(opt, len, "allow-zero")) {
		bit = 16;
		r->allow_zero = true;
	} else if (r->kind == IMA_RULE_VIOLATIONS &&
	    (v = opt_value(opt, len, "max", &vlen)) != NULL) {
		bit = 32;
		if (parse_u64(v, vlen, &r->max_violations) == -1)
			return err_set(e, "violations: max=\"%.*s\" is not a "
			    "number", (int)vlen, v);
	} else
		return err_set(e, "%s: unknown option \"%.*s\"",
		    ima_rule_name(r->kind), (int)(len > 64 ? 64 : len), opt);
	if (*seen & bit)
		return err_set(e, "%s: option \"%.*s\" given twice",
		    ima_rule_name(r->kind), (int)(len > 64 ? 64 : len), opt);
	*seen |= bit;
	return 0;
}

static int
parse_rule(struct ima_rule *r, const char *text, struct errbuf *e)
{
	const char *p = text, *opt;
	size_t len;
	unsigned k, seen = 0;

	if (strlen(text) > IMA_POLICY_TEXT_MAX)
		return err_set(e, "rule text longer than %d bytes",
		    IMA_POLICY_TEXT_MAX);
	memset(r, 0, sizeof(*r));
	if ((opt = next_opt(&p, &len)) == NULL)
		return err_set(e, "empty rule");
	for (k = 0; k < IMA_RULE_NKINDS; k++)
		if (opt_is(opt, len, rule_names[k]))
			break;
	if (k == IMA_RULE_NKINDS)
		return err_set(e, "unknown rule \"%.*s\" (reorder, allowlist, "
		    "signatures, boot_aggregate or violations)",
		    (int)(len > 64 ? 64 : len), opt);
	r->kind = (enum ima_rule_kind)k;
	r->fail_mask = DEFAULT_FAIL_MASK;
	if (opt[len] == ':' && opt[len + 1] == '\0')
		return err_set(e, "%s: empty option", rule_names[k]);
	while ((opt = next_opt(&p, &len)) != NULL) {
		if (len == 0 || (opt[len] == ':' && opt[len + 1] == '\0'))
			return err_set(e, "%s: empty option", rule_names[k]);
		if (parse_option(r, opt, len, &seen, e) == -1)
			return -1;
	}
	if (r->kind != IMA_RULE_REORDER)
		r->fail_mask = 0;
	return 0;
}

int
ima_policy_add_rule(struct ima_policy *p, const char *text,
    struct errbuf *e)
{
	struct ima_rule *r;
	size_t i;

	if (p->nrules >= IMA_POLICY_RULES_MAX)
		return err_set(e, "policy rule \"%.64s\": more than %d rules",
		    text, IMA_POLICY_RULES_MAX);
	r = &p->rules[p->nrules];
	if (parse_rule(r, text, e) == -1)
		return err_prefix(e, "policy rule \"%.64s\"", text);
	for (i = 0; i < p->nrules; i++)
		if (p->rules[i].kind == r->kind)
			return err_set(e, "policy rule \"%.64s\": a second %s "
			    "rule", text, ima_rule_name(r->kind));
	p->nrules++;
	return 0;
}

/* Appends to out; false if it does not fit. */
static bool
put(char *out, size_t cap, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n + 1 > cap)
		return false;
	memcpy(out + *len, s, n + 1);
	*len += n;
	return true;
}

static bool
put_globs(const struct ima_rule *r, const char *name, char *out,
    size_t cap, size_t *len)
{
	size_t i;

	if (r->nglobs == 0)
		return true;
	if (!put(out, cap, len, ":") || !put(out, cap, len, name) ||
	    !put(out, cap, len, "="))
		return false;
	for (i = 0; i < r->nglobs; i++)
		if ((i > 0 && !put(out, cap, len, ",")) ||
		    !put(out, cap, len, ima_rule_glob(r, i)))
			return false;
	return true;
}

static bool
put_classes(unsigned mask, char *out, size_t cap, size_t *len)
{
	unsigned c;
	bool first = true;

	if (mask == DEFAULT_FAIL_MASK)
		return true;
	if (!put(out, cap, len, ":fail="))
		return false;
	if (mask == 0)
		return put(out, cap, len, "none");
	for (c = 0; c < IMA_FIND_NCLASSES; c++) {
		if (!(mask & (1u << c)))
			continue;
		if ((!first && !put(out, cap, len, ",")) ||
		    !put(out, cap, len, class_names[c]))
			return false;
		first = false;
	}
	return true;
}

int
ima_policy_format(const struct ima_rule *r, char *out, size_t cap,
    struct errbuf *e)
{
	char num[32];
	size_t len = 0;
	bool ok;

	if (cap == 0)
		return err_set(e, "no room for a policy rule");
	out[0] = '\0';
	ok = put(out, cap, &len, ima_rule_name(r->kind));
	switch (r->kind) {
	case IMA_RULE_REORDER:
		ok = ok && put_classes(r->fail_mask, out, cap, &len);
		break;
	case IMA_RULE_ALLOWLIST:
		ok = ok && put_globs(r, "exclude", out, cap, &len);
		if (r->digest_only)
			ok = ok && put(out, cap, &len, ":digest-only");
		break;
	case IMA_RULE_SIGNATURES:
		ok = ok && put_globs(r, "require", out, cap, &len);
		break;
	case IMA_RULE_BOOT_AGGREGATE:
		if (r->allow_zero)
			ok = ok && put(out, cap, &len, ":allow-zero");
		break;
	case IMA_RULE_VIOLATIONS:
		if (r->max_violations != 0) {
			snprintf(num, sizeof(num), ":max=%" PRIu64,
			    r->max_violations);
			ok = ok && put(out, cap, &len, num);
		}
		break;
	}
	if (!ok)
		return err_set(e, "policy rule %s: text longer than %zu bytes",
		    ima_rule_name(r->kind), cap - 1);
	return 0;
}
