/*
 * cmd_enroll.c - dossier enroll BUNDLE... -o CHALLENGES: accept devices
 * from their enrollment bundles (dossier-collect enroll) as pending, keep
 * their reference values, and issue each one an enrollment challenge.
 *
 * Each bundle is checked on its own (its line says why it failed); the
 * good ones are recorded:
 *   - the container and every member against the MANIFEST (format/bundle.h);
 *   - ak.pub is an AK (tpm_public_check_ak) and the MANIFEST verifies with
 *     it (trust on first use: the enrollment challenge, which only the
 *     EK's TPM holding this AK can answer, is what proves the AK);
 *   - kind enrollment; device id = SHA-256(ek.crt);
 *   - ek.crt chains to a root of the store; store roots that are not
 *     self-signed, and the bundle's ek-chain-N.crt members, serve as
 *     untrusted intermediates (a trust anchor must be self-signed);
 *   - ek.crt's TPM attributes (format/ekcert.h): a subjectAltName lacking
 *     some is refused; no subjectAltName at all (Google's EK/AK CA) is
 *     noted on the device's line, and refused with
 *     --require-tpm-attributes;
 *   - ek.pub is an EK (tpm_public_check_ek) holding the certificate's key;
 *   - AK location [1, EK Name]: the Name equals Name(ek.pub);
 *   - pcrs.bin parses (the reference PCR values, their origin this
 *     enrollment: verify/store_pcrref.h); ima.log, if present, is kept as
 *     the reference log with the digest= of its media type; uefi.log, if
 *     present, verbatim as the reference UEFI event log (for the UEFI
 *     judgement; a re-enrollment without one removes the old).
 * Then the device is recorded pending (or re-enrolled with --replace), its
 * references set, and an enrollment challenge issued (verify/issue.h). All
 * store writes are one run, committed after the archive was written.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "format/bundle.h"
#include "format/challenge_set.h"
#include "format/ekcert.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "format/manifest.h"
#include "format/members.h"
#include "format/pcr_set.h"
#include "format/tpm_public.h"
#include "format/x509_store.h"
#include "verify/cmd.h"
#include "verify/issue.h"
#include "verify/store.h"
#include "verify/store_devices.h"
#include "verify/store_pcrref.h"

#define ENROLL_BUNDLE_FILE_MAX	((size_t)BUNDLE_CONTENT_MAX)
#define ENROLL_ROOTS_MAX	X509_STORE_CERTS_MAX

struct enroll_args {
	const char *out;
	int64_t lifetime;
	bool replace;
	bool require_tpm_attributes;
	char **bundles;
	size_t nbundles;
};

/* The store's roots, read once (DER copies). */
struct root_list {
	size_t n;
	uint8_t *der[ENROLL_ROOTS_MAX];
	size_t len[ENROLL_ROOTS_MAX];
};

/* One bundle's outcome. */
struct enroll_line {
	bool ok;
	uint8_t device_id[STORE_DEVICE_ID_LEN];
	char reason[ERRBUF_MAX];
	char note[EKCERT_TPM_ATTRS_WHY_MAX];	/* "" or what ok tolerated */
	char name[STORE_HOST_NAME_MAX + 1];	/* "" or the device's name */
};

/* What a bundle yields once every check held. */
struct enrollee {
	struct store_device dev;
	struct store_refs refs;		/* ima_log borrowed from the contents */
	const uint8_t *uefi_log;	/* borrowed too; NULL: none */
	size_t uefi_log_len;
	char note[EKCERT_TPM_ATTRS_WHY_MAX];	/* see enroll_line */
	/* The naming facts the bundle stated ("" when none). */
	char host_name[STORE_HOST_NAME_MAX + 1];
	char machine_id[STORE_MACHINE_ID_LEN + 1];
};

/* ---- options ------------------------------------------------------------ */

static void
enroll_usage(FILE *f)
{
	fputs("usage: dossier [--store path] enroll bundle ... -o challenges\n"
	    "           [--expires seconds|Nh|Nd] [--replace] "
	    "[--require-tpm-attributes]\n", f);
}

static enum outcome
parse_enroll_args(int argc, char **argv, struct enroll_args *a, bool *help)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "expires", required_argument, NULL, 'x' },
		{ "replace", no_argument, NULL, 'r' },
		{ "require-tpm-attributes", no_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct errbuf e;
	int ch;

	memset(a, 0, sizeof(*a));
	a->lifetime = ISSUE_LIFETIME_DEFAULT;
	*help = false;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			a->out = optarg;
			break;
		case 'x':
			if (issue_parse_lifetime(optarg, &a->lifetime, &e) == -1) {
				cmd_error("enroll: --expires: %s", e.msg);
				return OUTCOME_ERROR;
			}
			break;
		case 'r':
			a->replace = true;
			break;
		case 'A':
			a->require_tpm_attributes = true;
			break;
		case 'h':
			enroll_usage(stdout);
			*help = true;
			return OUTCOME_HOLDS;
		default:
			cmd_error("enroll: unknown option or missing argument "
			    "'%s'", argv[optind - 1]);
			enroll_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (a->out == NULL || a->out[0] == '\0' || strcmp(a->out, "-") == 0) {
		cmd_error("enroll: name the challenge archive with -o FILE");
		enroll_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (optind >= argc) {
		cmd_error("enroll: name at least one enrollment bundle");
		enroll_usage(stderr);
		return OUTCOME_ERROR;
	}
	if ((size_t)(argc - optind) > CHALLENGE_SET_COUNT_MAX) {
		cmd_error("enroll: more than %d bundles", CHALLENGE_SET_COUNT_MAX);
		return OUTCOME_ERROR;
	}
	a->bundles = argv + optind;
	a->nbundles = (size_t)(argc - optind);
	return OUTCOME_HOLDS;
}

/* ---- trusted roots ------------------------------------------------------ */

static int
collect_root(const struct store_root *r, void *arg, struct errbuf *e)
{
	struct root_list *l = arg;

	if (l->n == ENROLL_ROOTS_MAX)
		return err_set(e, "more than %d roots", ENROLL_ROOTS_MAX);
	if ((l->der[l->n] = malloc(r->der_len)) == NULL)
		return err_set(e, "out of memory");
	memcpy(l->der[l->n], r->der, r->der_len);
	l->len[l->n++] = r->der_len;
	return 0;
}

static void
root_list_free(struct root_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->der[i]);
	l->n = 0;
}

/* Add one DER certificate as an untrusted intermediate. */
static int
add_intermediate_der(struct x509_store *xs, const uint8_t *der, size_t len,
    const char *what, struct errbuf *e)
{
	const unsigned char *p = der;
	X509 *x;

	if (xs->nroots + xs->nintermediates >= X509_STORE_CERTS_MAX)
		return err_set(e, "%s: more than %d certificates", what,
		    X509_STORE_CERTS_MAX);
	if (len > EKCERT_DER_MAX ||
	    (x = d2i_X509(NULL, &p, (long)len)) == NULL)
		return err_set(e, "%s: not a DER certificate", what);
	if (p != der + len) {
		X509_free(x);
		return err_set(e, "%s: bytes after the certificate", what);
	}
	if (sk_X509_push(xs->intermediates, x) == 0) {
		X509_free(x);
		return err_set(e, "out of memory");
	}
	xs->nintermediates++;
	return 0;
}

/*
 * The chain store for one bundle: self-signed store roots as anchors, the
 * other store roots and the bundle's chain certificates as intermediates.
 */
static int
chain_store(const struct root_list *roots, const struct bundle_contents *bc,
    struct x509_store *xs, struct errbuf *e)
{
	const unsigned char *p;
	size_t i;
	X509 *x;
	int self;

	if (x509_store_init(xs, e) == -1)
		return -1;
	for (i = 0; i < roots->n; i++) {
		p = roots->der[i];
		if ((x = d2i_X509(NULL, &p, (long)roots->len[i])) == NULL)
			return err_set(e, "store root %zu does not decode", i);
		self = X509_self_signed(x, 0) == 1;
		X509_free(x);
		if ((self ? x509_store_add_root_der(xs, roots->der[i],
		    roots->len[i], "store root", e) :
		    add_intermediate_der(xs, roots->der[i], roots->len[i],
		    "store root", e)) == -1)
			return -1;
	}
	for (i = 0; i < bc->nmembers; i++) {
		if (strncmp(bc->members[i].name, "ek-chain-", 9) != 0)
			continue;
		if (add_intermediate_der(xs, bc->data[i],
		    (size_t)bc->members[i].size, bc->members[i].name, e) == -1)
			return -1;
	}
	return 0;
}

/* ---- one bundle ------------------------------------------------------- */

/* The bundle reader's MANIFEST callback: the members it lists. */
static int
on_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *n, struct errbuf *e)
{
	struct manifest *m = arg;
	struct cose_sign1 msg;

	if (manifest_file_open(buf, len, &msg, e) == -1)
		return -1;
	if (msg.payload == NULL)
		return err_set(e, "detached payload");
	if (manifest_decode(msg.payload, msg.payload_len, m, e) == -1)
		return err_prefix(e, "payload");
	memcpy(members, m->members, m->n_members * sizeof(*members));
	*n = m->n_members;
	return 0;
}

/* The data of member name, or NULL (with a message if required). */
static const uint8_t *
member(const struct bundle_contents *bc, const char *name, size_t *len,
    bool required, struct errbuf *e)
{
	const uint8_t *d;

	if ((d = bundle_member_data(bc, name, len)) == NULL && required)
		err_set(e, "no member '%s'", name);
	return d;
}

/* ak.pub is an AK and the MANIFEST verifies with it; kind enrollment. */
static int
check_ak_manifest(const struct bundle_contents *bc, struct tpm_public *ak,
    struct manifest *m, struct errbuf *e)
{
	const uint8_t *d;
	size_t n;

	if ((d = member(bc, MEMBER_AK_PUB, &n, true, e)) == NULL)
		return -1;
	if (tpm_public_parse_2b(d, n, ak, e) == -1 ||
	    tpm_public_check_ak(ak, e) == -1)
		return err_prefix(e, MEMBER_AK_PUB);
	if (manifest_file_verify(bc->manifest, bc->manifest_len, ak, m,
	    e) == -1)
		return err_prefix(e, "manifest signature");
	if (m->kind != MANIFEST_ENROLLMENT)
		return err_set(e, "kind %s, not an enrollment bundle",
		    manifest_kind_name(m->kind) ? manifest_kind_name(m->kind) :
		    "unknown");
	return 0;
}

/*
 * ek.crt's TPM attributes: refused when a subjectAltName lacks some, or
 * when there is none and require is set; note gets what was tolerated.
 */
static int
check_tpm_attributes(const struct ekcert *cert, bool require, char *note,
    size_t notelen, struct errbuf *e)
{
	char why[EKCERT_TPM_ATTRS_WHY_MAX];

	note[0] = '\0';
	switch (ekcert_tpm_attributes(&cert->facts, why, sizeof(why))) {
	case EKCERT_TPM_ATTRS_PRESENT:
		return 0;
	case EKCERT_TPM_ATTRS_ABSENT:
		if (require)
			return err_set(e, "ek.crt: %s (--require-tpm-"
			    "attributes)", why);
		snprintf(note, notelen, "ek.crt: %s", why);
		return 0;
	default:
		return err_set(e, "ek.crt: %s", why);
	}
}

/* ek.crt: exact DER, the device id, the chain, and ek.pub's key. */
static int
check_ek(const struct bundle_contents *bc, const struct root_list *roots,
    const struct manifest *m, bool require_attrs, struct tpm_public *ek,
    struct enrollee *en, struct errbuf *e)
{
	struct store_device *dev = &en->dev;
	struct x509_store xs;
	struct ekcert_chain chain;
	struct ekcert cert;
	EVP_PKEY *pk = NULL;
	const uint8_t *crt, *pub;
	size_t crt_len, pub_len;
	int rc = -1;

	memset(&cert, 0, sizeof(cert));
	memset(&xs, 0, sizeof(xs));
	if ((crt = member(bc, MEMBER_EK_CRT, &crt_len, true, e)) == NULL ||
	    (pub = member(bc, MEMBER_EK_PUB, &pub_len, true, e)) == NULL)
		return -1;
	if (crt_len > sizeof(dev->ek_cert))
		return err_set(e, "ek.crt: larger than %zu bytes",
		    sizeof(dev->ek_cert));
	if (ekcert_parse(crt, crt_len, &cert, e) == -1) {
		err_prefix(e, MEMBER_EK_CRT);
		goto out;
	}
	if (cert.container.form != EKCERT_FORM_DER ||
	    cert.container.der_len != crt_len) {
		err_set(e, "ek.crt: not exactly one DER certificate");
		goto out;
	}
	if (store_device_id(crt, crt_len, dev->id, e) == -1)
		goto out;
	if (memcmp(dev->id, m->device_id, sizeof(dev->id)) != 0) {
		err_set(e, "device id: the manifest's is not SHA-256(ek.crt)");
		goto out;
	}
	if (chain_store(roots, bc, &xs, e) == -1 ||
	    ekcert_verify_chain(&cert, &xs, NULL, &chain, e) == -1) {
		err_prefix(e, "ekcert chain");
		goto out;
	}
	if (!chain.verified) {
		err_set(e, "ekcert chain: %s", chain.reason);
		goto out;
	}
	if (check_tpm_attributes(&cert, require_attrs, en->note,
	    sizeof(en->note), e) == -1)
		goto out;
	if (tpm_public_parse_2b(pub, pub_len, ek, e) == -1 ||
	    tpm_public_check_ek(ek, e) == -1 ||
	    tpm_public_to_pkey(ek, &pk, e) == -1) {
		err_prefix(e, MEMBER_EK_PUB);
		goto out;
	}
	if (EVP_PKEY_eq(cert.pkey, pk) != 1) {
		err_set(e, "ek.pub: not the key of ek.crt");
		goto out;
	}
	memcpy(dev->ek_cert, crt, crt_len);
	dev->ek_cert_len = crt_len;
	memcpy(dev->ek_public, pub, pub_len);
	dev->ek_public_len = pub_len;
	rc = 0;
out:
	EVP_PKEY_free(pk);
	x509_store_free(&xs);
	ekcert_free(&cert);
	return rc;
}

/* AK location and the AK fields of the device record. */
static int
check_ak_location(const struct manifest *m, const struct tpm_public *ek,
    const struct bundle_contents *bc, struct store_device *dev,
    struct errbuf *e)
{
	struct tpm_name ek_name;
	const uint8_t *d;
	size_t n;

	if (tpm_public_name(ek, &ek_name, e) == -1)
		return err_prefix(e, MEMBER_EK_PUB);
	if (m->ak_location == MANIFEST_AK_EK_CHILD) {
		if (m->ek_name.len != ek_name.len ||
		    memcmp(m->ek_name.b, ek_name.b, ek_name.len) != 0)
			return err_set(e, "AK location: parent Name is not "
			    "the Name of ek.pub");
		memcpy(dev->ak_parent, ek_name.b, ek_name.len);
		dev->ak_parent_len = ek_name.len;
	}
	if ((d = member(bc, MEMBER_AK_PUB, &n, true, e)) == NULL)
		return -1;
	memcpy(dev->ak_public, d, n);
	dev->ak_public_len = n;
	memcpy(dev->ak_name, m->ak_name.b, m->ak_name.len);
	dev->ak_name_len = m->ak_name.len;
	return 0;
}

/* The reference values: pcrs.bin and, when present, ima.log. */
static int
collect_refs(const struct bundle_contents *bc, const uint8_t *bundle_sha256,
    struct store_refs *r, struct errbuf *e)
{
	const uint8_t *d;
	size_t n;

	memset(r, 0, sizeof(*r));
	if ((d = member(bc, MEMBER_PCRS, &n, true, e)) == NULL)
		return -1;
	if (pcr_set_parse(d, n, &r->pcrs, NULL, e) == -1)
		return err_prefix(e, MEMBER_PCRS);
	if (r->pcrs.nbanks == 0)
		return err_set(e, "pcrs.bin: no PCR values");
	memcpy(r->source_bundle, bundle_sha256, STORE_SHA256_LEN);
	if ((d = member(bc, MEMBER_IMA_LOG, &n, false, e)) == NULL)
		return 0;
	if (media_type_ima_digest(bundle_member_find(bc, MEMBER_IMA_LOG,
	    NULL)->media_type, hashalg_by_name("sha1"), &r->ima_log_alg,
	    e) != 0)
		return err_prefix(e, MEMBER_IMA_LOG);
	r->ima_log = (uint8_t *)d;
	r->ima_log_len = n;
	return 0;
}

/* The facts that name the device (format/manifest.h), when stated. */
static int
host_names(const struct manifest *m, struct enrollee *out, struct errbuf *e)
{
	const char *host, *machine;

	if (manifest_host_facts(m, &host, &machine, e) == -1)
		return err_prefix(e, "MANIFEST");
	snprintf(out->host_name, sizeof(out->host_name), "%s",
	    host != NULL ? host : "");
	snprintf(out->machine_id, sizeof(out->machine_id), "%s",
	    machine != NULL ? machine : "");
	return 0;
}

/* Every check of one bundle read into bc; *out filled when they hold. */
static int
check_bundle(const struct bundle_contents *bc, const uint8_t *sha256,
    const struct root_list *roots, bool require_attrs, struct enrollee *out,
    struct errbuf *e)
{
	struct tpm_public ak, ek;
	struct manifest *m;
	int rc = -1;

	if ((m = malloc(sizeof(*m))) == NULL)
		return err_set(e, "out of memory");
	memset(out, 0, sizeof(*out));
	if (check_ak_manifest(bc, &ak, m, e) == 0 &&
	    check_ek(bc, roots, m, require_attrs, &ek, out, e) == 0 &&
	    check_ak_location(m, &ek, bc, &out->dev, e) == 0 &&
	    collect_refs(bc, sha256, &out->refs, e) == 0 &&
	    host_names(m, out, e) == 0) {
		out->uefi_log = member(bc, MEMBER_UEFI_LOG, &out->uefi_log_len,
		    false, e);
		if (out->uefi_log_len == 0)
			out->uefi_log = NULL;	/* an empty log is none */
		rc = 0;
	}
	free(m);
	return rc;
}

/* ---- recording ---------------------------------------------------------- */

/*
 * Record the device pending (or re-enrolled with replace) and its
 * references. A refusal (already in the store) returns 1 with the reason
 * in e; a store failure -1.
 */
static int
record_device(struct store *s, struct enrollee *en, bool replace, int64_t now,
    struct errbuf *e)
{
	struct store_device *old;
	bool found;
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	int rc = -1;

	if ((old = malloc(sizeof(*old))) == NULL)
		return err_set(e, "out of memory");
	en->dev.state = STORE_DEVICE_PENDING;
	if (store_device_get_by_ak_name(s, en->dev.ak_name,
	    en->dev.ak_name_len, old, &found, e) == -1)
		goto out;
	if (found && memcmp(old->id, en->dev.id, sizeof(old->id)) != 0) {
		hex_encode(old->id, sizeof(old->id), hex);
		err_set(e, "the AK is already enrolled for device %s", hex);
		rc = 1;
		goto out;
	}
	if (store_device_get(s, en->dev.id, old, &found, e) == -1)
		goto out;
	if (found && !replace) {
		err_set(e, "device already in the store (%s): --replace "
		    "enrolls it again", store_device_state_name(old->state));
		rc = 1;
		goto out;
	}
	if ((found ? store_device_update(s, &en->dev, now, e) :
	    store_device_add(s, &en->dev, now, e)) == -1 ||
	    store_refs_set(s, en->dev.id, &en->refs, now, e) == -1 ||
	    store_pcr_ref_mark(s, en->dev.id, STORE_PCRS_ENROLLMENT,
	    en->refs.source_bundle, now, e) == -1 ||
	    store_uefi_ref_set(s, en->dev.id, en->uefi_log, en->uefi_log_len,
	    en->refs.source_bundle, now, e) == -1 ||
	    store_device_identity_set(s, en->dev.id, en->host_name,
	    en->machine_id, now, e) == -1)
		goto out;
	rc = 0;
out:
	free(old);
	return rc;
}

/* ---- the command ------------------------------------------------------ */

struct enroll_run {
	const struct enroll_args *a;
	struct store *s;
	struct issue_signer sg;
	struct root_list roots;
	int64_t now;
	struct issued *issued;		/* a->nbundles of them */
	size_t nissued;
	struct enroll_line *lines;
};

/* Read bundle i and check it; 0 ok, 1 refused (lines[i] says why). */
static int
enroll_one(struct enroll_run *r, size_t i, struct errbuf *fatal)
{
	const char *path = r->a->bundles[i];
	struct enroll_line *ln = &r->lines[i];
	struct bundle_contents *bc;
	struct bundle_reader rd;
	struct enrollee *en;
	struct manifest *m;
	struct errbuf e;
	uint8_t *buf = NULL, sha[STORE_SHA256_LEN];
	size_t len, k;
	int rc = 1, w;

	bc = calloc(1, sizeof(*bc));
	en = calloc(1, sizeof(*en));
	m = calloc(1, sizeof(*m));
	if (bc == NULL || en == NULL || m == NULL) {
		err_set(fatal, "out of memory");
		rc = -1;
		goto out;
	}
	if (file_read(path, ENROLL_BUNDLE_FILE_MAX, &buf, &len, &e) == -1)
		goto refuse;
	if (hashalg_digest(hashalg_by_name("sha256"), buf, len, sha) == -1) {
		err_set(&e, "SHA-256 failed");
		goto refuse;
	}
	memset(&rd, 0, sizeof(rd));
	rd.manifest = on_manifest;
	rd.arg = m;
	rd.collect_max = BUNDLE_MEMBER_MAX_BYTES;
	if (bundle_read_mem("container", buf, len, &rd, bc, &e) == -1 ||
	    check_bundle(bc, sha, &r->roots, r->a->require_tpm_attributes, en,
	    &e) == -1)
		goto refuse;
	for (k = 0; k < i; k++)
		if (r->lines[k].ok && memcmp(r->lines[k].device_id, en->dev.id,
		    STORE_DEVICE_ID_LEN) == 0) {
			err_set(&e, "device enrolled by an earlier bundle of "
			    "this run (%s)", r->a->bundles[k]);
			goto refuse;
		}
	if ((w = record_device(r->s, en, r->a->replace, r->now, &e)) == 1)
		goto refuse;
	if (w == -1 || issue_challenge(r->s, &r->sg, &en->dev,
	    STORE_CHALLENGE_ENROLLMENT, r->now, r->a->lifetime,
	    ISSUE_LOGS_DEFAULT, &r->issued[r->nissued], &e) == -1) {
		err_set(fatal, "%s: %s", path, e.msg);
		rc = -1;
		goto out;
	}
	r->nissued++;
	ln->ok = true;
	memcpy(ln->device_id, en->dev.id, STORE_DEVICE_ID_LEN);
	memcpy(ln->note, en->note, sizeof(ln->note));
	/* The label survives a re-enrollment: show what dossier devices
	 * will show. */
	cmd_device_name(r->s, en->dev.id, ln->name, sizeof(ln->name));
	rc = 0;
	goto out;
refuse:
	snprintf(ln->reason, sizeof(ln->reason), "%s", e.msg);
out:
	free(buf);
	if (bc != NULL)
		bundle_contents_free(bc);
	free(bc);
	free(en);
	free(m);
	return rc;
}

/* Write the challenge archive of everything issued. */
static int
write_archive(struct enroll_run *r, struct errbuf *e)
{
	const uint8_t **files;
	size_t *lens, i, out_len;
	uint8_t *out = NULL;
	int rc = -1;

	files = calloc(r->nissued, sizeof(*files));
	lens = calloc(r->nissued, sizeof(*lens));
	if (files == NULL || lens == NULL) {
		err_set(e, "out of memory");
		goto done;
	}
	for (i = 0; i < r->nissued; i++) {
		files[i] = r->issued[i].file;
		lens[i] = r->issued[i].file_len;
	}
	if (challenge_set_write_mem(files, lens, r->nissued, r->now, &out,
	    &out_len, e) == 0 &&
	    file_write_atomic(r->a->out, out, out_len, e) == 0)
		rc = 0;
	else
		err_prefix(e, "%s", r->a->out);
done:
	free(out);
	free(files);
	free(lens);
	return rc;
}

static void
print_lines(const struct enroll_run *r)
{
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	size_t i;

	for (i = 0; i < r->a->nbundles; i++) {
		if (r->lines[i].ok) {
			hex_encode(r->lines[i].device_id, STORE_DEVICE_ID_LEN,
			    hex);
			printf("enrolled %s", hex);
			if (r->lines[i].name[0] != '\0') {
				/* A name the device stated: may quote input. */
				fputs(" (", stdout);
				esc_fputs(r->lines[i].name, ESC_FIELD, stdout);
				putchar(')');
			}
			printf(" pending%s%s\n",
			    r->lines[i].note[0] != '\0' ? "; " : "",
			    r->lines[i].note);
		} else {
			/* A path and a reason that may quote input. */
			fputs("FAIL ", stdout);
			esc_fputs(r->a->bundles[i], ESC_FIELD, stdout);
			esc_fprintf(stdout, ": %s", r->lines[i].reason);
			putchar('\n');
		}
	}
}

/* Open the store, load the key and the roots. */
static enum outcome
enroll_setup(struct enroll_run *r)
{
	struct errbuf e;

	if (cmd_store_open(STORE_MUST_EXIST, &r->s) == -1)
		return OUTCOME_ERROR;
	if (issue_signer_load(r->s, &r->sg, &e) == -1) {
		cmd_error("%s: %s", store_path(r->s), e.msg);
		return OUTCOME_ERROR;
	}
	if (store_root_foreach(r->s, collect_root, &r->roots, &e) == -1) {
		cmd_error("%s: roots: %s", store_path(r->s), e.msg);
		return OUTCOME_ERROR;
	}
	if (r->roots.n == 0) {
		cmd_error("%s: no trusted roots: add the EK CA certificates "
		    "with dossier roots add", store_path(r->s));
		return OUTCOME_ERROR;
	}
	r->issued = calloc(r->a->nbundles, sizeof(*r->issued));
	r->lines = calloc(r->a->nbundles, sizeof(*r->lines));
	if (r->issued == NULL || r->lines == NULL) {
		cmd_error("out of memory");
		return OUTCOME_ERROR;
	}
	if (store_begin(r->s, &e) == -1) {
		cmd_error("%s: %s", store_path(r->s), e.msg);
		return OUTCOME_ERROR;
	}
	return OUTCOME_HOLDS;
}

static enum outcome
enroll_all(struct enroll_run *r)
{
	struct errbuf e;
	size_t i;

	for (i = 0; i < r->a->nbundles; i++)
		if (enroll_one(r, i, &e) == -1) {
			cmd_error("enroll: %s", e.msg);
			return OUTCOME_ERROR;
		}
	if (r->nissued > 0 && write_archive(r, &e) == -1) {
		cmd_error("enroll: %s", e.msg);
		return OUTCOME_ERROR;
	}
	if (store_commit(r->s, &e) == -1) {
		cmd_error("%s: %s", store_path(r->s), e.msg);
		return OUTCOME_ERROR;
	}
	print_lines(r);
	if (r->nissued == 0)
		fprintf(stderr, "dossier: enroll: no bundle accepted, %s not "
		    "written\n", r->a->out);
	return r->nissued == r->a->nbundles ? OUTCOME_HOLDS : OUTCOME_FAILS;
}

enum outcome
cmd_enroll(int argc, char **argv)
{
	struct enroll_args a;
	struct enroll_run r;
	enum outcome rc;
	struct errbuf e;
	bool help;
	size_t i;

	if ((rc = parse_enroll_args(argc, argv, &a, &help)) != OUTCOME_HOLDS ||
	    help)
		return rc;
	memset(&r, 0, sizeof(r));
	r.a = &a;
	r.now = (int64_t)time(NULL);
	if ((rc = enroll_setup(&r)) == OUTCOME_HOLDS)
		rc = enroll_all(&r);
	if (r.s != NULL && store_in_run(r.s))
		store_rollback(r.s, &e);
	for (i = 0; r.issued != NULL && i < r.nissued; i++)
		issued_free(&r.issued[i]);
	free(r.issued);
	free(r.lines);
	root_list_free(&r.roots);
	issue_signer_free(&r.sg);
	store_close(r.s);
	return rc;
}
