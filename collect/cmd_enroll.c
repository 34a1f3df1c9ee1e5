/*
 * cmd_enroll.c - `dossier-collect enroll`: find the EK whose certificate is
 * in NV, create or reuse an AK under it, persist both (or keep the AK's
 * blobs), pin the verifier key in the state directory, read the PCRs, the
 * IMA log and the UEFI event log (--uefi-log FILE, else securityfs when
 * there; carried verbatim as uefi.log, the verifier's reference event
 * log), and write an enrollment bundle signed by the AK in the TPM.
 *
 * EK handle rule (collect/device.c): an EK of the chosen template already persistent at the
 * EK handle is used. With the default handle taken by another key (swtpm
 * keeps its RSA EK at 0x81010001 and its P-384 EK at 0x81010016), the EK
 * range 0x81010000-0x810100ff is searched for a persistent EK of the
 * template, which is then used; only an explicit --ek-handle holding
 * another key is an error. AK handle rule: a key at the AK handle is
 * reused only if it is an AK whose parent is this EK (and of the --ak kind
 * when given); any other key there is an error, never evicted.
 *
 * Re-enrolling with a state directory: --ek auto means the EK template and
 * handle recorded there (so the device id stays), and the AK recorded
 * there is reused when it still loads under that EK with the same public
 * area; otherwise a new AK is made and the state replaced.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/cmd.h"
#include "collect/device.h"
#include "collect/evidence.h"
#include "collect/state.h"
#include "collect/tpm_ak.h"
#include "collect/tpm_conn.h"
#include "collect/tpm_ek.h"
#include "collect/tpm_obj.h"
#include "collect/tpm_quote.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"

struct enroll_opts {
	const char *out;
	const char *tcti;
	const char *state_dir;
	const char *verifier_key;
	const char *ek;			/* "auto", "rsa", "ecc" */
	bool ak_given;
	enum tpm_ak_kind ak_kind;
	uint32_t ek_handle;
	bool ek_handle_given;
	uint32_t ak_handle;
	bool persist;
	const char *ima_log;
	const char *uefi_log;		/* --uefi-log */
	const char *pcrs;
};

/* What enroll holds while it runs; released by enroll_release. */
struct enroll_ctx {
	struct enroll_opts o;
	struct tpm_conn conn;
	struct collect_state st, old;
	bool have_old;
	struct evidence_ima ima;
	struct evidence_uefi uefi;
	struct tpm_ek ek;
	struct tpm_ak ak;
	bool ak_reused;
	struct tpm_ek_chain chain;
	uint8_t *chain_der[TPM_EK_CHAIN_MAX];
	size_t chain_len[TPM_EK_CHAIN_MAX];
	struct tpm_pcrs pcrs;
	uint8_t ek_pub[TPM_KEY_PUBLIC_2B_MAX];
	size_t ek_pub_len;
	struct manifest m;
	struct evidence_members ms;
};

static void
enroll_usage(FILE *f)
{
	fputs("usage: dossier-collect enroll -o file [--tcti string] "
	    "[--state dir]\n"
	    "           [--verifier-key file] [--ek rsa|ecc|auto] "
	    "[--ak rsa|ecc]\n"
	    "           [--ek-handle handle] [--ak-handle handle] "
	    "[--no-persist]\n"
	    "           [--ima-log file] [--uefi-log file] [--pcrs spec]\n", f);
}

/* A persistent handle, hex with 0x. */
static int
parse_handle_opt(const char *opt, const char *s, uint32_t *out)
{
	unsigned long v;
	char *end;

	v = strtoul(s, &end, 16);
	if (strncmp(s, "0x", 2) != 0 || *end != '\0' ||
	    v < TPM_PERSISTENT_FIRST || v > TPM_PERSISTENT_LAST) {
		collect_error("enroll: %s '%s' is not a persistent handle "
		    "(0x81000000-0x81ffffff)", opt, s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

enum { OPT_TCTI = 256, OPT_STATE, OPT_VKEY, OPT_EK, OPT_AK, OPT_EKH,
	OPT_AKH, OPT_NOPERSIST, OPT_IMA, OPT_PCRS, OPT_UEFI };

static int
enroll_opt(struct enroll_opts *o, int ch, const char *arg)
{
	switch (ch) {
	case 'o': o->out = arg; return 0;
	case OPT_TCTI: o->tcti = arg; return 0;
	case OPT_STATE: o->state_dir = arg; return 0;
	case OPT_VKEY: o->verifier_key = arg; return 0;
	case OPT_IMA: o->ima_log = arg; return 0;
	case OPT_UEFI: o->uefi_log = arg; return 0;
	case OPT_PCRS: o->pcrs = arg; return 0;
	case OPT_NOPERSIST: o->persist = false; return 0;
	case OPT_EK:
		if (strcmp(arg, "auto") && strcmp(arg, "rsa") &&
		    strcmp(arg, "ecc"))
			break;
		o->ek = arg;
		return 0;
	case OPT_AK:
		if (tpm_ak_kind_parse(arg, &o->ak_kind) != 0)
			break;
		o->ak_given = true;
		return 0;
	case OPT_EKH:
		o->ek_handle_given = true;
		return parse_handle_opt("--ek-handle", arg, &o->ek_handle);
	case OPT_AKH:
		return parse_handle_opt("--ak-handle", arg, &o->ak_handle);
	default:
		collect_error("enroll: unknown option or missing argument");
		enroll_usage(stderr);
		return -1;
	}
	collect_error("enroll: bad value '%s' for --%s", arg,
	    ch == OPT_EK ? "ek (rsa, ecc or auto)" : "ak (rsa or ecc)");
	return -1;
}

/* 0 parsed, 1 --help, -1 usage error. */
static int
enroll_parse(int argc, char **argv, struct enroll_opts *o)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "tcti", required_argument, NULL, OPT_TCTI },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "verifier-key", required_argument, NULL, OPT_VKEY },
		{ "ek", required_argument, NULL, OPT_EK },
		{ "ak", required_argument, NULL, OPT_AK },
		{ "ek-handle", required_argument, NULL, OPT_EKH },
		{ "ak-handle", required_argument, NULL, OPT_AKH },
		{ "no-persist", no_argument, NULL, OPT_NOPERSIST },
		{ "ima-log", required_argument, NULL, OPT_IMA },
		{ "uefi-log", required_argument, NULL, OPT_UEFI },
		{ "pcrs", required_argument, NULL, OPT_PCRS },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->state_dir = STATE_DEFAULT_DIR;
	o->ek = "auto";
	o->ek_handle = TPM_EK_DEFAULT_HANDLE;
	o->ak_handle = TPM_AK_DEFAULT_HANDLE;
	o->persist = true;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (ch == 'h') {
			enroll_usage(stdout);
			return 1;
		}
		if (ch == '?' || ch == ':')
			ch = -1;
		if (enroll_opt(o, ch, optarg) != 0)
			return -1;
	}
	if (optind != argc) {
		collect_error("enroll: unexpected argument '%s'", argv[optind]);
		enroll_usage(stderr);
		return -1;
	}
	if (o->out == NULL) {
		collect_error("enroll: -o FILE is required");
		enroll_usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- the EK ------------------------------------------------------------- */

static int
enroll_ek(struct enroll_ctx *c, struct errbuf *e)
{
	ESYS_CONTEXT *esys = c->conn.esys;
	const struct tpm_ek_template *t = NULL;

	if (strcmp(c->o.ek, "auto") == 0 && c->have_old) {
		/* the EK enrolled before: the device id must not change */
		t = tpm_ek_template_by_name(c->old.ek_template);
		if (!c->o.ek_handle_given && c->old.ek_handle != 0)
			c->o.ek_handle = c->old.ek_handle;
	} else if (device_ek_pick_template(esys, c->o.ek, &t, e) != 0)
		return -1;
	if (!c->o.persist) {
		if (tpm_ek_create(esys, t, &c->ek, e) != 0)
			return -1;
	} else if (device_ek_persistent(esys, t, c->o.ek_handle,
	    c->o.ek_handle_given, &c->ek, e) != 0)
		return err_prefix(e, "EK");
	if (tpm_ek_read_cert(esys, t->cert_nv, &c->ek, e) != 0)
		return -1;
	return tpm_key_public_2b(&c->ek.key, c->ek_pub, sizeof(c->ek_pub),
	    &c->ek_pub_len, e);
}

/* ---- the AK ------------------------------------------------------------- */

static enum tpm_ak_kind
ak_kind_of(const struct tpm_ak *ak)
{
	return ak->key.pub.pub.type == TPM2_ALG_ECC ?
	    TPM_AK_P256_ECDSA_SHA256 : TPM_AK_RSA2048_RSASSA_SHA256;
}

static bool
ak_kind_ok(const struct enroll_ctx *c, const struct tpm_ak *ak)
{
	return !c->o.ak_given || ak_kind_of(ak) == c->o.ak_kind;
}

/* The AK the old state describes, when it is for this EK and usable. */
static int
ak_from_state(struct enroll_ctx *c, struct errbuf *e)
{
	const struct collect_state *s = &c->old;

	if (!c->have_old || strcmp(s->ek_template, c->ek.tmpl->name) != 0 ||
	    (s->ak_handle != 0) != c->o.persist ||
	    (c->o.persist && s->ak_handle != c->o.ak_handle))
		return 0;
	if (device_ak_open(c->conn.esys, s, &c->ek, &c->ak, e) != 0)
		return 0;	/* gone, replaced or another EK seed: a new one */
	if (!ak_kind_ok(c, &c->ak)) {
		tpm_ak_close(c->conn.esys, &c->ak);
		return 0;
	}
	return 1;
}

/* The AK at the AK handle (persist mode), per the handle rule. */
static int
enroll_ak_persistent(struct enroll_ctx *c, struct errbuf *e)
{
	ESYS_CONTEXT *esys = c->conn.esys;
	uint32_t h = c->o.ak_handle;
	enum tpm_ak_kind kind = c->o.ak_given ? c->o.ak_kind :
	    TPM_AK_RSA2048_RSASSA_SHA256;
	bool exists;

	if (tpm_persistent_exists(esys, h, &exists, e) != 0)
		return -1;
	if (exists) {
		if (tpm_ak_open_persistent(esys, &c->ek, h, &c->ak, e) != 0)
			return err_prefix(e, "persistent handle 0x%08" PRIx32
			    " holds a key that is not an AK of this EK; give "
			    "--ak-handle a free handle", h);
		if (!ak_kind_ok(c, &c->ak)) {
			tpm_ak_close(esys, &c->ak);
			return err_set(e, "the AK at 0x%08" PRIx32 " is not of "
			    "the --ak kind asked; give --ak-handle a free "
			    "handle", h);
		}
		c->ak_reused = true;
		return 0;
	}
	if (tpm_ak_create(esys, &c->ek, kind, &c->ak, e) != 0)
		return -1;
	if (tpm_key_persist(esys, &c->ak.key, h, e) != 0)
		return err_prefix(e, "persisting the AK at 0x%08" PRIx32, h);
	return 0;
}

static int
enroll_ak(struct enroll_ctx *c, struct errbuf *e)
{
	int r;

	if ((r = ak_from_state(c, e)) < 0)
		return -1;
	if (r == 1) {
		c->ak_reused = true;
		return 0;
	}
	if (c->o.persist)
		return enroll_ak_persistent(c, e);
	return tpm_ak_create(c->conn.esys, &c->ek, c->o.ak_given ?
	    c->o.ak_kind : TPM_AK_RSA2048_RSASSA_SHA256, &c->ak, e);
}

/* ---- state --------------------------------------------------------------- */

/* The verifier key: the file given, else the one pinned before. */
static int
enroll_verifier_key(struct enroll_ctx *c, struct errbuf *e)
{
	uint8_t *buf;
	size_t len;

	if (c->o.verifier_key == NULL) {
		if (!c->have_old)
			return err_set(e, "no verifier key pinned in %s yet: "
			    "give --verifier-key FILE (the public key "
			    "`dossier init` wrote)", c->o.state_dir);
		memcpy(c->st.verifier_pem, c->old.verifier_pem,
		    c->old.verifier_pem_len);
		c->st.verifier_pem_len = c->old.verifier_pem_len;
		memcpy(c->st.verifier_id, c->old.verifier_id, STATE_ID_LEN);
		return 0;
	}
	if (file_read(c->o.verifier_key, STATE_VERIFIER_PEM_MAX, &buf, &len,
	    e) != 0)
		return err_prefix(e, "--verifier-key");
	if (state_verifier_key_check(buf, len, c->st.verifier_id, e) != 0) {
		free(buf);
		return err_prefix(e, "--verifier-key %s", c->o.verifier_key);
	}
	memcpy(c->st.verifier_pem, buf, len);
	c->st.verifier_pem_len = len;
	free(buf);
	return 0;
}

static int
enroll_save_state(struct enroll_ctx *c, struct errbuf *e)
{
	struct collect_state *s = &c->st;

	memcpy(s->device_id, c->m.device_id, STATE_ID_LEN);
	snprintf(s->ek_template, sizeof(s->ek_template), "%s",
	    c->ek.tmpl->name);
	s->ek_handle = c->ek.key.persistent;
	s->ak_handle = c->ak.key.persistent;
	s->ak_name = c->ak.key.name;
	if (tpm_key_public_2b(&c->ak.key, s->ak_pub, sizeof(s->ak_pub),
	    &s->ak_pub_len, e) != 0)
		return -1;
	if (s->ak_handle == 0 && tpm_ak_private_marshal(&c->ak.priv,
	    s->ak_priv, sizeof(s->ak_priv), &s->ak_priv_len, e) != 0)
		return -1;
	return state_save(c->o.state_dir, s, e);
}

/* ---- the bundle ----------------------------------------------------------- */

/* Chain certificates as DER without NV padding, one per index. */
static int
enroll_chain(struct enroll_ctx *c, struct errbuf *e)
{
	struct ekcert_container where;
	size_t i;

	if (tpm_ek_read_chain(c->conn.esys, &c->chain, e) != 0)
		return -1;
	for (i = 0; i < c->chain.n; i++) {
		if (ekcert_locate(c->chain.data[i], c->chain.len[i], &where,
		    e) != 0 || where.form != EKCERT_FORM_DER)
			return err_prefix(e, "EK chain NV 0x%08" PRIx32 ": not "
			    "one DER certificate", c->chain.index[i]);
		c->chain_der[i] = c->chain.data[i] + where.der_off;
		c->chain_len[i] = where.der_len;
	}
	return 0;
}

static int
enroll_members(struct enroll_ctx *c, struct errbuf *e)
{
	struct evidence_members *ms = &c->ms;
	char name[BUNDLE_MEMBER_NAME_MAX + 1];
	size_t i;

	evidence_members_init(ms);
	if (evidence_member_add(ms, MEMBER_EK_CRT, MEDIA_TYPE_CERT,
	    c->ek.cert.der, c->ek.cert.der_len, e) != 0)
		return -1;
	for (i = 0; i < c->chain.n; i++) {
		if (member_ek_chain_name(i, name, sizeof(name), e) != 0 ||
		    evidence_member_add(ms, name, MEDIA_TYPE_CERT,
		    c->chain_der[i], c->chain_len[i], e) != 0)
			return -1;
	}
	if (evidence_member_add(ms, MEMBER_EK_PUB, MEDIA_TYPE_TPM2B_PUBLIC,
	    c->ek_pub, c->ek_pub_len, e) != 0 ||
	    evidence_member_add(ms, MEMBER_AK_PUB, MEDIA_TYPE_TPM2B_PUBLIC,
	    c->st.ak_pub, c->st.ak_pub_len, e) != 0 ||
	    evidence_member_add(ms, MEMBER_PCRS, MEDIA_TYPE_PCRS,
	    c->pcrs.marshaled, c->pcrs.marshaled_len, e) != 0)
		return -1;
	if (c->ima.present && evidence_member_add(ms, MEMBER_IMA_LOG,
	    c->ima.media_type, c->ima.data, c->ima.len, e) != 0)
		return -1;
	if (c->uefi.present)
		return evidence_member_add(ms, MEMBER_UEFI_LOG, MEDIA_TYPE_UEFI,
		    c->uefi.data, c->uefi.len, e);
	return 0;
}

/*
 * The facts that name the device (format/manifest.h): its host name and
 * /etc/machine-id, each only when it can be read and has the documented
 * shape, so an enrollment never fails for lack of a name.
 */
static int
host_facts(struct manifest *m, struct errbuf *e)
{
	char host[MANIFEST_FACT_VALUE_MAX + 1], id[MANIFEST_MACHINE_ID_LEN + 2];
	size_t i, n;
	FILE *f;

	memset(host, 0, sizeof(host));
	if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') {
		for (i = 0; host[i] != '\0'; i++)
			if ((unsigned char)host[i] < 0x20 || host[i] == 0x7f)
				host[i] = '?';
		if (evidence_fact_add(m, MANIFEST_FACT_HOST_NAME, host, e) != 0)
			return -1;
	}
	if ((f = fopen("/etc/machine-id", "r")) == NULL)
		return 0;
	n = fread(id, 1, sizeof(id) - 1, f);
	fclose(f);
	id[n] = '\0';
	if (n == MANIFEST_MACHINE_ID_LEN + 1 && id[n - 1] == '\n')
		id[--n] = '\0';
	if (n != MANIFEST_MACHINE_ID_LEN ||
	    strspn(id, "0123456789abcdef") != n)
		return 0;
	return evidence_fact_add(m, MANIFEST_FACT_MACHINE_ID, id, e);
}

static int
enroll_manifest(struct enroll_ctx *c, struct errbuf *e)
{
	struct manifest *m = &c->m;

	memset(m, 0, sizeof(*m));
	m->kind = MANIFEST_ENROLLMENT;
	if (hashalg_digest(hashalg_by_name("sha256"), c->ek.cert.der,
	    c->ek.cert.der_len, m->device_id) != 0)
		return err_set(e, "SHA-256 of the EK certificate failed");
	m->ak_name = c->ak.key.name;
	m->ak_location = MANIFEST_AK_EK_CHILD;
	m->ek_name = c->ek.key.name;
	m->created = (int64_t)time(NULL);
	snprintf(m->collector, sizeof(m->collector), "dossier-collect %s",
	    DOSSIER_VERSION);
	if (evidence_platform_facts(m, &c->ima, e) != 0 ||
	    host_facts(m, e) != 0)
		return -1;
	return c->uefi.present ? evidence_fact_add(m, "uefi.log",
	    c->uefi.path, e) : 0;
}

/* ---- the command ------------------------------------------------------------ */

static int
enroll_tpm(struct enroll_ctx *c, struct errbuf *e)
{
	TPML_PCR_SELECTION sel;

	if (enroll_ek(c, e) != 0 || enroll_ak(c, e) != 0 ||
	    enroll_chain(c, e) != 0)
		return -1;
	if (evidence_pcr_selection(c->conn.esys, c->o.pcrs, &sel, e) != 0 ||
	    tpm_pcr_read(c->conn.esys, &sel, &c->pcrs, e) != 0)
		return err_prefix(e, "PCRs");
	if (enroll_manifest(c, e) != 0 || enroll_save_state(c, e) != 0 ||
	    enroll_members(c, e) != 0)
		return -1;
	return evidence_bundle_write(c->conn.esys, &c->ak, &c->m, &c->ms,
	    c->o.out, e);
}

static void
enroll_release(struct enroll_ctx *c)
{
	if (c->conn.esys != NULL) {
		tpm_ak_close(c->conn.esys, &c->ak);
		tpm_ek_close(c->conn.esys, &c->ek);
	}
	tpm_conn_close(&c->conn);
	tpm_ek_chain_free(&c->chain);
	evidence_ima_free(&c->ima);
	evidence_uefi_free(&c->uefi);
}

static void
print_handle(const char *key, uint32_t h)
{
	if (h == 0)
		printf("%s none\n", key);
	else
		printf("%s 0x%08" PRIx32 "\n", key, h);
}

static int
enroll_report(const struct enroll_ctx *c)
{
	char hex[2 * TPM_NAME_MAX_BYTES + 1];

	hex_encode(c->m.device_id, MANIFEST_DEVICE_ID_LEN, hex);
	printf("device-id %s\n", hex);
	hex_encode(c->ak.key.name.b, c->ak.key.name.len, hex);
	printf("ak-name %s\n", hex);
	printf("ak-reused %s\n", c->ak_reused ? "yes" : "no");
	printf("ek-type %s\n", c->ek.tmpl->name);
	print_handle("ek-handle", c->ek.key.persistent);
	print_handle("ak-handle", c->ak.key.persistent);
	printf("bundle %s\n", c->o.out);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		collect_error("enroll: cannot write to standard output");
		return -1;
	}
	return 0;
}

/* What needs no TPM: options' files and the state, checked first. */
static int
enroll_prepare(struct enroll_ctx *c, struct errbuf *e)
{
	if (state_dir_prepare(c->o.state_dir, e) != 0 ||
	    state_load(c->o.state_dir, &c->old, &c->have_old, e) != 0 ||
	    enroll_verifier_key(c, e) != 0)
		return -1;
	if (evidence_ima_read(c->o.ima_log, &c->ima, e) != 0)
		return -1;
	return evidence_uefi_read(c->o.uefi_log, &c->uefi, e);
}

enum collect_status
cmd_enroll(int argc, char **argv)
{
	static struct enroll_ctx c;	/* large: keep it off the stack */
	const char *tcti;
	struct errbuf e;
	int r, ok;

	memset(&c, 0, sizeof(c));
	tpm_ek_init(&c.ek);
	tpm_ak_init(&c.ak);
	if ((r = enroll_parse(argc, argv, &c.o)) != 0)
		return r > 0 ? COLLECT_OK : COLLECT_ERROR;
	if (enroll_prepare(&c, &e) != 0) {
		collect_error("enroll: %s", e.msg);
		evidence_ima_free(&c.ima);
		evidence_uefi_free(&c.uefi);
		return COLLECT_ERROR;
	}
	tcti = collect_tcti(c.o.tcti);
	if (tpm_conn_open(&c.conn, tcti, &e) != 0) {
		collect_error("enroll: %s", e.msg);
		enroll_release(&c);
		return COLLECT_ERROR;
	}
	ok = enroll_tpm(&c, &e) == 0;
	if (!ok)
		collect_error("enroll: TCTI '%s': %s", tcti, e.msg);
	else
		ok = enroll_report(&c) == 0;
	enroll_release(&c);
	return ok ? COLLECT_OK : COLLECT_ERROR;
}
