/*
 * payload.c - what a relay accepts as a challenge, a bundle or a result,
 * and the idempotent spool name it delivers a payload under.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "format/bundle.h"
#include "format/bundle_sniff.h"
#include "format/ear.h"
#include "format/manifest.h"
#include "relay/relay.h"

size_t
relay_kind_max(enum spool_kind kind)
{
	switch (kind) {
	case SPOOL_CHALLENGE:
		return RELAY_CHALLENGE_MAX;
	case SPOOL_EVIDENCE:
		return RELAY_EVIDENCE_MAX;
	case SPOOL_RESULTS:
		return RELAY_RESULTS_MAX;
	case SPOOL_EAR:
		return EAR_CWT_MAX;
	}
	return 0;
}

struct bundle_peek {
	bool seen;
	uint8_t device[32];
};

/* The manifest callback: decode (no signature: the relay has no AK) and
 * hand the member list to the container reader. */
static int
peek_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *nmembers, struct errbuf *e)
{
	struct bundle_peek *p = arg;
	struct cose_sign1 msg;
	struct manifest *m;

	if (manifest_file_open(buf, len, &msg, e) == -1)
		return -1;
	if (msg.payload == NULL)
		return err_set(e, "detached payload");
	if ((m = malloc(sizeof(*m))) == NULL)
		return err_set(e, "out of memory");
	if (manifest_decode(msg.payload, msg.payload_len, m, e) == -1) {
		free(m);
		return -1;
	}
	memcpy(members, m->members, m->n_members * sizeof(m->members[0]));
	*nmembers = m->n_members;
	memcpy(p->device, m->device_id, 32);
	p->seen = true;
	free(m);
	return 0;
}

static int
check_bundle(const uint8_t *data, size_t len, uint8_t device[32],
    struct errbuf *e)
{
	struct bundle_peek p = { 0 };
	struct bundle_reader r = { 0 };

	if (!sniff_is_zstd(data, len))
		return err_set(e, "not a bundle (no zstd frame magic)");
	r.manifest = peek_manifest;
	r.arg = &p;
	if (bundle_read_mem("bundle", data, len, &r, NULL, e) == -1)
		return -1;
	memcpy(device, p.device, 32);
	return 0;
}

static int
check_challenge(const uint8_t *data, size_t len, int64_t now,
    uint8_t device[32], struct errbuf *e)
{
	struct challenge *c;
	int rc = -1;

	if ((c = malloc(sizeof(*c))) == NULL)
		return err_set(e, "out of memory");
	if (challenge_file_open(data, len, NULL, c, e) == -1)
		goto out;
	if (challenge_check_time(c, now, e) == -1)
		goto out;
	memcpy(device, c->device_id, 32);
	rc = 0;
out:
	free(c);
	return rc;
}

static int
check_result(const uint8_t *data, size_t len, bool *has_device,
    uint8_t device[32], struct errbuf *e)
{
	struct cose_sign1 msg;
	struct result *r;

	if ((r = malloc(sizeof(*r))) == NULL)
		return err_set(e, "out of memory");
	if (result_file_open(data, len, &msg, r, e) == -1) {
		free(r);
		return -1;
	}
	*has_device = r->has_device;
	if (r->has_device)
		memcpy(device, r->device_id, 32);
	free(r);
	return 0;
}

/* An EAR CWT: decoded (no signature: the relay has no verifier key). */
static int
check_ear(const uint8_t *data, size_t len, bool *has_device,
    uint8_t device[32], struct errbuf *e)
{
	struct ear *ear;

	if (!ear_is_cwt(data, len))
		return err_set(e, "not an EAR CWT (a tagged COSE_Sign1 of "
		    "content type " EAR_CWT_CONTENT_TYPE ")");
	if ((ear = malloc(sizeof(*ear))) == NULL)
		return err_set(e, "out of memory");
	if (ear_cwt_open(data, len, NULL, NULL, ear, e) == -1) {
		free(ear);
		return -1;
	}
	*has_device = ear->has_device;
	if (ear->has_device)
		memcpy(device, ear->device_id, 32);
	free(ear);
	return 0;
}

int
relay_payload_check(enum spool_kind kind, const uint8_t *data, size_t len,
    int64_t now, bool *has_device, uint8_t device[32], struct errbuf *e)
{
	size_t max = relay_kind_max(kind);

	if (len > max)
		return err_set(e, "%zu bytes, more than the %zu a %s may have",
		    len, max, spool_kind_name(kind));
	if (len == 0)
		return err_set(e, "empty payload");
	*has_device = true;
	switch (kind) {
	case SPOOL_CHALLENGE:
		return check_challenge(data, len, now, device, e);
	case SPOOL_EVIDENCE:
		return check_bundle(data, len, device, e);
	case SPOOL_RESULTS:
		return check_result(data, len, has_device, device, e);
	case SPOOL_EAR:
		return check_ear(data, len, has_device, device, e);
	}
	return err_set(e, "unknown kind");
}

int
relay_payload_name(enum spool_kind kind, bool has_device,
    const uint8_t device[32], const uint8_t *data, size_t len,
    char out[SPOOL_NAME_MAX + 1], struct errbuf *e)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned mdlen;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		return err_openssl(e, "SHA-256");
	return spool_make_name(kind, has_device ? device : NULL, md, out, e);
}
