/*
 * test_ima_log.c - the IMA binary-list parser and ASCII renderer
 * (format/ima_log.h) on real lists (testdata/ima/PROVENANCE.md) and on
 * hand-built records that probe each rule: field splitting, lengths past
 * the end, 2^32-1 lengths, custom template names, byte order.
 *
 * The big-endian twin of a real list is built here by rewriting every
 * integer and recomputing the template digests over the rewritten bytes
 * (a big-endian kernel hashes its field lengths as written); it must parse,
 * verify and render like the original.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "format/ima_log.h"
#include "tests/unit/check.h"

#define CHARRA_BIN	"testdata/ima/charra/binary_runtime_measurements"
#define CHARRA_ASCII	"testdata/ima/charra/ascii_runtime_measurements"
#define IMATEST		"testdata/ima/ibm-tss/imatest.log"
#define TSS		"testdata/ima/tpm2-tss/"
#define BE_TWIN		"testdata/ima/be/sml-ima-sha1.be.bin"

static const struct hashalg *sha1;

static uint8_t *
load(const char *path, size_t *len)
{
	struct errbuf e;
	uint8_t *buf = NULL;

	if (file_read(path, FILEIO_MAX_LOG, &buf, len, &e) == -1) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return buf;
}

/* Summary of parsing a whole buffer with ima_parse_record(). */
struct scan {
	size_t records;
	size_t violations;
	size_t digests_ok;	/* non-violation template digests that match */
	size_t digests_bad;
	enum ima_byte_order order;
	int end;		/* 0 clean end, -1 error */
	char msg[ERRBUF_MAX];
	char *ascii;		/* rendering of the first `render` records */
	size_t ascii_len;
};

static void
scan_buf(const uint8_t *buf, size_t len, const struct hashalg *alg,
    size_t render, struct scan *s)
{
	struct ima_parser p;
	struct ima_record rec;
	struct errbuf e = { { 0 } };
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t th[HASHALG_MAX_SIZE];
	FILE *out;
	size_t off = 0, need;
	enum ima_parse_result res;

	memset(s, 0, sizeof(*s));
	out = open_memstream(&s->ascii, &s->ascii_len);
	ima_parser_init(&p, alg, IMA_ORDER_UNKNOWN);
	for (;;) {
		res = ima_parse_record(&p, buf + off, len - off, &rec, &need,
		    &e);
		if (res != IMA_PARSE_RECORD)
			break;
		off += rec.size;
		s->records++;
		if (s->records <= render)
			ima_ascii_write(out, &rec);
		if (rec.violation) {
			s->violations++;
			continue;
		}
		ima_template_hash(ctx, hashalg_md(alg), &rec, th, NULL);
		if (memcmp(th, rec.digest, alg->size) == 0)
			s->digests_ok++;
		else
			s->digests_bad++;
	}
	s->order = p.order;
	if (res == IMA_PARSE_MORE)
		s->end = ima_parse_finish(&p, buf + off, len - off, &e);
	else
		s->end = -1;
	if (s->end == -1)
		snprintf(s->msg, sizeof(s->msg), "%s", e.msg);
	fclose(out);
	EVP_MD_CTX_free(ctx);
}

static void
test_charra(void)
{
	uint8_t *bin, *ascii;
	size_t binlen, asciilen;
	struct scan s;

	bin = load(CHARRA_BIN, &binlen);
	ascii = load(CHARRA_ASCII, &asciilen);
	CHECK(bin != NULL && ascii != NULL, "charra: files load");
	if (bin == NULL || ascii == NULL)
		return;
	scan_buf(bin, binlen, sha1, 1646, &s);
	CHECK(s.end == 0, "charra: parses to a clean end (%s)", s.msg);
	CHECK(s.records == 1650, "charra: 1650 records (%zu)", s.records);
	CHECK(s.violations == 0, "charra: no violations");
	CHECK(s.digests_ok == 1650 && s.digests_bad == 0,
	    "charra: every template digest recomputes (%zu ok, %zu bad)",
	    s.digests_ok, s.digests_bad);
	CHECK(s.order == IMA_ORDER_LE, "charra: little-endian");
	CHECK(s.ascii_len == asciilen &&
	    memcmp(s.ascii, ascii, asciilen) == 0,
	    "charra: first 1646 records render as ascii_runtime_measurements "
	    "byte for byte");
	free(s.ascii);
	free(bin);
	free(ascii);
}

static void
test_charra_file_algs(void)
{
	struct ima_reader r;
	struct ima_record rec;
	struct errbuf e;
	size_t n1 = 0, n256 = 0, n384 = 0, other = 0;
	const struct hashalg *alg;
	const uint8_t *d;
	size_t dlen;
	const char *path;
	size_t plen;
	int fd = open(CHARRA_BIN, O_RDONLY), res, paths_ok = 1;

	CHECK(fd >= 0 && ima_reader_init(&r, fd, CHARRA_BIN, sha1, &e) == 0,
	    "charra: reader opens");
	if (fd < 0)
		return;
	while ((res = ima_reader_next(&r, &rec, &e)) == IMA_READ_RECORD) {
		if (ima_record_file_digest(&rec, &alg, &d, &dlen) == -1 ||
		    alg == NULL || dlen != alg->size) {
			other++;
			continue;
		}
		if (strcmp(alg->name, "sha1") == 0)
			n1++;
		else if (strcmp(alg->name, "sha256") == 0)
			n256++;
		else if (strcmp(alg->name, "sha384") == 0)
			n384++;
		if (ima_record_path(&rec, &path, &plen) == -1 || plen == 0 ||
		    memchr(path, '\0', plen) != NULL)
			paths_ok = 0;
	}
	CHECK(res == IMA_READ_END, "charra: reader ends cleanly (%s)",
	    res == IMA_READ_END ? "" : e.msg);
	CHECK(n1 == 1463 && n256 == 177 && n384 == 10 && other == 0,
	    "charra: file digests sha1 1463, sha256 177, sha384 10 "
	    "(%zu, %zu, %zu, other %zu)", n1, n256, n384, other);
	CHECK(paths_ok, "charra: every record has a path without NUL");
	ima_reader_free(&r);
	close(fd);
}

static void
test_imatest(void)
{
	uint8_t *bin;
	size_t len, i, ntemplates = 0;
	struct scan s;
	char *line, *save, names[32][64];

	if ((bin = load(IMATEST, &len)) == NULL) {
		CHECK(0, "imatest: loads");
		return;
	}
	scan_buf(bin, len, sha1, 100, &s);
	CHECK(s.end == 0, "imatest: parses to a clean end (%s)", s.msg);
	CHECK(s.records == 17, "imatest: 17 records (%zu)", s.records);
	CHECK(s.violations == 1, "imatest: 1 violation (%zu)", s.violations);
	CHECK(s.digests_ok == 16 && s.digests_bad == 0,
	    "imatest: all 16 non-violation template digests recompute "
	    "(%zu ok, %zu bad)", s.digests_ok, s.digests_bad);
	/* count distinct template names (third column) */
	for (line = strtok_r(s.ascii, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char name[64] = "";

		sscanf(line, "%*d %*s %63s", name);
		for (i = 0; i < ntemplates; i++)
			if (strcmp(names[i], name) == 0)
				break;
		if (i == ntemplates && ntemplates < 32)
			strcpy(names[ntemplates++], name);
	}
	CHECK(ntemplates == 14, "imatest: 14 template names rendered (%zu)",
	    ntemplates);
	free(s.ascii);
	free(bin);
}

static void
expect_error(const char *file, const char *what, const char *needle)
{
	uint8_t *bin;
	size_t len;
	struct scan s;
	char path[256];

	snprintf(path, sizeof(path), TSS "%s", file);
	if ((bin = load(path, &len)) == NULL) {
		CHECK(0, "%s loads", file);
		return;
	}
	scan_buf(bin, len, sha1, 0, &s);
	CHECK(s.end == -1 && strstr(s.msg, needle) != NULL,
	    "%s: %s (\"%s\" in: %s)", file, what, needle, s.msg);
	free(s.ascii);
	free(bin);
}

static void
test_tpm2_tss(void)
{
	expect_error("sml-ima-ng-sha1.bin", "trailing byte reported",
	    "1 trailing byte at offset 558");
	expect_error("sml-ima-sha1.bin", "trailing byte reported",
	    "1 trailing byte at offset 916");
	expect_error("sml-ima-sig-sha256.bin", "truncated 10th record",
	    "entry 9 at offset 987: truncated record header");
	expect_error("sml-ima-ng-sha1-invalidated.bin",
	    "template data one byte short",
	    "entry 0 at offset 0: truncated template data: 49 byte(s) "
	    "declared, 48 present");
}

/* ---- hand-built records ------------------------------------------------- */

struct rb {
	uint8_t b[4096];
	size_t n;
	int be;
};

static void
put32(struct rb *r, uint32_t v)
{
	if (r->be) {
		r->b[r->n++] = (uint8_t)(v >> 24);
		r->b[r->n++] = (uint8_t)(v >> 16);
		r->b[r->n++] = (uint8_t)(v >> 8);
		r->b[r->n++] = (uint8_t)v;
	} else {
		r->b[r->n++] = (uint8_t)v;
		r->b[r->n++] = (uint8_t)(v >> 8);
		r->b[r->n++] = (uint8_t)(v >> 16);
		r->b[r->n++] = (uint8_t)(v >> 24);
	}
}

static void
putb(struct rb *r, const void *p, size_t n)
{
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

/* Header with a dummy column; returns the offset of the data length. */
static size_t
rb_header(struct rb *r, uint32_t pcr, const char *tmpl)
{
	static const uint8_t col[20] = { 1 };
	size_t at;

	put32(r, pcr);
	putb(r, col, 20);
	put32(r, (uint32_t)strlen(tmpl));
	putb(r, tmpl, strlen(tmpl));
	at = r->n;
	put32(r, 0);
	return at;
}

static void
rb_patch_len(struct rb *r, size_t at)
{
	size_t save = r->n;
	uint32_t len = (uint32_t)(r->n - at - 4);

	r->n = at;
	put32(r, len);
	r->n = save;
}

static void
rb_field(struct rb *r, const void *p, size_t n)
{
	put32(r, (uint32_t)n);
	putb(r, p, n);
}

static void
rb_dng(struct rb *r, const char *alg, size_t dlen)
{
	uint8_t f[128] = { 0 };
	size_t k = strlen(alg);

	memcpy(f, alg, k);
	f[k] = ':';
	f[k + 1] = '\0';
	memset(f + k + 2, 0xab, dlen);
	rb_field(r, f, k + 2 + dlen);
}

/* Parse r in one go; returns the result and the message. The parser
 * outlives the call: rec->tmpl points into its template cache. */
static enum ima_parse_result
parse1(const struct rb *r, struct ima_record *rec, char *msg)
{
	static struct ima_parser p;
	struct errbuf e = { { 0 } };
	size_t need;
	enum ima_parse_result res;

	ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
	res = ima_parse_record(&p, r->b, r->n, rec, &need, &e);
	if (res == IMA_PARSE_RECORD && rec->size != r->n)
		snprintf(e.msg, sizeof(e.msg), "record of %zu bytes in %zu",
		    rec->size, r->n);
	strcpy(msg, e.msg);
	return res;
}

static void
rejects(const struct rb *r, const char *what, const char *needle)
{
	struct ima_record rec;
	char msg[ERRBUF_MAX];
	enum ima_parse_result res = parse1(r, &rec, msg);

	CHECK(res == IMA_PARSE_ERROR && strstr(msg, needle) != NULL,
	    "rejects %s (\"%s\" in: %s)", what, needle, msg);
}

static void
test_ng_variants(void)
{
	struct rb r = { .n = 0 };
	struct ima_record rec;
	char msg[ERRBUF_MAX];
	size_t at, i, need;
	struct ima_parser p;
	struct errbuf e;
	int prefixes_ok = 1;

	/* A good ima-ng record, then every strict prefix must ask for more. */
	at = rb_header(&r, 10, "ima-ng");
	rb_dng(&r, "sha256", 32);
	rb_field(&r, "/bin/true", 10);
	rb_patch_len(&r, at);
	CHECK(parse1(&r, &rec, msg) == IMA_PARSE_RECORD,
	    "ima-ng record parses (%s)", msg);
	CHECK(rec.pcr == 10 && rec.path_len == 9 &&
	    memcmp(rec.path, "/bin/true", 9) == 0 && rec.file_alg != NULL &&
	    strcmp(rec.file_alg->name, "sha256") == 0 &&
	    rec.file_digest_len == 32 && rec.file_digest[0] == 0xab,
	    "ima-ng record decodes pcr, path and file digest");
	for (i = 0; i < r.n; i++) {
		ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
		if (ima_parse_record(&p, r.b, i, &rec, &need, &e) !=
		    IMA_PARSE_MORE || need <= i || need > r.n)
			prefixes_ok = 0;
	}
	CHECK(prefixes_ok, "every strict prefix asks for more bytes");

	/* the same in big-endian */
	memset(&r, 0, sizeof(r));
	r.be = 1;
	at = rb_header(&r, 10, "ima-ng");
	rb_dng(&r, "sha1", 20);
	rb_field(&r, "/x", 3);
	rb_patch_len(&r, at);
	CHECK(parse1(&r, &rec, msg) == IMA_PARSE_RECORD &&
	    rec.order == IMA_ORDER_BE && rec.pcr == 10,
	    "big-endian ima-ng record parses (%s)", msg);

	/* PCR 0: the name length decides the order */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 0, "ima-ng");
	rb_dng(&r, "sha1", 20);
	rb_field(&r, "/x", 3);
	rb_patch_len(&r, at);
	CHECK(parse1(&r, &rec, msg) == IMA_PARSE_RECORD &&
	    rec.order == IMA_ORDER_LE && rec.pcr == 0,
	    "PCR 0 record: order from the name length (%s)", msg);
}

/* Append an ima-ng record whose d-ng field names alg with dlen bytes. */
static void
rb_ng_record(struct rb *r, const char *alg, size_t dlen, const char *path)
{
	size_t at = rb_header(r, 10, "ima-ng");

	rb_dng(r, alg, dlen);
	rb_field(r, path, strlen(path) + 1);
	rb_patch_len(r, at);
}

/*
 * One parser over a log whose records switch file-digest algorithms: the
 * parser remembers the last name it looked up, and each record must still
 * get its own algorithm, its size check, and the name check.
 */
static void
test_alg_switch(void)
{
	static const struct {
		const char *alg;
		size_t dlen;
		const char *want;	/* file_alg->name, "" unknown */
	} recs[] = {
		{ "sha256", 32, "sha256" }, { "sha256", 32, "sha256" },
		{ "sha1", 20, "sha1" }, { "sha256", 32, "sha256" },
		{ "sha1", 20, "sha1" }, { "sha1", 20, "sha1" },
		{ "foo9", 7, "" }, { "foo9", 7, "" },	/* as long as sha1 */
		{ "sha512", 64, "sha512" }, { "sha384", 48, "sha384" },
		{ "sha3-256", 32, "sha3_256" }, { "sha256", 32, "sha256" },
	};
	struct rb r = { .n = 0 };
	struct ima_parser p, copy;
	struct ima_record rec;
	struct errbuf e = { { 0 } };
	size_t i, pos = 0, need;
	bool ok;

	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		rb_ng_record(&r, recs[i].alg, recs[i].dlen, "/usr/bin/x");
	ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
	for (i = 0; i < sizeof(recs) / sizeof(recs[0]); i++) {
		ok = ima_parse_record(&p, r.b + pos, r.n - pos, &rec, &need,
		    &e) == IMA_PARSE_RECORD;
		CHECK(ok, "switching algorithms: record %zu (%s) parses (%s)",
		    i, recs[i].alg, e.msg);
		if (!ok)
			return;
		CHECK(recs[i].want[0] == '\0' ? rec.file_alg == NULL :
		    rec.file_alg != NULL &&
		    strcmp(rec.file_alg->name, recs[i].want) == 0,
		    "switching algorithms: record %zu is %s, got %s", i,
		    recs[i].alg, rec.file_alg ? rec.file_alg->name : "none");
		CHECK(rec.file_alg_name_len == strlen(recs[i].alg) &&
		    memcmp(rec.file_alg_name, recs[i].alg,
		    rec.file_alg_name_len) == 0 &&
		    rec.file_digest_len == recs[i].dlen,
		    "switching algorithms: record %zu keeps its name and "
		    "digest", i);
		pos += rec.size;
	}
	CHECK(pos == r.n, "switching algorithms: the whole log parsed");

	/* After sha256 records: a wrong size, a name in capitals. */
	copy = p;
	memset(&r, 0, sizeof(r));
	rb_ng_record(&r, "sha256", 20, "/x");
	CHECK(ima_parse_record(&copy, r.b, r.n, &rec, &need, &e) ==
	    IMA_PARSE_ERROR && strstr(e.msg, "sha256 digest of 20 bytes, "
	    "expected 32") != NULL,
	    "a remembered sha256 still checks the digest size (%s)", e.msg);
	copy = p;
	memset(&r, 0, sizeof(r));
	rb_ng_record(&r, "SHA256", 32, "/x");
	CHECK(ima_parse_record(&copy, r.b, r.n, &rec, &need, &e) ==
	    IMA_PARSE_ERROR && strstr(e.msg, "malformed algorithm name") !=
	    NULL, "SHA256 after sha256 is still a malformed name (%s)",
	    e.msg);
	/* the remembered name is a copy: the old buffer may be gone */
	copy = p;
	memset(&r, 0, sizeof(r));
	rb_ng_record(&r, "sha1", 20, "/x");
	CHECK(ima_parse_record(&copy, r.b, r.n, &rec, &need, &e) ==
	    IMA_PARSE_RECORD && rec.file_alg == sha1,
	    "sha1 after sha256 in a fresh buffer (%s)", e.msg);
}

static void
test_custom_and_empty(void)
{
	struct rb r = { .n = 0 };
	struct ima_record rec;
	char msg[ERRBUF_MAX];
	size_t at;
	FILE *out;
	char *txt = NULL;
	size_t txtlen = 0;

	/* custom template "n-ng|sig|d-ng" with an empty sig */
	at = rb_header(&r, 11, "n-ng|sig|d-ng");
	rb_field(&r, "/etc/x", 7);
	rb_field(&r, "", 0);
	rb_dng(&r, "sha1", 20);
	rb_patch_len(&r, at);
	CHECK(parse1(&r, &rec, msg) == IMA_PARSE_RECORD &&
	    rec.nfields == 3 && rec.fields[1].len == 0 && rec.sig != NULL,
	    "custom template with '|' and an empty field parses (%s)", msg);
	out = open_memstream(&txt, &txtlen);
	ima_ascii_write(out, &rec);
	fclose(out);
	CHECK(strcmp(txt, "11 0100000000000000000000000000000000000000 "
	    "n-ng|sig|d-ng /etc/x  sha1:abababababababababababababababababab"
	    "abab\n") == 0, "custom template renders, empty field as a "
	    "lone space");
	free(txt);

	/* unknown field in a custom name */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "d-ng|n-ng|bogus");
	rb_patch_len(&r, at);
	rejects(&r, "an unknown field", "unknown field 'bogus'");

	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "d-ng||n-ng");
	rb_patch_len(&r, at);
	rejects(&r, "an empty field name", "empty field name");

	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-foo");
	rb_patch_len(&r, at);
	rejects(&r, "an unknown template name", "unknown field 'ima-foo'");

	/* zero-length d-ng (required field) */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-ng");
	rb_field(&r, "", 0);
	rb_field(&r, "/x", 3);
	rb_patch_len(&r, at);
	rejects(&r, "an empty d-ng", "field 0 (d-ng) is empty");

	/* a missing field (ENFORCE_FIELDS) */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-sig");
	rb_dng(&r, "sha1", 20);
	rb_field(&r, "/x", 3);
	rb_patch_len(&r, at);
	rejects(&r, "a missing sig field", "ends before field 2 (sig)");

	/* bytes after the last field (ENFORCE_BUFEND) */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-ng");
	rb_dng(&r, "sha1", 20);
	rb_field(&r, "/x", 3);
	putb(&r, "zz", 2);
	rb_patch_len(&r, at);
	rejects(&r, "bytes after the last field", "2 byte(s) after the last");

	/* a field length past the end of the template data */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-ng");
	rb_dng(&r, "sha1", 20);
	put32(&r, 1000);
	putb(&r, "/x", 3);
	rb_patch_len(&r, at);
	rejects(&r, "a field length past the end",
	    "field 1 (n-ng) length 1000 runs past");

	/* a field length of 2^32-1 */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-ng");
	put32(&r, 0xffffffffu);
	rb_patch_len(&r, at);
	rejects(&r, "a field length of 2^32-1", "length 4294967295 runs past");

	/* a template data length of 2^32-1 */
	memset(&r, 0, sizeof(r));
	rb_header(&r, 10, "ima-ng");
	r.n -= 4;
	put32(&r, 0xffffffffu);
	rejects(&r, "a data length of 2^32-1", "exceeds the limit");

	/* wrong digest size for the named algorithm */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-ng");
	rb_dng(&r, "sha256", 20);
	rb_field(&r, "/x", 3);
	rb_patch_len(&r, at);
	rejects(&r, "a 20-byte sha256 digest outside a violation",
	    "sha256 digest of 20 bytes, expected 32");

	/* a path without its NUL */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 10, "ima-ng");
	rb_dng(&r, "sha1", 20);
	rb_field(&r, "/x", 2);
	rb_patch_len(&r, at);
	rejects(&r, "an n-ng without NUL", "not NUL-terminated");

	/* PCR index out of range after the order is known */
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 23, "ima-ng");
	rb_dng(&r, "sha1", 20);
	rb_field(&r, "/x", 3);
	rb_patch_len(&r, at);
	CHECK(parse1(&r, &rec, msg) == IMA_PARSE_RECORD, "PCR 23 accepted");
	memset(&r, 0, sizeof(r));
	at = rb_header(&r, 24, "ima-ng");
	rb_patch_len(&r, at);
	rejects(&r, "PCR 24 as the first record", "cannot tell the byte order");

	/* a template name over the limit */
	{
		char longname[300];

		memset(longname, 'x', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		memset(&r, 0, sizeof(r));
		put32(&r, 10);
		putb(&r, "\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1", 20);
		put32(&r, 299);
		putb(&r, longname, 299);
		CHECK(parse1(&r, &rec, msg) == IMA_PARSE_ERROR,
		    "a 299-byte template name is refused (%s)", msg);
	}

	/* violation: all-zero column, 20-byte zero sha256 digest (< 5.19) */
	memset(&r, 0, sizeof(r));
	{
		static const uint8_t zero[32];
		uint8_t f[40] = "sha256:";

		put32(&r, 10);
		putb(&r, zero, 20);
		put32(&r, 6);
		putb(&r, "ima-ng", 6);
		at = r.n;
		put32(&r, 0);
		rb_field(&r, f, 8 + 20);
		rb_field(&r, "/x", 3);
		rb_patch_len(&r, at);
	}
	CHECK(parse1(&r, &rec, msg) == IMA_PARSE_RECORD && rec.violation,
	    "violation with a pre-5.19 20-byte sha256 zero digest (%s)", msg);

	/* evm-sig uint fields render as decimals in the list's order */
	memset(&r, 0, sizeof(r));
	r.be = 1;
	at = rb_header(&r, 10, "n-ng|iuid|imode");
	rb_field(&r, "/x", 3);
	put32(&r, 4);
	put32(&r, 1000);
	put32(&r, 2);
	putb(&r, "\x81\xa4", 2);
	rb_patch_len(&r, at);
	CHECK(parse1(&r, &rec, msg) == IMA_PARSE_RECORD,
	    "big-endian uint fields parse (%s)", msg);
	txt = NULL;
	out = open_memstream(&txt, &txtlen);
	ima_ascii_write(out, &rec);
	fclose(out);
	CHECK(strstr(txt, " /x 1000 33188\n") != NULL,
	    "uint fields render in decimal");
	free(txt);
}

static void
test_legacy_limits(void)
{
	struct rb r = { .n = 0 };
	uint8_t d[20] = { 0 };

	put32(&r, 10);
	putb(&r, "\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1\1", 20);
	put32(&r, 3);
	putb(&r, "ima", 3);
	putb(&r, d, 20);
	put32(&r, 256);
	rejects(&r, "an ima-template name of 256 bytes", "exceeds 255");
}

/* ---- big-endian twin ---------------------------------------------------- */

static void
swap_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

/* Rewrite a little-endian list in big-endian, recomputing the columns. */
static uint8_t *
make_be_twin(const uint8_t *in, size_t len, size_t *outlen)
{
	struct ima_parser p;
	struct ima_record rec;
	struct errbuf e;
	size_t off = 0, need, o = 0, i, dstart, k;
	uint8_t *out = malloc(len), *col;
	struct rb tmp;

	ima_parser_init(&p, sha1, IMA_ORDER_LE);
	while (ima_parse_record(&p, in + off, len - off, &rec, &need, &e) ==
	    IMA_PARSE_RECORD) {
		memset(&tmp, 0, sizeof(tmp));
		tmp.be = 1;
		put32(&tmp, rec.pcr);
		col = tmp.b + tmp.n;
		putb(&tmp, rec.digest, 20);
		put32(&tmp, (uint32_t)rec.tmpl->name_len);
		putb(&tmp, rec.tmpl->name, rec.tmpl->name_len);
		if (rec.tmpl->legacy) {
			putb(&tmp, rec.fields[0].data, 20);
			put32(&tmp, rec.fields[1].len);
			putb(&tmp, rec.fields[1].data, rec.fields[1].len);
		} else {
			put32(&tmp, (uint32_t)rec.data_len);
			dstart = tmp.n;
			for (i = 0; i < rec.nfields; i++) {
				const struct ima_field *f = &rec.fields[i];

				put32(&tmp, f->len);
				if (f->id == IMA_FIELD_IUID ||
				    f->id == IMA_FIELD_IGID ||
				    f->id == IMA_FIELD_IMODE) {
					swap_copy(tmp.b + tmp.n, f->data,
					    f->len);
					tmp.n += f->len;
				} else if (f->id == IMA_FIELD_XATTRLENGTHS) {
					for (k = 0; k < f->len; k += 4)
						swap_copy(tmp.b + tmp.n + k,
						    f->data + k, 4);
					tmp.n += f->len;
				} else
					putb(&tmp, f->data, f->len);
			}
			if (!rec.violation)
				hashalg_digest(sha1, tmp.b + dstart,
				    tmp.n - dstart, col);
		}
		memcpy(out + o, tmp.b, tmp.n);
		o += tmp.n;
		off += rec.size;
	}
	*outlen = o;
	return out;
}

/* The ascii of a list with the template-digest column cut out. */
static void
strip_column(char *s)
{
	char *line, *sp2;

	for (line = s; line != NULL && *line != '\0';) {
		sp2 = strchr(line + 3, ' ');
		if (sp2 == NULL)
			return;
		memmove(line + 3, sp2 + 1, strlen(sp2 + 1) + 1);
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
}

/*
 * Lines of a and b that differ, not counting the line of b containing
 * be_only (fields rendered as raw bytes that hold host-order integers).
 */
static size_t
count_diff_lines(const char *a, const char *b, const char *be_only)
{
	size_t diff = 0, la, lb;

	while (*a != '\0' && *b != '\0') {
		la = strcspn(a, "\n");
		lb = strcspn(b, "\n");
		if ((la != lb || memcmp(a, b, la) != 0) &&
		    (be_only == NULL || strstr(b, be_only) == NULL ||
		    strstr(b, be_only) > b + lb))
			diff++;
		a += la + (a[la] != '\0');
		b += lb + (b[lb] != '\0');
	}
	return diff + (*a != *b);
}

static void
be_twin(const char *path, const char *name, const char *committed,
    const char *be_only)
{
	uint8_t *le, *be, *disk;
	size_t lelen, belen, disklen;
	struct scan sl, sb;

	if ((le = load(path, &lelen)) == NULL) {
		CHECK(0, "%s loads", name);
		return;
	}
	be = make_be_twin(le, lelen, &belen);
	scan_buf(le, lelen, sha1, (size_t)-1, &sl);
	scan_buf(be, belen, sha1, (size_t)-1, &sb);
	CHECK(sb.order == IMA_ORDER_BE && sb.records == sl.records &&
	    sb.violations == sl.violations && sb.digests_bad == 0 &&
	    sb.digests_ok == sl.digests_ok,
	    "%s: big-endian twin parses, %zu records, digests verify (%s)",
	    name, sb.records, sb.msg);
	strip_column(sl.ascii);
	strip_column(sb.ascii);
	CHECK(count_diff_lines(sl.ascii, sb.ascii, be_only) == 0,
	    "%s: big-endian twin renders the same fields%s", name,
	    be_only ? " but xattrlengths" : "");
	if (be_only != NULL)
		CHECK(strstr(sb.ascii, be_only) != NULL,
		    "%s: xattrlengths render as stored (%s)", name, be_only);
	if (committed != NULL) {
		disk = load(committed, &disklen);
		CHECK(disk != NULL && disklen == belen &&
		    memcmp(disk, be, belen) == 0,
		    "%s equals the converter's output", committed);
		free(disk);
	}
	free(sl.ascii);
	free(sb.ascii);
	free(le);
	free(be);
}

static void
test_be(void)
{
	be_twin(CHARRA_BIN, "charra", NULL, NULL);
	be_twin(IMATEST, "imatest", NULL, " 0000002500000022 ");
	be_twin(TSS "sml-ima-sha1.bin", "sml-ima-sha1", BE_TWIN, NULL);
	if (getenv("IMA_WRITE_BE_TWIN") != NULL) {
		uint8_t *le, *be;
		size_t lelen, belen;
		struct errbuf e;

		le = load(TSS "sml-ima-sha1.bin", &lelen);
		be = make_be_twin(le, lelen, &belen);
		file_write_atomic(BE_TWIN, be, belen, &e);
		free(le);
		free(be);
	}
}

int
main(void)
{
	sha1 = hashalg_by_name("sha1");
	test_charra();
	test_charra_file_algs();
	test_imatest();
	test_tpm2_tss();
	test_ng_variants();
	test_alg_switch();
	test_custom_and_empty();
	test_legacy_limits();
	test_be();
	return check_finish();
}
