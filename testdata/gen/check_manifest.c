/*
 * check_manifest.c - test helper for tests/t_collect_enroll.sh: verify an
 * extracted MANIFEST against an AK public area with manifest_file_verify
 * and print what it says, or print a PCR file as parsed by pcr_set_parse.
 *
 *   check_manifest MANIFEST AKPUB   exit 0 and "key value" lines if the
 *                                   signature and payload verify, else 1
 *   check_manifest --pcrs FILE      "ALG PCR HEX" lines (sorted by the
 *                                   caller), format name on stderr
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "format/manifest.h"
#include "format/pcr_set.h"
#include "format/tpm_public.h"

static int
print_pcrs(const char *path)
{
	struct pcr_set s;
	enum pcr_file_format fmt;
	struct errbuf e;
	char hex[2 * HASHALG_MAX_SIZE + 1];
	uint8_t *buf;
	size_t len, b;
	unsigned i;

	if (file_read(path, PCR_FILE_MAX, &buf, &len, &e) != 0 ||
	    pcr_set_parse(buf, len, &s, &fmt, &e) != 0) {
		fprintf(stderr, "check_manifest: %s: %s\n", path, e.msg);
		return 1;
	}
	free(buf);
	fprintf(stderr, "format %s\n", pcr_file_format_name(fmt));
	for (b = 0; b < s.nbanks; b++)
		for (i = 0; i < PCR_COUNT; i++) {
			if (!(s.banks[b].present & (1u << i)))
				continue;
			hex_encode(s.banks[b].values[i], s.banks[b].alg->size,
			    hex);
			printf("%s %u %s\n", s.banks[b].alg->name, i, hex);
		}
	return 0;
}

static void
print_manifest(const struct manifest *m)
{
	char hex[2 * TPM_NAME_MAX_BYTES + 1];
	size_t i;

	printf("kind %s\n", manifest_kind_name(m->kind));
	hex_encode(m->device_id, sizeof(m->device_id), hex);
	printf("device-id %s\n", hex);
	hex_encode(m->ak_name.b, m->ak_name.len, hex);
	printf("ak-name %s\n", hex);
	if (m->ak_location == MANIFEST_AK_EK_CHILD) {
		hex_encode(m->ek_name.b, m->ek_name.len, hex);
		printf("ak-location ek-child %s\n", hex);
	} else
		printf("ak-location primary\n");
	printf("created %lld\n", (long long)m->created);
	printf("collector %s\n", m->collector);
	for (i = 0; i < m->n_members; i++) {
		hex_encode(m->members[i].sha256, 32, hex);
		printf("member %s %llu %s %s\n", m->members[i].name,
		    (unsigned long long)m->members[i].size, hex,
		    m->members[i].media_type);
	}
	for (i = 0; i < m->n_facts; i++)
		printf("fact %s=%s\n", m->facts[i].key, m->facts[i].value);
}

int
main(int argc, char **argv)
{
	static struct manifest m;
	struct tpm_public ak;
	struct errbuf e;
	uint8_t *mf, *pub;
	size_t mf_len, pub_len;

	if (argc == 3 && strcmp(argv[1], "--pcrs") == 0)
		return print_pcrs(argv[2]);
	if (argc != 3) {
		fputs("usage: check_manifest MANIFEST AKPUB | --pcrs FILE\n",
		    stderr);
		return 2;
	}
	if (file_read(argv[1], MANIFEST_FILE_MAX, &mf, &mf_len, &e) != 0 ||
	    file_read(argv[2], FILEIO_MAX_SMALL, &pub, &pub_len, &e) != 0 ||
	    tpm_public_parse_2b(pub, pub_len, &ak, &e) != 0) {
		fprintf(stderr, "check_manifest: %s\n", e.msg);
		return 2;
	}
	if (manifest_file_verify(mf, mf_len, &ak, &m, &e) != 0) {
		fprintf(stderr, "check_manifest: %s: %s\n", argv[1], e.msg);
		return 1;
	}
	print_manifest(&m);
	free(mf);
	free(pub);
	return 0;
}
