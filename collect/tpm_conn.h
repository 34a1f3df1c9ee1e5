/*
 * tpm_conn.h - a connection to a TPM: the TCTI loader plus an ESAPI context.
 *
 * The TCTI is always named explicitly (e.g. "swtpm:host=127.0.0.1,port=2321"
 * or "device:/dev/tpmrm0"): libtss2 ignores its own environment variables
 * when the configuration is NULL, so the caller decides where it comes from.
 */
#ifndef DOSSIER_COLLECT_TPM_CONN_H
#define DOSSIER_COLLECT_TPM_CONN_H

#include <tss2/tss2_esys.h>

#include "format/err.h"

struct tpm_conn {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

/*
 * Load and initialise the TCTI named by tcti_conf and an ESAPI context on
 * it. 0 on success; -1 with a message naming the TCTI and the decoded TSS
 * error, and *c left closed. Close with tpm_conn_close().
 */
int tpm_conn_open(struct tpm_conn *c, const char *tcti_conf, struct errbuf *e);

/* Finalise ESAPI and the TCTI; safe on a closed or zeroed connection. */
void tpm_conn_close(struct tpm_conn *c);

/* "what: <decoded rc> (0xRC)" into e. Returns -1. */
int tpm_err(struct errbuf *e, const char *what, TSS2_RC rc);

#endif
