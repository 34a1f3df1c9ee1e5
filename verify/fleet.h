/*
 * fleet.h - the fleet as dossier devices and dossier report show it: each
 * device of the store with its names, state, EK, newest result (verdict
 * and first failed check), outstanding challenges and whether it answered
 * the last round of challenges (rounds: verify/store_devices.h).
 *
 * Read only; one snapshot per fleet_load(). Strings are as stored (they
 * may quote input: escape them for the output at hand). Errors follow
 * format/err.h.
 */
#ifndef DOSSIER_VERIFY_FLEET_H
#define DOSSIER_VERIFY_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/ekcert.h"
#include "format/err.h"
#include "format/results.h"
#include "verify/store.h"
#include "verify/store_devices.h"

/* Devices one load reads at most (the table is bounded, not the store:
 * more is refused with a message rather than read without end). */
#define FLEET_DEVICES_MAX	100000

struct fleet_device {
	uint8_t id[STORE_DEVICE_ID_LEN];
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	enum store_device_state state;
	int64_t created, updated;
	struct store_device_names names;
	/* From the stored EK certificate: "rsa 2048", "ecc nist-p384";
	 * the TPM manufacturer as its subjectAltName states it ("IFX", or
	 * the text written); "" when the certificate says nothing. */
	char ek_type[48];
	char ek_manufacturer[EKCERT_ATTR_MAX];
	bool has_last;			/* a stored result names the device */
	int64_t last_time;		/* when it was judged */
	enum store_verdict last_verdict;
	char first_failed[RESULT_CHECK_NAME_MAX + 1];	/* "" none failed */
	char first_reason[RESULT_REASON_MAX + 1];
	unsigned outstanding;		/* issued, not past not_after */
	bool in_last_round;		/* challenged in the last round */
	bool no_show;			/* ... and no result answers it */
};

struct fleet {
	size_t n;
	struct fleet_device *dev;	/* n of them, by device id */
	bool has_round;
	int64_t last_round;		/* issue time of the last round */
};

/* Load every device of s, judged against time now (outstanding). */
int fleet_load(struct store *s, int64_t now, struct fleet *f,
    struct errbuf *e);
void fleet_free(struct fleet *f);

/* The device with this id, NULL if not loaded. */
const struct fleet_device *fleet_find(const struct fleet *f,
    const uint8_t id[STORE_DEVICE_ID_LEN]);

/*
 * The first check of a stored checks array whose outcome is "fail" into
 * name/reason ("" when none failed).
 */
int fleet_first_failed(struct store *s, const char *checks_json, char *name,
    size_t name_cap, char *reason, size_t reason_cap, struct errbuf *e);

#endif
