/* eventlog.c - see eventlog.h: parser, type names and replay. */
#include "format/eventlog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/bytes.h"

static const struct {
	uint32_t type;
	const char *name;
} type_names[] = {
	{ EV_PREBOOT_CERT, "EV_PREBOOT_CERT" },
	{ EV_POST_CODE, "EV_POST_CODE" },
	{ EV_UNUSED, "EV_UNUSED" },
	{ EV_NO_ACTION, "EV_NO_ACTION" },
	{ EV_SEPARATOR, "EV_SEPARATOR" },
	{ EV_ACTION, "EV_ACTION" },
	{ EV_EVENT_TAG, "EV_EVENT_TAG" },
	{ EV_S_CRTM_CONTENTS, "EV_S_CRTM_CONTENTS" },
	{ EV_S_CRTM_VERSION, "EV_S_CRTM_VERSION" },
	{ EV_CPU_MICROCODE, "EV_CPU_MICROCODE" },
	{ EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS" },
	{ EV_TABLE_OF_DEVICES, "EV_TABLE_OF_DEVICES" },
	{ EV_COMPACT_HASH, "EV_COMPACT_HASH" },
	{ EV_IPL, "EV_IPL" },
	{ EV_IPL_PARTITION_DATA, "EV_IPL_PARTITION_DATA" },
	{ EV_NONHOST_CODE, "EV_NONHOST_CODE" },
	{ EV_NONHOST_CONFIG, "EV_NONHOST_CONFIG" },
	{ EV_NONHOST_INFO, "EV_NONHOST_INFO" },
	{ EV_OMIT_BOOT_DEVICE_EVENTS, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ EV_POST_CODE2, "EV_POST_CODE2" },
	{ EV_EFI_VARIABLE_DRIVER_CONFIG, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
	{ EV_EFI_VARIABLE_BOOT, "EV_EFI_VARIABLE_BOOT" },
	{ EV_EFI_BOOT_SERVICES_APPLICATION,
	    "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ EV_EFI_BOOT_SERVICES_DRIVER, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ EV_EFI_RUNTIME_SERVICES_DRIVER, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
	{ EV_EFI_GPT_EVENT, "EV_EFI_GPT_EVENT" },
	{ EV_EFI_ACTION, "EV_EFI_ACTION" },
	{ EV_EFI_PLATFORM_FIRMWARE_BLOB, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ EV_EFI_HANDOFF_TABLES, "EV_EFI_HANDOFF_TABLES" },
	{ EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ EV_EFI_HANDOFF_TABLES2, "EV_EFI_HANDOFF_TABLES2" },
	{ EV_EFI_VARIABLE_BOOT2, "EV_EFI_VARIABLE_BOOT2" },
	{ EV_EFI_GPT_EVENT2, "EV_EFI_GPT_EVENT2" },
	{ EV_EFI_HCRTM_EVENT, "EV_EFI_HCRTM_EVENT" },
	{ EV_EFI_VARIABLE_AUTHORITY, "EV_EFI_VARIABLE_AUTHORITY" },
	{ EV_EFI_SPDM_FIRMWARE_BLOB, "EV_EFI_SPDM_FIRMWARE_BLOB" },
	{ EV_EFI_SPDM_FIRMWARE_CONFIG, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
	{ EV_EFI_SPDM_DEVICE_POLICY, "EV_EFI_SPDM_DEVICE_POLICY" },
	{ EV_EFI_SPDM_DEVICE_AUTHORITY, "EV_EFI_SPDM_DEVICE_AUTHORITY" },
};

const char *
evlog_type_name(uint32_t type)
{
	size_t i;

	for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (type_names[i].type == type)
			return type_names[i].name;
	return NULL;
}

void
evlog_init(struct evlog *l)
{
	memset(l, 0, sizeof(*l));
}

void
evlog_free(struct evlog *l)
{
	free(l->events);
	memset(l, 0, sizeof(*l));
}

int
evlog_bank_index(const struct evlog *l, uint16_t tpm_id)
{
	size_t i;

	for (i = 0; i < l->nbanks; i++)
		if (l->banks[i].tpm_id == tpm_id)
			return (int)i;
	return -1;
}

/* Room for one more event; doubling, bounded by EVLOG_MAX_EVENTS. */
static struct evlog_event *
new_event(struct evlog *l, size_t off, struct errbuf *e)
{
	struct evlog_event *n;
	size_t cap;

	if (l->nevents == EVLOG_MAX_EVENTS) {
		err_set(e, "event %zu at offset %zu: more than %u events",
		    l->nevents, off, EVLOG_MAX_EVENTS);
		return NULL;
	}
	if (l->nevents == l->cap) {
		cap = l->cap ? l->cap * 2 : 128;
		if (cap > EVLOG_MAX_EVENTS)
			cap = EVLOG_MAX_EVENTS;
		if ((n = realloc(l->events, cap * sizeof(*n))) == NULL) {
			err_set(e, "out of memory for %zu events", cap);
			return NULL;
		}
		l->events = n;
		l->cap = cap;
	}
	n = &l->events[l->nevents];
	memset(n, 0, sizeof(*n));
	n->index = (uint32_t)l->nevents;
	n->offset = off;
	return n;
}

static const uint8_t specid_sig[16] = "Spec ID Event03";	/* + NUL */
static const uint8_t locality_sig[16] = "StartupLocality";	/* + NUL */

/* Is the SHA-1-layout first event a crypto-agile Spec ID event? */
static bool
is_specid(uint32_t pcr, uint32_t type, const uint8_t *data, size_t n)
{
	return pcr == 0 && type == EV_NO_ACTION && n >= 16 &&
	    memcmp(data, specid_sig, 16) == 0;
}

/* Decode TCG_EfiSpecIDEvent into l's banks. */
static int
parse_specid(struct evlog *l, const uint8_t *d, size_t n, struct errbuf *e)
{
	const struct hashalg *a;
	uint32_t count, i;
	size_t p = 24, j, vlen;
	uint16_t id, size;

	if (n < 28)
		return err_set(e, "Spec ID event of %zu bytes, at least 28 "
		    "needed", n);
	l->platform_class = load_le32(d + 16);
	l->spec_minor = d[20];
	l->spec_major = d[21];
	l->spec_errata = d[22];
	l->uintn_size = d[23];
	if (l->spec_major != 2)
		return err_set(e, "Spec ID event03 with specVersionMajor %u, "
		    "2 expected", l->spec_major);
	count = load_le32(d + p);
	p += 4;
	if (count == 0 || count > EVLOG_MAX_BANKS)
		return err_set(e, "Spec ID event declares %u algorithms "
		    "(1 to %d)", count, EVLOG_MAX_BANKS);
	if (n - p < (size_t)count * 4 + 1)
		return err_set(e, "Spec ID event truncated in its algorithm "
		    "table (%u algorithms, %zu bytes left)", count, n - p);
	for (i = 0; i < count; i++, p += 4) {
		id = load_le16(d + p);
		size = load_le16(d + p + 2);
		if (size == 0 || size > HASHALG_MAX_SIZE)
			return err_set(e, "Spec ID algorithm 0x%04x with digest "
			    "size %u (1 to %d)", id, size, HASHALG_MAX_SIZE);
		a = hashalg_by_tpm(id);
		if (a != NULL && a->size != size)
			return err_set(e, "Spec ID declares %s with digest size "
			    "%u, but %s digests have %zu bytes", a->name, size,
			    a->name, a->size);
		for (j = 0; j < l->nbanks; j++)
			if (l->banks[j].tpm_id == id)
				return err_set(e, "Spec ID declares algorithm "
				    "0x%04x twice", id);
		l->banks[l->nbanks].tpm_id = id;
		l->banks[l->nbanks].size = size;
		l->banks[l->nbanks].alg = a;
		l->nbanks++;
	}
	vlen = d[p++];
	if (n - p != vlen)
		return err_set(e, "Spec ID event: vendorInfoSize %zu but %zu "
		    "bytes follow", vlen, n - p);
	return 0;
}

/* A StartupLocality event (EV_NO_ACTION on PCR 0, 17 bytes). */
static void
note_locality(struct evlog *l, const struct evlog_event *ev)
{
	if (ev->type != EV_NO_ACTION || ev->pcr != 0 || ev->data_len != 17 ||
	    memcmp(ev->data, locality_sig, 16) != 0)
		return;
	((struct evlog_event *)ev)->flags |= EVLOG_EV_LOCALITY;
	if (!l->has_locality) {
		l->has_locality = true;
		l->locality = ev->data[16];
		l->locality_event = ev->index;
	}
}

static int
check_pcr(struct evlog *l, struct evlog_event *ev, struct errbuf *e)
{
	if (ev->pcr == EVLOG_PCR_NONE) {
		ev->flags |= EVLOG_EV_NOT_EXTENDED;
		return 0;
	}
	if (ev->pcr >= EVLOG_PCR_COUNT)
		return err_set(e, "PCR index %u out of range (0 to %d, or "
		    "0xffffffff)", ev->pcr, EVLOG_PCR_COUNT - 1);
	if (ev->type == EV_NO_ACTION)
		ev->flags |= EVLOG_EV_NOT_EXTENDED;
	else
		l->pcrs_named |= 1u << ev->pcr;
	return 0;
}

/* One event in the SHA-1 layout at buf[off..len). */
static int
parse_sha1_event(struct evlog *l, const uint8_t *buf, size_t len,
    size_t *off, bool first, struct errbuf *e)
{
	struct evlog_event *ev;
	size_t o = *off, left = len - o;
	uint32_t size;
	int sha1;

	if (left < 32)
		return err_set(e, "truncated: %zu byte%s, less than an event "
		    "header (32 bytes)", left, left == 1 ? "" : "s");
	size = load_le32(buf + o + 28);
	if (size > EVLOG_MAX_EVENT_DATA)
		return err_set(e, "event data of %u bytes (limit %u)", size,
		    EVLOG_MAX_EVENT_DATA);
	if (left - 32 < size)
		return err_set(e, "truncated: data of %u bytes, %zu left", size,
		    left - 32);
	if ((ev = new_event(l, o, e)) == NULL)
		return -1;
	ev->pcr = load_le32(buf + o);
	ev->type = load_le32(buf + o + 4);
	ev->data = buf + o + 32;
	ev->data_len = size;
	if (first && is_specid(ev->pcr, ev->type, ev->data, size)) {
		ev->flags |= EVLOG_EV_SPECID | EVLOG_EV_NOT_EXTENDED;
		l->format = EVLOG_FORMAT_AGILE;
		if (parse_specid(l, ev->data, size, e) == -1)
			return -1;
		if ((sha1 = evlog_bank_index(l, TPM2_ALG_SHA1)) >= 0)
			ev->digest[sha1] = buf + o + 8;
	} else {
		if (first) {
			l->format = EVLOG_FORMAT_SHA1;
			l->nbanks = 1;
			l->banks[0].tpm_id = TPM2_ALG_SHA1;
			l->banks[0].size = 20;
			l->banks[0].alg = hashalg_by_tpm(TPM2_ALG_SHA1);
		}
		ev->digest[0] = buf + o + 8;
	}
	l->nevents++;
	if (check_pcr(l, ev, e) == -1)
		return -1;
	note_locality(l, ev);
	*off = o + 32 + size;
	return 0;
}

/* One TCG_PCR_EVENT2 at buf[off..len). */
static int
parse_agile_event(struct evlog *l, const uint8_t *buf, size_t len,
    size_t *off, struct errbuf *e)
{
	struct evlog_event *ev;
	size_t o = *off, p, left = len - o;
	uint32_t count, i, size;
	uint16_t id;
	int b;

	if (left < 12)
		return err_set(e, "truncated: %zu byte%s, less than an event "
		    "header", left, left == 1 ? "" : "s");
	count = load_le32(buf + o + 8);
	if (count == 0 || count > l->nbanks)
		return err_set(e, "%u digests, the Spec ID event declares %zu "
		    "algorithm%s", count, l->nbanks, l->nbanks == 1 ? "" : "s");
	if ((ev = new_event(l, o, e)) == NULL)
		return -1;
	ev->pcr = load_le32(buf + o);
	ev->type = load_le32(buf + o + 4);
	p = o + 12;
	for (i = 0; i < count; i++) {
		if (len - p < 2)
			return err_set(e, "truncated in digest %u", i);
		id = load_le16(buf + p);
		if ((b = evlog_bank_index(l, id)) < 0)
			return err_set(e, "digest %u: algorithm 0x%04x is not "
			    "declared in the Spec ID event", i, id);
		if (ev->digest[b] != NULL)
			return err_set(e, "digest %u: algorithm 0x%04x given "
			    "twice", i, id);
		p += 2;
		if (len - p < l->banks[b].size)
			return err_set(e, "truncated in digest %u (%u bytes, "
			    "%zu left)", i, l->banks[b].size, len - p);
		ev->digest[b] = buf + p;
		p += l->banks[b].size;
	}
	if (len - p < 4)
		return err_set(e, "truncated before the event size");
	size = load_le32(buf + p);
	p += 4;
	if (size > EVLOG_MAX_EVENT_DATA)
		return err_set(e, "event data of %u bytes (limit %u)", size,
		    EVLOG_MAX_EVENT_DATA);
	if (len - p < size)
		return err_set(e, "truncated: data of %u bytes, %zu left", size,
		    len - p);
	ev->data = buf + p;
	ev->data_len = size;
	l->nevents++;
	if (check_pcr(l, ev, e) == -1)
		return -1;
	note_locality(l, ev);
	*off = p + size;
	return 0;
}

int
evlog_parse(struct evlog *l, const uint8_t *buf, size_t len,
    struct errbuf *e)
{
	struct evlog_event *keep = l->events;
	size_t cap = l->cap, off = 0;
	int rc;

	memset(l, 0, sizeof(*l));
	l->events = keep;
	l->cap = cap;
	if (len == 0)
		return err_set(e, "empty event log");
	if (len > EVLOG_MAX_SIZE)
		return err_set(e, "event log of %zu bytes (limit %u)", len,
		    EVLOG_MAX_SIZE);
	while (off < len) {
		if (l->nevents == 0)
			rc = parse_sha1_event(l, buf, len, &off, true, e);
		else if (l->format == EVLOG_FORMAT_SHA1)
			rc = parse_sha1_event(l, buf, len, &off, false, e);
		else
			rc = parse_agile_event(l, buf, len, &off, e);
		if (rc == -1) {
			/* A half-filled event is not kept. */
			l->err_offset = off;
			if (l->nevents > 0 &&
			    l->events[l->nevents - 1].offset == off)
				l->nevents--;
			return err_prefix(e, "event %zu at offset %zu",
			    l->nevents, off);
		}
	}
	l->parsed_all = true;
	return 0;
}

/* ---- replay ------------------------------------------------------------- */

void
evlog_replay_free(struct evlog_replay *r)
{
	size_t i;

	for (i = 0; i < EVLOG_MAX_BANKS; i++) {
		EVP_MD_CTX_free(r->banks[i].ctx);
		r->banks[i].ctx = NULL;
	}
}

int
evlog_replay_bank(const struct evlog_replay *r, const struct hashalg *alg)
{
	size_t i;

	for (i = 0; i < r->nbanks; i++)
		if (r->banks[i].alg == alg)
			return (int)i;
	return -1;
}

static void
note_skip(struct evlog_replay *r, const char *what)
{
	size_t n = strlen(r->skipped_note);

	snprintf(r->skipped_note + n, sizeof(r->skipped_note) - n, "%s%s",
	    n ? ", " : "", what);
}

static int
add_bank(struct evlog_replay *r, const struct evlog *l, int b,
    struct errbuf *e)
{
	struct evlog_replay_bank *rb;
	char what[64];

	if (l->banks[b].alg == NULL || hashalg_md(l->banks[b].alg) == NULL) {
		snprintf(what, sizeof(what), "%s%s0x%04x: not computable here",
		    l->banks[b].alg ? l->banks[b].alg->name : "",
		    l->banks[b].alg ? " " : "", l->banks[b].tpm_id);
		note_skip(r, what);
		return 0;
	}
	if (r->nbanks == EVLOG_MAX_BANKS)
		return err_set(e, "more than %d banks", EVLOG_MAX_BANKS);
	rb = &r->banks[r->nbanks];
	if (rb->ctx == NULL && (rb->ctx = EVP_MD_CTX_new()) == NULL)
		return err_openssl(e, "event log replay");
	r->nbanks++;
	rb->alg = l->banks[b].alg;
	rb->log_bank = b;
	memset(rb->pcr, 0, sizeof(rb->pcr));
	rb->extended = 0;
	memset(rb->events_into, 0, sizeof(rb->events_into));
	return 0;
}

int
evlog_replay_run(struct evlog_replay *r, const struct evlog *l,
    const struct hashalg *const *want, size_t nwant, struct errbuf *e)
{
	const struct evlog_event *ev;
	struct evlog_replay_bank *rb;
	unsigned int outlen;
	size_t i, j;
	int b;

	r->nbanks = 0;
	r->extended = 0;
	r->locality_applied = false;
	r->skipped_note[0] = '\0';
	if (nwant == 0) {
		for (i = 0; i < l->nbanks; i++)
			if (add_bank(r, l, (int)i, e) == -1)
				return -1;
	} else
		for (i = 0; i < nwant; i++) {
			if ((b = evlog_bank_index(l, want[i]->tpm_id)) < 0)
				return err_set(e, "the log has no %s bank",
				    want[i]->name);
			if (l->banks[b].alg == NULL ||
			    hashalg_md(l->banks[b].alg) == NULL)
				return err_set(e, "bank %s is not computable "
				    "here", want[i]->name);
			if (evlog_replay_bank(r, l->banks[b].alg) < 0 &&
			    add_bank(r, l, b, e) == -1)
				return -1;
		}
	for (i = 0; i < l->nevents; i++) {
		ev = &l->events[i];
		if (ev->flags & EVLOG_EV_NOT_EXTENDED)
			continue;
		if (ev->pcr == 0 && !(r->extended & 1u) && l->has_locality &&
		    l->locality_event < ev->index) {
			/* PCR 0 started at locality, not zero, in every
			 * bank: the TPM reset it so at TPM2_Startup. */
			for (j = 0; j < r->nbanks; j++)
				r->banks[j].pcr[0][r->banks[j].alg->size - 1] =
				    l->locality;
			r->locality_applied = true;
		}
		for (j = 0; j < r->nbanks; j++) {
			rb = &r->banks[j];
			if (ev->digest[rb->log_bank] == NULL)
				continue;	/* not extended in this bank */
			rb->extended |= 1u << ev->pcr;
			rb->events_into[ev->pcr]++;
			if (!EVP_DigestInit_ex2(rb->ctx, hashalg_md(rb->alg),
			    NULL) ||
			    !EVP_DigestUpdate(rb->ctx, rb->pcr[ev->pcr],
			    rb->alg->size) ||
			    !EVP_DigestUpdate(rb->ctx, ev->digest[rb->log_bank],
			    rb->alg->size) ||
			    !EVP_DigestFinal_ex(rb->ctx, rb->pcr[ev->pcr],
			    &outlen))
				return err_openssl(e, "event log replay");
		}
		r->extended |= 1u << ev->pcr;
	}
	return 0;
}

void
evlog_replay_compare(const struct evlog_replay *r, const struct pcr_set *s,
    struct evlog_pcr_cmp *out)
{
	const uint8_t *q;
	unsigned p;
	size_t j;

	memset(out, 0, sizeof(*out));
	for (p = 0; p < EVLOG_PCR_COUNT; p++) {
		for (j = 0; j < r->nbanks; j++) {
			if (!(r->banks[j].extended & (1u << p)))
				continue;
			q = pcr_set_get(s, r->banks[j].alg, p);
			if (q == NULL) {
				out->missing++;
				continue;
			}
			out->compared++;
			if (memcmp(q, r->banks[j].pcr[p],
			    r->banks[j].alg->size) != 0 && !out->mismatch) {
				out->mismatch = true;
				out->pcr = p;
				out->alg = r->banks[j].alg;
				out->events = r->banks[j].events_into[p];
				out->replayed = r->banks[j].pcr[p];
				out->quoted = q;
			}
		}
	}
}

int
evlog_replay_to_pcr_set(const struct evlog_replay *r, struct pcr_set *s,
    struct errbuf *e)
{
	unsigned p;
	size_t j;

	pcr_set_init(s);
	for (j = 0; j < r->nbanks; j++)
		for (p = 0; p < EVLOG_PCR_COUNT; p++)
			if ((r->banks[j].extended & (1u << p)) &&
			    pcr_set_put(s, r->banks[j].alg, p,
			    r->banks[j].pcr[p], e) == -1)
				return -1;
	return 0;
}
