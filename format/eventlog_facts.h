/*
 * eventlog_facts.h - what the events of a UEFI event log say
 * (format/eventlog.h), decoded for people and for policy: whether an
 * event's data is covered by its digest, UEFI variables (UEFI_VARIABLE_DATA),
 * signature lists (EFI_SIGNATURE_LIST), image load events
 * (UEFI_IMAGE_LOAD_EVENT) and their device paths, strings, and the facts
 * of one boot (Secure Boot state, keys, dbx, applications, command lines,
 * separators, actions).
 *
 * Trust. The event type is not covered by any digest, and the data is
 * covered only when the digest is the hash of it. evlog_event_trust()
 * decides per event, with the strongest computable bank the event has a
 * digest in (sha512, sha384, sha256, then sha1):
 *   VERIFIED      H(data) equals the digest, or for EV_IPL H(the string
 *                 without its trailing NUL, or without GRUB's
 *                 "grub_cmd: " / "kernel_cmdline: " / "module_cmdline: "
 *                 prefix and NUL: GRUB hashes the bare string), or for
 *                 EV_EFI_VARIABLE_BOOT/AUTHORITY H(VariableData) (the PFP
 *                 says so for Boot####; some firmware does it for
 *                 authorities);
 *   MISMATCH      a type whose digest is defined as the hash of its data
 *                 (separators, actions, variables, S-CRTM version, GPT)
 *                 and it is not: the data must not be believed;
 *   OTHER         a type whose digest covers other bytes: the Authenticode
 *                 hash of an image (EV_EFI_BOOT_SERVICES_APPLICATION,
 *                 drivers), a firmware blob, a POST code, handoff tables,
 *                 a file GRUB names (EV_IPL): the data only describes;
 *   NOT_EXTENDED  EV_NO_ACTION or PCR 0xFFFFFFFF: nothing covers it;
 *   UNKNOWN_TYPE  a type this build does not know: nothing is trusted;
 *   UNCHECKED     no bank of the log can be computed here.
 *
 * Decoders take (const uint8_t *, size_t), check every length and return
 * -1 with a message on malformed data; text outputs are NUL-terminated,
 * escape non-printable bytes (\xNN) and are cut with "..." to fit.
 */
#ifndef DOSSIER_EVENTLOG_FACTS_H
#define DOSSIER_EVENTLOG_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/eventlog.h"

#define EVLOG_FACTS_LIST_MAX	256	/* events kept per fact list */
#define EVLOG_TEXT_MAX		1024	/* a description's text */

enum evlog_trust {
	EVLOG_TRUST_VERIFIED,
	EVLOG_TRUST_MISMATCH,
	EVLOG_TRUST_OTHER,
	EVLOG_TRUST_NOT_EXTENDED,
	EVLOG_TRUST_UNKNOWN_TYPE,
	EVLOG_TRUST_UNCHECKED,
};

/* "verified", "mismatch", "other", "not-extended", "unknown-type",
 * "unchecked". */
const char *evlog_trust_name(enum evlog_trust t);
/* The bank evlog_event_trust uses for ev (index into l->banks), or -1. */
int evlog_trust_bank(const struct evlog *l, const struct evlog_event *ev);
enum evlog_trust evlog_event_trust(const struct evlog *l,
    const struct evlog_event *ev);
/* Is data believable: VERIFIED, or OTHER (describes what was hashed). */
bool evlog_trust_usable(enum evlog_trust t);

/* "8be4df61-93ca-11d2-aa0d-00e098032b8c" (EFI_GUID, mixed endian). */
void evlog_guid_text(const uint8_t g[16], char out[37]);

/* UTF-16LE text of nchars code units as printable ASCII. */
void evlog_ucs2_text(const uint8_t *p, size_t nchars, char *out, size_t cap);

/* UEFI_VARIABLE_DATA. name: UTF-16LE, name_len code units. */
struct evlog_var {
	const uint8_t *guid;
	const uint8_t *name;
	size_t name_len;
	const uint8_t *value;
	size_t value_len;
};
int evlog_var_decode(const uint8_t *d, size_t n, struct evlog_var *v,
    struct errbuf *e);
/* Does v's name equal the ASCII string s (and its GUID guid, if not
 * NULL)? */
bool evlog_var_is(const struct evlog_var *v, const char *s,
    const uint8_t *guid);
extern const uint8_t evlog_guid_global[16];	/* EFI_GLOBAL_VARIABLE */
extern const uint8_t evlog_guid_imgsec[16];	/* image security db */

/* Iterate EFI_SIGNATURE_LIST entries of buf[0..len). */
struct evlog_sig_iter {
	const uint8_t *buf;
	size_t len;
	size_t list;		/* offset of the current list */
	size_t entry;		/* offset of the next entry, 0 at start */
	size_t list_end;
	size_t sig_size;
};
struct evlog_sig {
	const uint8_t *type;	/* signature type GUID */
	const uint8_t *owner;	/* SignatureOwner GUID */
	const uint8_t *data;
	size_t len;
};
void evlog_sig_iter_init(struct evlog_sig_iter *it, const uint8_t *buf,
    size_t len);
/* 1 with *s set, 0 at the end, -1 on a malformed list (message). */
int evlog_sig_next(struct evlog_sig_iter *it, struct evlog_sig *s,
    struct errbuf *e);
/* Number of entries, or -1 when malformed. */
long evlog_sig_count(const uint8_t *buf, size_t len, struct errbuf *e);

/* UEFI_IMAGE_LOAD_EVENT: the device path of the image. */
int evlog_image_devpath(const uint8_t *d, size_t n, const uint8_t **dp,
    size_t *dplen, struct errbuf *e);
/* Device path as text in the UEFI shell's style ("PciRoot(0x0)/...",
 * "HD(1,GPT,guid)/\EFI\BOOT\BOOTX64.EFI"); unknown nodes as
 * "Path(type,subtype,hex)". -1 on a malformed path. */
int evlog_devpath_text(const uint8_t *dp, size_t n, char *out, size_t cap,
    struct errbuf *e);

/*
 * One line describing ev's data for people (show, diff, findings):
 * variables as "SecureBoot=01" or "db (3 entries, 4321 bytes)", images
 * by device path, strings as text, separators as "00000000" or "error
 * ffffffff", blobs as "base 0x... length 0x...", anything else as hex of
 * its first bytes. Never fails; malformed data is said to be so.
 */
void evlog_event_text(const struct evlog *l, const struct evlog_event *ev,
    char *out, size_t cap);

/* The kernel command line of ev, if it is one: GRUB's EV_IPL
 * "kernel_cmdline: ..." (PCR 8), systemd-stub's UTF-16 EV_IPL (PCR 12).
 * true with out filled. */
bool evlog_event_cmdline(const struct evlog_event *ev, char *out,
    size_t cap);

enum evlog_sb {
	EVLOG_SB_UNKNOWN,	/* no (believable) SecureBoot variable */
	EVLOG_SB_OFF,
	EVLOG_SB_ON,
};

struct evlog_fact_var {
	bool present;
	uint32_t event;
	enum evlog_trust trust;
};

/* Event index lists, at most EVLOG_FACTS_LIST_MAX each (counts exact). */
struct evlog_fact_list {
	size_t count;
	uint32_t ev[EVLOG_FACTS_LIST_MAX];
};

struct evlog_facts {
	enum evlog_sb secureboot;
	struct evlog_fact_var secureboot_var, pk, kek, db, dbx;
	long dbx_entries;		/* -1: malformed or absent */
	struct evlog_fact_list apps;	/* EV_EFI_BOOT_SERVICES_APPLICATION */
	struct evlog_fact_list cmdlines;/* kernel command lines, verified */
	size_t cmdline_unverified;	/* ones whose digest does not match */
	struct evlog_fact_list ipl;	/* every EV_IPL on PCRs 8, 9, 12 */
	struct evlog_fact_list actions;	/* EV_EFI_ACTION, EV_ACTION */
	bool exit_boot_services;	/* "Exit Boot Services Invocation" */
	/* separators on PCRs 0-7: count, error separators, data that is
	 * not its digest's; bit i for PCR i */
	unsigned separators[8];
	uint32_t separator_error;
	uint32_t separator_bad;
	bool debug_mode;		/* "UEFI Debug Mode" action */
	uint32_t debug_event;
	bool dma_disabled;		/* "DMA Protection Disabled" */
	uint32_t dma_event;
	size_t unknown_types;		/* events of unknown type */
	size_t pcr_none;		/* events on PCR 0xFFFFFFFF */
	size_t mismatches;		/* EVLOG_TRUST_MISMATCH among the events
					 * facts come from (variables,
					 * separators, actions, command lines) */
};

/*
 * Facts of l, each drawn only from events whose data is covered as the
 * field says. Hashes only the data of events that give facts (one digest
 * context for the whole call, no allocation per event): for a 100-event
 * log, tens of microseconds.
 */
void evlog_facts_get(const struct evlog *l, struct evlog_facts *f);

#endif
