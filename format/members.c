/* members.c - see members.h. */
#include "format/members.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "format/escape.h"

const char *const members_required[MEMBERS_REQUIRED_N] = {
	MEMBER_EK_CRT, MEMBER_EK_PUB, MEMBER_AK_PUB, MEMBER_PCRS,
	MEMBER_QUOTE_ATTEST, MEMBER_QUOTE_SIG,
};

const char *const members_ima_banks[MEMBERS_IMA_BANKS_N] = {
	"sha1", "sha256", "sha384", "sha512",
};

/* ---- names --------------------------------------------------------------- */

/* snprintf's result n into out[cap]: 0 if it fitted, else -1. */
static int
name_fits(int n, size_t cap, struct errbuf *e)
{
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "member name longer than %zu characters",
		    cap > 0 ? cap - 1 : 0);
	return 0;
}

int
member_ek_chain_name(size_t i, char *out, size_t cap, struct errbuf *e)
{
	return name_fits(snprintf(out, cap, "ek-chain-%zu.crt", i), cap, e);
}

int
member_ima_bank_name(const char *alg, char *out, size_t cap,
    struct errbuf *e)
{
	return name_fits(snprintf(out, cap, "ima-%s.log", alg), cap, e);
}

/* Whether name is prefix, then at least one character, then suffix. */
static bool
framed(const char *name, const char *prefix, const char *suffix)
{
	size_t n = strlen(name), p = strlen(prefix), s = strlen(suffix);

	return n > p + s && strncmp(name, prefix, p) == 0 &&
	    strcmp(name + n - s, suffix) == 0;
}

bool
member_is_ima_log(const char *name)
{
	return strcmp(name, MEMBER_IMA_LOG) == 0 ||
	    framed(name, "ima-", ".log");
}

bool
member_evidence_name(const char *name)
{
	static const char *const fixed[] = {
		MEMBER_EK_CRT, MEMBER_EK_PUB, MEMBER_AK_PUB, MEMBER_PCRS,
		MEMBER_PCRS_TPM2, MEMBER_QUOTE_ATTEST, MEMBER_QUOTE_SIG,
		MEMBER_IMA_LOG, MEMBER_UEFI_LOG,
	};
	char bank[BUNDLE_MEMBER_NAME_MAX + 1];
	size_t i, n;

	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (strcmp(name, fixed[i]) == 0)
			return true;
	for (i = 0; i < MEMBERS_IMA_BANKS_N; i++)
		if (member_ima_bank_name(members_ima_banks[i], bank,
		    sizeof(bank), NULL) == 0 && strcmp(name, bank) == 0)
			return true;
	if (!framed(name, "ek-chain-", ".crt"))
		return false;
	n = strlen(name) - 4;
	for (i = 9; i < n; i++)
		if (name[i] < '0' || name[i] > '9')
			return false;
	return true;
}

/* ---- lookup -------------------------------------------------------------- */

const struct bundle_member *
bundle_member_find(const struct bundle_contents *bc, const char *name,
    size_t *index)
{
	size_t i;

	for (i = 0; bc != NULL && i < bc->nmembers; i++)
		if (strcmp(bc->members[i].name, name) == 0) {
			if (index != NULL)
				*index = i;
			return &bc->members[i];
		}
	return NULL;
}

const uint8_t *
bundle_member_data(const struct bundle_contents *bc, const char *name,
    size_t *len)
{
	size_t i;

	*len = 0;
	if (bundle_member_find(bc, name, &i) == NULL || bc->data[i] == NULL)
		return NULL;
	*len = (size_t)bc->members[i].size;
	return bc->data[i];
}

/* ---- media types --------------------------------------------------------- */

/* RFC 6838 4.2 restricted-name-chars after the first. */
static bool
restricted_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$&-^_.+", c));
}

/* RFC 2045 token characters: printable ASCII but space and tspecials. */
static bool
token_char(char c)
{
	return c > 0x20 && c < 0x7f && strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

/* A restricted-name at *p, of at most MEDIA_TYPE_NAME_MAX: its length. */
static size_t
restricted_name(const char *p)
{
	size_t n = 0;

	if (!((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z') ||
	    (p[0] >= '0' && p[0] <= '9')))
		return 0;
	while (restricted_char(p[n]))
		n++;
	return n;
}

static size_t
token(const char *p)
{
	size_t n = 0;

	while (token_char(p[n]))
		n++;
	return n;
}

static const char *
ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static void
lower_copy(char *out, const char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] + 32) :
		    in[i];
	out[n] = '\0';
}

/* The message "media type 'MT': WHAT at offset N". */
static int
mt_error(struct errbuf *e, const char *mt, const char *at, const char *what)
{
	char shown[ESC_SHOWN_SIZE(BUNDLE_MEDIA_TYPE_MAX)];

	return err_set(e, "media type '%s': %s at offset %zu",
	    esc_str(mt, ESC_FIELD | ESC_QUOTES, shown, sizeof(shown)), what,
	    (size_t)(at - mt));
}

int
media_type_parse(const char *mt, struct media_type *out, struct errbuf *e)
{
	struct media_type_param *pm;
	const char *p = mt;
	size_t n, m, i;

	memset(out, 0, sizeof(*out));
	if (bundle_media_type_check(mt, e) != 0)
		return -1;
	if ((n = restricted_name(p)) == 0 || n > MEDIA_TYPE_NAME_MAX)
		return mt_error(e, mt, p, "no valid type");
	if (p[n] != '/')
		return mt_error(e, mt, p + n, "no '/' after the type");
	if ((m = restricted_name(p + n + 1)) == 0 || m > MEDIA_TYPE_NAME_MAX)
		return mt_error(e, mt, p + n + 1, "no valid subtype");
	lower_copy(out->type, p, n + 1 + m);
	p = ows(p + n + 1 + m);
	while (*p != '\0') {
		if (*p != ';')
			return mt_error(e, mt, p, "';' or the end expected");
		p = ows(p + 1);
		if (out->nparams == MEDIA_TYPE_PARAMS_MAX)
			return mt_error(e, mt, p, "too many parameters");
		pm = &out->params[out->nparams];
		if ((n = token(p)) == 0)
			return mt_error(e, mt, p, "no parameter name");
		lower_copy(pm->name, p, n);
		p += n;
		if (*p != '=')
			return mt_error(e, mt, p, "no '=' after the parameter "
			    "name");
		p++;
		if (*p == '"')
			return mt_error(e, mt, p, "a quoted value (not "
			    "supported)");
		if ((n = token(p)) == 0)
			return mt_error(e, mt, p, "no parameter value");
		memcpy(pm->value, p, n);
		pm->value[n] = '\0';
		for (i = 0; i < out->nparams; i++)
			if (strcmp(out->params[i].name, pm->name) == 0)
				return mt_error(e, mt, p, "a parameter given "
				    "twice");
		out->nparams++;
		p = ows(p + n);
	}
	return 0;
}

const char *
media_type_get(const struct media_type *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nparams; i++)
		if (strcmp(t->params[i].name, name) == 0)
			return t->params[i].value;
	return NULL;
}

int
media_type_param(const char *mt, const char *name, char *out, size_t cap,
    struct errbuf *e)
{
	struct media_type t;
	const char *v;

	if (media_type_parse(mt, &t, e) != 0)
		return -1;
	if ((v = media_type_get(&t, name)) == NULL)
		return 0;
	if (strlen(v) >= cap)
		return err_set(e, "media type: parameter %s: value longer "
		    "than %zu characters", name, cap > 0 ? cap - 1 : 0);
	memcpy(out, v, strlen(v) + 1);
	return 1;
}

int
media_type_ima_digest(const char *mt, const struct hashalg *absent,
    const struct hashalg **alg, struct errbuf *e)
{
	char shown[ESC_SHOWN_SIZE(32)];
	struct media_type t;
	const char *v;

	*alg = NULL;
	if (media_type_parse(mt, &t, e) != 0)
		return -1;
	if (strcmp(t.type, MEDIA_TYPE_IMA) != 0)
		return err_set(e, "media type '%s' is not " MEDIA_TYPE_IMA,
		    esc_str(t.type, ESC_FIELD | ESC_QUOTES, shown,
		    sizeof(shown)));
	if ((v = media_type_get(&t, "digest")) == NULL) {
		if (absent == NULL)
			return err_set(e, "media type has no digest= "
			    "parameter");
		*alg = absent;
		return 0;
	}
	if ((*alg = hashalg_by_name(v)) == NULL)
		return err_set(e, "media type names an unknown digest '%s'",
		    esc_str(v, ESC_FIELD | ESC_QUOTES, shown, sizeof(shown)));
	return 0;
}

int
media_type_ima(const struct hashalg *alg, enum ima_byte_order order,
    char *out, size_t cap, struct errbuf *e)
{
	int n;

	n = snprintf(out, cap, "%s; digest=%s; byteorder=%s", MEDIA_TYPE_IMA,
	    alg->name, order == IMA_ORDER_BE ? "big" : "little");
	if (n < 0 || (size_t)n >= cap)
		return err_set(e, "media type of the %s IMA log longer than "
		    "%zu characters", alg->name, cap > 0 ? cap - 1 : 0);
	return 0;
}
