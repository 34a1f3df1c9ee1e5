/* tpm_conn.c - see tpm_conn.h. */
#include "collect/tpm_conn.h"

#include <string.h>

#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

int
tpm_err(struct errbuf *e, const char *what, TSS2_RC rc)
{
	return err_set(e, "%s: %s (0x%x)", what, Tss2_RC_Decode(rc),
	    (unsigned)rc);
}

int
tpm_conn_open(struct tpm_conn *c, const char *tcti_conf, struct errbuf *e)
{
	TSS2_RC rc;

	memset(c, 0, sizeof(*c));
	rc = Tss2_TctiLdr_Initialize(tcti_conf, &c->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		c->tcti = NULL;
		tpm_err(e, "cannot open the TCTI", rc);
		return err_prefix(e, "TCTI '%s'", tcti_conf);
	}
	rc = Esys_Initialize(&c->esys, c->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		c->esys = NULL;
		tpm_conn_close(c);
		tpm_err(e, "cannot initialise ESAPI", rc);
		return err_prefix(e, "TCTI '%s'", tcti_conf);
	}
	return 0;
}

void
tpm_conn_close(struct tpm_conn *c)
{
	if (c->esys != NULL)
		Esys_Finalize(&c->esys);
	if (c->tcti != NULL)
		Tss2_TctiLdr_Finalize(&c->tcti);
	c->esys = NULL;
	c->tcti = NULL;
}
