/*
 * ima_log.h - strict, streaming parser for Linux IMA binary measurement
 * lists (securityfs binary_runtime_measurements[_<alg>]).
 *
 * Record layout (integers in the writer's byte order, see below):
 *
 *   u32 pcr | [D] template digest | u32 name length N | [N] template name |
 *   u32 data length L | [L] template data = fields, each u32 len || bytes
 *
 * except for the legacy "ima" template, which has no data length and writes
 * its two fields as [20] file digest | u32 strlen(name) | name (no NUL).
 * D is 20 in the classic list and the bank's digest size in the Linux 6.10+
 * per-bank lists: the caller names the column's algorithm (the file does
 * not say).
 *
 * Byte order: the kernel writes host order unless booted with
 * ima_canonical_fmt (then little-endian). The parser decides once per
 * input, from the first record (its PCR index is < IMA_PCR_COUNT in exactly
 * one order; the template-name length breaks the tie for PCR 0), and then
 * reads every record in that order.
 *
 * Strictness: every template name must be a built-in template or a
 * '|'-separated list of known field names; every field must be present and
 * the template data must end exactly after the last field (the kernel's
 * ENFORCE_FIELDS | ENFORCE_BUFEND); digest fields must have the size of
 * their algorithm; names must be NUL-terminated. Trailing bytes and
 * truncated records are errors. Lengths are never trusted: each is checked
 * against what is left before use, and against the limits below.
 *
 * Memory: a record never holds copies; its pointers point into the bytes
 * given to ima_parse_record() (or the reader's window) and stay valid until
 * those bytes change (for the reader: until the next ima_reader_next()).
 * The reader's window is bounded by IMA_RECORD_MAX whatever the log size.
 *
 * Errors follow format/err.h; messages name the 0-based entry index, the
 * byte offset in the input and, when already decoded, the path.
 */
#ifndef DOSSIER_IMA_LOG_H
#define DOSSIER_IMA_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "format/err.h"
#include "format/hashalg.h"

/* PCR indices a record may name (a PC Client TPM has 24 PCRs). */
#define IMA_PCR_COUNT 24

/*
 * Longest template name. Built-in names are short; a custom template is
 * named by its format string, which the kernel can only restore across kexec
 * when shorter than 69 bytes (MAX_TEMPLATE_NAME_LEN) but can write longer;
 * 255 is evmctl's limit too.
 */
#define IMA_TEMPLATE_NAME_MAX 255

/* Most fields in one template (the kernel's IMA_TEMPLATE_NUM_FIELDS_MAX). */
#define IMA_TEMPLATE_FIELDS_MAX 15

/*
 * Largest template data of one record. Real records hold a path (PATH_MAX
 * 4096), signatures and appended PKCS#7 signatures (a few KiB) or measured
 * buffers (keys, kexec command lines, critical data): 1 MiB is far above
 * all of them and bounds the reader's memory.
 */
#define IMA_TEMPLATE_DATA_MAX (1u << 20)

/* The "ima" template's file name: at most 255 bytes, hashed padded to 256. */
#define IMA_EVENT_NAME_LEN_MAX 255

/* Largest whole record: header, longest name, data length and data. */
#define IMA_RECORD_MAX \
	(4 + HASHALG_MAX_SIZE + 4 + IMA_TEMPLATE_NAME_MAX + 4 + \
	    IMA_TEMPLATE_DATA_MAX)

/* Custom template names remembered by one parser (see struct ima_parser). */
#define IMA_TEMPLATE_CACHE 16

enum ima_field_id {
	IMA_FIELD_D,		/* file digest, SHA-1 or MD5, no algorithm */
	IMA_FIELD_N,		/* file name (<= 255), NUL counted */
	IMA_FIELD_D_NG,		/* "<alg>:" NUL digest */
	IMA_FIELD_D_NGV2,	/* "<ima|verity>:<alg>:" NUL digest */
	IMA_FIELD_N_NG,		/* file name, NUL counted */
	IMA_FIELD_SIG,		/* security.ima signature (or EVM portable) */
	IMA_FIELD_BUF,		/* measured buffer */
	IMA_FIELD_D_MODSIG,	/* like d-ng, file without appended signature */
	IMA_FIELD_MODSIG,	/* appended PKCS#7 signature */
	IMA_FIELD_EVMSIG,	/* security.evm portable signature */
	IMA_FIELD_XATTRNAMES,	/* '|'-separated names */
	IMA_FIELD_XATTRLENGTHS,	/* u32 per xattr */
	IMA_FIELD_XATTRVALUES,	/* concatenated values */
	IMA_FIELD_IUID,		/* inode uid */
	IMA_FIELD_IGID,		/* inode gid */
	IMA_FIELD_IMODE,	/* inode mode (u16) */
};

/* The field's name in template formats ("d-ng"). */
const char *ima_field_name(enum ima_field_id id);

enum ima_byte_order {
	IMA_ORDER_UNKNOWN = 0,	/* not decided yet (no record parsed) */
	IMA_ORDER_LE,
	IMA_ORDER_BE,
};

const char *ima_byte_order_name(enum ima_byte_order o);

/* A template: its name and the fields it carries, in order. */
struct ima_template {
	char name[IMA_TEMPLATE_NAME_MAX + 1];	/* NUL-terminated */
	size_t name_len;
	bool legacy;		/* the "ima" template (no data length) */
	size_t nfields;
	enum ima_field_id fields[IMA_TEMPLATE_FIELDS_MAX];
};

/*
 * Resolve a template name (built-in or a format string of known fields)
 * into *out. -1 with a message naming the unknown field, an empty field,
 * too many fields or a name longer than IMA_TEMPLATE_NAME_MAX.
 */
int ima_template_lookup(const char *name, size_t len,
    struct ima_template *out, struct errbuf *e);

struct ima_field {
	enum ima_field_id id;
	const uint8_t *data;	/* payload, after its length (if any) */
	uint32_t len;
};

/* ima_parse_record() sets every member but the slots of fields[] from
 * nfields on (record_clear() in ima_log.c lists them). */
struct ima_record {
	uint64_t index;			/* 0-based entry number */
	uint64_t offset;		/* byte offset of the record */
	size_t size;			/* bytes the record occupies */
	enum ima_byte_order order;	/* of every integer in it */
	uint32_t pcr;
	const uint8_t *digest;		/* template-digest column */
	size_t digest_len;
	bool violation;			/* column all zero */
	const struct ima_template *tmpl;
	const uint8_t *data;		/* template data as in the file */
	size_t data_len;		/* ("ima": digest, u32 len, name) */
	size_t nfields;

	/* Decoded (see the accessors below); NULL/0 when absent. */
	const struct ima_field *digest_field;	/* d, d-ng or d-ngv2 */
	const struct hashalg *file_alg;		/* NULL if unknown to us */
	const char *file_alg_name;		/* as written ("sha256") */
	size_t file_alg_name_len;
	const char *digest_type;		/* d-ngv2: "ima"/"verity" */
	size_t digest_type_len;
	const uint8_t *file_digest;
	size_t file_digest_len;
	const char *path;			/* n or n-ng, no NUL */
	size_t path_len;
	const struct ima_field *sig;		/* sig field, if any */
	const struct ima_field *buf;		/* buf field, if any */

	/* Last: the parser clears every member above and leaves these
	 * slots, which it writes before they are read. */
	struct ima_field fields[IMA_TEMPLATE_FIELDS_MAX];	/* [0, nfields) */
};

/* Accessors: 0 and the value, or -1 if the record has no such field. */
int ima_record_file_digest(const struct ima_record *r,
    const struct hashalg **alg, const uint8_t **digest, size_t *len);
int ima_record_path(const struct ima_record *r, const char **path,
    size_t *len);
int ima_record_sig(const struct ima_record *r, const uint8_t **sig,
    size_t *len);
int ima_record_buf(const struct ima_record *r, const uint8_t **buf,
    size_t *len);

/*
 * A path made safe for one line of text: printable ASCII kept, any other
 * byte (newline, control, non-ASCII) and backslash as \xNN, cut with "..."
 * to fit cap (cap >= 8). Always NUL-terminates out. (format/escape.h's
 * esc_text with ESC_FIELD.)
 */
void ima_printable(const char *s, size_t len, char *out, size_t cap);

/* Bytes of a d-ng algorithm name the parser remembers (struct ima_parser). */
#define IMA_ALG_NAME_CACHE 16

/*
 * Parser state for one input: byte order, position, the column algorithm,
 * a small cache of custom templates (so a name is resolved once, not per
 * record) and the last file-digest algorithm name seen in a d-ng field
 * with what it resolved to (a log names the same one in nearly every
 * record; another name is looked up and remembered in its place). Plain
 * value, no allocation; a copy carries on parsing where the original was.
 */
struct ima_parser {
	const struct hashalg *log_alg;	/* template-digest column */
	enum ima_byte_order order;
	uint64_t index;			/* of the next record */
	uint64_t offset;		/* of the next record */
	size_t ncached;
	size_t next_slot;
	struct ima_template cache[IMA_TEMPLATE_CACHE];
	size_t last_alg_len;		/* 0: none remembered */
	char last_alg_name[IMA_ALG_NAME_CACHE];	/* as written, checked */
	const struct hashalg *last_alg;	/* NULL: unknown to us */
};

/*
 * Start a parser. log_alg names the template-digest column: sha1 for
 * binary_runtime_measurements, the bank's algorithm for
 * binary_runtime_measurements_<alg>. order may force a byte order
 * (IMA_ORDER_UNKNOWN: detect it from the first record).
 */
void ima_parser_init(struct ima_parser *p, const struct hashalg *log_alg,
    enum ima_byte_order order);

enum ima_parse_result {
	IMA_PARSE_ERROR = -1,	/* malformed; message in e */
	IMA_PARSE_MORE = 0,	/* buf holds only part of a record */
	IMA_PARSE_RECORD = 1,	/* *rec filled, rec->size bytes used */
};

/*
 * Parse the record at the start of buf[0..len). On IMA_PARSE_RECORD the
 * parser advances (index, offset) past it. On IMA_PARSE_MORE, *need is the
 * total number of bytes needed to make progress (> len, at most
 * IMA_RECORD_MAX) and e says what is cut short, for callers at end of
 * input ("truncated template data ..."). On IMA_PARSE_ERROR the parser must
 * not be used further.
 */
enum ima_parse_result ima_parse_record(struct ima_parser *p,
    const uint8_t *buf, size_t len, struct ima_record *rec, size_t *need,
    struct errbuf *e);

/*
 * The end-of-input check: len bytes are left after the last record. 0 if
 * none, else -1 with "N trailing byte(s) at offset X" (too short for a
 * record header) or the truncation message.
 */
int ima_parse_finish(struct ima_parser *p, const uint8_t *buf, size_t len,
    struct errbuf *e);

/*
 * The template hash of rec under md: H(template data as in the file) for
 * every template except "ima", whose hash is H(digest[20] || name padded
 * with zeros to 256 bytes). ctx is the caller's, reused (no allocation).
 * out receives EVP_MD_get_size(md) bytes.
 */
int ima_template_hash(EVP_MD_CTX *ctx, const EVP_MD *md,
    const struct ima_record *rec, uint8_t *out, struct errbuf *e);

/* Longest ascii_runtime_measurements line read (hex doubles the data). */
#define IMA_ASCII_LINE_MAX (2 * IMA_RECORD_MAX)

/*
 * Rebuild the binary record (little-endian) of one ascii_runtime_measurements
 * line, without its newline, as Keylime does: "PCR COLUMN TEMPLATE FIELDS",
 * single spaces, one text field per template field. alg names the column.
 * Digest fields become "<alg>:" NUL digest, names gain their NUL (none for
 * the "ima" template's), hex fields their bytes, iuid/igid/imode 4/4/2
 * little-endian bytes. Writes at most cap bytes (len + 512 is always
 * enough). The result still has to pass ima_parse_record(). 0 or -1.
 */
int ima_ascii_to_binary(const char *line, size_t len,
    const struct hashalg *alg, uint8_t *out, size_t cap, size_t *outlen,
    struct errbuf *e);

/*
 * Streaming reader over a file descriptor: a window of at most
 * IMA_ASCII_LINE_MAX bytes, refilled with read(2). It reads binary lists
 * and also ascii_runtime_measurements text, told apart by the first byte
 * (a binary list starts with a PCR index < 24, i.e. a control byte; text
 * with a space or a digit); text lines are rebuilt into binary records
 * (ima_ascii_to_binary), whose offsets are then those of the lines.
 */
struct ima_reader {
	int fd;
	const char *path;	/* for messages */
	uint8_t *buf;
	size_t cap, pos, end;
	bool eof;
	bool detected;		/* input kind decided */
	bool ascii;		/* input is ascii_runtime_measurements */
	uint64_t text_off;	/* ascii: offset of the next line */
	uint8_t *rbuf;		/* ascii: the rebuilt record */
	size_t rcap;
	struct ima_parser parser;
};

enum ima_read_result {
	IMA_READ_IO = -2,	/* read error (message in e) */
	IMA_READ_MALFORMED = -1,/* parse error (message in e) */
	IMA_READ_END = 0,	/* clean end after the last record */
	IMA_READ_RECORD = 1,	/* *rec valid until the next call */
};

/* fd stays the caller's; path is only used in messages. 0 or -1. */
int ima_reader_init(struct ima_reader *r, int fd, const char *path,
    const struct hashalg *log_alg, struct errbuf *e);
enum ima_read_result ima_reader_next(struct ima_reader *r,
    struct ima_record *rec, struct errbuf *e);
void ima_reader_free(struct ima_reader *r);

/*
 * Write the line ascii_runtime_measurements shows for rec, byte for byte
 * with its newline: "%2d " PCR, the hex column, the template name, then
 * for each field a space and its rendering (nothing for an empty field).
 * Implemented in ima_ascii.c. Returns 0, or -1 if writing failed.
 */
int ima_ascii_write(FILE *out, const struct ima_record *rec);

/*
 * The same line for a person (a terminal, dossier inspect): every byte of
 * it that format/escape.h does not keep in a field -- controls, DEL,
 * non-ASCII, backslash -- written as \xHH, so a path holding an escape
 * sequence or a newline cannot act on the terminal or fake a line. Only
 * the final newline is raw. Returns 0, or -1 if writing failed.
 */
int ima_ascii_write_escaped(FILE *out, const struct ima_record *rec);

#endif
