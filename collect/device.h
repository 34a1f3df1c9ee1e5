/*
 * device.h - finding this device's EK and AK in the TPM: the lookup rules
 * `dossier-collect enroll` uses to pick and persist them, and the reopening
 * of what enroll recorded in the state directory (collect/state.h), which
 * `attest` needs.
 *
 * EK handle rule (enroll): an EK of the chosen template already persistent
 * at the EK handle is used. With that handle taken by another key (swtpm
 * keeps its RSA EK at 0x81010001 and its P-384 EK at 0x81010016), the EK
 * range DEVICE_EK_PERSISTENT_FIRST..LAST is searched for a persistent EK of
 * the template, which is then used (unless the handle was given
 * explicitly: then a foreign key there is an error). A free handle gets a
 * newly created EK, persisted.
 *
 * Reopening (attest): the EK of the state's template, at the state's
 * handle (or created again from the template when the state says none),
 * its certificate read from the template's NV index and hashed: it must
 * give the state's device id. The AK at the state's handle (or loaded from
 * the state's blobs under that EK) must have exactly the state's public
 * area (so the Name is the enrolled one).
 *
 * Ownership: keys opened here belong to the caller (tpm_ek_close,
 * tpm_ak_close); on failure nothing stays loaded. Errors follow
 * format/err.h.
 */
#ifndef DOSSIER_COLLECT_DEVICE_H
#define DOSSIER_COLLECT_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/state.h"
#include "collect/tpm_ak.h"
#include "collect/tpm_ek.h"
#include "format/err.h"

/* TCG Provisioning Guidance: persistent EKs live in this range. */
#define DEVICE_EK_PERSISTENT_FIRST 0x81010000u
#define DEVICE_EK_PERSISTENT_LAST  0x810100ffu

/*
 * The first template (tpm_ek.h table order) of the wanted type ("rsa",
 * "ecc" or "auto": any) whose certificate index is defined in NV.
 */
int device_ek_pick_template(ESYS_CONTEXT *esys, const char *want,
    const struct tpm_ek_template **out, struct errbuf *e);

/*
 * The EK of template t, persistent per the EK handle rule above, into
 * *ek (no certificate read). handle_given: handle came from the user.
 */
int device_ek_persistent(ESYS_CONTEXT *esys, const struct tpm_ek_template *t,
    uint32_t handle, bool handle_given, struct tpm_ek *ek, struct errbuf *e);

/*
 * The EK the state describes, with its certificate read and checked
 * against the state's device id (see above).
 */
int device_ek_open(ESYS_CONTEXT *esys, const struct collect_state *st,
    struct tpm_ek *ek, struct errbuf *e);

/*
 * The AK the state describes, under ek (the EK of the same state): the
 * persistent one at st->ak_handle, or st->ak_priv/ak_pub loaded under ek
 * (a transient object). Its public area must equal st->ak_pub.
 */
int device_ak_open(ESYS_CONTEXT *esys, const struct collect_state *st,
    const struct tpm_ek *ek, struct tpm_ak *ak, struct errbuf *e);

#endif
