/*
 * eventlog.h - the UEFI / TCG PC Client firmware event log
 * (/sys/kernel/security/tpm0/binary_bios_measurements): strict parser and
 * replay into PCR banks. Facts drawn from the events are in
 * format/eventlog_facts.h, comparison with a reference log and policy
 * rules in policy/eventlog_policy.h.
 *
 * Two formats, both little-endian (TCG PC Client Platform Firmware
 * Profile, "Event Logging"):
 *
 *   SHA-1 (TCG 1.2, TCG_PCClientPCREvent), every event:
 *     u32 pcr | u32 type | [20] SHA-1 digest | u32 size | [size] data
 *   crypto-agile: a first event in the SHA-1 layout, EV_NO_ACTION on PCR 0
 *     with a zero digest, whose data is TCG_EfiSpecIDEvent:
 *       [16] "Spec ID Event03\0" | u32 platformClass | u8 minor | u8 major
 *       | u8 errata | u8 uintnSize | u32 n | n x { u16 alg, u16 size }
 *       | u8 vendorInfoSize | [vendorInfoSize]
 *     then TCG_PCR_EVENT2 events:
 *       u32 pcr | u32 type | u32 count | count x { u16 alg, [size] }
 *       | u32 size | [size] data
 *
 * A log is crypto-agile exactly when its first event is that Spec ID
 * event; otherwise every event is read in the SHA-1 layout. Digest sizes
 * come from the Spec ID table (the only way to step over an algorithm this
 * build does not know); a known algorithm declared with another size than
 * its own is refused, and so is an event naming an algorithm the table
 * does not declare, an event with no digest or more digests than the
 * table's banks, or a bank given twice. An event may carry fewer digests
 * than the table declares (real firmware does: Dell's OS-time events on
 * PCRs 11-14 are in sha256 only, tpm2-tools' fixtures declare four banks
 * and fill two); each bank is replayed with the events that carry its
 * digest, which is what the TPM was sent.
 *
 * What is extended (evlog_replay_run): every event except EV_NO_ACTION and
 * events on PCR index 0xFFFFFFFF (real laptop firmware writes such events;
 * they are parsed and reported with EVLOG_EV_NOT_EXTENDED, never
 * extended). An EV_NO_ACTION "StartupLocality\0" + u8 event on PCR 0,
 * before anything was extended into PCR 0, sets PCR 0's initial value in
 * every bank to zeros with the locality in its last byte (3 when the
 * firmware sent TPM2_Startup from locality 3, 4 after an H-CRTM
 * sequence), as the TPM set it at startup. Any other PCR index at or
 * above EVLOG_PCR_COUNT is an error.
 *
 * The event type is not covered by the event digest, so nothing in a
 * parser's result says an event's data is true; eventlog_facts.h decides
 * per event whether its data is covered by its digest. Unknown event
 * types are kept (evlog_type_name() gives NULL) and extended like any
 * other event: the TPM extended them.
 *
 * Memory: struct evlog holds one array of events, grown by doubling and
 * kept across evlog_parse() calls (a verifier thread parses many logs with
 * one struct evlog and allocates only while its largest log grows). An
 * event holds no copies: its pointers point into the bytes given to
 * evlog_parse(), which the caller keeps alive and unchanged while the
 * events are used.
 *
 * Errors follow format/err.h; messages name the 0-based event index and
 * the byte offset of the event in the input. On a parse error the events
 * before the bad one stay in the log (nevents), so a caller can show and
 * replay what was readable; err_offset says where reading stopped.
 */
#ifndef DOSSIER_EVENTLOG_H
#define DOSSIER_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "format/err.h"
#include "format/hashalg.h"
#include "format/pcr_set.h"

#define EVLOG_MAX_SIZE		(64u << 20)	/* bytes of a log we read */
#define EVLOG_MAX_EVENTS	65536		/* events in one log */
#define EVLOG_MAX_EVENT_DATA	(4u << 20)	/* bytes of one event's data */
#define EVLOG_MAX_BANKS		PCR_SET_MAX_BANKS /* algorithms in Spec ID */
#define EVLOG_PCR_COUNT		PCR_COUNT	/* PCR indices 0..31 */
#define EVLOG_PCR_NONE		0xFFFFFFFFu	/* never extended */

/* Event types (TCG PC Client PFP, "Event Types"). */
#define EV_PREBOOT_CERT			0x00000000u
#define EV_POST_CODE			0x00000001u
#define EV_UNUSED			0x00000002u
#define EV_NO_ACTION			0x00000003u
#define EV_SEPARATOR			0x00000004u
#define EV_ACTION			0x00000005u
#define EV_EVENT_TAG			0x00000006u
#define EV_S_CRTM_CONTENTS		0x00000007u
#define EV_S_CRTM_VERSION		0x00000008u
#define EV_CPU_MICROCODE		0x00000009u
#define EV_PLATFORM_CONFIG_FLAGS	0x0000000Au
#define EV_TABLE_OF_DEVICES		0x0000000Bu
#define EV_COMPACT_HASH			0x0000000Cu
#define EV_IPL				0x0000000Du
#define EV_IPL_PARTITION_DATA		0x0000000Eu
#define EV_NONHOST_CODE			0x0000000Fu
#define EV_NONHOST_CONFIG		0x00000010u
#define EV_NONHOST_INFO			0x00000011u
#define EV_OMIT_BOOT_DEVICE_EVENTS	0x00000012u
#define EV_POST_CODE2			0x00000013u
#define EV_EFI_VARIABLE_DRIVER_CONFIG	0x80000001u
#define EV_EFI_VARIABLE_BOOT		0x80000002u
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define EV_EFI_BOOT_SERVICES_DRIVER	0x80000004u
#define EV_EFI_RUNTIME_SERVICES_DRIVER	0x80000005u
#define EV_EFI_GPT_EVENT		0x80000006u
#define EV_EFI_ACTION			0x80000007u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB	0x80000008u
#define EV_EFI_HANDOFF_TABLES		0x80000009u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB2	0x8000000Au
#define EV_EFI_HANDOFF_TABLES2		0x8000000Bu
#define EV_EFI_VARIABLE_BOOT2		0x8000000Cu
#define EV_EFI_GPT_EVENT2		0x8000000Du
#define EV_EFI_HCRTM_EVENT		0x80000010u
#define EV_EFI_VARIABLE_AUTHORITY	0x800000E0u
#define EV_EFI_SPDM_FIRMWARE_BLOB	0x800000E1u
#define EV_EFI_SPDM_FIRMWARE_CONFIG	0x800000E2u
#define EV_EFI_SPDM_DEVICE_POLICY	0x800000E3u
#define EV_EFI_SPDM_DEVICE_AUTHORITY	0x800000E4u

/* "EV_SEPARATOR", ...; NULL for a type this build does not know. */
const char *evlog_type_name(uint32_t type);

enum evlog_format {
	EVLOG_FORMAT_SHA1,		/* TCG 1.2 TCG_PCClientPCREvent */
	EVLOG_FORMAT_AGILE,		/* Spec ID Event03 + TCG_PCR_EVENT2 */
};

/* A bank the log declares. alg is NULL for an algorithm this build does
 * not know (its digests are parsed, shown in hex, never replayed). */
struct evlog_bank {
	uint16_t tpm_id;
	uint16_t size;
	const struct hashalg *alg;
};

/* Event flags. */
#define EVLOG_EV_NOT_EXTENDED	0x01u	/* EV_NO_ACTION or PCR 0xFFFFFFFF */
#define EVLOG_EV_SPECID		0x02u	/* the Spec ID event itself */
#define EVLOG_EV_LOCALITY	0x04u	/* a StartupLocality event */

struct evlog_event {
	uint32_t index;			/* 0-based, the Spec ID event is 0 */
	uint32_t flags;
	size_t offset;			/* of the event in the input */
	uint32_t pcr;			/* EVLOG_PCR_NONE possible */
	uint32_t type;
	/* digest[i] belongs to log->banks[i] (same order for every event),
	 * NULL when the event carries none for that bank; the Spec ID event
	 * has one SHA-1 digest in digest[sha1 bank] or, when the log has no
	 * SHA-1 bank, none. */
	const uint8_t *digest[EVLOG_MAX_BANKS];
	const uint8_t *data;
	uint32_t data_len;
};

struct evlog {
	enum evlog_format format;
	size_t nbanks;
	struct evlog_bank banks[EVLOG_MAX_BANKS];
	/* Spec ID fields (agile logs) */
	uint32_t platform_class;
	uint8_t spec_major, spec_minor, spec_errata, uintn_size;
	/* StartupLocality: set when the log has one (event index in
	 * locality_event); applied only before PCR 0 was first extended. */
	bool has_locality;
	uint8_t locality;
	uint32_t locality_event;
	size_t nevents;
	struct evlog_event *events;
	size_t cap;			/* allocated events */
	/* Parse outcome: parsed_all false after an error, err_offset the
	 * byte offset at which reading stopped. */
	bool parsed_all;
	size_t err_offset;
	uint32_t pcrs_named;		/* bit i: an event extends PCR i */
};

void evlog_init(struct evlog *l);
void evlog_free(struct evlog *l);

/*
 * Parse buf[0..len) into l (previous content discarded, its memory
 * reused). 0 when the whole input is a well-formed log; -1 with the
 * message (event index, offset, check) otherwise: an empty input, a
 * truncated event ("event 7 at offset 1234: truncated: data of 300 bytes,
 * 12 left"), trailing bytes too short for an event header, a PCR index
 * out of range, a size above the limits, a Spec ID event that is not
 * well formed. Events parsed before the error stay in l.
 */
int evlog_parse(struct evlog *l, const uint8_t *buf, size_t len,
    struct errbuf *e);

/* Index into l->banks of algorithm tpm_id, or -1. */
int evlog_bank_index(const struct evlog *l, uint16_t tpm_id);

/*
 * Replay: every bank of the log whose algorithm this build can compute
 * (or only the ones asked for), one reusable digest context per bank, no
 * allocation per event. Values of PCRs the log never extends in a bank
 * stay unset (bit clear in that bank's extended).
 */
struct evlog_replay_bank {
	const struct hashalg *alg;
	int log_bank;			/* index into log->banks */
	EVP_MD_CTX *ctx;		/* kept across runs: one per bank, as
					 * switching a context's digest costs
					 * an allocation per extend */
	uint32_t extended;		/* bit i: PCR i extended in this bank */
	uint32_t events_into[EVLOG_PCR_COUNT];	/* events extended per PCR */
	uint8_t pcr[EVLOG_PCR_COUNT][HASHALG_MAX_SIZE];
};

struct evlog_replay {
	size_t nbanks;
	struct evlog_replay_bank banks[EVLOG_MAX_BANKS];
	uint32_t extended;		/* bit i: PCR i extended in any bank */
	bool locality_applied;
	/* Banks asked for that the log lacks or that cannot be computed:
	 * named in skipped_note ("sm3_256: no OpenSSL digest"). */
	char skipped_note[256];
};

/*
 * Replay l. want[0..nwant) selects banks by algorithm (nwant 0: every
 * computable bank of the log); a wanted bank the log does not have is an
 * error. Fails only on a bad selection or an OpenSSL error. Digest
 * contexts are allocated on the first call and reused by later ones: zero
 * r once, call evlog_replay_free() when done.
 */
int evlog_replay_run(struct evlog_replay *r, const struct evlog *l,
    const struct hashalg *const *want, size_t nwant, struct errbuf *e);
void evlog_replay_free(struct evlog_replay *r);

/* Index into r->banks of alg, or -1. */
int evlog_replay_bank(const struct evlog_replay *r, const struct hashalg *alg);

/*
 * Compare the replay with quoted values: for every replayed bank that s
 * also has and every PCR the log extends, r's value must equal s's. Walks
 * PCRs in ascending order and, per PCR, banks in log order, and stops at
 * the first disagreement:
 */
struct evlog_pcr_cmp {
	size_t compared;		/* (bank, PCR) pairs compared */
	size_t missing;			/* extended but not in s */
	bool mismatch;
	unsigned pcr;			/* the first that disagrees */
	const struct hashalg *alg;
	uint32_t events;		/* events replayed into that PCR */
	const uint8_t *replayed;	/* r's value (alg->size bytes) */
	const uint8_t *quoted;		/* s's value */
};
void evlog_replay_compare(const struct evlog_replay *r,
    const struct pcr_set *s, struct evlog_pcr_cmp *out);

/* The replayed values as a pcr_set (only extended PCRs). */
int evlog_replay_to_pcr_set(const struct evlog_replay *r, struct pcr_set *s,
    struct errbuf *e);

#endif
