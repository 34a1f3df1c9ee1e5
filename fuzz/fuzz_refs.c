/*
 * fuzz_refs.c - libFuzzer target for the dossier-refs(5) reader
 * (refs_file_open: header, body digest, chunks, entries; the signature is
 * not checked), and of the body decoder alone (refs_body_decode), which
 * the body digest would otherwise keep mutations away from: there the
 * first two bytes give the provenance and entry counts. A set that
 * decodes must export again and decode to a set of the same size.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "policy/refs_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key;

static void
reexport(const struct refset *s, const struct refs_info *info)
{
	struct refs_info again;
	struct refset *t = NULL;
	uint8_t *f = NULL;
	size_t len;

	if (key == NULL && (key = EVP_EC_gen("P-256")) == NULL)
		abort();
	if (refs_file_write(s, info->created, key, &f, &len, NULL) != 0 ||
	    refs_file_verify(f, len, key, &again, &t, NULL) != 0 ||
	    refset_count(t) != refset_count(s) ||
	    refset_nsources(t) != refset_nsources(s) ||
	    again.nentries != info->nentries)
		abort();
	refset_free(t);
	free(f);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct refs_info info;
	struct refset *s = NULL;

	if (refs_file_open(data, size, &info, &s, NULL) == 0) {
		reexport(s, &info);
		refset_free(s);
	}
	if (size < 2)
		return 0;
	memset(&info, 0, sizeof(info));
	strcpy(info.name, "fuzz");
	info.nsources = data[0] % 4;
	info.nentries = data[1];
	if (refs_body_decode(data + 2, size - 2, &info, &s, NULL) == 0) {
		reexport(s, &info);
		refset_free(s);
	}
	return 0;
}
