/*
 * test_credential_kdf.c - KDFa and KDFe (format/tpm_kdf.h) against blocks
 * computed here by hand from the Part 1 definitions with plain HMAC and
 * digest calls, so a wrong mapping of OpenSSL's KBKDF/SSKDF parameters
 * (label vs context, separator, counter width, L) shows up.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "format/tpm_kdf.h"
#include "tests/unit/check.h"

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* KDFa by the book: HMAC(key, i || label || 00 || u || v || bits). The
 * label is given without its NUL. */
static void
kdfa_by_hand(const EVP_MD *md, const uint8_t *key, size_t keylen,
    const char *label, const uint8_t *u, size_t ulen, const uint8_t *v,
    size_t vlen, uint8_t *out, size_t outlen)
{
	uint8_t msg[512], block[EVP_MAX_MD_SIZE];
	unsigned int blen;
	size_t n, done = 0, ll = strlen(label);
	uint32_t i;

	for (i = 1; done < outlen; i++) {
		n = 0;
		put_u32(msg + n, i);
		n += 4;
		memcpy(msg + n, label, ll);
		n += ll;
		msg[n++] = 0;
		if (ulen > 0)
			memcpy(msg + n, u, ulen);
		n += ulen;
		if (vlen > 0)
			memcpy(msg + n, v, vlen);
		n += vlen;
		put_u32(msg + n, (uint32_t)(outlen * 8));
		n += 4;
		HMAC(md, key, (int)keylen, msg, n, block, &blen);
		memcpy(out + done, block, outlen - done < blen ?
		    outlen - done : blen);
		done += blen;
	}
}

/* KDFe by the book: H(i || Z || label || 00 || u || v). */
static void
kdfe_by_hand(const EVP_MD *md, const uint8_t *z, size_t zlen,
    const char *label, const uint8_t *u, size_t ulen, const uint8_t *v,
    size_t vlen, uint8_t *out, size_t outlen)
{
	uint8_t msg[512], block[EVP_MAX_MD_SIZE];
	unsigned int blen;
	size_t n, done = 0, ll = strlen(label);
	uint32_t i;

	for (i = 1; done < outlen; i++) {
		n = 0;
		put_u32(msg + n, i);
		n += 4;
		memcpy(msg + n, z, zlen);
		n += zlen;
		memcpy(msg + n, label, ll);
		n += ll;
		msg[n++] = 0;
		if (ulen > 0)
			memcpy(msg + n, u, ulen);
		n += ulen;
		if (vlen > 0)
			memcpy(msg + n, v, vlen);
		n += vlen;
		EVP_Digest(msg, n, block, &blen, md, NULL);
		memcpy(out + done, block, outlen - done < blen ?
		    outlen - done : blen);
		done += blen;
	}
}

static void
fill(uint8_t *p, size_t n, uint8_t start)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(start + 7 * i);
}

static void
test_kdfa(const char *hname, size_t outlen)
{
	const struct hashalg *alg = hashalg_by_name(hname);
	uint8_t seed[64], name[50], want[200], got[200], got2[200];
	struct errbuf e;
	size_t shorter;
	int rc;

	fill(seed, sizeof(seed), 1);
	fill(name, sizeof(name), 0x40);
	kdfa_by_hand(hashalg_md(alg), seed, alg->size, "STORAGE", name,
	    sizeof(name), NULL, 0, want, outlen);
	rc = tpm_kdfa(alg, seed, alg->size, (const uint8_t *)"STORAGE", 7,
	    name, sizeof(name), NULL, 0, got, outlen, &e);
	CHECK(rc == 0 && memcmp(got, want, outlen) == 0,
	    "kdfa %s %zu bytes matches the hand-computed HMAC blocks", hname,
	    outlen);
	rc = tpm_kdfa(alg, seed, alg->size, (const uint8_t *)"STORAGE", 8,
	    name, sizeof(name), NULL, 0, got2, outlen, &e);
	CHECK(rc == 0 && memcmp(got, got2, outlen) == 0,
	    "kdfa %s: label with and without its NUL give the same bytes",
	    hname);

	/* contextU and contextV are concatenated in that order. */
	kdfa_by_hand(hashalg_md(alg), seed, alg->size, "INTEGRITY", name, 10,
	    name + 10, 20, want, outlen);
	rc = tpm_kdfa(alg, seed, alg->size, (const uint8_t *)"INTEGRITY", 9,
	    name, 10, name + 10, 20, got, outlen, &e);
	CHECK(rc == 0 && memcmp(got, want, outlen) == 0,
	    "kdfa %s: contextU || contextV", hname);

	/* Empty context. */
	kdfa_by_hand(hashalg_md(alg), seed, alg->size, "INTEGRITY", NULL, 0,
	    NULL, 0, want, outlen);
	rc = tpm_kdfa(alg, seed, alg->size, (const uint8_t *)"INTEGRITY", 9,
	    NULL, 0, NULL, 0, got, outlen, &e);
	CHECK(rc == 0 && memcmp(got, want, outlen) == 0,
	    "kdfa %s: empty context", hname);

	/* The output length is part of the input (L): a shorter output is
	 * not a prefix of a longer one. */
	shorter = outlen / 2;
	rc = tpm_kdfa(alg, seed, alg->size, (const uint8_t *)"INTEGRITY", 9,
	    NULL, 0, NULL, 0, got2, shorter, &e);
	CHECK(rc == 0 && memcmp(got, got2, shorter) != 0,
	    "kdfa %s %zu: L is hashed (a shorter output is no prefix)", hname,
	    outlen);
}

static void
test_kdfe(const char *hname, size_t outlen)
{
	const struct hashalg *alg = hashalg_by_name(hname);
	uint8_t z[48], qe[48], qek[48], want[200], got[200], got2[200];
	struct errbuf e;
	int rc;

	fill(z, sizeof(z), 3);
	fill(qe, sizeof(qe), 0x11);
	fill(qek, sizeof(qek), 0x99);
	kdfe_by_hand(hashalg_md(alg), z, sizeof(z), "IDENTITY", qe,
	    sizeof(qe), qek, sizeof(qek), want, outlen);
	rc = tpm_kdfe(alg, z, sizeof(z), (const uint8_t *)"IDENTITY", 9, qe,
	    sizeof(qe), qek, sizeof(qek), got, outlen, &e);
	CHECK(rc == 0 && memcmp(got, want, outlen) == 0,
	    "kdfe %s %zu bytes matches the hand-computed digest blocks", hname,
	    outlen);
	rc = tpm_kdfe(alg, z, sizeof(z), (const uint8_t *)"IDENTITY", 8, qe,
	    sizeof(qe), qek, sizeof(qek), got2, outlen, &e);
	CHECK(rc == 0 && memcmp(got, got2, outlen) == 0,
	    "kdfe %s: label with and without its NUL give the same bytes",
	    hname);
	rc = tpm_kdfe(alg, z, sizeof(z), (const uint8_t *)"IDENTITY", 9, qek,
	    sizeof(qek), qe, sizeof(qe), got2, outlen, &e);
	CHECK(rc == 0 && memcmp(got, got2, outlen) != 0,
	    "kdfe %s: partyU and partyV are not interchangeable", hname);
}

static void
test_errors(void)
{
	const struct hashalg *sha256 = hashalg_by_name("sha256");
	uint8_t key[32] = { 1 }, out[TPM_KDF_MAX_OUT + 1];
	struct errbuf e;

	e.msg[0] = '\0';
	CHECK(tpm_kdfa(sha256, key, 32, (const uint8_t *)"X", 1, NULL, 0,
	    NULL, 0, out, 0, &e) == -1 && strstr(e.msg, "KDFa") != NULL,
	    "kdfa refuses an empty output");
	CHECK(tpm_kdfa(sha256, key, 32, (const uint8_t *)"X", 1, NULL, 0,
	    NULL, 0, out, sizeof(out), &e) == -1,
	    "kdfa refuses an output over TPM_KDF_MAX_OUT");
	CHECK(tpm_kdfa(NULL, key, 32, (const uint8_t *)"X", 1, NULL, 0,
	    NULL, 0, out, 16, &e) == -1, "kdfa refuses a NULL algorithm");
	CHECK(tpm_kdfe(sha256, key, 0, (const uint8_t *)"X", 1, NULL, 0,
	    NULL, 0, out, 16, &e) == -1, "kdfe refuses an empty Z");
}

int
main(void)
{
	test_kdfa("sha256", 16);	/* AES-128 symKey: part of one block */
	test_kdfa("sha256", 32);	/* SHA-256 hmacKey: one block */
	test_kdfa("sha256", 80);	/* three blocks, the last cut */
	test_kdfa("sha384", 32);	/* AES-256 symKey */
	test_kdfa("sha384", 48);
	test_kdfa("sha512", 64);
	test_kdfe("sha256", 32);
	test_kdfe("sha256", 70);
	test_kdfe("sha384", 48);
	test_errors();
	return check_finish();
}
