/* device.c - this device's EK and AK in the TPM (device.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "collect/device.h"
#include "collect/tpm_nv.h"
#include "collect/tpm_obj.h"
#include "format/hashalg.h"
#include "format/hex.h"

/* ---- enroll: picking and persisting the EK ----------------------------- */

int
device_ek_pick_template(ESYS_CONTEXT *esys, const char *want,
    const struct tpm_ek_template **out, struct errbuf *e)
{
	const struct tpm_ek_template *t;
	size_t i, n;
	int defined;

	t = tpm_ek_templates(&n);
	for (i = 0; i < n; i++) {
		if ((strcmp(want, "rsa") == 0 && t[i].type != TPM2_ALG_RSA) ||
		    (strcmp(want, "ecc") == 0 && t[i].type != TPM2_ALG_ECC))
			continue;
		if (tpm_nv_defined(esys, t[i].cert_nv, &defined, e) != 0)
			return err_prefix(e, "looking for EK certificates");
		if (defined) {
			*out = &t[i];
			return 0;
		}
	}
	return err_set(e, "no %s EK certificate in NV at any index of the TCG "
	    "EK templates", strcmp(want, "auto") == 0 ? "" : want);
}

/* Open the persistent EK at h if it is one of template t: 1 yes, 0 no. */
static int
ek_try_persistent(ESYS_CONTEXT *esys, uint32_t h,
    const struct tpm_ek_template *t, struct tpm_ek *ek, struct errbuf *e)
{
	bool exists;

	if (tpm_persistent_exists(esys, h, &exists, e) != 0)
		return -1;
	if (!exists || tpm_ek_open_persistent(esys, h, ek, e) != 0)
		return 0;
	if (ek->tmpl == t)
		return 1;
	tpm_ek_close(esys, ek);
	return 0;
}

/* A persistent EK of template t in the EK range: its handle, or 0. */
static int
ek_search(ESYS_CONTEXT *esys, const struct tpm_ek_template *t,
    struct tpm_ek *ek, uint32_t *found, struct errbuf *e)
{
	uint32_t h[TPM_NV_LIST_MAX];
	size_t n, i;
	int r;

	*found = 0;
	if (tpm_nv_list(esys, DEVICE_EK_PERSISTENT_FIRST,
	    DEVICE_EK_PERSISTENT_LAST, h, TPM_NV_LIST_MAX, &n, e) != 0)
		return err_prefix(e, "listing persistent EKs");
	for (i = 0; i < n; i++) {
		if ((r = ek_try_persistent(esys, h[i], t, ek, e)) < 0)
			return -1;
		if (r == 1) {
			*found = h[i];
			return 0;
		}
	}
	return 0;
}

int
device_ek_persistent(ESYS_CONTEXT *esys, const struct tpm_ek_template *t,
    uint32_t handle, bool handle_given, struct tpm_ek *ek, struct errbuf *e)
{
	uint32_t found;
	bool exists;
	int r;

	if ((r = ek_try_persistent(esys, handle, t, ek, e)) != 0)
		return r < 0 ? -1 : 0;
	if (tpm_persistent_exists(esys, handle, &exists, e) != 0)
		return -1;
	if (!exists) {
		if (tpm_ek_create(esys, t, ek, e) != 0)
			return -1;
		if (tpm_key_persist(esys, &ek->key, handle, e) != 0) {
			tpm_ek_close(esys, ek);
			return err_prefix(e, "persisting the EK at 0x%08" PRIx32,
			    handle);
		}
		return 0;
	}
	if (!handle_given) {
		if (ek_search(esys, t, ek, &found, e) != 0)
			return -1;
		if (found != 0)
			return 0;
	}
	return err_set(e, "persistent handle 0x%08" PRIx32 " holds a key that "
	    "is not an EK of %s; give --ek-handle a free handle (or "
	    "--no-persist)", handle, t->desc);
}

/* ---- attest: reopening what the state records ---------------------------- */

/* The EK's certificate must hash to the enrolled device id. */
static int
ek_check_device(const struct collect_state *st, const struct tpm_ek *ek,
    struct errbuf *e)
{
	uint8_t id[STATE_ID_LEN];
	char want[2 * STATE_ID_LEN + 1], got[2 * STATE_ID_LEN + 1];

	if (hashalg_digest(hashalg_by_name("sha256"), ek->cert.der,
	    ek->cert.der_len, id) != 0)
		return err_set(e, "SHA-256 of the EK certificate failed");
	if (memcmp(id, st->device_id, STATE_ID_LEN) == 0)
		return 0;
	hex_encode(st->device_id, STATE_ID_LEN, want);
	hex_encode(id, STATE_ID_LEN, got);
	return err_set(e, "the EK certificate in NV 0x%08" PRIx32 " gives "
	    "device id %s, the state says %s (another TPM, or a new EK "
	    "certificate: enroll again)", ek->cert_nv, got, want);
}

int
device_ek_open(ESYS_CONTEXT *esys, const struct collect_state *st,
    struct tpm_ek *ek, struct errbuf *e)
{
	const struct tpm_ek_template *t;

	if ((t = tpm_ek_template_by_name(st->ek_template)) == NULL)
		return err_set(e, "state: unknown EK template '%s'",
		    st->ek_template);
	if (st->ek_handle == 0) {
		if (tpm_ek_create(esys, t, ek, e) != 0)
			return err_prefix(e, "EK (%s)", t->desc);
	} else {
		if (tpm_ek_open_persistent(esys, st->ek_handle, ek, e) != 0)
			return err_prefix(e, "EK at 0x%08" PRIx32,
			    st->ek_handle);
		if (ek->tmpl != t) {
			tpm_ek_close(esys, ek);
			return err_set(e, "the key at 0x%08" PRIx32 " is not an "
			    "EK of %s as enrolled", st->ek_handle, t->desc);
		}
	}
	if (tpm_ek_read_cert(esys, t->cert_nv, ek, e) != 0 ||
	    ek_check_device(st, ek, e) != 0) {
		tpm_ek_close(esys, ek);
		return -1;
	}
	return 0;
}

int
device_ak_open(ESYS_CONTEXT *esys, const struct collect_state *st,
    const struct tpm_ek *ek, struct tpm_ak *ak, struct errbuf *e)
{
	TPM2B_PRIVATE priv;
	uint8_t pub[TPM_KEY_PUBLIC_2B_MAX];
	size_t len;

	if (st->ak_handle != 0) {
		if (tpm_ak_open_persistent(esys, ek, st->ak_handle, ak, e) != 0)
			return err_prefix(e, "AK at 0x%08" PRIx32,
			    st->ak_handle);
	} else if (tpm_ak_private_parse(st->ak_priv, st->ak_priv_len, &priv,
	    e) != 0 || tpm_ak_load(esys, ek, &priv, st->ak_pub,
	    st->ak_pub_len, ak, e) != 0)
		return err_prefix(e, "loading the AK from the state's blobs");
	if (tpm_key_public_2b(&ak->key, pub, sizeof(pub), &len, e) != 0) {
		tpm_ak_close(esys, ak);
		return -1;
	}
	if (len != st->ak_pub_len || memcmp(pub, st->ak_pub, len) != 0) {
		tpm_ak_close(esys, ak);
		if (st->ak_handle != 0)
			return err_set(e, "the AK at 0x%08" PRIx32 " is not the "
			    "one enrolled (its public area differs from the "
			    "state's ak.pub)", st->ak_handle);
		return err_set(e, "the AK loaded from the state's blobs "
		    "differs from the state's ak.pub");
	}
	return 0;
}
