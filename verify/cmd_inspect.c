/*
 * cmd_inspect.c - dossier inspect: decode a bundle or a MANIFEST for a
 * person, and optionally extract a bundle's members.
 *
 *   dossier [--store S] inspect FILE [--extract DIR] [--explain]
 *       [--verifier-key FILE]
 *
 * The kind of FILE is told by its first bytes: a bundle is zstd (28 B5 2F
 * FD); the RFC 9277 magic D9 D9 F7 DA then "DSMF" is a MANIFEST, "DSCH" a
 * challenge, "DSRS" a signed result, "DSRF" an exported reference set;
 * "ustar" at offset 257 a challenge set archive; a bare COSE_Sign1 (D2 84)
 * with content type application/eat+cwt an EAR CWT, "eyJ" and three
 * base64url parts an EAR JWT (inspect_ear.c). Challenges, results and
 * reference sets are decoded by inspect_files.c, their signature checked
 * only with --verifier-key. --explain (bundles
 * only) runs every verify check without changing the store
 * (inspect_explain.c). A bundle
 * is read with the strict reader of format/bundle.h, its member list taken
 * from the MANIFEST (decoded before its signature is checked); the
 * signature is then checked against the bundle's own ak.pub, which proves
 * the bundle is intact since that key signed it, but not which device
 * signed it: only `dossier verify` judges the AK against the enrolled one.
 *
 * Output: sections headed "[manifest]", "[member NAME]" and "[extract]",
 * each followed by "key value" lines (dossier-inspect(1)); findings are
 * report lines (verify/report.h): bundle.read, manifest.signature,
 * member.decode. Outcome: 0 everything decoded and the signature held, 1 a
 * finding failed, 2 usage or I/O error (an unreadable or unknown file,
 * extraction refused).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "format/bundle.h"
#include "format/bundle_sniff.h"
#include "format/members.h"
#include "format/cbor_det.h"
#include "format/challenge.h"
#include "format/cose.h"
#include "format/ear.h"
#include "format/err.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/manifest.h"
#include "format/tpm_public.h"
#include "verify/cmd.h"
#include "verify/inspect.h"
#include "verify/inspect_ear.h"
#include "verify/report.h"

/* A bundle file read whole: the compressed size is bounded far below the
 * decompressed limit (zstd does not expand). */
#define INSPECT_FILE_MAX	((size_t)BUNDLE_CONTENT_MAX + (1u << 20))

static const uint8_t manifest_magic[8] = {
	0xd9, 0xd9, 0xf7, 0xda, 0x44, 0x53, 0x4d, 0x46,
};

struct inspect_args {
	const char *path;
	char shown[1024];	/* path escaped for messages (format/escape.h) */
	const char *extract;	/* --extract DIR, or NULL */
	const char *verifier_key; /* --verifier-key FILE, or NULL */
	bool explain;		/* --explain */
	EVP_PKEY *verifier;	/* the key read from verifier_key */
};

/* The manifest as the bundle reader's callback decoded it (unverified). */
struct inspect_ctx {
	struct cose_sign1 msg;
	struct manifest m;
	bool have_manifest;
};

static void
inspect_usage(FILE *f)
{
	fputs("usage: dossier [--store path] inspect file [--extract dir] "
	    "[--explain]\n"
	    "           [--verifier-key file]\n", f);
}

static enum outcome
parse_inspect_args(int argc, char **argv, struct inspect_args *a, bool *help)
{
	static const struct option longopts[] = {
		{ "extract", required_argument, NULL, 'x' },
		{ "explain", no_argument, NULL, 'e' },
		{ "verifier-key", required_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(a, 0, sizeof(*a));
	*help = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'x':
			a->extract = optarg;
			break;
		case 'e':
			a->explain = true;
			break;
		case 'k':
			a->verifier_key = optarg;
			break;
		case 'h':
			inspect_usage(stdout);
			*help = true;
			return OUTCOME_HOLDS;
		default:
			cmd_error("inspect: unknown option or missing argument "
			    "'%s'", argv[optind - 1]);
			inspect_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind + 1 != argc) {
		cmd_error("inspect: name exactly one file");
		inspect_usage(stderr);
		return OUTCOME_ERROR;
	}
	a->path = argv[optind];
	esc_str(a->path, ESC_FIELD, a->shown, sizeof(a->shown));
	if (a->extract != NULL && a->extract[0] == '\0') {
		cmd_error("inspect: --extract needs a directory");
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

/* ---- MANIFEST ------------------------------------------------------------ */

/* Open the MANIFEST file and decode its payload, without the signature. */
static int
manifest_open_decode(const uint8_t *buf, size_t len, struct cose_sign1 *msg,
    struct manifest *m, struct errbuf *e)
{
	if (manifest_file_open(buf, len, msg, e) == -1)
		return -1;
	if (msg->payload == NULL)
		return err_set(e, "detached payload");
	if (manifest_decode(msg->payload, msg->payload_len, m, e) == -1)
		return err_prefix(e, "payload");
	return 0;
}

static int
on_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *n, struct errbuf *e)
{
	struct inspect_ctx *c = arg;

	/* buf lives during the call only: decode a private copy's fields
	 * (struct manifest is a plain value); msg is redone afterwards. */
	if (manifest_open_decode(buf, len, &c->msg, &c->m, e) == -1)
		return -1;
	memcpy(members, c->m.members, c->m.n_members * sizeof(*members));
	*n = c->m.n_members;
	c->have_manifest = true;
	return 0;
}

/* ---- signature against the bundle's own AK ------------------------------ */

static void
check_own_signature(struct report *r, const struct bundle_contents *bc)
{
	struct manifest again;
	struct tpm_public ak;
	const uint8_t *d;
	struct errbuf e;
	size_t i;

	if (bundle_member_find(bc, MEMBER_AK_PUB, &i) == NULL) {
		report_fail(r, "manifest.signature", "the bundle has no "
		    "ak.pub to check the signature with");
		return;
	}
	if ((d = bc->data[i]) == NULL) {
		report_fail(r, "manifest.signature", "ak.pub was not read");
		return;
	}
	if (tpm_public_parse_2b(d, bc->members[i].size, &ak, &e) == -1) {
		report_fail(r, "manifest.signature", "ak.pub: %s", e.msg);
		return;
	}
	if (manifest_file_verify(bc->manifest, bc->manifest_len, &ak, &again,
	    &e) == -1) {
		report_fail(r, "manifest.signature", "%s", e.msg);
		return;
	}
	report_ok(r, "manifest.signature", "verified with the bundle's own "
	    "ak.pub: the bundle is intact as that AK signed it; this does "
	    "not prove which device signed it (dossier verify checks the "
	    "AK against the enrolled one)");
}

/* ---- extraction ---------------------------------------------------------- */


/* Create dir/name (never following a link, never replacing a file). */
static int
extract_one(int dfd, const char *dir, const char *name, const uint8_t *data,
    size_t len)
{
	int fd;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0644);
	if (fd == -1) {
		cmd_error("%s/%s: %s%s", dir, name, strerror(errno),
		    errno == EEXIST ? " (inspect --extract never replaces a "
		    "file)" : "");
		return -1;
	}
	if (fd_write_all(fd, data, len) == -1 || fsync(fd) == -1) {
		cmd_error("%s/%s: %s", dir, name, strerror(errno));
		close(fd);
		unlinkat(dfd, name, 0);
		return -1;
	}
	if (close(fd) == -1) {
		cmd_error("%s/%s: %s", dir, name, strerror(errno));
		unlinkat(dfd, name, 0);
		return -1;
	}
	return 0;
}

/*
 * Write MANIFEST and every member into dir. Every name is checked to be
 * free first; on a failure the files written by this call are removed.
 */
static enum outcome
extract(const char *dir, const struct bundle_contents *bc)
{
	struct stat st;
	size_t i, done = 0;
	int dfd;
	enum outcome rc = OUTCOME_ERROR;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		cmd_error("%s: %s", dir, strerror(errno));
		return OUTCOME_ERROR;
	}
	if (fstatat(dfd, BUNDLE_MANIFEST_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		cmd_error("%s/%s exists: inspect --extract never replaces a "
		    "file", dir, BUNDLE_MANIFEST_NAME);
		goto out;
	}
	for (i = 0; i < bc->nmembers; i++)
		if (fstatat(dfd, bc->members[i].name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0) {
			cmd_error("%s/%s exists: inspect --extract never "
			    "replaces a file", dir, bc->members[i].name);
			goto out;
		}
	if (extract_one(dfd, dir, BUNDLE_MANIFEST_NAME, bc->manifest,
	    bc->manifest_len) == -1)
		goto out;
	for (done = 0; done < bc->nmembers; done++)
		if (extract_one(dfd, dir, bc->members[done].name,
		    bc->data[done], bc->members[done].size) == -1)
			goto undo;
	if (fsync(dfd) == -1) {
		cmd_error("%s: %s", dir, strerror(errno));
		goto undo;
	}
	printf("\n[extract]\n");
	fputs("extracted ", stdout);
	esc_fputs(dir, ESC_FIELD, stdout);
	printf("/%s %zu\n", BUNDLE_MANIFEST_NAME, bc->manifest_len);
	for (i = 0; i < bc->nmembers; i++) {
		fputs("extracted ", stdout);
		esc_fputs(dir, ESC_FIELD, stdout);
		printf("/%s %llu\n", bc->members[i].name,
		    (unsigned long long)bc->members[i].size);
	}
	rc = OUTCOME_HOLDS;
	goto out;
undo:
	while (done > 0)
		unlinkat(dfd, bc->members[--done].name, 0);
	unlinkat(dfd, BUNDLE_MANIFEST_NAME, 0);
out:
	close(dfd);
	return rc;
}

/* ---- the kinds of file ---------------------------------------------- */

/* "key VALUE" with VALUE (a path, from the command line or a directory
 * listing) escaped as format/escape.h says. */
static void
print_text(const char *key, const char *value)
{
	printf("%s ", key);
	esc_fputs(value, ESC_FIELD, stdout);
	putchar('\n');
}

static void
print_sha256(const char *key, const uint8_t *buf, size_t len)
{
	uint8_t d[32];
	char hex[65];

	if (EVP_Digest(buf, len, d, NULL, EVP_sha256(), NULL) != 1)
		return;
	hex_encode(d, sizeof(d), hex);
	printf("%s %s\n", key, hex);
}

/*
 * With a store: what it recorded for these bytes, before --explain says
 * that it judges again (and why that may differ). -1 after an error
 * message.
 */
static int
show_recorded(const uint8_t *buf, size_t len, bool explain)
{
	uint8_t d[32];
	struct errbuf e;
	bool recorded;

	if (hashalg_digest(hashalg_by_name("sha256"), buf, len, d) == -1 ||
	    inspect_recorded(stdout, d, &recorded, &e) == -1) {
		cmd_error("inspect: %s", e.msg);
		return -1;
	}
	if (explain)
		printf("\n[explain]\nexplain judges the bundle again now, "
		    "under today's store and policy: this is not %s%s\n",
		    recorded ? "the recorded verdict above" : "a recorded "
		    "verdict", recorded ? " and may differ from it (its "
		    "challenge was consumed when it was judged, so "
		    "challenge.single-use fails now; references, rules, keys "
		    "or the device's state may have changed since)" : "");
	return 0;
}

static enum outcome
inspect_bundle(const struct inspect_args *a, const uint8_t *buf, size_t len)
{
	struct inspect_ctx *c;
	struct bundle_contents *bc;
	struct bundle_reader rd;
	struct report r;
	struct errbuf e;
	enum outcome rc;
	size_t i;

	c = calloc(1, sizeof(*c));
	bc = calloc(1, sizeof(*bc));
	if (c == NULL || bc == NULL) {
		free(c);
		free(bc);
		cmd_error("out of memory");
		return OUTCOME_ERROR;
	}
	print_text("file", a->path);
	printf("type bundle\n");
	printf("size %zu\n", len);
	print_sha256("sha256", buf, len);
	report_init(&r, stdout);
	if (a->explain) {
		if (show_recorded(buf, len, true) == -1) {
			rc = OUTCOME_ERROR;
			goto out;
		}
		memset(&rd, 0, sizeof(rd));
		rd.manifest = on_manifest;
		rd.arg = c;
		rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
		rc = inspect_explain(stdout, a->shown, buf, len,
		    bundle_read_mem(a->shown, buf, len, &rd, bc, &e) == 0 ?
		    bc : NULL);
		goto out;
	}
	memset(&rd, 0, sizeof(rd));
	rd.manifest = on_manifest;
	rd.arg = c;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	if (bundle_read_mem(a->shown, buf, len, &rd, bc, &e) == -1) {
		report_fail(&r, "bundle.read", "%s", e.msg);
		rc = OUTCOME_FAILS;
		goto out;
	}
	report_ok(&r, "bundle.read", "%zu members, every size and SHA-256 "
	    "as the manifest lists", bc->nmembers);
	/* c->msg pointed into the reader's copy: point it at ours. */
	if (manifest_open_decode(bc->manifest, bc->manifest_len, &c->msg,
	    &c->m, &e) == -1) {
		report_fail(&r, "bundle.read", "MANIFEST: %s", e.msg);
		rc = OUTCOME_FAILS;
		goto out;
	}
	check_own_signature(&r, bc);
	printf("\n[manifest]\n");
	inspect_show_manifest(stdout, &c->m, &c->msg);
	for (i = 0; i < bc->nmembers; i++) {
		printf("\n[member %s]\n", bc->members[i].name);
		printf("media-type %s\n", bc->members[i].media_type);
		printf("size %llu\n",
		    (unsigned long long)bc->members[i].size);
		if (inspect_show_member(stdout, &bc->members[i], bc->data[i],
		    bc->members[i].size, &e) == -1)
			report_fail(&r, "member.decode", "%s: %s",
			    bc->members[i].name, e.msg);
	}
	rc = r.failed ? OUTCOME_FAILS : OUTCOME_HOLDS;
	if (show_recorded(buf, len, false) == -1)
		rc = OUTCOME_ERROR;
	if (a->extract != NULL && extract(a->extract, bc) != OUTCOME_HOLDS)
		rc = OUTCOME_ERROR;
out:
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("inspect: writing standard output failed");
		rc = OUTCOME_ERROR;
	}
	bundle_contents_free(bc);
	free(bc);
	free(c);
	return rc;
}

static enum outcome
inspect_manifest(const struct inspect_args *a, const uint8_t *buf, size_t len)
{
	struct inspect_ctx *c;
	struct report r;
	struct errbuf e;
	enum outcome rc = OUTCOME_HOLDS;

	if (a->extract != NULL || a->explain) {
		cmd_error("inspect: --extract and --explain need a bundle; %s is a "
		    "MANIFEST", a->shown);
		return OUTCOME_ERROR;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		cmd_error("out of memory");
		return OUTCOME_ERROR;
	}
	print_text("file", a->path);
	printf("type manifest\n");
	printf("size %zu\n", len);
	print_sha256("sha256", buf, len);
	report_init(&r, stdout);
	if (manifest_open_decode(buf, len, &c->msg, &c->m, &e) == -1) {
		report_fail(&r, "manifest.decode", "%s: %s", a->shown, e.msg);
		rc = OUTCOME_FAILS;
	} else {
		printf("signature-checked no (a MANIFEST alone carries no "
		    "key: inspect the bundle)\n");
		printf("\n[manifest]\n");
		inspect_show_manifest(stdout, &c->m, &c->msg);
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("inspect: writing standard output failed");
		rc = OUTCOME_ERROR;
	}
	free(c);
	return rc;
}

/* A challenge, a challenge set or a signed result: decode and show. */
static enum outcome
inspect_signed(const struct inspect_args *a, const char *type,
    const uint8_t *buf, size_t len)
{
	struct report r;
	struct errbuf e;
	enum outcome rc;
	int v;

	if (a->extract != NULL || a->explain) {
		cmd_error("inspect: --extract and --explain need a bundle; %s "
		    "is a %s", a->shown, type);
		return OUTCOME_ERROR;
	}
	print_text("file", a->path);
	printf("type %s\n", type);
	printf("size %zu\n", len);
	print_sha256("sha256", buf, len);
	if (strcmp(type, "challenge") == 0)
		v = inspect_show_challenge(stdout, buf, len, a->verifier, &e);
	else if (strcmp(type, "result") == 0)
		v = inspect_show_result(stdout, buf, len, a->verifier, &e);
	else if (strcmp(type, "ear-cwt") == 0)
		v = inspect_show_ear_cwt(stdout, buf, len, a->verifier, &e);
	else if (strcmp(type, "ear-jwt") == 0)
		v = inspect_show_ear_jwt(stdout, buf, len, a->verifier, &e);
	else if (strcmp(type, "refs") == 0)
		v = inspect_show_refs(stdout, buf, len, a->verifier, &e);
	else
		v = inspect_show_challenge_set(stdout, a->shown, buf, len,
		    a->verifier, &e);
	rc = OUTCOME_HOLDS;
	if (v != 0) {
		report_init(&r, stdout);
		report_fail(&r, strncmp(type, "ear", 3) == 0 ?
		    (v == 1 ? "ear.signature" : "ear.decode") :
		    strcmp(type, "result") == 0 ?
		    (v == 1 ? "result.signature" : "result.decode") :
		    strcmp(type, "refs") == 0 ?
		    (v == 1 ? "refs.signature" : "refs.decode") :
		    (v == 1 ? "challenge.signature" : "challenge.decode"),
		    "%s", e.msg);
		rc = OUTCOME_FAILS;
	}
	if (fflush(stdout) == EOF || ferror(stdout)) {
		cmd_error("inspect: writing standard output failed");
		rc = OUTCOME_ERROR;
	}
	return rc;
}

static int
load_verifier(struct inspect_args *a)
{
	struct errbuf e;
	uint8_t *pem;
	size_t len;

	if (a->verifier_key == NULL)
		return 0;
	if (file_read(a->verifier_key, CHALLENGE_KEY_PEM_MAX, &pem, &len,
	    &e) == -1) {
		cmd_error("%s", e.msg);
		return -1;
	}
	if (challenge_verifier_key_parse(pem, len, &a->verifier, &e) == -1) {
		cmd_error("%s: %s", a->verifier_key, e.msg);
		free(pem);
		return -1;
	}
	free(pem);
	return 0;
}

static void
describe_start(const uint8_t *buf, size_t len, char *out, size_t cap)
{
	size_t i, n = len < 8 ? len : 8;
	int used = 0;

	if (len == 0) {
		snprintf(out, cap, "it is empty");
		return;
	}
	used = snprintf(out, cap, "it starts");
	for (i = 0; i < n && used > 0 && (size_t)used < cap; i++)
		used += snprintf(out + used, cap - (size_t)used, " %02x",
		    buf[i]);
}

enum outcome
cmd_inspect(int argc, char **argv)
{
	struct inspect_args a;
	struct errbuf e;
	enum outcome rc;
	uint8_t *buf;
	size_t len;
	char start[64];
	uint32_t tag;
	bool help;

	if ((rc = parse_inspect_args(argc, argv, &a, &help)) != OUTCOME_HOLDS ||
	    help)
		return rc;
	if (file_read(a.path, INSPECT_FILE_MAX, &buf, &len, &e) == -1) {
		cmd_error("%s", e.msg);
		return OUTCOME_ERROR;
	}
	if (load_verifier(&a) == -1) {
		free(buf);
		return OUTCOME_ERROR;
	}
	tag = cbor_magic_tag(buf, len);
	if (sniff_is_zstd(buf, len))
		rc = inspect_bundle(&a, buf, len);
	else if (len >= sizeof(manifest_magic) &&
	    memcmp(buf, manifest_magic, sizeof(manifest_magic)) == 0)
		rc = inspect_manifest(&a, buf, len);
	else if (tag == DOSSIER_TAG_CHALLENGE)
		rc = inspect_signed(&a, "challenge", buf, len);
	else if (tag == DOSSIER_TAG_RESULT)
		rc = inspect_signed(&a, "result", buf, len);
	else if (tag == DOSSIER_TAG_REFERENCE)
		rc = inspect_signed(&a, "refs", buf, len);
	else if (sniff_is_tar(buf, len))
		rc = inspect_signed(&a, "challenge-set", buf, len);
	else if (ear_is_cwt(buf, len))
		rc = inspect_signed(&a, "ear-cwt", buf, len);
	else if (ear_is_jwt(buf, len))
		rc = inspect_signed(&a, "ear-jwt", buf, len);
	else {
		describe_start(buf, len, start, sizeof(start));
		cmd_error("%s: not a dossier file (a bundle: zstd 28 b5 2f fd; "
		    "a MANIFEST, challenge, result or reference set: d9 d9 f7 "
		    "da then DSMF, DSCH, DSRS or DSRF; a challenge set: a "
		    "ustar archive; an "
		    "EAR: d2 84 with content type " EAR_CWT_CONTENT_TYPE ", or "
		    "a JWT \"eyJ...\"): %s", a.shown, start);
		rc = OUTCOME_ERROR;
	}
	EVP_PKEY_free(a.verifier);
	free(buf);
	return rc;
}
