/*
 * evidence.h - gathering what goes into a bundle on the device: the IMA
 * log (read whole, checked with format/ima_log.h), the PCR selection to
 * read, the platform facts of the manifest, and the member list handed to
 * format/bundle.h. Shared by `dossier-collect enroll` and `attest`.
 *
 * Member names and media types are the bundle's vocabulary,
 * format/members.h (shared with the verifier).
 *
 * Evidence bundles carry, in this order: ek.crt, ek.pub, ak.pub, pcrs.bin,
 * pcrs.tpm2, quote.attest, quote.sig, ima.log (when the challenge asks for
 * "ima"), then ima-sha1.log, ima-sha256.log, ima-sha384.log,
 * ima-sha512.log (each when the challenge asks for "ima-<alg>"), then
 * uefi.log (when it asks for "uefi"). They do not repeat the EK chain
 * certificates of the enrollment. Enrollment bundles carry ima.log and
 * uefi.log when there is one (the verifier keeps them as references).
 *
 * Errors follow format/err.h and name the file or the TPM step.
 */
#ifndef DOSSIER_COLLECT_EVIDENCE_H
#define DOSSIER_COLLECT_EVIDENCE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

#include "collect/tpm_ak.h"
#include "format/bundle.h"
#include "format/err.h"
#include "format/ima_log.h"
#include "format/manifest.h"
#include "format/members.h"
#include "format/pcr_set.h"

/* Where the kernel shows the IMA log (securityfs mounted at the usual
 * place, then the integrity/ layout of newer kernels). */
#define EVIDENCE_IMA_PATH	"/sys/kernel/security/ima/binary_runtime_measurements"
#define EVIDENCE_IMA_PATH_ALT	"/sys/kernel/security/integrity/ima/binary_runtime_measurements"

/* Where the kernel shows the firmware's TCG event log. */
#define EVIDENCE_UEFI_PATH	"/sys/kernel/security/tpm0/binary_bios_measurements"
/* Largest UEFI event log carried (real ones are tens of KiB; the
 * verifier's store keeps up to 64 MiB as a reference). */
#define EVIDENCE_UEFI_LOG_MAX	((size_t)16 << 20)

/* Largest IMA log carried: the bundle's member limit. */
#define EVIDENCE_IMA_LOG_MAX	((size_t)BUNDLE_MEMBER_MAX_BYTES)

/* The IMA log as read and checked. */
struct evidence_ima {
	bool present;			/* false: no log at the default paths */
	const struct hashalg *log_alg;	/* template-digest column */
	bool per_bank;			/* a binary_runtime_measurements_<alg> */
	char path[PATH_MAX];		/* read from (or the default looked at) */
	uint8_t *data;			/* malloc'd, len bytes */
	size_t len;
	uint64_t entries;
	enum ima_byte_order order;
	char media_type[BUNDLE_MEDIA_TYPE_MAX + 1];
};

/*
 * Read the IMA log: path if not NULL (it must exist), else the first of
 * EVIDENCE_IMA_PATH, EVIDENCE_IMA_PATH_ALT that exists (neither: present
 * is false, which is not an error). The log must parse whole with
 * ima_log.h (SHA-1 template column, byte order detected): an empty log,
 * a malformed entry (the message names the entry and offset) or a log over
 * EVIDENCE_IMA_LOG_MAX is an error. Free with evidence_ima_free.
 */
int evidence_ima_read(const char *path, struct evidence_ima *out,
    struct errbuf *e);
void evidence_ima_free(struct evidence_ima *ima);

/*
 * Read the per-bank list of alg (Linux 6.10+): path if not NULL (it must
 * exist), else the first of EVIDENCE_IMA_PATH "_<alg>",
 * EVIDENCE_IMA_PATH_ALT "_<alg>" that exists (neither: present is false,
 * not an error). Parsed whole with the template-digest column of alg;
 * otherwise as evidence_ima_read (per_bank is set, media_type says
 * digest=<alg>). alg must have an OpenSSL digest. Free with
 * evidence_ima_free.
 */
int evidence_ima_read_bank(const struct hashalg *alg, const char *path,
    struct evidence_ima *out, struct errbuf *e);

/* Check buf[0..len) is a well-formed binary IMA log; count its entries. */
int evidence_ima_check(const uint8_t *buf, size_t len, uint64_t *entries,
    enum ima_byte_order *order, struct errbuf *e);

/* The UEFI event log as read: carried verbatim, not parsed here (the
 * verifier parses it; a collector never trusts or interprets it). */
struct evidence_uefi {
	bool present;			/* false: no log at the default path */
	char path[PATH_MAX];		/* read from (or the default looked at) */
	uint8_t *data;			/* malloc'd, len bytes */
	size_t len;
};

/*
 * Read the UEFI event log: path if not NULL (it must exist), else
 * EVIDENCE_UEFI_PATH if it exists (else present is false, not an error).
 * An empty log or one over EVIDENCE_UEFI_LOG_MAX is an error naming the
 * file. Free with evidence_uefi_free.
 */
int evidence_uefi_read(const char *path, struct evidence_uefi *out,
    struct errbuf *e);
void evidence_uefi_free(struct evidence_uefi *u);

/* The PCR the kernel's IMA extends (CONFIG_IMA_MEASURE_PCR_IDX). */
#define EVIDENCE_IMA_PCR	10

/*
 * Whether the IMA log's own replay reaches the quoted values: ima->data is
 * replayed (format/ima_replay.h, both extension modes) into every bank of
 * quoted that has a value for EVIDENCE_IMA_PCR (a per-bank list: only into
 * the bank of its column, per-bank mode only), compared after each
 * record with quoted. It reaches when in each such bank some prefix of the
 * log matches (in either mode) every PCR the log extends, and all banks
 * match the same prefix; *prefix gets its length (the rest of the log is
 * the unquoted tail: records added after the quote). A set without
 * EVIDENCE_IMA_PCR in any bank has nothing to reach: *prefix = 0, reached.
 * Returns 0 with *reached set; -1 only on an error (OpenSSL, a malformed
 * log), message in e. When not reached, why (cap bytes) says what did not
 * match.
 */
int evidence_ima_reaches(const struct evidence_ima *ima,
    const struct pcr_set *quoted, bool *reached, uint64_t *prefix,
    char *why, size_t why_cap, struct errbuf *e);

/*
 * The PCRs to read: spec in tpm2-tools syntax (format/tpm_attest.h) if not
 * NULL, else every PCR of every allocated bank the TPM reports that
 * format/hashalg.h knows (banks with no PCR allocated are left out).
 */
int evidence_pcr_selection(ESYS_CONTEXT *esys, const char *spec,
    TPML_PCR_SELECTION *out, struct errbuf *e);

/*
 * Add a platform fact to m (at most MANIFEST_FACTS_MAX; key and value
 * within MANIFEST_FACT_KEY_MAX / MANIFEST_FACT_VALUE_MAX).
 */
int evidence_fact_add(struct manifest *m, const char *key, const char *value,
    struct errbuf *e);

/*
 * The platform facts every bundle carries:
 *   kernel.release   uname -r
 *   host.byteorder   little / big
 *   ima.log          the path read, or "absent (PATH not found)"
 *   ima.entries      records in the log (when present)
 *   ima.byteorder    the log's byte order (when present)
 */
int evidence_platform_facts(struct manifest *m, const struct evidence_ima *ima,
    struct errbuf *e);

/* The members of a bundle being built (data stays the caller's). */
struct evidence_members {
	size_t n;
	struct bundle_input in[BUNDLE_MEMBERS_MAX];
	char media_types[BUNDLE_MEMBERS_MAX][BUNDLE_MEDIA_TYPE_MAX + 1];
	char names[BUNDLE_MEMBERS_MAX][BUNDLE_MEMBER_NAME_MAX + 1];
};

void evidence_members_init(struct evidence_members *ms);

/* Append a member; name and media type are copied. */
int evidence_member_add(struct evidence_members *ms, const char *name,
    const char *media_type, const uint8_t *data, size_t len,
    struct errbuf *e);

/*
 * Sign m with the loaded AK inside the TPM (manifest_sign_begin, a TPM
 * hash sequence and TPM2_Sign, manifest_sign_finish) and write the bundle
 * (MANIFEST then ms's members, mtime = m->created) to path atomically.
 * m->members are filled here from ms (bundle_members_compute).
 */
int evidence_bundle_write(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    struct manifest *m, const struct evidence_members *ms, const char *path,
    struct errbuf *e);

#endif
