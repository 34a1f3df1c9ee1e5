/*
 * gen_ima_sig - build IMA logs that carry real file signatures, and show
 * how format/ima_sig classifies each record (a test driver for
 * tests/t_ima_sig_evmctl.sh; signatures come from evmctl and openssl).
 *
 *   gen_ima_sig log OUT < LINES
 *	Each line is "TEMPLATE FIELD..." as ascii_runtime_measurements
 *	prints it after the PCR and template-digest columns (signatures,
 *	xattrlengths and xattrvalues in hex, iuid/igid/imode in decimal).
 *	Writes a little-endian binary list, PCR 10, with correct SHA-1
 *	template digests (so evmctl ima_measurement can read it).
 *
 *   gen_ima_sig check [-k KEYFILE]... LOG
 *	Prints one line per record: "INDEX STATUS KIND KEYID WHY" with
 *	STATUS one of none/unsigned/valid/unknown_key/invalid, KIND with
 *	spaces as '_', KEYID 8 hex digits or '-'. Exit 0, or 2 on an error.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/err.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/ima_log.h"
#include "format/ima_sig.h"

#define LINE_MAX_BYTES	(1u << 20)

static int
usage(void)
{
	fprintf(stderr, "usage: gen_ima_sig log OUT < LINES\n"
	    "       gen_ima_sig check [-k KEYFILE]... LOG\n");
	return 2;
}

/* One text line into a binary record with its SHA-1 template digest. */
static int
write_line(FILE *out, const char *line, size_t len, struct errbuf *e)
{
	const struct hashalg *sha1 = hashalg_by_name("sha1");
	static char full[LINE_MAX_BYTES + 64];
	static uint8_t bin[LINE_MAX_BYTES + 1024];
	struct ima_parser p;
	struct ima_record rec;
	EVP_MD_CTX *ctx;
	size_t n, need;
	int rc;

	n = (size_t)snprintf(full, sizeof(full), "10 %040d %.*s", 0,
	    (int)len, line);
	if (n >= sizeof(full))
		return err_set(e, "line too long");
	if (ima_ascii_to_binary(full, n, sha1, bin, sizeof(bin), &n, e) < 0)
		return -1;
	ima_parser_init(&p, sha1, IMA_ORDER_LE);
	if (ima_parse_record(&p, bin, n, &rec, &need, e) != IMA_PARSE_RECORD)
		return -1;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL)
		return err_set(e, "out of memory");
	rc = ima_template_hash(ctx, hashalg_md(sha1), &rec, bin + 4, e);
	EVP_MD_CTX_free(ctx);
	if (rc < 0)
		return -1;
	return fwrite(bin, 1, n, out) == n ? 0 : err_set(e, "write failed");
}

static int
cmd_log(const char *path)
{
	static char line[LINE_MAX_BYTES];
	struct errbuf e;
	FILE *out = fopen(path, "wb");
	unsigned lineno = 0;
	size_t len;

	if (out == NULL) {
		perror(path);
		return 2;
	}
	while (fgets(line, sizeof(line), stdin) != NULL) {
		lineno++;
		len = strcspn(line, "\r\n");
		if (len == 0 || line[0] == '#')
			continue;
		if (write_line(out, line, len, &e) < 0) {
			fprintf(stderr, "gen_ima_sig: line %u: %s\n", lineno,
			    e.msg);
			fclose(out);
			return 2;
		}
	}
	return fclose(out) == 0 ? 0 : 2;
}

static void
print_result(const struct ima_record *rec, const struct ima_sig_result *r)
{
	char kind[40];
	size_t i;

	snprintf(kind, sizeof(kind), "%s", r->kind ? r->kind : "-");
	for (i = 0; kind[i] != '\0'; i++)
		if (kind[i] == ' ')
			kind[i] = '_';
	printf("%llu %s %s ", (unsigned long long)rec->index,
	    ima_sig_status_name(r->status), kind);
	if (r->has_keyid)
		printf("%08x", r->keyid);
	else
		printf("-");
	printf(" %s\n", r->why[0] ? r->why : "-");
}

static int
check_log(const struct ima_keyring *kr, const char *path, struct errbuf *e)
{
	struct ima_reader rd;
	struct ima_record rec;
	struct ima_sig_result r;
	enum ima_read_result rr;
	int fd = open(path, O_RDONLY), rc = 0;

	if (fd < 0)
		return err_set(e, "%s: cannot open", path);
	if (ima_reader_init(&rd, fd, path, hashalg_by_name("sha1"), e) < 0) {
		close(fd);
		return -1;
	}
	while ((rr = ima_reader_next(&rd, &rec, e)) == IMA_READ_RECORD) {
		if (ima_sig_check(kr, &rec, &r, e) < 0) {
			rc = -1;
			break;
		}
		print_result(&rec, &r);
	}
	if (rr < 0)
		rc = -1;
	ima_reader_free(&rd);
	close(fd);
	return rc;
}

static int
cmd_check(int argc, char **argv)
{
	struct ima_keyring *kr;
	struct errbuf e;
	uint8_t *buf;
	size_t len;
	int i, rc = 0;

	if (ima_keyring_new(&kr, &e) < 0)
		goto fail;
	for (i = 0; i + 1 < argc && strcmp(argv[i], "-k") == 0; i += 2) {
		if (file_read(argv[i + 1], IMA_KEY_FILE_MAX, &buf, &len,
		    &e) < 0)
			goto fail;
		rc = ima_keyring_add(kr, buf, len, argv[i + 1], &e);
		free(buf);
		if (rc < 0)
			goto fail;
	}
	if (i + 1 != argc) {
		ima_keyring_free(kr);
		return usage();
	}
	if (check_log(kr, argv[i], &e) < 0)
		goto fail;
	ima_keyring_free(kr);
	return 0;
fail:
	fprintf(stderr, "gen_ima_sig: %s\n", e.msg);
	ima_keyring_free(kr);
	return 2;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "log") == 0)
		return cmd_log(argv[2]);
	if (argc >= 3 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	return usage();
}
