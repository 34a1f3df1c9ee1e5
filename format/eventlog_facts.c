/* eventlog_facts.c - see eventlog_facts.h. */
#include "format/eventlog_facts.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "format/bytes.h"
#include "format/hex.h"
#include "format/ima_log.h"

const uint8_t evlog_guid_global[16] = {
	0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
	0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c,
};
const uint8_t evlog_guid_imgsec[16] = {
	0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d, 0x96, 0x45,
	0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f,
};

static uint64_t
load_le64(const uint8_t *p)
{
	return (uint64_t)load_le32(p + 4) << 32 | load_le32(p);
}

/* ---- a bounded text buffer ---------------------------------------------- */

struct tb {
	char *p;
	size_t cap, n;
};

static void
tb_init(struct tb *t, char *out, size_t cap)
{
	t->p = out;
	t->cap = cap;
	t->n = 0;
	if (cap)
		out[0] = '\0';
}

/* Append; when it does not fit, end the text with "..." and stop. */
static void __attribute__((format(printf, 2, 3)))
tb_printf(struct tb *t, const char *fmt, ...)
{
	va_list ap;
	int w;

	if (t->cap < 4 || t->n >= t->cap - 1)
		return;
	va_start(ap, fmt);
	w = vsnprintf(t->p + t->n, t->cap - t->n, fmt, ap);
	va_end(ap);
	if (w < 0)
		return;
	if ((size_t)w >= t->cap - t->n) {
		memcpy(t->p + t->cap - 4, "...", 4);
		t->n = t->cap - 1;
	} else
		t->n += (size_t)w;
}

/* Bytes as escaped printable text (format/ima_log.h's rules). */
static void
tb_bytes(struct tb *t, const void *s, size_t len)
{
	char buf[EVLOG_TEXT_MAX];

	ima_printable(s, len, buf, sizeof(buf));
	tb_printf(t, "%s", buf);
}

static void
tb_hex(struct tb *t, const uint8_t *p, size_t len, size_t max)
{
	char hex[2 * 64 + 1];
	size_t n = len < max ? len : max;

	if (n > 64)
		n = 64;
	hex_encode(p, n, hex);
	tb_printf(t, "%s%s", hex, n < len ? "..." : "");
}

/* ---- small decoders ----------------------------------------------------- */

void
evlog_guid_text(const uint8_t g[16], char out[37])
{
	snprintf(out, 37, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	    load_le32(g), load_le16(g + 4), load_le16(g + 6), g[8], g[9],
	    g[10], g[11], g[12], g[13], g[14], g[15]);
}

void
evlog_ucs2_text(const uint8_t *p, size_t nchars, char *out, size_t cap)
{
	char tmp[EVLOG_TEXT_MAX];
	size_t i, n = 0;
	uint16_t c;

	for (i = 0; i < nchars && n < sizeof(tmp); i++) {
		c = load_le16(p + 2 * i);
		/* a non-ASCII code unit shows as \xff: never as the byte */
		tmp[n++] = c < 0x80 ? (char)c : (char)0xff;
	}
	ima_printable(tmp, n, out, cap);
}

int
evlog_var_decode(const uint8_t *d, size_t n, struct evlog_var *v,
    struct errbuf *e)
{
	uint64_t nl, dl;

	if (n < 32)
		return err_set(e, "UEFI_VARIABLE_DATA of %zu bytes, at least 32 "
		    "needed", n);
	nl = load_le64(d + 16);
	dl = load_le64(d + 24);
	if (nl > (n - 32) / 2)
		return err_set(e, "UEFI_VARIABLE_DATA: name of %llu characters, "
		    "%zu bytes left", (unsigned long long)nl, n - 32);
	if (dl > n - 32 - 2 * nl)
		return err_set(e, "UEFI_VARIABLE_DATA: value of %llu bytes, %zu "
		    "left", (unsigned long long)dl, (size_t)(n - 32 - 2 * nl));
	v->guid = d;
	v->name = d + 32;
	v->name_len = (size_t)nl;
	v->value = d + 32 + 2 * nl;
	v->value_len = (size_t)dl;
	return 0;
}

bool
evlog_var_is(const struct evlog_var *v, const char *s, const uint8_t *guid)
{
	size_t i, n = strlen(s);

	if (v->name_len != n && !(v->name_len == n + 1 &&
	    load_le16(v->name + 2 * n) == 0))
		return false;
	for (i = 0; i < n; i++)
		if (load_le16(v->name + 2 * i) != (uint8_t)s[i])
			return false;
	return guid == NULL || memcmp(v->guid, guid, 16) == 0;
}

void
evlog_sig_iter_init(struct evlog_sig_iter *it, const uint8_t *buf,
    size_t len)
{
	memset(it, 0, sizeof(*it));
	it->buf = buf;
	it->len = len;
}

int
evlog_sig_next(struct evlog_sig_iter *it, struct evlog_sig *s,
    struct errbuf *e)
{
	const uint8_t *b = it->buf;
	uint32_t lsize, hsize, ssize;

	while (it->entry == 0 || it->entry >= it->list_end) {
		if (it->entry != 0)
			it->list = it->list_end;
		if (it->list == it->len)
			return 0;
		if (it->len - it->list < 28)
			return err_set(e, "EFI_SIGNATURE_LIST at offset %zu: "
			    "truncated header", it->list);
		lsize = load_le32(b + it->list + 16);
		hsize = load_le32(b + it->list + 20);
		ssize = load_le32(b + it->list + 24);
		if (lsize < 28 || lsize > it->len - it->list)
			return err_set(e, "EFI_SIGNATURE_LIST at offset %zu: "
			    "SignatureListSize %u, %zu bytes left", it->list,
			    lsize, it->len - it->list);
		if (ssize < 16 || hsize > lsize - 28 ||
		    (lsize - 28 - hsize) % ssize != 0)
			return err_set(e, "EFI_SIGNATURE_LIST at offset %zu: "
			    "SignatureSize %u and header %u do not divide a "
			    "list of %u bytes", it->list, ssize, hsize, lsize);
		it->list_end = it->list + lsize;
		it->entry = it->list + 28 + hsize;
		it->sig_size = ssize;
		if (it->entry >= it->list_end) {	/* an empty list */
			it->list = it->list_end;
			it->entry = 0;
		}
	}
	s->type = b + it->list;
	s->owner = b + it->entry;
	s->data = b + it->entry + 16;
	s->len = it->sig_size - 16;
	it->entry += it->sig_size;
	return 1;
}

long
evlog_sig_count(const uint8_t *buf, size_t len, struct errbuf *e)
{
	struct evlog_sig_iter it;
	struct evlog_sig s;
	long n = 0;
	int rc;

	evlog_sig_iter_init(&it, buf, len);
	while ((rc = evlog_sig_next(&it, &s, e)) == 1)
		n++;
	return rc == 0 ? n : -1;
}

int
evlog_image_devpath(const uint8_t *d, size_t n, const uint8_t **dp,
    size_t *dplen, struct errbuf *e)
{
	uint64_t l;

	if (n < 32)
		return err_set(e, "UEFI_IMAGE_LOAD_EVENT of %zu bytes, at least "
		    "32 needed", n);
	l = load_le64(d + 24);
	if (l > n - 32)
		return err_set(e, "UEFI_IMAGE_LOAD_EVENT: device path of %llu "
		    "bytes, %zu left", (unsigned long long)l, n - 32);
	*dp = d + 32;
	*dplen = (size_t)l;
	return 0;
}

static void
tb_guid(struct tb *t, const uint8_t *g)
{
	char s[37];

	evlog_guid_text(g, s);
	tb_printf(t, "%s", s);
}

int
evlog_devpath_text(const uint8_t *dp, size_t n, char *out, size_t cap,
    struct errbuf *e)
{
	struct tb t;
	char s[EVLOG_TEXT_MAX];
	size_t o = 0, l;
	uint8_t ty, st;
	const uint8_t *p;
	bool first = true;

	tb_init(&t, out, cap);
	while (o < n) {
		if (n - o < 4)
			return err_set(e, "device path: truncated node at "
			    "offset %zu", o);
		ty = dp[o];
		st = dp[o + 1];
		l = load_le16(dp + o + 2);
		if (l < 4 || l > n - o)
			return err_set(e, "device path: node at offset %zu of "
			    "length %zu, %zu left", o, l, n - o);
		p = dp + o + 4;
		l -= 4;
		o += l + 4;
		if (ty == 0x7f) {
			if (st == 0xff)
				break;
			tb_printf(&t, ",");
			first = true;
			continue;
		}
		if (!first)
			tb_printf(&t, "/");
		first = false;
		if (ty == 1 && st == 1 && l >= 2)
			tb_printf(&t, "Pci(0x%x,0x%x)", p[1], p[0]);
		else if (ty == 2 && st == 1 && l >= 8 &&
		    load_le32(p) == 0x0a0341d0)
			tb_printf(&t, "PciRoot(0x%x)", load_le32(p + 4));
		else if (ty == 2 && st == 1 && l >= 8)
			tb_printf(&t, "Acpi(0x%08x,0x%x)", load_le32(p),
			    load_le32(p + 4));
		else if (ty == 3 && st == 2 && l >= 4)
			tb_printf(&t, "Scsi(0x%x,0x%x)", load_le16(p),
			    load_le16(p + 2));
		else if (ty == 3 && st == 5 && l >= 2)
			tb_printf(&t, "USB(0x%x,0x%x)", p[0], p[1]);
		else if (ty == 3 && st == 0x12 && l >= 6)
			tb_printf(&t, "Sata(0x%x,0x%x,0x%x)", load_le16(p),
			    load_le16(p + 2), load_le16(p + 4));
		else if (ty == 3 && st == 0x17 && l >= 4)
			tb_printf(&t, "NVMe(0x%x)", load_le32(p));
		else if (ty == 3 && st == 0x0b && l >= 32) {
			tb_printf(&t, "MAC(");
			tb_hex(&t, p, 6, 6);
			tb_printf(&t, ")");
		} else if (ty == 4 && st == 1 && l >= 38) {
			if (p[37] == 2) {
				tb_printf(&t, "HD(%u,GPT,", load_le32(p));
				tb_guid(&t, p + 20);
			} else
				tb_printf(&t, "HD(%u,MBR,0x%08x", load_le32(p),
				    load_le32(p + 20));
			tb_printf(&t, ")");
		} else if (ty == 4 && st == 4) {
			size_t nc = l / 2;

			if (nc > 0 && load_le16(p + 2 * (nc - 1)) == 0)
				nc--;
			evlog_ucs2_text(p, nc, s, sizeof(s));
			tb_printf(&t, "%s", s);
		} else if (ty == 4 && (st == 6 || st == 7) && l >= 16) {
			tb_printf(&t, "%s(", st == 6 ? "FvFile" : "Fv");
			tb_guid(&t, p);
			tb_printf(&t, ")");
		} else if ((st == 4 && ty >= 1 && ty <= 4) && l >= 16) {
			tb_printf(&t, "%s(", ty == 1 ? "VenHw" : ty == 2 ?
			    "VenAcpi" : ty == 3 ? "VenMsg" : "VenMedia");
			tb_guid(&t, p);
			tb_printf(&t, ")");
		} else if (ty == 4 && st == 8 && l >= 16)
			tb_printf(&t, "Offset(0x%llx,0x%llx)",
			    (unsigned long long)load_le64(p),
			    (unsigned long long)load_le64(p + 8));
		else {
			tb_printf(&t, "Path(%u,%u,", ty, st);
			tb_hex(&t, p, l, 32);
			tb_printf(&t, ")");
		}
	}
	return 0;
}

/* ---- trust -------------------------------------------------------------- */

const char *
evlog_trust_name(enum evlog_trust t)
{
	switch (t) {
	case EVLOG_TRUST_VERIFIED: return "verified";
	case EVLOG_TRUST_MISMATCH: return "mismatch";
	case EVLOG_TRUST_OTHER: return "other";
	case EVLOG_TRUST_NOT_EXTENDED: return "not-extended";
	case EVLOG_TRUST_UNKNOWN_TYPE: return "unknown-type";
	case EVLOG_TRUST_UNCHECKED: return "unchecked";
	}
	return "?";
}

bool
evlog_trust_usable(enum evlog_trust t)
{
	return t == EVLOG_TRUST_VERIFIED || t == EVLOG_TRUST_OTHER;
}

int
evlog_trust_bank(const struct evlog *l, const struct evlog_event *ev)
{
	static const uint16_t pref[] = { TPM2_ALG_SHA512, TPM2_ALG_SHA384,
	    TPM2_ALG_SHA256, TPM2_ALG_SHA1 };
	size_t i;
	int b;

	for (i = 0; i < sizeof(pref) / sizeof(pref[0]); i++)
		if ((b = evlog_bank_index(l, pref[i])) >= 0 &&
		    ev->digest[b] != NULL && l->banks[b].alg != NULL &&
		    hashalg_md(l->banks[b].alg))
			return b;
	return -1;
}

/* H_a(d) == digest; with ctx (reused by the caller) when not NULL. */
static bool
hash_is(const struct hashalg *a, const uint8_t *d, size_t n,
    const uint8_t *digest, EVP_MD_CTX *ctx)
{
	uint8_t h[HASHALG_MAX_SIZE];

	if (ctx == NULL)
		return hashalg_digest(a, d, n, h) == 0 &&
		    memcmp(h, digest, a->size) == 0;
	return EVP_DigestInit_ex2(ctx, hashalg_md(a), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, d, n) == 1 &&
	    EVP_DigestFinal_ex(ctx, h, NULL) == 1 &&
	    memcmp(h, digest, a->size) == 0;
}

/* Types whose digest the PFP defines as the hash of the event data. */
static bool
data_type(uint32_t type)
{
	switch (type) {
	case EV_SEPARATOR:
	case EV_ACTION:
	case EV_EFI_ACTION:
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_VARIABLE_BOOT2:
	case EV_EFI_VARIABLE_AUTHORITY:
	case EV_EFI_GPT_EVENT:
	case EV_EFI_GPT_EVENT2:
	case EV_OMIT_BOOT_DEVICE_EVENTS:
		return true;
	}
	return false;
}

static const char *const grub_prefixes[] = {
	"grub_cmd: ", "kernel_cmdline: ", "module_cmdline: ",
};

static enum evlog_trust
trust_ctx(const struct evlog *l, const struct evlog_event *ev,
    EVP_MD_CTX *ctx)
{
	const struct hashalg *a;
	const uint8_t *dg, *d = ev->data;
	struct evlog_var v;
	size_t i, n = ev->data_len, pl;
	int b;

	if (ev->flags & EVLOG_EV_NOT_EXTENDED)
		return EVLOG_TRUST_NOT_EXTENDED;
	if (evlog_type_name(ev->type) == NULL)
		return EVLOG_TRUST_UNKNOWN_TYPE;
	if ((b = evlog_trust_bank(l, ev)) < 0)
		return EVLOG_TRUST_UNCHECKED;
	a = l->banks[b].alg;
	dg = ev->digest[b];
	if (hash_is(a, d, n, dg, ctx))
		return EVLOG_TRUST_VERIFIED;
	if (ev->type == EV_IPL) {
		if (n > 0 && d[n - 1] == 0 && hash_is(a, d, n - 1, dg, ctx))
			return EVLOG_TRUST_VERIFIED;
		for (i = 0; i < 3; i++) {
			pl = strlen(grub_prefixes[i]);
			if (n > pl && memcmp(d, grub_prefixes[i], pl) == 0 &&
			    hash_is(a, d + pl, n - pl - (d[n - 1] == 0), dg,
			    ctx))
				return EVLOG_TRUST_VERIFIED;
		}
		return EVLOG_TRUST_OTHER;
	}
	if ((ev->type == EV_EFI_VARIABLE_BOOT ||
	    ev->type == EV_EFI_VARIABLE_AUTHORITY) &&
	    evlog_var_decode(d, n, &v, NULL) == 0 &&
	    hash_is(a, v.value, v.value_len, dg, ctx))
		return EVLOG_TRUST_VERIFIED;
	return data_type(ev->type) ? EVLOG_TRUST_MISMATCH : EVLOG_TRUST_OTHER;
}

enum evlog_trust
evlog_event_trust(const struct evlog *l, const struct evlog_event *ev)
{
	return trust_ctx(l, ev, NULL);
}

/* ---- text --------------------------------------------------------------- */

/* Data that reads as text: ASCII (NUL-terminated or not) or UTF-16LE. */
static void
tb_string(struct tb *t, const uint8_t *d, size_t n)
{
	char s[EVLOG_TEXT_MAX];
	size_t i;
	bool utf16 = n >= 2 && n % 2 == 0 && d[1] == 0 && d[0] != 0;

	for (i = 1; utf16 && i < n; i += 2)
		if (d[i] != 0)
			utf16 = false;
	if (utf16) {
		n /= 2;
		while (n > 0 && load_le16(d + 2 * (n - 1)) == 0)
			n--;
		evlog_ucs2_text(d, n, s, sizeof(s));
		tb_printf(t, "%s", s);
		return;
	}
	while (n > 0 && d[n - 1] == 0)
		n--;
	tb_bytes(t, d, n);
}

static void
tb_var(struct tb *t, const struct evlog_event *ev)
{
	struct evlog_var v;
	struct errbuf e;
	char name[256];
	long cnt;

	if (evlog_var_decode(ev->data, ev->data_len, &v, &e) == -1) {
		tb_printf(t, "malformed: %s", e.msg);
		return;
	}
	evlog_ucs2_text(v.name, v.name_len && load_le16(v.name + 2 *
	    (v.name_len - 1)) == 0 ? v.name_len - 1 : v.name_len, name,
	    sizeof(name));
	tb_printf(t, "%s", name);
	if (ev->type == EV_EFI_VARIABLE_AUTHORITY) {
		tb_printf(t, " authority, %zu bytes", v.value_len);
		return;
	}
	if ((evlog_var_is(&v, "PK", evlog_guid_global) ||
	    evlog_var_is(&v, "KEK", evlog_guid_global) ||
	    evlog_var_is(&v, "db", evlog_guid_imgsec) ||
	    evlog_var_is(&v, "dbx", evlog_guid_imgsec) ||
	    evlog_var_is(&v, "dbt", evlog_guid_imgsec) ||
	    evlog_var_is(&v, "dbr", evlog_guid_imgsec)) &&
	    v.value_len > 0) {
		if ((cnt = evlog_sig_count(v.value, v.value_len, &e)) < 0)
			tb_printf(t, ": %zu bytes, malformed signature list "
			    "(%s)", v.value_len, e.msg);
		else
			tb_printf(t, ": %ld entr%s, %zu bytes", cnt,
			    cnt == 1 ? "y" : "ies", v.value_len);
		return;
	}
	if (v.value_len <= 16) {
		tb_printf(t, "=");
		tb_hex(t, v.value, v.value_len, 16);
		return;
	}
	if (ev->type == EV_EFI_VARIABLE_BOOT && v.value_len >= 6) {
		/* EFI_LOAD_OPTION: u32 attributes, u16 path length,
		 * NUL-terminated UTF-16 description, device path */
		size_t i, dl = 0, fpl = load_le16(v.value + 4);
		char dp[EVLOG_TEXT_MAX];

		for (i = 6; i + 1 < v.value_len; i += 2, dl++)
			if (load_le16(v.value + i) == 0)
				break;
		evlog_ucs2_text(v.value + 6, dl, dp, sizeof(dp));
		tb_printf(t, ": %s", dp);
		i += 2;
		if (i <= v.value_len && fpl <= v.value_len - i &&
		    evlog_devpath_text(v.value + i, fpl, dp, sizeof(dp),
		    NULL) == 0)
			tb_printf(t, " %s", dp);
		return;
	}
	tb_printf(t, ": %zu bytes", v.value_len);
}

void
evlog_event_text(const struct evlog *l, const struct evlog_event *ev,
    char *out, size_t cap)
{
	struct tb t;
	struct errbuf e;
	const uint8_t *d = ev->data, *dp;
	char s[EVLOG_TEXT_MAX];
	size_t n = ev->data_len, dpl, i;

	tb_init(&t, out, cap);
	if (ev->flags & EVLOG_EV_SPECID) {
		tb_printf(&t, "Spec ID Event03: platform class %u, spec %u.%u "
		    "errata %u, uintn %u, banks", l->platform_class,
		    l->spec_major, l->spec_minor, l->spec_errata,
		    l->uintn_size);
		for (i = 0; i < l->nbanks; i++)
			tb_printf(&t, "%s%s", i ? "," : " ", l->banks[i].alg ?
			    l->banks[i].alg->name : "?");
		return;
	}
	if (ev->flags & EVLOG_EV_LOCALITY) {
		tb_printf(&t, "StartupLocality %u", d[16]);
		return;
	}
	switch (ev->type) {
	case EV_EFI_VARIABLE_DRIVER_CONFIG:
	case EV_EFI_VARIABLE_BOOT:
	case EV_EFI_VARIABLE_BOOT2:
	case EV_EFI_VARIABLE_AUTHORITY:
		tb_var(&t, ev);
		return;
	case EV_EFI_BOOT_SERVICES_APPLICATION:
	case EV_EFI_BOOT_SERVICES_DRIVER:
	case EV_EFI_RUNTIME_SERVICES_DRIVER:
		if (evlog_image_devpath(d, n, &dp, &dpl, &e) == -1 ||
		    evlog_devpath_text(dp, dpl, s, sizeof(s), &e) == -1)
			tb_printf(&t, "malformed: %s", e.msg);
		else if (dpl == 0)
			tb_printf(&t, "image of 0x%llx bytes, no device path",
			    (unsigned long long)load_le64(d + 8));
		else
			tb_printf(&t, "%s", s);
		return;
	case EV_SEPARATOR:
		if (n == 4 && load_le32(d) == 0xffffffffu)
			tb_printf(&t, "error ");
		tb_hex(&t, d, n, 16);
		return;
	case EV_EFI_PLATFORM_FIRMWARE_BLOB:
		if (n == 16) {
			tb_printf(&t, "base 0x%llx length 0x%llx",
			    (unsigned long long)load_le64(d),
			    (unsigned long long)load_le64(d + 8));
			return;
		}
		break;
	case EV_EFI_PLATFORM_FIRMWARE_BLOB2:
		if (n >= 1 && n == 1u + d[0] + 16) {
			tb_bytes(&t, d + 1, d[0]);
			tb_printf(&t, " base 0x%llx length 0x%llx",
			    (unsigned long long)load_le64(d + 1 + d[0]),
			    (unsigned long long)load_le64(d + 9 + d[0]));
			return;
		}
		break;
	case EV_EFI_HANDOFF_TABLES:
		if (n >= 8) {
			tb_printf(&t, "%llu table(s)",
			    (unsigned long long)load_le64(d));
			return;
		}
		break;
	case EV_EFI_GPT_EVENT:
		if (n >= 100) {
			tb_printf(&t, "GPT disk ");
			tb_guid(&t, d + 56);
			tb_printf(&t, ", %llu partition(s)",
			    (unsigned long long)load_le64(d + 92));
			return;
		}
		break;
	case EV_IPL:
	case EV_EFI_ACTION:
	case EV_ACTION:
	case EV_S_CRTM_VERSION:
	case EV_OMIT_BOOT_DEVICE_EVENTS:
		/* strings by definition: escaped, never hex */
		if (n > 0) {
			tb_string(&t, d, n);
			return;
		}
		break;
	case EV_POST_CODE:
	case EV_NO_ACTION:
	case EV_EVENT_TAG:
	case EV_EFI_HANDOFF_TABLES2:
	case EV_PLATFORM_CONFIG_FLAGS:
	case EV_COMPACT_HASH:
		/* strings, when they are; else hex below */
		for (i = 0; i < n; i++)
			if ((d[i] < 0x20 || d[i] >= 0x7f) && d[i] != 0 &&
			    d[i] != '\n' && d[i] != '\t')
				break;
		if (n > 0 && (i == n || (n % 2 == 0 && d[1] == 0))) {
			tb_string(&t, d, n);
			return;
		}
		break;
	}
	if (n == 0) {
		tb_printf(&t, "(no data)");
		return;
	}
	tb_hex(&t, d, n, 32);
	tb_printf(&t, " (%zu bytes)", n);
}

bool
evlog_event_cmdline(const struct evlog_event *ev, char *out, size_t cap)
{
	static const char pre[] = "kernel_cmdline: ";
	struct tb t;
	size_t n = ev->data_len;

	if (ev->type != EV_IPL)
		return false;
	tb_init(&t, out, cap);
	if (ev->pcr == 8 && n >= sizeof(pre) - 1 &&
	    memcmp(ev->data, pre, sizeof(pre) - 1) == 0) {
		tb_string(&t, ev->data + sizeof(pre) - 1,
		    n - (sizeof(pre) - 1));
		return true;
	}
	if (ev->pcr == 12 && n >= 2 && n % 2 == 0 && ev->data[1] == 0) {
		tb_string(&t, ev->data, n);
		return true;
	}
	return false;
}

/* ---- facts -------------------------------------------------------------- */

static void
list_add(struct evlog_fact_list *fl, uint32_t ev)
{
	if (fl->count < EVLOG_FACTS_LIST_MAX)
		fl->ev[fl->count] = ev;
	fl->count++;
}

static void
set_var(struct evlog_fact_var *fv, const struct evlog_event *ev,
    enum evlog_trust t)
{
	fv->present = true;
	fv->event = ev->index;
	fv->trust = t;
}

static bool
data_is(const struct evlog_event *ev, const char *s)
{
	size_t n = strlen(s), dl = ev->data_len;

	while (dl > 0 && ev->data[dl - 1] == 0)
		dl--;
	return dl == n && memcmp(ev->data, s, n) == 0;
}

void
evlog_facts_get(const struct evlog *l, struct evlog_facts *f)
{
	const struct evlog_event *ev;
	struct evlog_var v;
	enum evlog_trust t;
	char cl[8];
	size_t i;

	EVP_MD_CTX *ctx = EVP_MD_CTX_new();	/* NULL: one-shot digests */

	memset(f, 0, sizeof(*f));
	f->dbx_entries = -1;
	for (i = 0; i < l->nevents; i++) {
		ev = &l->events[i];
		if (ev->pcr == EVLOG_PCR_NONE)
			f->pcr_none++;
		if (ev->flags & EVLOG_EV_NOT_EXTENDED)
			continue;
		if (evlog_type_name(ev->type) == NULL) {
			f->unknown_types++;
			continue;
		}
		switch (ev->type) {
		case EV_EFI_VARIABLE_DRIVER_CONFIG:
		case EV_EFI_BOOT_SERVICES_APPLICATION:
		case EV_IPL:
		case EV_EFI_ACTION:
		case EV_ACTION:
		case EV_SEPARATOR:
			break;
		default:
			continue;
		}
		/* GRUB's commands are the bulk of a log and their data is
		 * never a fact here: only command lines need their trust. */
		if (ev->type == EV_IPL) {
			if (ev->pcr == 8 || ev->pcr == 9 || ev->pcr == 12)
				list_add(&f->ipl, ev->index);
			if (!evlog_event_cmdline(ev, cl, sizeof(cl)))
				continue;
		}
		t = trust_ctx(l, ev, ctx);
		if (t == EVLOG_TRUST_MISMATCH)
			f->mismatches++;
		switch (ev->type) {
		case EV_EFI_VARIABLE_DRIVER_CONFIG:
			if (evlog_var_decode(ev->data, ev->data_len, &v,
			    NULL) == -1)
				break;
			if (evlog_var_is(&v, "SecureBoot", evlog_guid_global)) {
				set_var(&f->secureboot_var, ev, t);
				f->secureboot = t != EVLOG_TRUST_VERIFIED ||
				    v.value_len != 1 ? EVLOG_SB_UNKNOWN :
				    v.value[0] == 1 ? EVLOG_SB_ON :
				    v.value[0] == 0 ? EVLOG_SB_OFF :
				    EVLOG_SB_UNKNOWN;
			} else if (evlog_var_is(&v, "PK", evlog_guid_global))
				set_var(&f->pk, ev, t);
			else if (evlog_var_is(&v, "KEK", evlog_guid_global))
				set_var(&f->kek, ev, t);
			else if (evlog_var_is(&v, "db", evlog_guid_imgsec))
				set_var(&f->db, ev, t);
			else if (evlog_var_is(&v, "dbx", evlog_guid_imgsec)) {
				set_var(&f->dbx, ev, t);
				f->dbx_entries = t == EVLOG_TRUST_VERIFIED ?
				    evlog_sig_count(v.value, v.value_len,
				    NULL) : -1;
			}
			break;
		case EV_EFI_BOOT_SERVICES_APPLICATION:
			list_add(&f->apps, ev->index);
			break;
		case EV_IPL:	/* a command line (above) */
			if (t == EVLOG_TRUST_VERIFIED)
				list_add(&f->cmdlines, ev->index);
			else
				f->cmdline_unverified++;
			break;
		case EV_EFI_ACTION:
		case EV_ACTION:
			/* These two count whatever the digest says: a log
			 * can only be made to look worse by them. */
			if (data_is(ev, "UEFI Debug Mode") && !f->debug_mode) {
				f->debug_mode = true;
				f->debug_event = ev->index;
			}
			if (data_is(ev, "DMA Protection Disabled") &&
			    !f->dma_disabled) {
				f->dma_disabled = true;
				f->dma_event = ev->index;
			}
			if (t != EVLOG_TRUST_VERIFIED)
				break;
			list_add(&f->actions, ev->index);
			if (data_is(ev, "Exit Boot Services Invocation"))
				f->exit_boot_services = true;
			break;
		case EV_SEPARATOR:
			if (ev->pcr > 7)
				break;
			f->separators[ev->pcr]++;
			if (ev->data_len == 4 &&
			    load_le32(ev->data) == 0xffffffffu)
				f->separator_error |= 1u << ev->pcr;
			if (t != EVLOG_TRUST_VERIFIED)
				f->separator_bad |= 1u << ev->pcr;
			break;
		}
	}
	EVP_MD_CTX_free(ctx);
}
