/*
 * cbor_det.h - deterministic CBOR (RFC 8949 §4.2.1) on top of libcbor 0.8:
 * a writer that can only produce deterministic encodings, a strict
 * validator for hostile input, and a cursor that reads a validated item
 * by type. Also the RFC 9277 file magic of dossier's CBOR files.
 *
 * Deterministic here means RFC 8949 §4.2.1 "core deterministic encoding":
 *   - every head (integer, length, count, tag) in its shortest form;
 *   - definite lengths only (no 0x5F/0x7F/0x9F/0xBF, no break 0xFF);
 *   - map keys sorted by the bytewise lexicographic order of their
 *     encodings, no key twice;
 *   - no floating-point values at all (dossier's formats have none), no
 *     simple values other than false, true and null (0xF4..0xF6);
 *   - text strings are valid UTF-8 (RFC 8949 §3.1);
 *   - nesting of arrays, maps and tags at most CBOR_DET_DEPTH_MAX deep.
 *
 * Design. Reading is two passes over a buffer the caller keeps alive:
 *   1. cbor_rd_open() validates the whole buffer once: exactly one
 *      well-formed deterministic item (a top-level item, counting the
 *      tags in front of it), nothing after it. No allocation.
 *   2. The cbor_rd_* cursor functions then read that item in document
 *      order, checking types ("expected a byte string at offset 12").
 *      Strings are returned as pointers into the caller's buffer.
 * Decoders for dossier's files (manifest, COSE_Sign1, challenge, result)
 * are written as a sequence of cursor calls; the key order of maps is
 * already guaranteed by step 1, so a decoder that reads keys in a loop
 * sees them strictly increasing and never twice.
 *
 * Heads are decoded with libcbor's cbor_stream_decode(). libcbor 0.8
 * returns an error for the one-byte tag heads 0xC6..0xD4 (tags 6..20,
 * "unassigned" in its table), which include COSE_Sign1's tag 18 (0xD2):
 * those heads are decoded here directly.
 *
 * Writing goes through struct cbor_wr, a growable buffer with a named
 * size limit, using libcbor's streaming encoders (which always pick the
 * shortest head). The writer tracks every open array and map and fails
 * if a container receives more or fewer items than it declared, if a map
 * key is not an integer or a string, or if map keys do not arrive in
 * strictly increasing bytewise order of their encodings, or if arrays and
 * maps nest deeper than CBOR_DET_DEPTH_MAX (the reader also counts tags
 * as a level: keep tagged items out of the deepest level). Errors are
 * sticky: after the first failure every call returns -1, and
 * cbor_wr_finish() reports the first message. So a sequence of writes
 * may be checked once at the end.
 *
 * Errors follow format/err.h: 0 on success, -1 with a message.
 */
#ifndef DOSSIER_CBOR_DET_H
#define DOSSIER_CBOR_DET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"

/* Deepest nesting of arrays, maps and tags (a top-level scalar is 1). */
#define CBOR_DET_DEPTH_MAX	16
/* Largest buffer cbor_rd_open() validates and largest writer limit. */
#define CBOR_DET_INPUT_MAX	(16u * 1024 * 1024)
/* Largest count of an array or map (pairs) in input. */
#define CBOR_DET_COUNT_MAX	65536u

/* Major types (RFC 8949 §3.1), and the simple values we accept. */
enum cbor_det_type {
	CBOR_DET_UINT = 0,
	CBOR_DET_NEGINT = 1,
	CBOR_DET_BSTR = 2,
	CBOR_DET_TSTR = 3,
	CBOR_DET_ARRAY = 4,
	CBOR_DET_MAP = 5,
	CBOR_DET_TAG = 6,
	CBOR_DET_SIMPLE = 7,	/* false, true or null */
	CBOR_DET_END = 8,	/* no item left (cbor_rd_peek only) */
};

/* "unsigned integer", "map", ... for messages. */
const char *cbor_det_type_name(enum cbor_det_type t);

/*
 * Validate that buf[0..len) holds exactly one deterministic CBOR item
 * (tags included) and nothing after it. The message names the offset
 * and the rule broken.
 */
int cbor_det_check(const uint8_t *buf, size_t len, struct errbuf *e);

/* ---- reading --------------------------------------------------------- */

/* A cursor over a validated buffer (borrowed, must outlive the cursor). */
struct cbor_rd {
	const uint8_t *buf;
	size_t len;
	size_t off;	/* offset of the next head */
};

/* cbor_det_check(buf, len), then a cursor at the first head. */
int cbor_rd_open(struct cbor_rd *r, const uint8_t *buf, size_t len,
    struct errbuf *e);

/* Type of the next item without consuming it; CBOR_DET_END at the end. */
enum cbor_det_type cbor_rd_peek(const struct cbor_rd *r);

/*
 * Consume the next item if it has the type (and, where stated, the length
 * or count), else fail naming both. On failure the cursor does not move.
 */
int cbor_rd_uint(struct cbor_rd *r, uint64_t *v, struct errbuf *e);
/* An unsigned or negative integer within int64_t. */
int cbor_rd_int(struct cbor_rd *r, int64_t *v, struct errbuf *e);
/* Byte string: *p points into the buffer (NULL-safe for length 0). */
int cbor_rd_bstr(struct cbor_rd *r, const uint8_t **p, size_t *n,
    struct errbuf *e);
/* Byte string of exactly n bytes, copied to out. */
int cbor_rd_bstr_fixed(struct cbor_rd *r, uint8_t *out, size_t n,
    struct errbuf *e);
/* Text string (valid UTF-8, not NUL-terminated) pointing into the buffer. */
int cbor_rd_tstr(struct cbor_rd *r, const char **p, size_t *n,
    struct errbuf *e);
/*
 * Text string copied to out as a C string: fails if it is longer than
 * cap - 1 bytes or contains a NUL or another C0 control character or DEL.
 */
int cbor_rd_tstr_copy(struct cbor_rd *r, char *out, size_t cap,
    struct errbuf *e);
/* Array or map head; *n is the element count (pairs for a map). */
int cbor_rd_array(struct cbor_rd *r, size_t *n, struct errbuf *e);
int cbor_rd_map(struct cbor_rd *r, size_t *n, struct errbuf *e);
/* An array of exactly n elements. */
int cbor_rd_array_n(struct cbor_rd *r, size_t n, struct errbuf *e);
/* A tag head with exactly this number. */
int cbor_rd_tag(struct cbor_rd *r, uint64_t tag, struct errbuf *e);
/* null (0xF6): returns 1 and consumes it if next, else 0. */
int cbor_rd_null(struct cbor_rd *r);
/* false / true. */
int cbor_rd_bool(struct cbor_rd *r, bool *v, struct errbuf *e);
/* Skip the next item with everything nested in it; if p is not NULL, set
 * *p, *n to its whole encoding. */
int cbor_rd_skip(struct cbor_rd *r, const uint8_t **p, size_t *n,
    struct errbuf *e);
/* Require that everything has been read. */
int cbor_rd_end(const struct cbor_rd *r, struct errbuf *e);

/*
 * Read a map whose keys are unsigned integers (the payload maps of our
 * signed files) and call field(r, key, arg, e) for each pair; field must
 * consume the value (cbor_rd_skip() for keys it ignores) or fail. A failure
 * comes back prefixed "WHAT key K (NAME)", NAME being names[K] when
 * K < nnames and names[K] is not NULL. After the map, every key < 32 whose
 * bit is set in required must have been seen, else "WHAT: key K (NAME)
 * missing" for the lowest such K. Key order and uniqueness were checked by
 * cbor_rd_open().
 */
typedef int (*cbor_rd_field_fn)(struct cbor_rd *r, uint64_t key, void *arg,
    struct errbuf *e);
int cbor_rd_keyed_map(struct cbor_rd *r, const char *what,
    const char *const *names, size_t nnames, uint32_t required,
    cbor_rd_field_fn field, void *arg, struct errbuf *e);

/* ---- writing --------------------------------------------------------- */

struct cbor_wr_level {
	uint64_t left;		/* items still to come (2 per map pair) */
	bool map;
	bool has_key;		/* a previous key is recorded */
	size_t key_off;		/* its encoding: buf[key_off..+key_len) */
	size_t key_len;
};

struct cbor_wr {
	uint8_t *buf;		/* malloc'd; taken by cbor_wr_finish() */
	size_t len;
	size_t cap;
	size_t limit;		/* the output never exceeds this */
	bool failed;
	bool tagged;		/* a tag waits for its content */
	struct errbuf err;	/* first failure */
	unsigned depth;
	struct cbor_wr_level lv[CBOR_DET_DEPTH_MAX];
};

/* Start an empty writer whose output may grow to limit bytes (at most
 * CBOR_DET_INPUT_MAX). Nothing is allocated until the first write. */
void cbor_wr_init(struct cbor_wr *w, size_t limit);

int cbor_wr_uint(struct cbor_wr *w, uint64_t v);
int cbor_wr_int(struct cbor_wr *w, int64_t v);
int cbor_wr_bstr(struct cbor_wr *w, const uint8_t *p, size_t n);
/* Text string of n bytes; must be valid UTF-8. */
int cbor_wr_tstr(struct cbor_wr *w, const char *s, size_t n);
int cbor_wr_tstr_z(struct cbor_wr *w, const char *s);
/* Array / map of n elements (pairs); the next n items (2n) fill it. */
int cbor_wr_array(struct cbor_wr *w, size_t n);
int cbor_wr_map(struct cbor_wr *w, size_t n);
/* Tag: the next item is its content. Not allowed as a map key. */
int cbor_wr_tag(struct cbor_wr *w, uint64_t tag);
int cbor_wr_null(struct cbor_wr *w);
int cbor_wr_bool(struct cbor_wr *w, bool v);

/*
 * Hand over the output: every container must be complete and no tag
 * open. On success *out (free() it) and *len hold the bytes and w is
 * empty; on failure w is freed and the first error is reported.
 */
int cbor_wr_finish(struct cbor_wr *w, uint8_t **out, size_t *len,
    struct errbuf *e);
/* Free a writer that is abandoned (safe after finish, and twice). */
void cbor_wr_free(struct cbor_wr *w);

/* ---- RFC 9277 file magic ---------------------------------------------- */

/*
 * Every standalone CBOR file of dossier starts with 8 bytes:
 *   D9 D9 F7           tag 55799, self-described CBOR
 *   DA t3 t2 t1 t0     a 4-byte tag whose bytes are an ASCII mnemonic
 * followed by the file's item (for signed files, COSE_Sign1 = tag 18).
 * The 4-byte tags below are PROVISIONAL (not yet registered with IANA;
 * RFC 9277 §2.2 first-come-first-served range): register before 1.0.
 */
#define CBOR_MAGIC_LEN		8
#define CBOR_TAG_SELF_DESCRIBED	55799u
#define DOSSIER_TAG_MANIFEST	0x44534D46u	/* "DSMF" bundle manifest */
#define DOSSIER_TAG_CHALLENGE	0x44534348u	/* "DSCH" challenge */
#define DOSSIER_TAG_RESULT	0x44535253u	/* "DSRS" result */
#define DOSSIER_TAG_REFERENCE	0x44535246u	/* "DSRF" reference export */

/* Write the two tags of the magic; the next item is the file's content. */
int cbor_wr_magic(struct cbor_wr *w, uint32_t dossier_tag);

/*
 * The dossier tag of a file that starts with the magic, or 0 if buf does
 * not start with D9 D9 F7 DA followed by a tag of the table above.
 */
uint32_t cbor_magic_tag(const uint8_t *buf, size_t len);

/* Require the magic with this tag; the message names the file kind found
 * ("a dossier challenge, not a manifest") or says it is not one. */
int cbor_magic_check(const uint8_t *buf, size_t len, uint32_t dossier_tag,
    struct errbuf *e);

/* "manifest", "challenge", "result", "reference export"; NULL if unknown. */
const char *cbor_magic_name(uint32_t dossier_tag);

#endif
