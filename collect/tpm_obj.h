/*
 * tpm_obj.h - keys held in a TPM (transient or persistent) with their
 * checked public area and Name, persisting and evicting them, the EK
 * authorisation session, and a count of what is loaded.
 *
 * Without a resource manager (swtpm, or /dev/tpm0) a TPM has about three
 * transient object slots and a few session slots. The rule in collect/:
 * whoever creates a transient object or a session flushes it as soon as
 * it is not needed; every function here and in tpm_ek/tpm_ak/tpm_activate/
 * tpm_quote/tpm_sign flushes what it made before it returns, on success and
 * on error, except the struct tpm_key it hands to its caller, which the
 * caller releases with tpm_key_close().
 *
 * Errors follow format/err.h: 0 on success, -1 with a message in the
 * errbuf; TPM failures carry the TSS error decoded by Tss2_RC_Decode.
 */
#ifndef DOSSIER_COLLECT_TPM_OBJ_H
#define DOSSIER_COLLECT_TPM_OBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "format/err.h"
#include "format/tpm_public.h"

/* Persistent handles (TPM 2.0 Part 2, TPM_HT_PERSISTENT). */
#define TPM_PERSISTENT_FIRST 0x81000000u
#define TPM_PERSISTENT_LAST  0x81ffffffu

/* Largest marshaled TPM2B_PUBLIC. */
#define TPM_KEY_PUBLIC_2B_MAX (2 + TPM_PUBLIC_MAX_BYTES)

/*
 * A key in the TPM. tr is the ESYS handle (ESYS_TR_NONE when closed).
 * persistent is its persistent handle, or 0 for a transient object.
 * pub and name are checked: pub was parsed strictly (canonical), and name
 * was computed by us and is equal to the Name the TPM reported.
 */
struct tpm_key {
	ESYS_TR tr;
	uint32_t persistent;
	struct tpm_public pub;
	struct tpm_name name;
};

void tpm_key_init(struct tpm_key *k);

/*
 * Release k: a transient object is flushed from the TPM (its slot freed);
 * a persistent one only has its ESYS handle closed (it stays in the TPM).
 * Safe on a closed or initialised key.
 */
void tpm_key_close(ESYS_CONTEXT *esys, struct tpm_key *k);

/*
 * Fill k->pub and k->name from a public area the TPM returned: marshaled
 * with Tss2_MU, parsed with tpm_public_parse. If tpm_name is not NULL, the
 * Name we compute must equal it.
 */
int tpm_key_set_public(struct tpm_key *k, const TPM2B_PUBLIC *pub,
    const TPM2B_NAME *tpm_name, struct errbuf *e);

/* The public area as a TPM2B_PUBLIC (u16 size || TPMT_PUBLIC), what
 * tpm2_createak -u writes. cap >= TPM_KEY_PUBLIC_2B_MAX is enough. */
int tpm_key_public_2b(const struct tpm_key *k, uint8_t *out, size_t cap,
    size_t *len, struct errbuf *e);

/*
 * Open the persistent object at handle (TPM2_ReadPublic, Name checked)
 * into *k. Fails with a message saying so when nothing is there.
 */
int tpm_key_open_persistent(ESYS_CONTEXT *esys, uint32_t handle,
    struct tpm_key *k, struct errbuf *e);

/*
 * Make the transient key k persistent at handle (TPM2_EvictControl with
 * the owner hierarchy, empty password), then flush the transient copy: on
 * success k refers to the persistent object. Fails if handle is occupied
 * (the caller decides whether to evict it first).
 */
int tpm_key_persist(ESYS_CONTEXT *esys, struct tpm_key *k, uint32_t handle,
    struct errbuf *e);

/* Remove the persistent object at handle (TPM2_EvictControl, owner). */
int tpm_evict(ESYS_CONTEXT *esys, uint32_t handle, struct errbuf *e);

/* Whether a persistent object is at handle. */
int tpm_persistent_exists(ESYS_CONTEXT *esys, uint32_t handle, bool *exists,
    struct errbuf *e);

/*
 * The authorisation of an EK for TPM2_Create, TPM2_Load and
 * TPM2_ActivateCredential. An EK with userWithAuth set (high-range
 * templates) takes the empty password: *s = ESYS_TR_PASSWORD. Otherwise
 * (low-range templates: PolicyA) a policy session is started with the EK's
 * nameAlg and satisfied with TPM2_PolicySecret(TPM_RH_ENDORSEMENT, empty
 * password): *s is that session, which the caller ends with
 * tpm_session_end() right after the one command it authorises.
 */
int tpm_ek_session_start(ESYS_CONTEXT *esys, const struct tpm_key *ek,
    ESYS_TR *s, struct errbuf *e);

/* Flush a session started here (nothing for ESYS_TR_PASSWORD or
 * ESYS_TR_NONE); *s becomes ESYS_TR_NONE. */
void tpm_session_end(ESYS_CONTEXT *esys, ESYS_TR *s);

/* How many transient objects and sessions (loaded or saved) the TPM holds
 * now: TPM2_GetCapability(HANDLES) over each range. */
int tpm_loaded_count(ESYS_CONTEXT *esys, size_t *transient, size_t *sessions,
    struct errbuf *e);

#endif
