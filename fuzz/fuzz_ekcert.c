/*
 * fuzz_ekcert.c - libFuzzer target for the EK certificate parse path:
 * locating the DER in NV contents (padding, TCG NV header), PEM, d2i_X509
 * over the original bytes, and the facts extracted from the extensions.
 * The chain verification is fuzz_ekcert_chain's. The same bytes are read
 * as a trust-store file is (format/x509_store.h: PEM blocks after any
 * text, or one DER certificate): every certificate decoded must be one of
 * the PEM blocks counted, and a single-certificate input must be added as
 * a trust anchor to an empty store.
 */
#include <stddef.h>
#include <stdint.h>

#include "format/ekcert.h"
#include "format/x509_store.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
count_block(const uint8_t *der, size_t len, int block, void *arg,
    struct errbuf *e)
{
	(void)der;
	(void)len;
	(void)block;
	(void)e;
	++*(size_t *)arg;
	return 0;
}

static void
as_store_file(const uint8_t *data, size_t size)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	struct x509_store s;
	struct errbuf e;
	size_t blocks = 0, seen = 0;
	int n;

	if (certs == NULL)
		abort();
	if (x509_certs_from_buffer(data, size, "fuzz", 16, certs, &e) == 0) {
		n = sk_X509_num(certs);
		if (n < 1 || n > 16)
			abort();
		if (x509_looks_like_pem(data, size)) {
			if (x509_pem_each_certificate(data, size, count_block,
			    &seen, &blocks, &e) != 0 || (size_t)n > blocks ||
			    seen != blocks)
				abort();
		} else if (n != 1)
			abort();
		if (n == 1) {
			if (x509_store_init(&s, &e) != 0 ||
			    x509_store_add_root_der(&s, data, size, "fuzz",
			    &e) != 0 || s.nroots != 1)
				abort();
			x509_store_free(&s);
		}
	}
	sk_X509_pop_free(certs, X509_free);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ekcert_container k;
	struct ekcert c;
	struct errbuf e;

	as_store_file(data, size);
	(void)ekcert_locate(data, size, &k, &e);
	if (ekcert_parse(data, size, &c, &e) != 0)
		return 0;
	(void)ekcert_validity_at(&c, 1700000000);
	ekcert_free(&c);
	return 0;
}
