/*
 * test_cbor_det.c - deterministic CBOR writer, strict validator and
 * cursor (format/cbor_det.h). Expected encodings are written out by hand
 * from RFC 8949 §3 and Appendix A (e.g. 24 = 18 18, 256 = 19 01 00,
 * -1 = 20, -257 = 39 01 00).
 */
#include <stdlib.h>
#include <string.h>

#include "format/cbor_det.h"
#include "format/hex.h"
#include "tests/unit/check.h"

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	long n = hex_decode(h, strlen(h), out, cap);

	return n < 0 ? (size_t)-1 : (size_t)n;
}

/* Whether the writer output equals the hex string. */
static int
wr_is(struct cbor_wr *w, const char *hex)
{
	uint8_t want[256], *out = NULL;
	size_t n = unhex(hex, want, sizeof(want)), len = 0;
	int ok;

	if (cbor_wr_finish(w, &out, &len, NULL) != 0)
		return 0;
	ok = len == n && memcmp(out, want, n) == 0;
	free(out);
	return ok;
}

static int
uint_enc(uint64_t v, const char *hex)
{
	struct cbor_wr w;

	cbor_wr_init(&w, 64);
	cbor_wr_uint(&w, v);
	return wr_is(&w, hex);
}

static int
int_enc(int64_t v, const char *hex)
{
	struct cbor_wr w;

	cbor_wr_init(&w, 64);
	cbor_wr_int(&w, v);
	return wr_is(&w, hex);
}

/* Validate hex input; 0 accepted, -1 rejected (message in e). */
static int
check_hex(const char *hex, struct errbuf *e)
{
	uint8_t buf[512];
	size_t n = unhex(hex, buf, sizeof(buf));

	err_clear(e);
	return cbor_det_check(buf, n, e);
}

static int
rejected_with(const char *hex, const char *what)
{
	struct errbuf e;

	return check_hex(hex, &e) == -1 && strstr(e.msg, what) != NULL;
}

static void
test_heads(void)
{
	CHECK(uint_enc(0, "00"), "uint 0");
	CHECK(uint_enc(23, "17"), "uint 23 in the initial byte");
	CHECK(uint_enc(24, "1818"), "uint 24 takes one byte");
	CHECK(uint_enc(255, "18ff"), "uint 255");
	CHECK(uint_enc(256, "190100"), "uint 256 takes two bytes");
	CHECK(uint_enc(65535, "19ffff"), "uint 65535");
	CHECK(uint_enc(65536, "1a00010000"), "uint 65536 takes four bytes");
	CHECK(uint_enc(0xffffffffu, "1affffffff"), "uint 2^32-1");
	CHECK(uint_enc(0x100000000ull, "1b0000000100000000"),
	    "uint 2^32 takes eight bytes");
	CHECK(int_enc(-1, "20"), "int -1");
	CHECK(int_enc(-24, "37"), "int -24");
	CHECK(int_enc(-25, "3818"), "int -25");
	CHECK(int_enc(-257, "390100"), "int -257 (RS256)");
	CHECK(int_enc(INT64_MIN, "3b7fffffffffffffff"), "int INT64_MIN");

	/* Each minimal head is accepted, the next wider form refused. */
	CHECK(check_hex("17", NULL) == 0, "accept 17");
	CHECK(rejected_with("1817", "non-minimal"), "refuse 18 17");
	CHECK(check_hex("1818", NULL) == 0, "accept 18 18");
	CHECK(rejected_with("1900ff", "non-minimal"), "refuse 19 00 ff");
	CHECK(check_hex("190100", NULL) == 0, "accept 19 01 00");
	CHECK(rejected_with("1a0000ffff", "non-minimal"),
	    "refuse 1a 00 00 ff ff");
	CHECK(check_hex("1a00010000", NULL) == 0, "accept 1a 00 01 00 00");
	CHECK(rejected_with("1b00000000ffffffff", "non-minimal"),
	    "refuse 8-byte head for 2^32-1");
	CHECK(check_hex("1b0000000100000000", NULL) == 0, "accept 2^32");
	CHECK(rejected_with("3800", "non-minimal"), "refuse 38 00 (-1)");
	CHECK(rejected_with("5801ff", "non-minimal"),
	    "refuse a one-byte string with a 1-byte length");
	CHECK(rejected_with("7800", "non-minimal"),
	    "refuse an empty text string with a 1-byte length");
	CHECK(rejected_with("9800", "non-minimal"),
	    "refuse an empty array with a 1-byte count");
	CHECK(rejected_with("b800", "non-minimal"),
	    "refuse an empty map with a 1-byte count");
	CHECK(rejected_with("d81200", "non-minimal"),
	    "refuse tag 18 with a 1-byte head");
	CHECK(check_hex("d200", NULL) == 0,
	    "accept tag 18 in one byte (libcbor 0.8 refuses it)");
}

static void
test_strings(void)
{
	struct cbor_wr w;
	uint8_t big[300];

	memset(big, 0xab, sizeof(big));
	cbor_wr_init(&w, 64);
	cbor_wr_bstr(&w, big, 23);
	cbor_wr_free(&w);

	cbor_wr_init(&w, 64);
	cbor_wr_tstr_z(&w, "IETF");
	CHECK(wr_is(&w, "6449455446"), "text \"IETF\"");
	cbor_wr_init(&w, 64);
	cbor_wr_bstr(&w, big, 0);
	CHECK(wr_is(&w, "40"), "empty byte string");
	cbor_wr_init(&w, 64);
	cbor_wr_tstr(&w, "\xc3\xbc", 2);
	CHECK(wr_is(&w, "62c3bc"), "text u-umlaut");
	cbor_wr_init(&w, 64);
	CHECK(cbor_wr_tstr(&w, "\xc0\xaf", 2) == -1,
	    "writer refuses an overlong UTF-8 form");
	cbor_wr_free(&w);

	CHECK(check_hex("62c3bc", NULL) == 0, "accept valid UTF-8");
	CHECK(rejected_with("62c0af", "UTF-8"), "refuse overlong UTF-8");
	CHECK(rejected_with("63eda080", "UTF-8"), "refuse a UTF-16 surrogate");
	CHECK(rejected_with("61ff", "UTF-8"), "refuse byte ff in text");
	CHECK(rejected_with("4301", "truncated"), "refuse a short byte string");
	CHECK(rejected_with("5f4101ff", "indefinite"),
	    "refuse an indefinite byte string");
	CHECK(rejected_with("7f6161ff", "indefinite"),
	    "refuse an indefinite text string");
}

static void
test_containers(void)
{
	struct cbor_wr w;
	struct errbuf e;
	uint8_t *out = NULL;
	size_t len;

	/* {1: -7, 3: "a", 4: h'01'} as COSE protected headers are. */
	cbor_wr_init(&w, 64);
	cbor_wr_map(&w, 3);
	cbor_wr_uint(&w, 1);
	cbor_wr_int(&w, -7);
	cbor_wr_uint(&w, 3);
	cbor_wr_tstr_z(&w, "a");
	cbor_wr_uint(&w, 4);
	cbor_wr_bstr(&w, (const uint8_t *)"\x01", 1);
	CHECK(wr_is(&w, "a30126036161044101"), "sorted small-int map");

	/* Keys in encoded order: 10 (0a) < 24 (1818) < -1 (20) < "a" (61). */
	cbor_wr_init(&w, 64);
	cbor_wr_map(&w, 4);
	cbor_wr_uint(&w, 10);
	cbor_wr_null(&w);
	cbor_wr_uint(&w, 24);
	cbor_wr_bool(&w, true);
	cbor_wr_int(&w, -1);
	cbor_wr_bool(&w, false);
	cbor_wr_tstr_z(&w, "a");
	cbor_wr_array(&w, 0);
	CHECK(wr_is(&w, "a40af61818f520f4616180"),
	    "mixed keys in bytewise order");

	cbor_wr_init(&w, 64);
	cbor_wr_map(&w, 2);
	cbor_wr_uint(&w, 4);
	cbor_wr_null(&w);
	cbor_wr_uint(&w, 3);
	err_clear(&e);
	CHECK(cbor_wr_null(&w) == -1 && cbor_wr_finish(&w, &out, &len,
	    &e) == -1 && strstr(e.msg, "out of order") != NULL,
	    "writer refuses a key written after a larger one");

	cbor_wr_init(&w, 64);
	cbor_wr_map(&w, 2);
	cbor_wr_uint(&w, 4);
	cbor_wr_null(&w);
	cbor_wr_uint(&w, 4);
	cbor_wr_null(&w);
	CHECK(cbor_wr_finish(&w, &out, &len, &e) == -1 &&
	    strstr(e.msg, "duplicate") != NULL, "writer refuses a duplicate key");

	cbor_wr_init(&w, 64);
	cbor_wr_map(&w, 1);
	CHECK(cbor_wr_array(&w, 0) == -1, "writer refuses an array as key");
	cbor_wr_free(&w);
	cbor_wr_init(&w, 64);
	cbor_wr_map(&w, 1);
	CHECK(cbor_wr_tag(&w, 1) == -1, "writer refuses a tag as key");
	cbor_wr_free(&w);

	cbor_wr_init(&w, 64);
	cbor_wr_array(&w, 2);
	cbor_wr_uint(&w, 1);
	CHECK(cbor_wr_finish(&w, &out, &len, &e) == -1 &&
	    strstr(e.msg, "incomplete") != NULL,
	    "writer refuses an array short of elements");
	cbor_wr_init(&w, 64);
	cbor_wr_tag(&w, 1);
	CHECK(cbor_wr_finish(&w, &out, &len, &e) == -1,
	    "writer refuses a tag without content");

	cbor_wr_init(&w, 8);
	cbor_wr_bstr(&w, (const uint8_t *)"12345678", 8);
	CHECK(cbor_wr_finish(&w, &out, &len, &e) == -1 &&
	    strstr(e.msg, "limit") != NULL, "writer stops at its limit");

	/* Nested: [1, [2, 3], {}] then a tagged item. */
	cbor_wr_init(&w, 64);
	cbor_wr_array(&w, 3);
	cbor_wr_uint(&w, 1);
	cbor_wr_array(&w, 2);
	cbor_wr_uint(&w, 2);
	cbor_wr_uint(&w, 3);
	cbor_wr_map(&w, 0);
	cbor_wr_tag(&w, 1);
	cbor_wr_uint(&w, 1000);
	CHECK(wr_is(&w, "8301820203a0c11903e8"), "nested array, tag");

	CHECK(check_hex("a201020304", NULL) == 0, "accept {1:2, 3:4}");
	CHECK(rejected_with("a203040102", "out of order"),
	    "refuse {3:4, 1:2}");
	CHECK(rejected_with("a201020102", "duplicate"), "refuse {1:2, 1:2}");
	CHECK(rejected_with("a2200001f6", "out of order"),
	    "refuse {-1: 0, 1: null} (-1 encodes as 20 > 01)");
	CHECK(rejected_with("a2616100181800", "out of order"),
	    "refuse a text key before an integer key");
	CHECK(rejected_with("9f01ff", "indefinite"), "refuse [_ 1]");
	CHECK(rejected_with("bf0102ff", "indefinite"), "refuse {_ 1: 2}");
	CHECK(rejected_with("0102", "trailing"), "refuse trailing bytes");
	CHECK(rejected_with("", "truncated"), "refuse empty input");
	CHECK(rejected_with("83010203ff", "trailing"),
	    "refuse a break after a definite array");
	CHECK(rejected_with("8301", "bytes follow"), "refuse a short array");
	CHECK(rejected_with("821901", "truncated"),
	    "refuse an array whose element is cut");
	CHECK(rejected_with("9a00010001", "limit"),
	    "refuse an array count over the limit");
	CHECK(rejected_with("99ffff00", "bytes follow"),
	    "refuse an array count larger than the input");
	CHECK(rejected_with("f93c00", "floating"), "refuse a half float");
	CHECK(rejected_with("fb3ff0000000000000", "floating"),
	    "refuse a double");
	CHECK(rejected_with("f7", "undefined"), "refuse undefined");
	CHECK(rejected_with("f820", "simple"), "refuse simple value 32");
	CHECK(rejected_with("1c", "reserved"), "refuse additional info 28");
	CHECK(check_hex("f6", NULL) == 0 && check_hex("f5", NULL) == 0,
	    "accept null and true");
}

static void
test_depth(void)
{
	char hex[80];
	int i;

	/* 16 nested arrays holding 0: depth 17 counting the 0. */
	for (i = 0; i < 15; i++)
		memcpy(hex + 2 * i, "81", 2);
	strcpy(hex + 30, "80");
	CHECK(check_hex(hex, NULL) == 0, "accept 16 levels of nesting");
	for (i = 0; i < 16; i++)
		memcpy(hex + 2 * i, "81", 2);
	strcpy(hex + 32, "80");
	CHECK(rejected_with(hex, "nesting"), "refuse 17 levels of nesting");
	for (i = 0; i < 16; i++)
		memcpy(hex + 2 * i, "c1", 2);
	strcpy(hex + 32, "00");
	CHECK(rejected_with(hex, "nesting"), "tags count as nesting");
}

static void
test_cursor(void)
{
	/* [h'0102', "ab", -7, 5, {1: null}, 1(3), true] */
	static const char *doc = "87420102626162260aa101f6c103f5";
	struct cbor_rd r;
	struct errbuf e;
	uint8_t buf[64], two[2];
	const uint8_t *p;
	const char *s;
	char copy[8];
	size_t n;
	int64_t v;
	uint64_t u;
	bool b;

	n = unhex(doc, buf, sizeof(buf));
	CHECK(cbor_rd_open(&r, buf, n, &e) == 0, "cursor opens a valid doc");
	CHECK(cbor_rd_peek(&r) == CBOR_DET_ARRAY, "peek array");
	CHECK(cbor_rd_array_n(&r, 6, &e) == -1 &&
	    strstr(e.msg, "expected 6") != NULL,
	    "array_n refuses a different count");
	CHECK(cbor_rd_array_n(&r, 7, &e) == 0, "array of 7");
	CHECK(cbor_rd_bstr_fixed(&r, two, 3, &e) == -1,
	    "bstr_fixed refuses another length");
	CHECK(cbor_rd_bstr_fixed(&r, two, 2, &e) == 0 && two[0] == 1 &&
	    two[1] == 2, "bstr_fixed");
	CHECK(cbor_rd_uint(&r, &u, &e) == -1 &&
	    strstr(e.msg, "unsigned integer expected, found text") != NULL,
	    "uint refuses a text string, naming both");
	CHECK(cbor_rd_tstr(&r, &s, &n, &e) == 0 && n == 2 &&
	    memcmp(s, "ab", 2) == 0, "tstr");
	CHECK(cbor_rd_int(&r, &v, &e) == 0 && v == -7, "int -7");
	CHECK(cbor_rd_int(&r, &v, &e) == 0 && v == 10, "int 10");
	CHECK(cbor_rd_skip(&r, &p, &n, &e) == 0 && n == 3 && p[0] == 0xa1,
	    "skip a map, giving its encoding");
	CHECK(cbor_rd_tag(&r, 2, &e) == -1, "tag refuses another number");
	CHECK(cbor_rd_tag(&r, 1, &e) == 0 && cbor_rd_uint(&r, &u, &e) == 0 &&
	    u == 3, "tag 1 and its content");
	CHECK(cbor_rd_end(&r, &e) == -1, "end refuses unread items");
	CHECK(cbor_rd_null(&r) == 0, "null only matches null");
	CHECK(cbor_rd_bool(&r, &b, &e) == 0 && b, "bool true");
	CHECK(cbor_rd_end(&r, &e) == 0, "end after the last item");
	CHECK(cbor_rd_peek(&r) == CBOR_DET_END, "peek at the end");

	n = unhex("6461000062", buf, sizeof(buf));
	CHECK(cbor_rd_open(&r, buf, n, &e) == 0 &&
	    cbor_rd_tstr_copy(&r, copy, sizeof(copy), &e) == -1 &&
	    strstr(e.msg, "control") != NULL, "tstr_copy refuses a NUL");
	CHECK(cbor_rd_peek(&r) == CBOR_DET_TSTR && cbor_rd_tstr(&r, &s, &n,
	    &e) == 0 && n == 4, "a failed read leaves the cursor in place");
	n = unhex("6861626364656667", buf, sizeof(buf));
	buf[n++] = 'h';
	CHECK(cbor_rd_open(&r, buf, n, &e) == 0 &&
	    cbor_rd_tstr_copy(&r, copy, sizeof(copy), &e) == -1 &&
	    strstr(e.msg, "limit") != NULL, "tstr_copy refuses a long string");
	n = unhex("3b8000000000000000", buf, sizeof(buf));
	CHECK(cbor_rd_open(&r, buf, n, &e) == 0 &&
	    cbor_rd_int(&r, &v, &e) == -1, "int refuses -2^63-1");
	CHECK(cbor_rd_open(&r, buf, 0, &e) == -1, "open refuses empty input");
}

static void
test_magic(void)
{
	struct cbor_wr w;
	struct errbuf e;
	uint8_t *out = NULL;
	size_t len;

	cbor_wr_init(&w, 64);
	cbor_wr_magic(&w, DOSSIER_TAG_MANIFEST);
	cbor_wr_tag(&w, 18);
	cbor_wr_array(&w, 0);
	CHECK(cbor_wr_finish(&w, &out, &len, &e) == 0 && len == 10 &&
	    memcmp(out, "\xd9\xd9\xf7\xda" "DSMF\xd2\x80", 10) == 0,
	    "manifest magic D9 D9 F7 DA 'DSMF' then tag 18");
	CHECK(cbor_magic_tag(out, len) == DOSSIER_TAG_MANIFEST,
	    "magic identifies a manifest");
	CHECK(cbor_magic_check(out, len, DOSSIER_TAG_MANIFEST, &e) == 0,
	    "magic check accepts its tag");
	CHECK(cbor_magic_check(out, len, DOSSIER_TAG_CHALLENGE, &e) == -1 &&
	    strstr(e.msg, "manifest file, not a challenge") != NULL,
	    "magic check names the kind found");
	CHECK(cbor_det_check(out, len, &e) == 0,
	    "the magic is deterministic CBOR too");
	out[7] = 'X';
	CHECK(cbor_magic_tag(out, len) == 0, "unknown 4-byte tag");
	CHECK(cbor_magic_check(out, 7, DOSSIER_TAG_MANIFEST, &e) == -1,
	    "short input has no magic");
	free(out);
	cbor_wr_init(&w, 64);
	CHECK(cbor_wr_magic(&w, 0x41414141) == -1, "writer refuses unknown tag");
	cbor_wr_free(&w);
}

int
main(void)
{
	test_heads();
	test_strings();
	test_containers();
	test_depth();
	test_cursor();
	test_magic();
	return check_finish();
}
