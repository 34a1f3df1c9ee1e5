/*
 * pcrs_serialized.c - turn a bundle's pcrs.bin (tpm2-tools "marshaled" PCR
 * file: TPML_PCR_SELECTION || u32 n || n x TPML_DIGEST, big-endian) into
 * the "serialized" form tpm2_checkquote 5.x reads with -f (the same
 * structures as raw host-order C structs; the collector carries it as
 * pcrs.tpm2, bundles minted by testdata/gen/mint.h do not).
 *
 * usage: pcrs_serialized PCRS.BIN OUT
 * For bench/peer_pipeline.sh, which converts outside its timed loop.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "format/fileio.h"

#define PCRS_DIGEST_LISTS_MAX	32

int
main(int argc, char **argv)
{
	static TPML_DIGEST d[PCRS_DIGEST_LISTS_MAX];
	TPML_PCR_SELECTION sel;
	struct errbuf e;
	uint8_t *in;
	size_t len, off = 0;
	UINT32 n, i;
	FILE *o;

	if (argc != 3) {
		fprintf(stderr, "usage: pcrs_serialized PCRS.BIN OUT\n");
		return 2;
	}
	if (file_read(argv[1], FILEIO_MAX_SMALL, &in, &len, &e) == -1) {
		fprintf(stderr, "pcrs_serialized: %s\n", e.msg);
		return 1;
	}
	memset(&sel, 0, sizeof(sel));
	if (Tss2_MU_TPML_PCR_SELECTION_Unmarshal(in, len, &off, &sel) != 0 ||
	    Tss2_MU_UINT32_Unmarshal(in, len, &off, &n) != 0 ||
	    n == 0 || n > PCRS_DIGEST_LISTS_MAX) {
		fprintf(stderr, "pcrs_serialized: %s: not a marshaled PCR "
		    "file\n", argv[1]);
		return 1;
	}
	memset(d, 0, sizeof(d));
	for (i = 0; i < n; i++)
		if (Tss2_MU_TPML_DIGEST_Unmarshal(in, len, &off, &d[i]) != 0) {
			fprintf(stderr, "pcrs_serialized: %s: digest list "
			    "%u\n", argv[1], (unsigned)i);
			return 1;
		}
	if (off != len || (o = fopen(argv[2], "wb")) == NULL ||
	    fwrite(&sel, sizeof(sel), 1, o) != 1 ||
	    fwrite(&n, sizeof(n), 1, o) != 1 ||
	    fwrite(d, sizeof(d[0]), n, o) != n || fclose(o) != 0) {
		fprintf(stderr, "pcrs_serialized: %s -> %s failed\n", argv[1],
		    argv[2]);
		return 1;
	}
	free(in);
	return 0;
}
