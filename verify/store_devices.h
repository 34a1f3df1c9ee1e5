/*
 * store_devices.h - what names a device in the store, and the fleet
 * queries of dossier devices and dossier report (table device_names of
 * schema 9, and reads of devices, challenges and results; see
 * dossier-store(5)).
 *
 * Names: the host name and machine id a device stated in its enrollment
 * bundle (manifest facts host.name and host.machine-id, format/manifest.h;
 * "" for bundles that carry none), and a label the operator gives. A
 * label is unique in the store, so it selects one device; host names are
 * what the devices say and may repeat. store_device_display() picks what
 * a person is shown: the label, else the host name, else "".
 *
 * Rounds: one run of dossier challenge (or enroll) issues its challenges
 * with one clock reading, so the attestation challenges sharing an issue
 * time are one round. A device answered a round when a stored result of
 * its own names its challenge of that round.
 *
 * Errors follow store.h: 0 or -1 with e set; absence is *found false.
 */
#ifndef DOSSIER_VERIFY_STORE_DEVICES_H
#define DOSSIER_VERIFY_STORE_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"
#include "format/manifest.h"
#include "verify/store.h"

#define STORE_HOST_NAME_MAX	MANIFEST_FACT_VALUE_MAX	/* 256 bytes */
#define STORE_MACHINE_ID_LEN	32	/* /etc/machine-id: 32 lowercase hex */
#define STORE_LABEL_MAX		64	/* bytes of UTF-8 */
#define STORE_REASON_MAX	256	/* revocation reason, bytes */
/* At most this many devices are named by one look-up (the candidates of
 * an ambiguous name are listed up to it). */
#define STORE_FIND_MAX		16

struct store_device_names {
	char host_name[STORE_HOST_NAME_MAX + 1];	/* "" unknown */
	char machine_id[STORE_MACHINE_ID_LEN + 1];	/* "" unknown */
	char label[STORE_LABEL_MAX + 1];		/* "" none */
	char revoke_reason[STORE_REASON_MAX + 1];	/* "" none given */
	int64_t revoked;		/* when revoked by dossier devices; 0 */
};

/* The names of a device; all "" (and *found false) when none recorded. */
int store_device_names_get(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], struct store_device_names *out,
    bool *found, struct errbuf *e);

/* The label, else the host name, else "" (points into n). */
const char *store_device_display(const struct store_device_names *n);

/*
 * Record what the device stated at (re-)enrollment: host_name and
 * machine_id may be NULL or "" (not stated; a stored one is cleared).
 * The label is kept; a revocation note is cleared (the device is
 * enrolled again). Refused: a host name longer
 * than STORE_HOST_NAME_MAX or with control characters, a machine id that
 * is not 32 lowercase hex digits; an unknown device.
 */
int store_device_identity_set(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], const char *host_name,
    const char *machine_id, int64_t now, struct errbuf *e);

/*
 * Check an operator label: 1..STORE_LABEL_MAX bytes of UTF-8 without
 * control characters, not starting with '-' or a space. 0 or -1 (e says
 * why).
 */
int store_label_check(const char *label, struct errbuf *e);

/*
 * Set (label not NULL) or clear (NULL) a device's label. A label another
 * device has is refused naming that device. Fails for an unknown device.
 */
int store_device_label_set(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], const char *label, int64_t now,
    struct errbuf *e);

/*
 * Revoke a device (state revoked: no new challenges, its evidence is
 * refused) with an optional reason (NULL or "", at most STORE_REASON_MAX
 * bytes without control characters), in one savepoint. The time
 * recorded is now, or the device's last update if that is later (a clock
 * set back does not block a revocation). Outstanding
 * challenges stay in the ledger; its evidence fails device.state.
 */
int store_device_revoke(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], const char *reason, int64_t now,
    struct errbuf *e);

/*
 * The devices text names: the one whose label is text (*by_label true),
 * else those whose host name is text, at most cap of them (*n counts all
 * matches, so *n > cap says some were left out).
 */
int store_device_find_name(struct store *s, const char *text,
    uint8_t (*ids)[STORE_DEVICE_ID_LEN], size_t cap, size_t *n,
    bool *by_label, struct errbuf *e);

/* ---- fleet queries ------------------------------------------------------- */

/* Issued challenges of the device not yet past not_after at now. */
int store_device_outstanding(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], int64_t now, unsigned *n,
    struct errbuf *e);

/* The device's newest stored result (malloc'd strings:
 * store_result_record_free()); *found false when it has none. */
int store_device_last_result(struct store *s,
    const uint8_t id[STORE_DEVICE_ID_LEN], struct store_result_record *out,
    bool *found, struct errbuf *e);

/* The issue time of the newest round; *found false without one. */
int store_last_round(struct store *s, int64_t *issued, bool *found,
    struct errbuf *e);

/* One device's challenge of one round, with its answer if any. */
struct store_round_cell {
	int64_t round;				/* the issue time */
	uint8_t device_id[STORE_DEVICE_ID_LEN];
	uint8_t challenge_id[STORE_ID_LEN];
	enum store_challenge_state state;
	int64_t not_after;
	bool answered;				/* a result names it */
	enum store_verdict verdict;		/* of its newest result */
};

/*
 * Call fn for every attestation challenge issued in [since, until], by
 * issue time then device id. fn returns 0 to go on, -1 to stop (its
 * error returned).
 */
typedef int (*store_round_fn)(void *arg, const struct store_round_cell *c,
    struct errbuf *e);
int store_rounds_foreach(struct store *s, int64_t since, int64_t until,
    store_round_fn fn, void *arg, struct errbuf *e);

#endif
