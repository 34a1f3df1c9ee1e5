/*
 * state.h - the device state directory of dossier-collect: what enroll
 * records and attest needs again (the pinned verifier key, where the EK and
 * the AK live, the device id).
 *
 * LAYOUT (DIR is --state, default STATE_DEFAULT_DIR; created mode 0700;
 * every file is written with file_write_atomic, mode 0600, and "state" is
 * written last, so it only ever names files that are complete):
 *
 *   DIR/state         text, one "key=value" per line, '#' comments:
 *                       format=1
 *                       device-id=<64 hex>      SHA-256 of the EK cert DER
 *                       ek-template=<name>      tpm_ek.h template, "rsa2048"
 *                       ek-handle=0x81010001    or "none" (transient EK,
 *                                               re-created from the template)
 *                       ak-handle=0x81000002    or "none" (ak.priv is kept)
 *                       ak-name=<hex>           u16 nameAlg || digest
 *                       verifier-id=<64 hex>    SHA-256 of verifier.pem's DER
 *                     Every key once; unknown keys and missing keys are
 *                     errors (a newer or damaged state is not guessed at).
 *   DIR/verifier.pem  the pinned verifier public key, exactly as given
 *                     (a PEM SubjectPublicKeyInfo of a NIST P-256 key)
 *   DIR/ak.pub        the AK's TPM2B_PUBLIC
 *   DIR/ak.priv       the AK's TPM2B_PRIVATE (only when ak-handle=none)
 *
 * Reading checks that the files agree: verifier.pem hashes to verifier-id,
 * ak.pub has the Name ak-name. Nothing here touches the TPM.
 *
 * Ownership: struct collect_state is a plain value (bounded arrays, no
 * pointers). Errors follow format/err.h and name the file.
 */
#ifndef DOSSIER_COLLECT_STATE_H
#define DOSSIER_COLLECT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

#include "collect/tpm_obj.h"
#include "format/err.h"
#include "format/tpm_public.h"

#define STATE_DEFAULT_DIR	"/var/lib/dossier-collect"
#define STATE_FORMAT		1
#define STATE_FILE_MAX		4096		/* the "state" text file */
#define STATE_VERIFIER_PEM_MAX	4096		/* a P-256 SPKI PEM is ~180 B */
#define STATE_TEMPLATE_NAME_MAX	31
#define STATE_ID_LEN		32		/* SHA-256 */
#define STATE_AK_PRIV_MAX	sizeof(TPM2B_PRIVATE)

struct collect_state {
	uint8_t device_id[STATE_ID_LEN];
	char ek_template[STATE_TEMPLATE_NAME_MAX + 1];
	uint32_t ek_handle;		/* 0: none (transient EK) */
	uint32_t ak_handle;		/* 0: none (blobs) */
	struct tpm_name ak_name;
	uint8_t verifier_id[STATE_ID_LEN];
	uint8_t verifier_pem[STATE_VERIFIER_PEM_MAX];
	size_t verifier_pem_len;
	uint8_t ak_pub[TPM_KEY_PUBLIC_2B_MAX];	/* TPM2B_PUBLIC */
	size_t ak_pub_len;
	uint8_t ak_priv[STATE_AK_PRIV_MAX];	/* TPM2B_PRIVATE, ak_handle 0 */
	size_t ak_priv_len;
};

/*
 * Make sure dir is a directory only its owner can write: create it (mode
 * 0700, parent must exist) if it is missing; refuse a symbolic link, a
 * non-directory, or a directory writable by group or others.
 */
int state_dir_prepare(const char *dir, struct errbuf *e);

/*
 * Load the state of dir into *st. *found is false (and *st zeroed) when
 * dir/state does not exist; a state file that exists must be complete and
 * consistent with the other files.
 */
int state_load(const char *dir, struct collect_state *st, bool *found,
    struct errbuf *e);

/*
 * Write st into dir: verifier.pem, ak.pub, ak.priv (removed when
 * ak_handle != 0), then state. st must be complete (verifier_pem_len,
 * ak_pub_len > 0; ak_priv_len > 0 when ak_handle is 0).
 */
int state_save(const char *dir, const struct collect_state *st,
    struct errbuf *e);

/*
 * Check that pem[0..len) is exactly one PEM "PUBLIC KEY" block (text
 * around it refused) holding a NIST P-256 SubjectPublicKeyInfo, and
 * compute the verifier id, SHA-256 of the DER SubjectPublicKeyInfo.
 */
int state_verifier_key_check(const uint8_t *pem, size_t len,
    uint8_t id[STATE_ID_LEN], struct errbuf *e);

#endif
