/* evidence.c - what goes into a bundle, gathered on the device (evidence.h). */
#include <sys/utsname.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "collect/evidence.h"
#include "collect/tpm_info.h"
#include "collect/tpm_sign.h"
#include "format/cose.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/ima_replay.h"
#include "format/tpm_attest.h"

/* ---- UEFI event log -------------------------------------------------------- */

int
evidence_uefi_read(const char *path, struct evidence_uefi *out,
    struct errbuf *e)
{
	memset(out, 0, sizeof(*out));
	if (path != NULL) {
		if (strlen(path) >= sizeof(out->path))
			return err_set(e, "UEFI event log path too long");
		snprintf(out->path, sizeof(out->path), "%s", path);
	} else {
		snprintf(out->path, sizeof(out->path), "%s",
		    EVIDENCE_UEFI_PATH);
		if (access(out->path, F_OK) != 0)
			return 0;	/* no TPM event log on this machine */
	}
	/* securityfs reports size 0: file_read reads to the end */
	if (file_read(out->path, EVIDENCE_UEFI_LOG_MAX, &out->data, &out->len,
	    e) != 0)
		return err_prefix(e, "UEFI event log");
	if (out->len == 0) {
		evidence_uefi_free(out);
		return err_set(e, "UEFI event log %s is empty", out->path);
	}
	out->present = true;
	return 0;
}

void
evidence_uefi_free(struct evidence_uefi *u)
{
	free(u->data);
	u->data = NULL;
	u->len = 0;
	u->present = false;
}

/* ---- IMA log ------------------------------------------------------------- */

/* Parse buf whole with template-digest column alg. */
static int
ima_check_alg(const uint8_t *buf, size_t len, const struct hashalg *alg,
    uint64_t *entries, enum ima_byte_order *order, struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t off = 0, need;
	enum ima_parse_result r;

	if (len == 0)
		return err_set(e, "empty IMA log (a kernel with IMA records at "
		    "least boot_aggregate)");
	ima_parser_init(&p, alg, IMA_ORDER_UNKNOWN);
	while (off < len) {
		r = ima_parse_record(&p, buf + off, len - off, &rec, &need, e);
		if (r == IMA_PARSE_ERROR)
			return -1;
		if (r == IMA_PARSE_MORE)
			return ima_parse_finish(&p, buf + off, len - off, e);
		off += rec.size;
	}
	*entries = p.index;
	*order = p.order;
	return 0;
}

int
evidence_ima_check(const uint8_t *buf, size_t len, uint64_t *entries,
    enum ima_byte_order *order, struct errbuf *e)
{
	return ima_check_alg(buf, len, hashalg_by_name("sha1"), entries, order,
	    e);
}

/* The default path that exists, or -1 with present = false. */
static int
ima_default_path(struct evidence_ima *out)
{
	if (access(EVIDENCE_IMA_PATH, F_OK) == 0) {
		snprintf(out->path, sizeof(out->path), "%s", EVIDENCE_IMA_PATH);
		return 0;
	}
	if (access(EVIDENCE_IMA_PATH_ALT, F_OK) == 0) {
		snprintf(out->path, sizeof(out->path), "%s",
		    EVIDENCE_IMA_PATH_ALT);
		return 0;
	}
	snprintf(out->path, sizeof(out->path), "%s", EVIDENCE_IMA_PATH);
	return -1;
}

/* The default per-bank path that exists, or -1 with present = false. */
static int
ima_bank_default_path(const struct hashalg *alg, struct evidence_ima *out)
{
	const char *const bases[] = { EVIDENCE_IMA_PATH, EVIDENCE_IMA_PATH_ALT };
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(out->path, sizeof(out->path), "%s_%s", bases[i],
		    alg->name);
		if (access(out->path, F_OK) == 0)
			return 0;
	}
	snprintf(out->path, sizeof(out->path), "%s_%s", EVIDENCE_IMA_PATH,
	    alg->name);
	return -1;
}

/* Read and check out->path as a list with column out->log_alg. */
static int
ima_read_checked(struct evidence_ima *out, struct errbuf *e)
{
	if (file_read(out->path, EVIDENCE_IMA_LOG_MAX, &out->data, &out->len,
	    e) != 0)
		return err_prefix(e, "IMA log");
	if (ima_check_alg(out->data, out->len, out->log_alg, &out->entries,
	    &out->order, e) != 0) {
		err_prefix(e, "IMA log %s", out->path);
		evidence_ima_free(out);
		return -1;
	}
	if (media_type_ima(out->log_alg, out->order, out->media_type,
	    sizeof(out->media_type), e) != 0) {
		evidence_ima_free(out);
		return -1;
	}
	out->present = true;
	return 0;
}

int
evidence_ima_read(const char *path, struct evidence_ima *out,
    struct errbuf *e)
{
	memset(out, 0, sizeof(*out));
	out->log_alg = hashalg_by_name("sha1");
	if (path != NULL) {
		if (strlen(path) >= sizeof(out->path))
			return err_set(e, "IMA log path too long");
		snprintf(out->path, sizeof(out->path), "%s", path);
	} else if (ima_default_path(out) != 0)
		return 0;		/* no IMA on this kernel */
	return ima_read_checked(out, e);
}

int
evidence_ima_read_bank(const struct hashalg *alg, const char *path,
    struct evidence_ima *out, struct errbuf *e)
{
	memset(out, 0, sizeof(*out));
	out->log_alg = alg;
	out->per_bank = true;
	if (hashalg_md(alg) == NULL)
		return err_set(e, "IMA %s list: no digest for %s", alg->name,
		    alg->name);
	if (path != NULL) {
		if (strlen(path) >= sizeof(out->path))
			return err_set(e, "IMA %s list path too long",
			    alg->name);
		snprintf(out->path, sizeof(out->path), "%s", path);
	} else if (ima_bank_default_path(alg, out) != 0)
		return 0;		/* kernel older than 6.10, or no bank */
	return ima_read_checked(out, e);
}

void
evidence_ima_free(struct evidence_ima *ima)
{
	free(ima->data);
	ima->data = NULL;
	ima->len = 0;
	ima->present = false;
}

/* ---- does the log reach the quote? --------------------------------------- */

/*
 * The quoted banks with a value for the IMA PCR that we can replay (for a
 * per-bank list: only the bank of its column).
 */
static size_t
ima_banks(const struct pcr_set *quoted, const struct evidence_ima *ima,
    const struct hashalg **banks)
{
	size_t i, n = 0;

	for (i = 0; i < quoted->nbanks && n < IMA_REPLAY_MAX_BANKS; i++)
		if ((quoted->banks[i].present & (1u << EVIDENCE_IMA_PCR)) &&
		    hashalg_md(quoted->banks[i].alg) != NULL &&
		    (!ima->per_bank || quoted->banks[i].alg == ima->log_alg))
			banks[n++] = quoted->banks[i].alg;
	return n;
}

static int
ima_replay_log(struct ima_replay *r, const struct evidence_ima *ima,
    struct errbuf *e)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t off = 0, need;
	bool column_ok;

	ima_parser_init(&p, ima->log_alg, ima->order);
	while (off < ima->len) {
		switch (ima_parse_record(&p, ima->data + off, ima->len - off,
		    &rec, &need, e)) {
		case IMA_PARSE_ERROR:
			return -1;
		case IMA_PARSE_MORE:
			return ima_parse_finish(&p, ima->data + off,
			    ima->len - off, e);
		case IMA_PARSE_RECORD:
			break;
		}
		if (ima_replay_record(r, &rec, &column_ok, e) != 0)
			return -1;
		off += rec.size;
	}
	return 0;
}

/* Judge bank i: true and *prefix when some mode matched. */
static bool
ima_bank_reaches(const struct ima_replay *r, size_t i, uint64_t *prefix,
    char *why, size_t cap)
{
	struct ima_bank_result res;
	const char *name = r->banks[i].alg->name;

	ima_replay_result(r, i, &res);
	if (res.missing != 0) {
		snprintf(why, cap, "the quote has no %s value for a PCR the "
		    "log extends (mask 0x%" PRIx32 ")", name, res.missing);
		return false;
	}
	if (!res.matched[IMA_MODE_PER_BANK] && !res.matched[IMA_MODE_PADDED]) {
		snprintf(why, cap, "no prefix of the log's %" PRIu64 " entries "
		    "gives the quoted %s PCR %d", r->entries, name,
		    EVIDENCE_IMA_PCR);
		return false;
	}
	if (!res.matched[IMA_MODE_PER_BANK] || (res.matched[IMA_MODE_PADDED] &&
	    res.prefix[IMA_MODE_PADDED] > res.prefix[IMA_MODE_PER_BANK]))
		*prefix = res.prefix[IMA_MODE_PADDED];
	else
		*prefix = res.prefix[IMA_MODE_PER_BANK];
	return true;
}

int
evidence_ima_reaches(const struct evidence_ima *ima,
    const struct pcr_set *quoted, bool *reached, uint64_t *prefix,
    char *why, size_t why_cap, struct errbuf *e)
{
	const struct hashalg *banks[IMA_REPLAY_MAX_BANKS];
	struct ima_replay *r;
	uint64_t p, first = 0;
	size_t i, n;

	*reached = true;
	*prefix = 0;
	if (why_cap > 0)
		why[0] = '\0';
	if ((n = ima_banks(quoted, ima, banks)) == 0)
		return 0;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return err_set(e, "out of memory");
	if (ima_replay_init(r, banks, n, ima->per_bank ? IMA_REPLAY_PER_BANK :
	    IMA_REPLAY_BOTH, ima->log_alg, e) != 0) {
		free(r);
		return err_prefix(e, "IMA replay");
	}
	ima_replay_expect(r, quoted);
	if (ima_replay_log(r, ima, e) != 0) {
		ima_replay_free(r);
		free(r);
		return err_prefix(e, "IMA log %s", ima->path);
	}
	for (i = 0; i < r->nbanks && *reached; i++) {
		if (!ima_bank_reaches(r, i, &p, why, why_cap))
			*reached = false;
		else if (i > 0 && p != first) {
			snprintf(why, why_cap, "the banks match different "
			    "prefixes of the log (%" PRIu64 " and %" PRIu64
			    " entries)", first, p);
			*reached = false;
		} else
			first = p;
	}
	*prefix = *reached ? first : 0;
	ima_replay_free(r);
	free(r);
	return 0;
}

/* ---- PCR selection ------------------------------------------------------- */

int
evidence_pcr_selection(ESYS_CONTEXT *esys, const char *spec,
    TPML_PCR_SELECTION *out, struct errbuf *e)
{
	struct tpm_info info;
	const TPMS_PCR_SELECTION *b;
	UINT32 i;
	unsigned j;
	bool any;

	memset(out, 0, sizeof(*out));
	if (spec != NULL) {
		if (tpm_selection_from_spec(spec, out, e) != 0)
			return err_prefix(e, "--pcrs '%s'", spec);
		return 0;
	}
	if (tpm_info_read(esys, &info, e) != 0)
		return err_prefix(e, "reading the allocated PCR banks");
	for (i = 0; i < info.banks.count && i < TPM2_NUM_PCR_BANKS; i++) {
		b = &info.banks.pcrSelections[i];
		any = false;
		for (j = 0; j < b->sizeofSelect && j < TPM2_PCR_SELECT_MAX; j++)
			any |= b->pcrSelect[j] != 0;
		if (!any || hashalg_by_tpm(b->hash) == NULL)
			continue;
		out->pcrSelections[out->count++] = *b;
	}
	if (out->count == 0)
		return err_set(e, "the TPM reports no allocated PCR bank");
	return 0;
}

/* ---- platform facts ------------------------------------------------------ */

int
evidence_fact_add(struct manifest *m, const char *key, const char *value,
    struct errbuf *e)
{
	struct manifest_fact *f;

	if (m->n_facts >= MANIFEST_FACTS_MAX)
		return err_set(e, "more than %d platform facts",
		    MANIFEST_FACTS_MAX);
	if (strlen(key) > MANIFEST_FACT_KEY_MAX ||
	    strlen(value) > MANIFEST_FACT_VALUE_MAX)
		return err_set(e, "platform fact '%s' too long", key);
	f = &m->facts[m->n_facts++];
	snprintf(f->key, sizeof(f->key), "%s", key);
	snprintf(f->value, sizeof(f->value), "%s", value);
	return 0;
}

/* value without control characters, cut to fit a fact value. */
static void
fact_text(char *out, size_t cap, const char *value)
{
	size_t i;

	snprintf(out, cap, "%s", value);
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

int
evidence_platform_facts(struct manifest *m, const struct evidence_ima *ima,
    struct errbuf *e)
{
	const uint16_t one = 1;
	char v[MANIFEST_FACT_VALUE_MAX + 1], s[MANIFEST_FACT_VALUE_MAX + 1];
	struct utsname u;

	if (uname(&u) != 0)
		return err_set(e, "uname: %s", strerror(errno));
	fact_text(v, sizeof(v), u.release);
	if (evidence_fact_add(m, "kernel.release", v, e) != 0 ||
	    evidence_fact_add(m, "host.byteorder",
	    *(const uint8_t *)&one == 1 ? "little" : "big", e) != 0)
		return -1;
	if (!ima->present) {
		fact_text(s, sizeof(s) - 32, ima->path);
		snprintf(v, sizeof(v), "absent (%s not found)", s);
		return evidence_fact_add(m, "ima.log", v, e);
	}
	fact_text(v, sizeof(v), ima->path);
	if (evidence_fact_add(m, "ima.log", v, e) != 0)
		return -1;
	snprintf(v, sizeof(v), "%" PRIu64, ima->entries);
	if (evidence_fact_add(m, "ima.entries", v, e) != 0)
		return -1;
	return evidence_fact_add(m, "ima.byteorder",
	    ima->order == IMA_ORDER_BE ? "big" : "little", e);
}

/* ---- members ------------------------------------------------------------- */

void
evidence_members_init(struct evidence_members *ms)
{
	memset(ms, 0, sizeof(*ms));
}

int
evidence_member_add(struct evidence_members *ms, const char *name,
    const char *media_type, const uint8_t *data, size_t len,
    struct errbuf *e)
{
	struct bundle_input *in;

	if (ms->n >= BUNDLE_MEMBERS_MAX)
		return err_set(e, "more than %d bundle members",
		    BUNDLE_MEMBERS_MAX);
	if (strlen(name) > BUNDLE_MEMBER_NAME_MAX ||
	    strlen(media_type) > BUNDLE_MEDIA_TYPE_MAX)
		return err_set(e, "member name or media type too long: %s",
		    name);
	snprintf(ms->names[ms->n], sizeof(ms->names[0]), "%s", name);
	snprintf(ms->media_types[ms->n], sizeof(ms->media_types[0]), "%s",
	    media_type);
	in = &ms->in[ms->n];
	in->name = ms->names[ms->n];
	in->media_type = ms->media_types[ms->n];
	in->data = data;
	in->len = len;
	ms->n++;
	return 0;
}

/* ---- signing and writing -------------------------------------------------- */

/* The MANIFEST file for m, signed by ak in the TPM (malloc'd *file). */
static int
manifest_sign_tpm(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    const struct manifest *m, uint8_t **file, size_t *len, struct errbuf *e)
{
	struct manifest_tbs tbs;
	struct tpm_signed sig;
	int64_t alg;
	int ret;

	if (cose_alg_for_tpm_public(&ak->key.pub.pub, &alg, e) != 0)
		return err_prefix(e, "AK signing scheme");
	if (manifest_sign_begin(m, alg, &tbs, e) != 0)
		return err_prefix(e, "manifest");
	ret = tpm_sign_data(esys, ak, tbs.cose.sig_structure,
	    tbs.cose.sig_structure_len, &sig, e);
	if (ret != 0)
		err_prefix(e, "signing the manifest with the AK");
	else if ((ret = manifest_sign_finish(&tbs, &sig.sig, file, len, e)) != 0)
		err_prefix(e, "manifest");
	manifest_tbs_free(&tbs);
	return ret;
}

int
evidence_bundle_write(ESYS_CONTEXT *esys, const struct tpm_ak *ak,
    struct manifest *m, const struct evidence_members *ms, const char *path,
    struct errbuf *e)
{
	uint8_t *mf = NULL, *bundle = NULL;
	size_t mf_len = 0, bundle_len = 0;
	int ret = -1;

	if (m->created < 0 || m->created > BUNDLE_MTIME_MAX)
		return err_set(e, "the clock (%" PRId64 ") is outside what a "
		    "bundle can record", m->created);
	if (bundle_members_compute(ms->in, ms->n, m->members, e) != 0)
		return err_prefix(e, "bundle members");
	m->n_members = ms->n;
	if (manifest_sign_tpm(esys, ak, m, &mf, &mf_len, e) != 0)
		goto done;
	if (bundle_write_mem(mf, mf_len, ms->in, ms->n, m->created, &bundle,
	    &bundle_len, e) != 0) {
		err_prefix(e, "writing the bundle");
		goto done;
	}
	if (file_write_atomic(path, bundle, bundle_len, e) != 0)
		goto done;
	ret = 0;
done:
	free(mf);
	free(bundle);
	return ret;
}
