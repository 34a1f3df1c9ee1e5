/*
 * test_bundle.c - the bundle container (format/bundle.h): round trips,
 * deterministic output, streaming and collection, and hostile archives
 * built here byte by byte (ustar headers by hand, zstd frames through
 * libzstd or, for decompression bombs, RLE blocks written directly).
 *
 * The MANIFEST of these tests is a stand-in text encoding, one line per
 * member "NAME SIZE SHA256HEX\n", parsed by the manifest callback: the
 * container treats MANIFEST as opaque bytes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <zstd.h>

#include "format/bundle.h"
#include "format/hex.h"
#include "tests/unit/check.h"

#define LABEL "t.dossier"
#define MTIME 1700000000

/* --- the stand-in manifest ------------------------------------------------- */

static size_t
text_manifest(const struct bundle_member *m, size_t n, char *out, size_t cap)
{
	char hex[65];
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		hex_encode(m[i].sha256, 32, hex);
		o += (size_t)snprintf(out + o, cap - o, "%s %llu %s\n", m[i].name,
		    (unsigned long long)m[i].size, hex);
	}
	return o;
}

static int
parse_manifest(void *arg, const uint8_t *p, size_t len,
    struct bundle_member *m, size_t *n, struct errbuf *e)
{
	char line[256], name[64], hex[80];
	unsigned long long size;
	size_t i = 0, start = 0, k;

	(void)arg;
	*n = 0;
	for (k = 0; k < len; k++) {
		if (p[k] != '\n')
			continue;
		if (k - start >= sizeof(line) || i == BUNDLE_MEMBERS_MAX)
			return err_set(e, "bad line");
		memcpy(line, p + start, k - start);
		line[k - start] = '\0';
		start = k + 1;
		if (sscanf(line, "%63s %llu %79s", name, &size, hex) != 3 ||
		    strlen(name) > BUNDLE_MEMBER_NAME_MAX ||
		    hex_decode(hex, strlen(hex), m[i].sha256, 32) != 32)
			return err_set(e, "cannot parse line %zu", i + 1);
		memset(m[i].name, 0, sizeof(m[i].name));
		memcpy(m[i].name, name, strlen(name));
		snprintf(m[i].media_type, sizeof(m[i].media_type),
		    "application/octet-stream");
		m[i].size = size;
		i++;
	}
	if (start != len)
		return err_set(e, "unterminated line %zu", i + 1);
	*n = i;
	return 0;
}

/* --- recording callbacks -------------------------------------------------- */

struct rec {
	uint8_t *buf[BUNDLE_MEMBERS_MAX];
	size_t len[BUNDLE_MEMBERS_MAX];
	size_t ends, chunks, order_errors, next_index;
};

static int
rec_data(void *arg, size_t i, const struct bundle_member *m,
    const uint8_t *p, size_t n, struct errbuf *e)
{
	struct rec *r = arg;

	(void)m;
	(void)e;
	if (i != r->next_index)
		r->order_errors++;
	if (n > BUNDLE_CHUNK)
		r->order_errors++;
	r->buf[i] = realloc(r->buf[i], r->len[i] + n);
	memcpy(r->buf[i] + r->len[i], p, n);
	r->len[i] += n;
	r->chunks++;
	return 0;
}

static int
rec_end(void *arg, size_t i, const struct bundle_member *m, struct errbuf *e)
{
	struct rec *r = arg;

	(void)e;
	if (i != r->next_index || r->len[i] != m->size)
		r->order_errors++;
	r->next_index++;
	r->ends++;
	return 0;
}

static void
rec_free(struct rec *r)
{
	size_t i;

	for (i = 0; i < BUNDLE_MEMBERS_MAX; i++)
		free(r->buf[i]);
	memset(r, 0, sizeof(*r));
}

/* --- inputs ----------------------------------------------------------------- */

#define BIG_LEN 300000
static uint8_t big[BIG_LEN + 16];	/* spans three BUNDLE_CHUNKs; slack for "larger" */
static const uint8_t cert[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x01 };
static const uint8_t sig[] = "signature bytes";

static struct bundle_input inputs[3];
static struct bundle_member members[3];
static char manifest[4096];
static size_t manifest_len;

static void
setup_inputs(void)
{
	size_t i;
	struct errbuf e;

	for (i = 0; i < BIG_LEN; i++)
		big[i] = (uint8_t)((i * 2654435761u) >> 13);
	inputs[0] = (struct bundle_input){ "ek.crt", "application/pkix-cert",
	    cert, sizeof(cert) };
	inputs[1] = (struct bundle_input){ "quote.sig",
	    "application/vnd.dossier.tpmt-signature", sig, sizeof(sig) - 1 };
	inputs[2] = (struct bundle_input){ "ima.log",
	    "application/vnd.dossier.ima-binary; digest=sha1", big,
	    BIG_LEN };
	if (bundle_members_compute(inputs, 3, members, &e) != 0) {
		printf("not ok - setup: %s\n", e.msg);
		exit(1);
	}
	manifest_len = text_manifest(members, 3, manifest, sizeof(manifest));
}

static uint8_t *
write_valid(size_t *len)
{
	uint8_t *out = NULL;
	struct errbuf e;

	if (bundle_write_mem((const uint8_t *)manifest, manifest_len, inputs, 3,
	    MTIME, &out, len, &e) != 0) {
		printf("not ok - write: %s\n", e.msg);
		exit(1);
	}
	return out;
}

/* --- raw tar and zstd builders for hostile inputs ----------------------------- */

struct tb {
	uint8_t *buf;
	size_t len, cap;
};

static void
tb_put(struct tb *t, const void *p, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2 + 4096;
		t->buf = realloc(t->buf, t->cap);
	}
	if (p != NULL)
		memcpy(t->buf + t->len, p, n);
	else
		memset(t->buf + t->len, 0, n);
	t->len += n;
}

enum magic { USTAR, GNU };

/* A header block; claimed is the size field (may lie about the data). */
static void
tb_hdr(struct tb *t, const char *name, char type, unsigned long long claimed,
    const char *link, enum magic mg)
{
	uint8_t h[512];
	unsigned sum = 0;
	size_t i;

	memset(h, 0, sizeof(h));
	memcpy(h, name, strlen(name));
	memcpy(h + 100, "0000444", 7);
	memcpy(h + 108, "0000000", 7);
	memcpy(h + 116, "0000000", 7);
	snprintf((char *)h + 124, 12, "%011llo", claimed);
	snprintf((char *)h + 136, 12, "%011o", MTIME);
	h[156] = (uint8_t)type;
	if (link != NULL)
		memcpy(h + 157, link, strlen(link));
	if (mg == USTAR)
		memcpy(h + 257, "ustar\0" "00", 8);
	else
		memcpy(h + 257, "ustar  \0", 8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < sizeof(h); i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
	tb_put(t, h, sizeof(h));
}

static void
tb_data(struct tb *t, const void *p, size_t n)
{
	tb_put(t, p, n);
	if (n % 512)
		tb_put(t, NULL, 512 - n % 512);
}

static void
tb_file(struct tb *t, const char *name, const void *p, size_t n)
{
	tb_hdr(t, name, '0', n, NULL, USTAR);
	tb_data(t, p, n);
}

/* A pax extended header ('x' or 'g') with one record "KEY=VALUE". */
static void
tb_pax(struct tb *t, char type, const char *key, const char *value)
{
	char rec[256];
	size_t n = strlen(key) + strlen(value) + 3, d = 1, m;

	for (m = n + 1; m >= 10; m /= 10)
		d++;
	n += d;
	snprintf(rec, sizeof(rec), "%zu %s=%s\n", n, key, value);
	tb_hdr(t, "PaxHeader", type, strlen(rec), NULL, USTAR);
	tb_data(t, rec, strlen(rec));
}

static void
tb_end(struct tb *t)
{
	tb_put(t, NULL, 1024);
}

/* MANIFEST and the listed members, in order; first = how many members. */
static void
tb_valid_prefix(struct tb *t, size_t first)
{
	size_t i;

	tb_file(t, "MANIFEST", manifest, manifest_len);
	for (i = 0; i < first; i++)
		tb_file(t, inputs[i].name, inputs[i].data, inputs[i].len);
}

static uint8_t *
zc(const uint8_t *src, size_t n, size_t *out_len)
{
	size_t cap = ZSTD_compressBound(n);
	uint8_t *out = malloc(cap);

	*out_len = ZSTD_compress(out, cap, src, n, 3);
	if (ZSTD_isError(*out_len)) {
		printf("not ok - ZSTD_compress\n");
		exit(1);
	}
	return out;
}

/* A zstd frame of n bytes of value v, made of RLE blocks (4 bytes each
 * per 128 KiB), with no content size: a decompression bomb. */
static uint8_t *
rle_frame(uint64_t n, uint8_t v, size_t *out_len)
{
	const uint32_t bs = 128 * 1024;
	uint64_t blocks = (n + bs - 1) / bs, i;
	uint8_t *out = malloc(6 + blocks * 4), *p = out;

	memcpy(p, "\x28\xb5\x2f\xfd", 4);
	p[4] = 0x00;		/* no content size, no checksum */
	p[5] = 0x38;		/* window 2^17 */
	p += 6;
	for (i = 0; i < blocks; i++) {
		uint32_t size = (i + 1 == blocks) ? (uint32_t)(n - i * bs) : bs;
		uint32_t h = (size << 3) | (1u << 1) | (i + 1 == blocks);
		p[0] = (uint8_t)h;
		p[1] = (uint8_t)(h >> 8);
		p[2] = (uint8_t)(h >> 16);
		p[3] = v;
		p += 4;
	}
	*out_len = (size_t)(p - out);
	return out;
}

static uint8_t *
cat(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, size_t *n)
{
	uint8_t *out = malloc(na + nb);

	memcpy(out, a, na);
	if (nb > 0)
		memcpy(out + na, b, nb);
	*n = na + nb;
	return out;
}

static const struct bundle_reader strict_reader = { parse_manifest, NULL,
    NULL, NULL, 0 };

/* Read buf; 1 if it failed with a message containing want (and LABEL). */
static int
fails_with(const uint8_t *buf, size_t len, const char *want, char *msg,
    size_t cap)
{
	struct errbuf e;
	struct bundle_contents c;

	memset(&e, 0, sizeof(e));
	if (bundle_read_mem(LABEL, buf, len, &strict_reader, &c, &e) == 0) {
		bundle_contents_free(&c);
		snprintf(msg, cap, "read succeeded");
		return 0;
	}
	snprintf(msg, cap, "%s", e.msg);
	return strncmp(e.msg, LABEL ": ", strlen(LABEL) + 2) == 0 &&
	    strstr(e.msg, want) != NULL;
}

/* Compress the tar, read it, expect a failure naming want. */
static void
expect_tar_fails(struct tb *t, const char *want, const char *what)
{
	char msg[ERRBUF_MAX];
	size_t zn;
	uint8_t *z = zc(t->buf, t->len, &zn);

	CHECK(fails_with(z, zn, want, msg, sizeof(msg)), "%s: refused (%s)",
	    what, msg);
	free(z);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}

static void
expect_tar_ok(struct tb *t, const char *what)
{
	struct errbuf e;
	size_t zn;
	uint8_t *z = zc(t->buf, t->len, &zn);
	int rc = bundle_read_mem(LABEL, z, zn, &strict_reader, NULL, &e);

	CHECK(rc == 0, "%s: accepted (%s)", what, rc ? e.msg : "");
	free(z);
	free(t->buf);
	memset(t, 0, sizeof(*t));
}


/* --- one pass and the scratch ---------------------------------------------- */

/* Bytes for a bundle_fill_fn, handed over by whole_fill or drip_fill. */
struct drip {
	const uint8_t *p;
	size_t len, pos;
};

/* A fill that hands over everything it can at once. */
static int
whole_fill(void *arg, uint8_t *buf, size_t cap, size_t *got, struct errbuf *e)
{
	struct drip *w = arg;

	(void)e;
	*got = w->len - w->pos < cap ? w->len - w->pos : cap;
	memcpy(buf, w->p + w->pos, *got);
	w->pos += *got;
	return 0;
}

/*
 * The tar t[0..n) as one zstd frame of raw blocks whose header declares a
 * window of 2^wlog bytes and the content size: a frame zstd can decode in
 * one pass whatever its window.
 */
static uint8_t *
raw_frame(const uint8_t *t, size_t n, unsigned wlog, size_t *out_len)
{
	const size_t bs = 128 * 1024;
	size_t nblocks = n / bs + 1, i, len;
	uint8_t *out = malloc(10 + nblocks * 3 + n), *p = out;
	uint32_t h;

	memcpy(p, "\x28\xb5\x2f\xfd", 4);
	p[4] = 0x80;			/* 4-byte content size, window byte */
	p[5] = (uint8_t)((wlog - 10) << 3);
	p[6] = (uint8_t)n;
	p[7] = (uint8_t)(n >> 8);
	p[8] = (uint8_t)(n >> 16);
	p[9] = (uint8_t)(n >> 24);
	p += 10;
	for (i = 0; i * bs < n || i == 0; i++) {
		len = n - i * bs < bs ? n - i * bs : bs;
		h = (uint32_t)(len << 3) | ((i + 1) * bs >= n);
		p[0] = (uint8_t)h;
		p[1] = (uint8_t)(h >> 8);
		p[2] = (uint8_t)(h >> 16);
		memcpy(p + 3, t + i * bs, len);
		p += 3 + len;
	}
	*out_len = (size_t)(p - out);
	return out;
}

/* The message without its "(compressed offset N)": where a stream fails
 * depends on how its bytes arrive. */
static void
strip_offset(char *m)
{
	char *o = strstr(m, " (compressed offset");

	if (o != NULL)
		*o = '\0';
}

static void
test_one_pass(void)
{
	struct bundle_reader r = { parse_manifest, NULL, NULL, NULL, 1u << 20 };
	struct bundle_contents c, c2;
	struct drip w;
	struct errbuf e, e2;
	size_t len, tlen, flen, i, agree = 0, tried = 0, refused = 0;
	uint8_t *b = write_valid(&len), *t, *f, *x;
	unsigned long long fsz = ZSTD_getFrameContentSize(b, len);
	int rc, rc2;

	r.scratch = bundle_scratch_new();
	CHECK(r.scratch != NULL, "bundle_scratch_new");
	rc = bundle_read_mem(LABEL, b, len, &r, &c, &e);
	CHECK(rc == 0 && c.one_pass && c.compressed_size == len,
	    "a written bundle read from memory: one pass (%s)",
	    rc ? e.msg : "");
	CHECK(rc == 0 && c.data[2] != NULL &&
	    memcmp(c.data[2], big, BIG_LEN) == 0 && c.data[2][BIG_LEN] == '\0',
	    "one pass: members collected byte for byte, NUL after");
	CHECK(rc == 0 && c.borrowed == 7 && c.data[1][sizeof(sig) - 1] == '\0',
	    "with a scratch, collected members are borrowed (mask %#x)",
	    (unsigned)c.borrowed);
	if (rc == 0)
		bundle_contents_free(&c);
	w = (struct drip){ b, len, 0 };
	rc = bundle_read_stream(LABEL, whole_fill, &w, &r, &c, &e);
	CHECK(rc == 0 && !c.one_pass && c.data[2] != NULL &&
	    memcmp(c.data[2], big, BIG_LEN) == 0,
	    "the same bundle streamed: not one pass, same members (%s)",
	    rc ? e.msg : "");
	if (rc == 0)
		bundle_contents_free(&c);

	/* Every corruption: one pass and streaming agree, message and all. */
	x = malloc(len);
	for (i = 0; i < len; i += len / 97 + 1) {
		memcpy(x, b, len);
		x[i] ^= 0x5a;
		tried++;
		rc = bundle_read_mem(LABEL, x, len, &r, &c, &e);
		if (rc == 0)
			bundle_contents_free(&c);
		w = (struct drip){ x, len, 0 };
		rc2 = bundle_read_stream(LABEL, whole_fill, &w, &r, &c2, &e2);
		if (rc2 == 0)
			bundle_contents_free(&c2);
		strip_offset(e.msg);
		strip_offset(e2.msg);
		if (rc == rc2 && (rc == 0 || strcmp(e.msg, e2.msg) == 0))
			agree++;
		else
			printf("# byte %zu: memory %d '%s', stream %d '%s'\n", i,
			    rc, rc ? e.msg : "", rc2, rc2 ? e2.msg : "");
		refused += rc != 0;
	}
	CHECK(agree == tried && refused > tried / 2,
	    "%zu corruptions: one pass and streaming agree on all (%zu refused)",
	    tried, refused);
	free(x);

	/* A member of 1024 bytes has the next tar header after it, not a
	 * zero: it is copied, NUL-terminated all the same. */
	{
		struct bundle_input in2[2] = { { "a.bin", "text/plain", big,
		    1024 }, { "b.bin", "text/plain", big + 1024, 100 } };
		struct bundle_member m2[2];
		char man2[1024];
		size_t n2, l2;
		uint8_t *b2 = NULL;

		if (bundle_members_compute(in2, 2, m2, &e) == 0) {
			n2 = text_manifest(m2, 2, man2, sizeof(man2));
			if (bundle_write_mem((const uint8_t *)man2, n2, in2, 2,
			    MTIME, &b2, &l2, &e) != 0)
				b2 = NULL;
		}
		rc = b2 != NULL ? bundle_read_mem(LABEL, b2, l2, &r, &c, &e) : -1;
		CHECK(rc == 0 && c.one_pass && c.borrowed == 2 &&
		    memcmp(c.data[0], big, 1024) == 0 && c.data[0][1024] == 0 &&
		    memcmp(c.data[1], big + 1024, 100) == 0 &&
		    c.data[1][100] == 0,
		    "a 1024-byte member is copied, a 100-byte one borrowed "
		    "(mask %#x) (%s)", rc == 0 ? (unsigned)c.borrowed : 0u,
		    rc ? e.msg : "");
		if (rc == 0)
			bundle_contents_free(&c);
		free(b2);
	}

	/* The scratch carries nothing from one read to the next. */
	rc = bundle_read_mem(LABEL, b, len / 2, &r, NULL, &e);
	CHECK(rc != 0, "a truncated bundle fails with the scratch");
	rc = bundle_read_mem(LABEL, b, len, &r, &c, &e);
	CHECK(rc == 0 && c.one_pass && memcmp(c.data[2], big, BIG_LEN) == 0,
	    "the next read with the same scratch is whole (%s)",
	    rc ? e.msg : "");
	if (rc == 0)
		bundle_contents_free(&c);

	/* The window rule holds whatever path decodes the frame. */
	t = malloc(fsz);
	tlen = ZSTD_decompress(t, fsz, b, len);
	f = raw_frame(t, tlen, 24, &flen);
	rc = bundle_read_mem(LABEL, f, flen, &r, NULL, &e);
	CHECK(rc != 0 && strstr(e.msg, "window larger than 2^23") != NULL,
	    "a 2^24 window with the size declared refused from memory (%s)",
	    rc ? e.msg : "accepted");
	w = (struct drip){ f, flen, 0 };
	rc = bundle_read_stream(LABEL, whole_fill, &w, &r, NULL, &e);
	CHECK(rc != 0 && strstr(e.msg, "window larger than 2^23") != NULL,
	    "... and from a stream (%s)", rc ? e.msg : "accepted");
	free(f);
	f = raw_frame(t, tlen, 23, &flen);
	rc = bundle_read_mem(LABEL, f, flen, &r, &c, &e);
	CHECK(rc == 0 && c.one_pass, "a 2^23 window: one pass (%s)",
	    rc ? e.msg : "");
	if (rc == 0)
		bundle_contents_free(&c);
	free(f);
	free(t);
	bundle_scratch_free(r.scratch);
	free(b);
}

/*
 * The writer ends a zstd block after the MANIFEST entry (RFC 8878 3.1.1:
 * frame header, then blocks of a 3-byte header each): decoding the first
 * block alone yields the MANIFEST's tar header and data, nothing more
 * (its padding comes with the next header).
 */
static void
test_manifest_block(void)
{
	static const size_t did[4] = { 0, 1, 2, 4 };
	static const size_t fcs[4] = { 0, 2, 4, 8 };
	size_t len, off, first;
	uint8_t *b = write_valid(&len), fhd, *out;
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer in;
	ZSTD_outBuffer o;
	uint32_t h;

	fhd = b[4];
	off = 5 + ((fhd & 0x20) ? 0 : 1) + did[fhd & 3] +
	    ((fhd >> 6) == 0 ? ((fhd & 0x20) ? 1 : 0) : fcs[fhd >> 6]);
	h = (uint32_t)b[off] | (uint32_t)b[off + 1] << 8 |
	    (uint32_t)b[off + 2] << 16;
	first = ((h >> 1) & 3) == 1 ? 1 : h >> 3;	/* RLE: one byte */
	out = malloc(1u << 20);
	in = (ZSTD_inBuffer){ b, off + 3 + first, 0 };
	o = (ZSTD_outBuffer){ out, 1u << 20, 0 };
	while (in.pos < in.size && !ZSTD_isError(ZSTD_decompressStream(d, &o,
	    &in)))
		;
	CHECK((h & 1) == 0 && o.pos == 512 + manifest_len &&
	    memcmp(out, "MANIFEST", 9) == 0 &&
	    memcmp(out + 512, manifest, manifest_len) == 0,
	    "the first zstd block holds the MANIFEST entry alone (%zu bytes)",
	    o.pos);
	ZSTD_freeDCtx(d);
	free(out);
	free(b);
}

/* --- tests ---------------------------------------------------------------- */

static void
test_round_trip(void)
{
	struct bundle_reader r = { parse_manifest, rec_data, rec_end, NULL,
	    1000 };
	struct bundle_contents c;
	struct rec rec = { 0 };
	struct errbuf e;
	size_t len, i;
	uint8_t *b = write_valid(&len);
	int rc;

	r.arg = &rec;
	rc = bundle_read_mem(LABEL, b, len, &r, &c, &e);
	CHECK(rc == 0, "round trip reads back (%s)", rc ? e.msg : "");
	if (rc != 0)
		goto out;
	CHECK(c.manifest_len == manifest_len &&
	    memcmp(c.manifest, manifest, manifest_len) == 0,
	    "MANIFEST bytes come back");
	CHECK(c.nmembers == 3, "three members");
	for (i = 0; i < 3; i++)
		CHECK(rec.len[i] == inputs[i].len &&
		    memcmp(rec.buf[i], inputs[i].data, inputs[i].len) == 0,
		    "member %s streamed whole", inputs[i].name);
	CHECK(rec.ends == 3 && rec.order_errors == 0,
	    "member_end after each member, in order");
	CHECK(rec.chunks >= 5, "ima.log came in several chunks (%zu calls)",
	    rec.chunks);
	CHECK(c.data[0] != NULL && memcmp(c.data[0], cert, sizeof(cert)) == 0 &&
	    c.data[1] != NULL && c.data[1][sizeof(sig) - 1] == '\0' &&
	    memcmp(c.data[1], sig, sizeof(sig) - 1) == 0,
	    "small members collected");
	CHECK(c.data[2] == NULL, "member above collect_max not collected");
	CHECK(c.compressed_size == len, "compressed size %llu",
	    (unsigned long long)c.compressed_size);
	CHECK(ZSTD_getFrameContentSize(b, len) == 512 + (manifest_len + 511) /
	    512 * 512 + 512 + 512 + 512 + 512 + 512 + 300032 + 1024,
	    "frame header carries the tar size");
	bundle_contents_free(&c);
out:
	rec_free(&rec);
	free(b);
}

static void
test_tar_layout(void)
{
	size_t len, tlen;
	uint8_t *b = write_valid(&len), *t;
	unsigned long long fsz = ZSTD_getFrameContentSize(b, len);
	char mt[12];

	t = malloc(fsz);
	tlen = ZSTD_decompress(t, fsz, b, len);
	CHECK(!ZSTD_isError(tlen) && tlen == fsz, "decompresses in one frame");
	snprintf(mt, sizeof(mt), "%011o", MTIME);
	CHECK(memcmp(t, "MANIFEST\0", 9) == 0 && memcmp(t + 257, "ustar\0" "00",
	    8) == 0 && t[156] == '0', "first header: MANIFEST, ustar, regular");
	CHECK(memcmp(t + 100, "000444 ", 8) == 0 &&
	    memcmp(t + 108, "000000 ", 8) == 0 &&
	    memcmp(t + 116, "000000 ", 8) == 0 && t[265] == 0 && t[297] == 0,
	    "mode 0444, uid/gid 0, empty uname/gname");
	CHECK(memcmp(t + 136, mt, 11) == 0, "mtime is the caller's");
	CHECK(memcmp(t + 1024, "ek.crt\0", 7) == 0, "second header: ek.crt");
	CHECK(tlen >= 1024 && memcmp(t + tlen - 1024, (uint8_t[1024]){ 0 },
	    1024) == 0, "ends with two zero blocks");
	free(t);
	free(b);
}

/*
 * The writer's frame carries no content checksum (the manifest's digests
 * cover the members); a bundle from a writer that added one still has it
 * verified.
 */
static void
test_checksum(void)
{
	size_t len, tlen, zlen;
	uint8_t *b = write_valid(&len), *t, *z;
	unsigned long long fsz = ZSTD_getFrameContentSize(b, len);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	struct bundle_contents c;
	struct errbuf e;
	char msg[ERRBUF_MAX];
	int rc;

	/* RFC 8878 3.1.1.1.1: Frame_Header_Descriptor bit 2 */
	CHECK(len > 4 && (b[4] & 0x04) == 0, "the writer adds no checksum");
	t = malloc(fsz);
	z = malloc(ZSTD_compressBound(fsz));
	tlen = ZSTD_decompress(t, fsz, b, len);
	zlen = (size_t)-1;	/* a zstd error code */
	if (!ZSTD_isError(tlen) && !ZSTD_isError(ZSTD_CCtx_setParameter(cc,
	    ZSTD_c_checksumFlag, 1)))
		zlen = ZSTD_compress2(cc, z, ZSTD_compressBound(fsz), t, tlen);
	CHECK(!ZSTD_isError(zlen) && (z[4] & 0x04) != 0,
	    "the same tar with a checksum");
	if (!ZSTD_isError(zlen)) {
		rc = bundle_read_mem(LABEL, z, zlen, &strict_reader, &c, &e);
		CHECK(rc == 0, "a bundle with a checksum reads (%s)",
		    rc ? e.msg : "read");
		if (rc == 0)
			bundle_contents_free(&c);
		z[zlen - 1] ^= 0x01;
		CHECK(fails_with(z, zlen, "checksum", msg, sizeof(msg)),
		    "a wrong checksum is refused (%s)", msg);
	}
	ZSTD_freeCCtx(cc);
	free(z);
	free(t);
	free(b);
}

static void
test_deterministic(void)
{
	size_t l1, l2, l3;
	uint8_t *b1 = write_valid(&l1), *b2 = write_valid(&l2), *b3 = NULL;
	char path[] = "/tmp/test_bundle.XXXXXX";
	struct errbuf e;
	int fd;

	CHECK(l1 == l2 && memcmp(b1, b2, l1) == 0,
	    "same inputs give byte-identical bundles");
	CHECK(bundle_write_mem((const uint8_t *)manifest, manifest_len, inputs,
	    3, MTIME + 1, &b3, &l3, &e) == 0 && (l3 != l1 ||
	    memcmp(b1, b3, l1) != 0), "another mtime gives another bundle");
	free(b3);
	if ((fd = mkstemp(path)) >= 0) {
		uint8_t *f = malloc(l1 + 1);
		ssize_t n;
		int rc = bundle_write_fd(fd, (const uint8_t *)manifest,
		    manifest_len, inputs, 3, MTIME, &e);
		lseek(fd, 0, SEEK_SET);
		n = read(fd, f, l1 + 1);
		CHECK(rc == 0 && n == (ssize_t)l1 && memcmp(f, b1, l1) == 0,
		    "bundle_write_fd writes the same bytes");
		lseek(fd, 0, SEEK_SET);
		rc = bundle_read_fd(LABEL, fd, &strict_reader, NULL, &e);
		CHECK(rc == 0, "bundle_read_fd reads it (%s)", rc ? e.msg : "");
		free(f);
		close(fd);
		unlink(path);
	}
	free(b1);
	free(b2);
}

static int
drip_fill(void *arg, uint8_t *buf, size_t cap, size_t *got, struct errbuf *e)
{
	struct drip *d = arg;

	(void)e;
	*got = (d->pos < d->len && cap > 0) ? 1 : 0;
	if (*got)
		buf[0] = d->p[d->pos++];
	return 0;
}

static void
test_stream(void)
{
	struct bundle_listing l;
	struct errbuf e;
	struct drip d;
	size_t len, two_len;
	uint8_t *b = write_valid(&len), *two;
	int rc;

	d = (struct drip){ b, len, 0 };
	rc = bundle_read_stream(LABEL, drip_fill, &d, &strict_reader, NULL, &e);
	CHECK(rc == 0, "reads a stream delivered one byte at a time (%s)",
	    rc ? e.msg : "");

	/* Two frames: the bundle split in the middle of the tar stream. */
	{
		unsigned long long fsz = ZSTD_getFrameContentSize(b, len);
		uint8_t *t = malloc(fsz), *z1, *z2;
		size_t n1, n2;
		ZSTD_decompress(t, fsz, b, len);
		z1 = zc(t, 5000, &n1);
		z2 = zc(t + 5000, fsz - 5000, &n2);
		two = cat(z1, n1, z2, n2, &two_len);
		rc = bundle_read_mem(LABEL, two, two_len, &strict_reader, NULL,
		    &e);
		CHECK(rc == 0, "two concatenated zstd frames (%s)",
		    rc ? e.msg : "");
		d = (struct drip){ two, two_len, 0 };
		rc = bundle_read_stream(LABEL, drip_fill, &d, &strict_reader,
		    NULL, &e);
		CHECK(rc == 0, "two frames, one byte at a time (%s)",
		    rc ? e.msg : "");
		free(t);
		free(z1);
		free(z2);
		free(two);
	}

	rc = bundle_list_mem(LABEL, b, len, &l, &e);
	CHECK(rc == 0 && l.nentries == 4, "list: 4 entries (%s)",
	    rc ? e.msg : "");
	CHECK(strcmp(l.entries[0].name, "MANIFEST") == 0 &&
	    strcmp(l.entries[3].name, "ima.log") == 0 &&
	    l.entries[3].size == BIG_LEN &&
	    l.entries[3].type == BUNDLE_ENTRY_FILE && !l.entries[3].extended,
	    "list: names, sizes, types");
	free(b);
}

static void
test_writer_checks(void)
{
	static const char *bad[] = { "../x", "a/b", "Upper", "", ".hidden",
	    "-x", "MANIFEST", "sp ace", "abcdefghijklmnopqrstuvwxyz0123456" };
	struct bundle_input in[2] = { { "a", "text/plain", cert, 1 },
	    { "a", "text/plain", cert, 1 } };
	struct bundle_member m[2];
	struct errbuf e;
	uint8_t *out = NULL;
	size_t i, len;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		in[0].name = bad[i];
		CHECK(bundle_members_compute(in, 1, m, &e) != 0,
		    "name '%s' refused (%s)", bad[i], e.msg);
	}
	in[0].name = "a";
	CHECK(bundle_members_compute(in, 2, m, &e) != 0 &&
	    strstr(e.msg, "twice") != NULL, "duplicate name refused");
	in[1].name = "b";
	in[1].media_type = "bad\ttype";
	CHECK(bundle_members_compute(in, 2, m, &e) != 0,
	    "control character in media type refused");
	in[1].media_type = "text/plain";
	CHECK(bundle_members_compute(in, 2, m, &e) == 0 && m[1].size == 1 &&
	    strcmp(m[1].media_type, "text/plain") == 0,
	    "valid members computed");
	CHECK(bundle_write_mem((const uint8_t *)"m", 1, in, 2, -1, &out, &len,
	    &e) != 0, "negative mtime refused");
	CHECK(bundle_write_mem((const uint8_t *)"m", 1, in, 2,
	    BUNDLE_MTIME_MAX + 1, &out, &len, &e) != 0,
	    "mtime beyond the ustar field refused");
	{
		uint8_t *huge = calloc(1, BUNDLE_MANIFEST_MAX + 1);
		CHECK(bundle_write_mem(huge, BUNDLE_MANIFEST_MAX + 1, in, 2,
		    MTIME, &out, &len, &e) != 0, "MANIFEST over the limit "
		    "refused by the writer");
		free(huge);
	}
	CHECK(bundle_write_mem((const uint8_t *)"m", 1, in, 2, BUNDLE_MTIME_MAX,
	    &out, &len, &e) == 0, "largest mtime written (%s)", e.msg);
	free(out);
	CHECK(bundle_write_mem((const uint8_t *)"m", 1, in, 2, 0, &out, &len,
	    &e) == 0, "mtime 0 written (%s)", e.msg);
	free(out);
}

static void
test_hostile_entries(void)
{
	struct tb t = { 0 };

	tb_valid_prefix(&t, 1);
	tb_hdr(&t, "quote.sig", '2', 0, "/etc/passwd", USTAR);
	tb_end(&t);
	expect_tar_fails(&t, "member 'quote.sig' is a symbolic link",
	    "symlink");

	tb_valid_prefix(&t, 1);
	tb_hdr(&t, "quote.sig", '1', 0, "ek.crt", USTAR);
	tb_end(&t);
	expect_tar_fails(&t, "member 'quote.sig' is a hard link", "hard link");

	tb_valid_prefix(&t, 1);
	tb_hdr(&t, "quote.sig", '5', 0, NULL, USTAR);
	tb_end(&t);
	expect_tar_fails(&t, "member 'quote.sig' is a directory", "directory");

	tb_valid_prefix(&t, 1);
	tb_hdr(&t, "quote.sig", '3', 0, NULL, USTAR);
	tb_end(&t);
	expect_tar_fails(&t, "member 'quote.sig' is a device", "device");

	tb_valid_prefix(&t, 1);
	tb_file(&t, "../x", sig, 3);
	tb_end(&t);
	expect_tar_fails(&t, "invalid member name '../x'", "'../x' name");

	tb_valid_prefix(&t, 1);
	tb_file(&t, "sub/quote.sig", sig, 3);
	tb_end(&t);
	expect_tar_fails(&t, "contains '/'", "name with '/'");

	tb_valid_prefix(&t, 1);
	tb_file(&t, "bad\033[2Jname", sig, 3);
	tb_end(&t);
	expect_tar_fails(&t, "'bad\\x1b[2Jname'", "control characters escaped");

	tb_valid_prefix(&t, 1);
	tb_file(&t, "MANIFEST", manifest, manifest_len);
	tb_end(&t);
	expect_tar_fails(&t, "a second MANIFEST", "two MANIFESTs");

	tb_file(&t, "ek.crt", cert, sizeof(cert));
	tb_valid_prefix(&t, 3);
	tb_end(&t);
	expect_tar_fails(&t, "first member is 'ek.crt': MANIFEST must come "
	    "first", "MANIFEST not first");

	tb_valid_prefix(&t, 3);
	tb_file(&t, "evil", sig, 3);
	tb_end(&t);
	expect_tar_fails(&t, "extra member 'evil' after the last listed "
	    "member", "extra member");

	tb_valid_prefix(&t, 3);
	tb_file(&t, "quote.sig", sig, sizeof(sig) - 1);
	tb_end(&t);
	expect_tar_fails(&t, "duplicate member 'quote.sig'",
	    "duplicate after the last");

	tb_valid_prefix(&t, 2);
	tb_end(&t);
	expect_tar_fails(&t, "member 'ima.log' is missing", "missing member");

	tb_valid_prefix(&t, 1);
	tb_file(&t, "ima.log", big, BIG_LEN);
	tb_file(&t, "quote.sig", sig, sizeof(sig) - 1);
	tb_end(&t);
	expect_tar_fails(&t, "member 'ima.log' is out of order",
	    "out of order");

	tb_valid_prefix(&t, 2);
	tb_file(&t, "ek.crt", cert, sizeof(cert));
	tb_end(&t);
	expect_tar_fails(&t, "duplicate member 'ek.crt'", "duplicate member");

	tb_valid_prefix(&t, 2);
	tb_file(&t, "ima.log", big, BIG_LEN + 10);
	tb_end(&t);
	expect_tar_fails(&t, "member 'ima.log' is 10 bytes larger than listed",
	    "member larger than listed");

	tb_valid_prefix(&t, 2);
	tb_file(&t, "ima.log", big, BIG_LEN - 1);
	tb_end(&t);
	expect_tar_fails(&t, "member 'ima.log' is 1 bytes smaller than listed",
	    "member smaller than listed");

	big[123456] ^= 1;
	tb_valid_prefix(&t, 3);
	big[123456] ^= 1;
	tb_end(&t);
	expect_tar_fails(&t, "member 'ima.log': SHA-256 does not match the "
	    "manifest", "flipped byte");

	tb_file(&t, "MANIFEST", manifest, 3);	/* cut mid-line: not parsed */
	tb_end(&t);
	expect_tar_fails(&t, "MANIFEST: ", "manifest callback error surfaces");
}

static void
test_hostile_framing(void)
{
	struct tb t = { 0 };
	char msg[ERRBUF_MAX];
	uint8_t *b, *x, *z;
	size_t len, xn;

	/* Extension headers: pax 'x', pax 'g', GNU magic, GNU long name. */
	tb_valid_prefix(&t, 1);
	tb_pax(&t, 'x', "path", "quote.sig");
	tb_file(&t, "other", sig, sizeof(sig) - 1);
	tb_valid_prefix(&t, 0);
	tb_end(&t);
	expect_tar_fails(&t, "extension headers", "pax 'x' header");

	tb_valid_prefix(&t, 3);
	tb_pax(&t, 'g', "comment", "hidden");
	tb_end(&t);
	expect_tar_fails(&t, "extension headers before the end",
	    "pax 'g' header at the end");

	tb_valid_prefix(&t, 1);
	tb_hdr(&t, "quote.sig", '0', sizeof(sig) - 1, NULL, GNU);
	tb_data(&t, sig, sizeof(sig) - 1);
	tb_file(&t, "ima.log", big, BIG_LEN);
	tb_end(&t);
	expect_tar_fails(&t, "extension headers", "GNU tar header");

	tb_valid_prefix(&t, 1);
	tb_hdr(&t, "././@LongLink", 'L', 10, NULL, GNU);
	tb_data(&t, "quote.sig", 10);
	tb_hdr(&t, "x", '0', sizeof(sig) - 1, NULL, GNU);
	tb_data(&t, sig, sizeof(sig) - 1);
	tb_file(&t, "ima.log", big, BIG_LEN);
	tb_end(&t);
	expect_tar_fails(&t, "extension headers", "GNU long name");

	/* End of the archive and what follows it. */
	tb_valid_prefix(&t, 3);
	tb_put(&t, NULL, 10240 - t.len % 10240);
	tb_put(&t, NULL, 10240);
	expect_tar_ok(&t, "zero padding after the end marker");

	tb_valid_prefix(&t, 3);
	tb_end(&t);
	tb_put(&t, "x", 1);
	tb_put(&t, NULL, 511);
	expect_tar_fails(&t, "data after the end of the archive",
	    "garbage after the end marker");

	tb_valid_prefix(&t, 3);
	tb_put(&t, NULL, 512);
	tb_file(&t, "evil", sig, 3);
	tb_end(&t);
	expect_tar_fails(&t, "data after a single zero block",
	    "entry after a single zero block");

	tb_valid_prefix(&t, 3);
	expect_tar_fails(&t, "no end-of-archive marker", "no end marker");

	tb_valid_prefix(&t, 3);
	t.len -= 100000;
	expect_tar_fails(&t, "member 'ima.log'", "tar truncated in a member");

	tb_put(&t, "not a tar header at all", 23);
	tb_put(&t, NULL, 2048);
	expect_tar_fails(&t, "tar: Unrecognized archive format", "not a tar");

	/* zstd framing. */
	b = write_valid(&len);
	CHECK(fails_with(b, len - 7, "truncated zstd frame", msg, sizeof(msg)),
	    "truncated zstd frame (%s)", msg);
	CHECK(fails_with(b, 0, "empty input", msg, sizeof(msg)),
	    "empty input (%s)", msg);
	x = cat(b, len, (const uint8_t *)"garbage!", 8, &xn);
	CHECK(fails_with(x, xn, "data after the last zstd frame", msg,
	    sizeof(msg)), "garbage after the zstd frame (%s)", msg);
	free(x);
	x = cat(b, len, (const uint8_t *)"\x50\x2a\x4d\x18\x04\0\0\0abcd", 12,
	    &xn);
	CHECK(fails_with(x, xn, "skippable frame", msg, sizeof(msg)),
	    "skippable frame refused (%s)", msg);
	free(x);
	x = cat(b, len, (const uint8_t *)"\x28\xb5", 2, &xn);
	CHECK(fails_with(x, xn, "stray bytes", msg, sizeof(msg)),
	    "two stray bytes after the frame (%s)", msg);
	free(x);
	b[len / 2] ^= 0x40;
	CHECK(fails_with(b, len, LABEL ": ", msg, sizeof(msg)),
	    "corrupt compressed byte (%s)", msg);
	b[len / 2] ^= 0x40;
	{
		unsigned long long fsz = ZSTD_getFrameContentSize(b, len);
		uint8_t *tar = malloc(fsz);
		ZSTD_decompress(tar, fsz, b, len);
		CHECK(fails_with(tar, fsz, "no zstd magic number", msg,
		    sizeof(msg)), "uncompressed tar refused (%s)", msg);
		free(tar);
	}
	free(b);

	/* A frame that asks for a 16 MiB window (zstd --long=24 style). */
	{
		ZSTD_CCtx *cc = ZSTD_createCCtx();
		ZSTD_inBuffer in;
		ZSTD_outBuffer out;
		b = write_valid(&len);
		unsigned long long fsz = ZSTD_getFrameContentSize(b, len);
		uint8_t *tar = malloc(fsz);
		ZSTD_decompress(tar, fsz, b, len);
		z = malloc(ZSTD_compressBound(fsz) + 64);
		ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 24);
		in = (ZSTD_inBuffer){ tar, fsz, 0 };
		out = (ZSTD_outBuffer){ z, ZSTD_compressBound(fsz) + 64, 0 };
		ZSTD_compressStream2(cc, &out, &in, ZSTD_e_continue);
		while (ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end) != 0)
			;
		CHECK(fails_with(z, out.pos, "window larger than 2^23", msg,
		    sizeof(msg)), "16 MiB window refused (%s)", msg);
		ZSTD_freeCCtx(cc);
		free(tar);
		free(z);
		free(b);
	}

	/* Manifest limits. */
	{
		uint8_t *m = malloc(BUNDLE_MANIFEST_MAX + 1);
		memset(m, 'a', BUNDLE_MANIFEST_MAX + 1);
		tb_file(&t, "MANIFEST", m, BUNDLE_MANIFEST_MAX + 1);
		tb_end(&t);
		free(m);
		expect_tar_fails(&t, "MANIFEST is 65537 bytes", "MANIFEST over "
		    "the limit");
	}
	tb_put(&t, NULL, 1024);
	expect_tar_fails(&t, "empty archive: no MANIFEST", "empty archive");
}

static long
maxrss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 64 GiB of zeros (2 MiB compressed) after a valid bundle; a tar whose
 * MANIFEST header claims 8 GiB; 64 GiB of 'A'. All stop at once. */
static void
test_bombs(void)
{
	const uint64_t huge = (uint64_t)64 << 30;
	struct bundle_listing l;
	struct tb t = { 0 };
	struct errbuf e;
	char msg[ERRBUF_MAX];
	uint8_t *b, *bomb, *x;
	size_t len, bn, xn;
	long rss0 = maxrss_kib();
	double t0 = now();

	b = write_valid(&len);
	bomb = rle_frame(huge, 0, &bn);
	x = cat(b, len, bomb, bn, &xn);
	CHECK(fails_with(x, xn, "zero bytes after the end of the archive", msg,
	    sizeof(msg)), "64 GiB of zeros after the archive (%s)", msg);
	CHECK(bundle_list_mem(LABEL, x, xn, &l, &e) != 0 &&
	    strstr(e.msg, "zero bytes after the end") != NULL && l.nentries == 4,
	    "list stops there too (%s)", e.msg);
	free(x);
	free(bomb);
	free(b);

	bomb = rle_frame(huge, 'A', &bn);
	CHECK(fails_with(bomb, bn, LABEL ": tar: ", msg, sizeof(msg)),
	    "64 GiB of 'A' (%s)", msg);
	free(bomb);

	bomb = rle_frame(huge, 0, &bn);
	CHECK(fails_with(bomb, bn, "empty archive", msg, sizeof(msg)),
	    "64 GiB of zeros alone (%s)", msg);
	free(bomb);

	tb_hdr(&t, "MANIFEST", '0', 077777777777ull, NULL, USTAR);
	b = cat(t.buf, t.len, NULL, 0, &len);
	free(t.buf);
	bomb = rle_frame(huge, 0, &bn);
	x = zc(b, len, &xn);
	free(b);
	b = cat(x, xn, bomb, bn, &len);
	CHECK(fails_with(b, len, "MANIFEST is 8589934591 bytes", msg,
	    sizeof(msg)), "MANIFEST header claiming 8 GiB (%s)", msg);
	free(b);
	free(x);
	free(bomb);

	CHECK(now() - t0 < 10.0, "bombs stopped quickly (%.2f s)", now() - t0);
	CHECK(maxrss_kib() - rss0 < 64 * 1024,
	    "bombs used bounded memory (max RSS grew by %ld KiB)",
	    maxrss_kib() - rss0);
}

/* Callback-driven failures: a list the container must refuse, and a
 * member_data callback that stops the read. */
static int
bad_list(void *arg, const uint8_t *p, size_t len, struct bundle_member *m,
    size_t *n, struct errbuf *e)
{
	int which = *(int *)arg;

	if (parse_manifest(NULL, p, len, m, n, e) != 0)
		return -1;
	if (which == 0)
		memcpy(m[0].name, "../ek", 6);
	else if (which == 1)
		m[2].size = BUNDLE_MEMBER_MAX_BYTES + 1;
	else
		memcpy(m[1].name, m[0].name, sizeof(m[0].name));
	return 0;
}

static int
stop_data(void *arg, size_t i, const struct bundle_member *m,
    const uint8_t *p, size_t n, struct errbuf *e)
{
	(void)arg;
	(void)i;
	(void)p;
	(void)n;
	return err_set(e, "consumer refused %s", m->name);
}

static void
test_callbacks(void)
{
	struct bundle_reader r = { bad_list, NULL, NULL, NULL, 0 };
	struct errbuf e;
	size_t len;
	uint8_t *b = write_valid(&len);
	int which;

	r.arg = &which;
	which = 0;
	CHECK(bundle_read_mem(LABEL, b, len, &r, NULL, &e) != 0 &&
	    strstr(e.msg, "MANIFEST: listed member '../ek'") != NULL,
	    "invalid listed name refused (%s)", e.msg);
	which = 1;
	CHECK(bundle_read_mem(LABEL, b, len, &r, NULL, &e) != 0 &&
	    strstr(e.msg, "more than the limit") != NULL,
	    "listed size over the limit refused (%s)", e.msg);
	which = 2;
	CHECK(bundle_read_mem(LABEL, b, len, &r, NULL, &e) != 0 &&
	    strstr(e.msg, "listed twice") != NULL,
	    "name listed twice refused (%s)", e.msg);
	r = (struct bundle_reader){ parse_manifest, stop_data, NULL, NULL, 0 };
	CHECK(bundle_read_mem(LABEL, b, len, &r, NULL, &e) != 0 &&
	    strcmp(e.msg, LABEL ": member 'ek.crt': consumer refused ek.crt")
	    == 0, "member_data error stops the read (%s)", e.msg);
	free(b);
}

/* --- cross-checks with GNU tar and the zstd CLI ----------------------------- */

static int
have(const char *tool)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
	return system(cmd) == 0;
}

static int
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(p, 1, n, f) == n;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

static uint8_t *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	long sz;

	*n = 0;
	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (sz = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0 && (p = malloc((size_t)sz + 1)) != NULL &&
	    fread(p, 1, (size_t)sz, f) == (size_t)sz)
		*n = (size_t)sz;
	fclose(f);
	return p;
}

static int
run(const char *dir, const char *cmd)
{
	char line[1024];

	snprintf(line, sizeof(line), "cd '%s' && %s", dir, cmd);
	return system(line);
}

static void
test_tools(void)
{
	char dir[] = "/tmp/test_bundle_tools.XXXXXX", path[256];
	struct errbuf e;
	size_t len, n, i;
	uint8_t *b, *p;
	int rc;

	if (!have("tar") || !have("zstd")) {
		printf("skip - tar/zstd cross-checks: tar or zstd missing\n");
		return;
	}
	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	/* Ours -> GNU tar: the members come out with their bytes. */
	b = write_valid(&len);
	snprintf(path, sizeof(path), "%s/ours.dossier", dir);
	CHECK(write_file(path, b, len) == 0, "bundle written to a file");
	free(b);
	CHECK(run(dir, "mkdir x && zstd -q -t ours.dossier && "
	    "tar --zstd -C x -xf ours.dossier") == 0,
	    "zstd -t and tar --zstd -xf accept our bundle");
	snprintf(path, sizeof(path), "%s/x/MANIFEST", dir);
	p = slurp(path, &n);
	CHECK(p != NULL && n == manifest_len && memcmp(p, manifest, n) == 0,
	    "tar extracts MANIFEST byte for byte");
	free(p);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/x/%s", dir, inputs[i].name);
		p = slurp(path, &n);
		CHECK(p != NULL && n == inputs[i].len &&
		    memcmp(p, inputs[i].data, n) == 0,
		    "tar extracts %s byte for byte", inputs[i].name);
		free(p);
	}
	CHECK(run(dir, "test \"$(tar --zstd -tf ours.dossier | tr '\\n' ' ')\" = "
	    "'MANIFEST ek.crt quote.sig ima.log '") == 0,
	    "tar lists MANIFEST first, then the members in order");
	CHECK(run(dir, "tar --zstd -tvf ours.dossier | "
	    "awk '$1 != \"-r--r--r--\" || $2 != \"0/0\" { bad = 1 } "
	    "END { exit bad }'") == 0, "tar -tv: mode 0444, owner 0/0");

	/* GNU tar (ustar) + zstd CLI -> ours: accepted, same members. */
	rc = run(dir, "cd x && tar --format=ustar --owner=0 --group=0 "
	    "--numeric-owner --mode=0444 --mtime=@1700000000 -cf - MANIFEST "
	    "ek.crt quote.sig ima.log | zstd -q -19 > ../gnu.dossier");
	snprintf(path, sizeof(path), "%s/gnu.dossier", dir);
	b = slurp(path, &len);
	CHECK(rc == 0 && b != NULL, "GNU tar + zstd made a bundle");
	rc = b ? bundle_read_mem(LABEL, b, len, &strict_reader, NULL, &e) : -1;
	CHECK(rc == 0, "GNU tar ustar + zstd -19 bundle accepted (%s)",
	    rc ? e.msg : "");
	free(b);
	/* ... but not in GNU or pax format (extension headers). */
	run(dir, "cd x && tar --format=gnu -cf - MANIFEST ek.crt quote.sig "
	    "ima.log | zstd -q > ../gnufmt.dossier; tar --format=pax -cf - "
	    "MANIFEST ek.crt quote.sig ima.log | zstd -q > ../pax.dossier; "
	    "tar -cf - MANIFEST ek.crt quote.sig ima.log | zstd -q --long=24 "
	    "> ../long.dossier");
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir,
		    i ? "pax.dossier" : "gnufmt.dossier");
		b = slurp(path, &len);
		rc = b ? bundle_read_mem(LABEL, b, len, &strict_reader, NULL,
		    &e) : 0;
		CHECK(rc != 0 && strstr(e.msg, "extension headers") != NULL,
		    "tar --format=%s refused (%s)", i ? "pax" : "gnu", e.msg);
		free(b);
	}
	snprintf(path, sizeof(path), "%s/long.dossier", dir);
	b = slurp(path, &len);
	rc = b ? bundle_read_mem(LABEL, b, len, &strict_reader, NULL, &e) : 0;
	CHECK(rc != 0 && strstr(e.msg, "window larger than 2^23") != NULL,
	    "zstd --long=24 from a pipe refused (%s)", e.msg);
	free(b);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
}

/* The resident set now, KiB (/proc/self/statm); -1 if unknown. */
static long
rss_now_kib(void)
{
	long size, pages = -1;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f != NULL) {
		if (fscanf(f, "%ld %ld", &size, &pages) != 2)
			pages = -1;
		fclose(f);
	}
	return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* A manifest callback that refuses (an authentication that failed). */
static int
refuse_manifest(void *arg, const uint8_t *p, size_t len,
    struct bundle_member *m, size_t *n, struct errbuf *e)
{
	(void)arg;
	(void)p;
	(void)len;
	(void)m;
	(void)n;
	return err_set(e, "not authenticated");
}

static int
count_member_data(void *arg, size_t index, const struct bundle_member *m,
    const uint8_t *chunk, size_t len, struct errbuf *e)
{
	(void)index;
	(void)m;
	(void)chunk;
	(void)len;
	(void)e;
	(*(int *)arg)++;
	return 0;
}

/*
 * Before the manifest callback accepts, at most BUNDLE_PREAUTH_MAX bytes
 * are decompressed (bundle.h): a 60 MB member of zeros, one frame the
 * reader decodes in one pass, costs nothing when the callback refuses.
 * The scratch keeps its one-pass buffer after the read (until the next),
 * so what was decoded into it is still resident when RSS is measured.
 */
static void
test_preauth(void)
{
	const size_t zlen = 60u << 20;
	struct bundle_reader r = { refuse_manifest, count_member_data, NULL,
	    NULL, BUNDLE_MEMBER_MAX_BYTES, NULL };
	struct bundle_input in = { "zeros.bin", "application/octet-stream",
	    NULL, zlen };
	struct bundle_member m;
	struct bundle_contents c;
	struct errbuf e;
	char man[1024];
	uint8_t *zeros, *b = NULL;
	size_t n, len = 0;
	long before, after;
	int calls = 0, rc;

	/* calloc'd pages are the kernel's zero page until written */
	if ((zeros = calloc(1, zlen)) == NULL ||
	    (r.scratch = bundle_scratch_new()) == NULL) {
		CHECK(0, "pre-authentication: setup");
		free(zeros);
		return;
	}
	in.data = zeros;
	if (bundle_members_compute(&in, 1, &m, &e) == 0) {
		n = text_manifest(&m, 1, man, sizeof(man));
		if (bundle_write_mem((const uint8_t *)man, n, &in, 1, MTIME,
		    &b, &len, &e) != 0)
			b = NULL;
	}
	CHECK(b != NULL && ZSTD_getFrameContentSize(b, len) > zlen &&
	    ZSTD_getFrameContentSize(b, len) <= BUNDLE_ONESHOT_MAX,
	    "a 60 MB member of zeros: one frame for one pass, %zu bytes", len);
	r.arg = &calls;
	before = rss_now_kib();
	rc = b != NULL ? bundle_read_mem(LABEL, b, len, &r, &c, &e) : 0;
	after = rss_now_kib();
	CHECK(rc != 0 && strstr(e.msg, "MANIFEST: not authenticated") != NULL &&
	    calls == 0, "a refused manifest ends the read before any member "
	    "data (%s, %d calls)", rc ? e.msg : "accepted", calls);
	CHECK(before > 0 && after - before < 16 * 1024,
	    "... having decoded little of the frame (RSS grew by %ld KiB)",
	    after - before);
	r.manifest = parse_manifest;
	rc = b != NULL ? bundle_read_mem(LABEL, b, len, &r, &c, &e) : -1;
	CHECK(rc == 0 && c.one_pass && calls > 0 && c.data[0] != NULL &&
	    c.data[0][0] == 0 && c.data[0][zlen - 1] == 0,
	    "accepted, the same bundle is read in one pass (%s)",
	    rc ? e.msg : "");
	if (rc == 0)
		bundle_contents_free(&c);
	bundle_scratch_free(r.scratch);
	free(b);
	free(zeros);
}

int
main(void)
{
	setup_inputs();
	test_round_trip();
	test_tar_layout();
	test_checksum();
	test_deterministic();
	test_stream();
	test_writer_checks();
	test_hostile_entries();
	test_hostile_framing();
	test_callbacks();
	test_one_pass();
	test_manifest_block();
	test_bombs();
	test_preauth();
	test_tools();
	return check_finish();
}
