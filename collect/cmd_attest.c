/*
 * cmd_attest.c - `dossier-collect attest`: answer the verifier's challenge
 * with an evidence bundle.
 *
 * Order of work (nothing touches the TPM before the challenge is judged):
 *   1. the state directory (collect/state.h): pinned verifier key, device
 *      id, where the EK and AK are;
 *   2. the challenge set (format/challenge_set.h: a file, a directory or a
 *      tar archive); this device's challenge is picked by device id and
 *      verified with the pinned key (challenge_file_verify); refused when
 *      expired (challenge_check_time against now), made for another AK
 *      Name than ours, or asking for a log this collector cannot carry
 *      (it carries "ima", the classic binary_runtime_measurements list,
 *      "ima-<alg>", the Linux 6.10+ per-bank lists
 *      binary_runtime_measurements_<alg>, and "uefi", the firmware's TCG
 *      event log binary_bios_measurements, verbatim);
 *   3. the UEFI event log (when asked for) is read once, from --uefi-log
 *      FILE, else securityfs: it was written before the OS ran and does
 *      not grow under the quote;
 *      the IMA logs are read and checked once before the TPM work, so a
 *      missing or damaged log fails early. Where they come from: the
 *      classic list from --ima-log FILE, else securityfs; the list of bank
 *      ALG from --ima-log-bank ALG=FILE, else securityfs, except that
 *      with --ima-log a requested bank list must be given too (a file
 *      and the live lists would not be the same list);
 *   4. EK and AK reopened (collect/device.h), TPM2_ActivateCredential
 *      with the challenge's credential recovers the nonce, and the EK is
 *      released at once (a transient EK is flushed);
 *   5. the quote: the challenge's selection verbatim, the nonce as
 *      qualifying data (collect/tpm_quote.h); then the IMA log is read
 *      again and replayed (evidence_ima_reaches): some prefix of it must
 *      give the quoted PCR 10 in every quoted bank; each per-bank list
 *      is read after it and must have as many entries (else they were
 *      read across a new measurement: read again) and reach the quoted
 *      PCR 10 of its own bank, per-bank mode. If not (the log grew
 *      between the quote and the read in a way that did not reach yet, or
 *      PCR 10 moved), quote and read again, at most ATTEST_QUOTE_TRIES
 *      times in all, then fail: a bundle whose own replay cannot reach the
 *      quoted PCR 10 is never written;
 *   6. the bundle (kind evidence, challenge id in the manifest, members in
 *      evidence.h's order), signed by the AK in the TPM, written
 *      atomically to -o FILE or to -o DIR/<device-hex>-<challenge-hex>.dossier,
 *      or delivered into -o SPOOL as evidence-<device>-<challenge>.dbundle.
 *
 * Spools (spool/spool.h, dossier-spool(5)). --challenge SPOOL answers
 * every challenge of this device in it: leftover claims of an earlier run
 * in cur/ first, then those in new/, each claimed into cur/ before any TPM
 * work (names of other devices are left alone); the claim is finished
 * (removed) only after the evidence was delivered, so a run that dies
 * in between leaves it to the next run. A challenge that cannot be
 * answered stays claimed and is named on standard error. The spool is
 * not locked: devices sharing one (a network directory) never touch each
 * other's names; one device runs one attest at a time (its TPM and state
 * directory are its own). -o SPOOL (an
 * existing spool, or any path with --spool, which makes one) receives
 * the bundles; a bundle delivered there before for the same challenge
 * (a run that died before finishing its claim) is not made again.
 */
#include <sys/stat.h>

#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "collect/cmd.h"
#include "collect/device.h"
#include "collect/evidence.h"
#include "collect/own_bundle.h"
#include "collect/state.h"
#include "collect/tpm_activate.h"
#include "collect/tpm_conn.h"
#include "collect/tpm_quote.h"
#include "format/challenge.h"
#include "format/challenge_set.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/hex.h"
#include "spool/spool.h"
#include "format/tpm_attest.h"

/* Quotes taken before giving up on a log that does not reach PCR 10. */
#define ATTEST_QUOTE_TRIES 5

/* The logs this collector can carry. */
#define ATTEST_LOGS_SUPPORTED (CHALLENGE_LOG_IMA | CHALLENGE_LOG_IMA_SHA1 | \
	CHALLENGE_LOG_IMA_SHA256 | CHALLENGE_LOG_IMA_SHA384 | \
	CHALLENGE_LOG_IMA_SHA512 | CHALLENGE_LOG_UEFI)

/* The per-bank lists: "ima-<alg>" logs, in the vocabulary's order. */
#define ATTEST_BANK_LISTS 4
static const unsigned bank_log_bits[ATTEST_BANK_LISTS] = {
	CHALLENGE_LOG_IMA_SHA1, CHALLENGE_LOG_IMA_SHA256,
	CHALLENGE_LOG_IMA_SHA384, CHALLENGE_LOG_IMA_SHA512,
};

/* The algorithm of per-bank list i ("ima-sha256" -> sha256). */
static const struct hashalg *
bank_list_alg(size_t i)
{
	return hashalg_by_name(challenge_log_name(bank_log_bits[i]) + 4);
}

struct attest_opts {
	const char *challenge;
	const char *out;
	const char *tcti;
	const char *state_dir;
	const char *ima_log;
	const char *ima_bank[ATTEST_BANK_LISTS];	/* --ima-log-bank */
	const char *uefi_log;	/* --uefi-log */
	bool spool;		/* --spool: make -o a spool */
};

/* What attest holds while it runs; released by attest_release. */
struct attest_ctx {
	struct attest_opts o;
	char out_path[PATH_MAX];
	bool out_spool;			/* -o is a spool */
	struct spool out_sp;
	char out_name[SPOOL_NAME_MAX + 1];
	char out_final[PATH_MAX];	/* new/out_name */
	bool delivered_before;		/* out_name was there already */
	struct collect_state st;
	struct challenge_set set;
	const char *ch_name;		/* entry name in the set */
	struct challenge ch;		/* verified */
	TPML_PCR_SELECTION sel;
	bool want_ima;
	struct evidence_ima ima;	/* read after the quote */
	unsigned want_banks;		/* bit i: per-bank list i */
	struct evidence_ima banks[ATTEST_BANK_LISTS];	/* read after ima */
	bool want_uefi;
	struct evidence_uefi uefi;	/* read once, before the TPM work */
	struct tpm_conn conn;
	struct tpm_ek ek;
	struct tpm_ak ak;
	uint8_t nonce[TPM_ACTIVATE_SECRET_MAX];
	size_t nonce_len;
	unsigned quotes;		/* quotes taken */
	uint64_t prefix;		/* IMA entries the quote covers */
	struct tpm_quote q;
	uint8_t serialized[TPM_PCRS_SERIALIZED_MAX];
	size_t serialized_len;
	uint8_t ek_pub[TPM_KEY_PUBLIC_2B_MAX];
	size_t ek_pub_len;
	struct manifest m;
	struct evidence_members ms;
};

static void
attest_usage(FILE *f)
{
	fputs("usage: dossier-collect attest --challenge file|dir|archive|spool "
	    "-o file|dir|spool\n"
	    "           [--spool] [--tcti string] [--state dir] "
	    "[--ima-log file]\n"
	    "           [--ima-log-bank alg=file ...] [--uefi-log file]\n", f);
}

enum { OPT_TCTI = 256, OPT_STATE, OPT_IMA, OPT_IMA_BANK, OPT_CHALLENGE,
	OPT_SPOOL, OPT_UEFI };

/* --ima-log-bank ALG=FILE: 0, or -1 with a message. */
static int
attest_bank_opt(struct attest_opts *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	size_t i;

	for (i = 0; eq != NULL && eq[1] != '\0' && i < ATTEST_BANK_LISTS;
	    i++) {
		if (strlen(bank_list_alg(i)->name) != (size_t)(eq - arg) ||
		    strncmp(bank_list_alg(i)->name, arg, eq - arg) != 0)
			continue;
		if (o->ima_bank[i] != NULL) {
			collect_error("attest: --ima-log-bank %s given twice",
			    bank_list_alg(i)->name);
			return -1;
		}
		o->ima_bank[i] = eq + 1;
		return 0;
	}
	collect_error("attest: --ima-log-bank '%s': want ALG=FILE, ALG one "
	    "of sha1, sha256, sha384, sha512", arg);
	return -1;
}

/* 0 parsed, 1 --help, -1 usage error. */
static int
attest_parse(int argc, char **argv, struct attest_opts *o)
{
	static const struct option opts[] = {
		{ "challenge", required_argument, NULL, OPT_CHALLENGE },
		{ "output", required_argument, NULL, 'o' },
		{ "out", required_argument, NULL, 'o' },
		{ "spool", no_argument, NULL, OPT_SPOOL },
		{ "tcti", required_argument, NULL, OPT_TCTI },
		{ "state", required_argument, NULL, OPT_STATE },
		{ "ima-log", required_argument, NULL, OPT_IMA },
		{ "ima-log-bank", required_argument, NULL, OPT_IMA_BANK },
		{ "uefi-log", required_argument, NULL, OPT_UEFI },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	o->state_dir = STATE_DEFAULT_DIR;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			attest_usage(stdout);
			return 1;
		case 'o': o->out = optarg; break;
		case OPT_CHALLENGE: o->challenge = optarg; break;
		case OPT_TCTI: o->tcti = optarg; break;
		case OPT_STATE: o->state_dir = optarg; break;
		case OPT_SPOOL: o->spool = true; break;
		case OPT_IMA: o->ima_log = optarg; break;
		case OPT_UEFI: o->uefi_log = optarg; break;
		case OPT_IMA_BANK:
			if (attest_bank_opt(o, optarg) != 0)
				return -1;
			break;
		default:
			collect_error("attest: unknown option or missing "
			    "argument");
			attest_usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		collect_error("attest: unexpected argument '%s'", argv[optind]);
		attest_usage(stderr);
		return -1;
	}
	if (o->challenge == NULL || o->out == NULL) {
		collect_error("attest: --challenge and -o are required");
		attest_usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- the challenge ------------------------------------------------------- */

/* Verify the picked challenge with the pinned verifier key. */
static int
challenge_verify_pinned(struct attest_ctx *c,
    const struct challenge_set_entry *ent, struct errbuf *e)
{
	EVP_PKEY *key = NULL;
	char hex[2 * STATE_ID_LEN + 1];
	int r;

	if (challenge_verifier_key_parse(c->st.verifier_pem,
	    c->st.verifier_pem_len, &key, e) != 0)
		return err_prefix(e, "%s/verifier.pem", c->o.state_dir);
	r = challenge_file_verify(ent->file, ent->file_len, key, &c->ch, e);
	EVP_PKEY_free(key);
	if (r == 0)
		return 0;
	hex_encode(c->st.verifier_id, STATE_ID_LEN, hex);
	return err_prefix(e, "challenge %s: not accepted with the pinned "
	    "verifier key %s", ent->name, hex);
}

/* Our AK Name, and logs we can carry. */
static int
challenge_judge(struct attest_ctx *c, struct errbuf *e)
{
	char want[2 * TPM_NAME_MAX_BYTES + 1], got[2 * TPM_NAME_MAX_BYTES + 1];
	unsigned bit, other;
	size_t i;

	if (challenge_check_time(&c->ch, (int64_t)time(NULL), e) != 0)
		return err_prefix(e, "challenge %s", c->ch_name);
	if (c->ch.ak_name.len != c->st.ak_name.len ||
	    memcmp(c->ch.ak_name.b, c->st.ak_name.b, c->st.ak_name.len) != 0) {
		hex_encode(c->ch.ak_name.b, c->ch.ak_name.len, got);
		hex_encode(c->st.ak_name.b, c->st.ak_name.len, want);
		return err_set(e, "challenge %s is for AK Name %s, this "
		    "device's AK is %s (enrolled again since it was issued?)",
		    c->ch_name, got, want);
	}
	other = c->ch.logs & ~(unsigned)ATTEST_LOGS_SUPPORTED;
	for (bit = 1; bit <= CHALLENGE_LOG_ALL; bit <<= 1)
		if (other & bit)
			return err_set(e, "challenge %s asks for the log '%s': "
			    "not supported by this collector (only 'ima', "
			    "'ima-<alg>' and 'uefi')", c->ch_name,
			    challenge_log_name(bit));
	c->want_ima = (c->ch.logs & CHALLENGE_LOG_IMA) != 0;
	c->want_uefi = (c->ch.logs & CHALLENGE_LOG_UEFI) != 0;
	for (i = 0; i < ATTEST_BANK_LISTS; i++)
		if (c->ch.logs & bank_log_bits[i])
			c->want_banks |= 1u << i;
	if (tpm_selection_parse(c->ch.selection, c->ch.selection_len, &c->sel,
	    e) != 0)
		return err_prefix(e, "challenge %s: PCR selection", c->ch_name);
	return 0;
}

static int
attest_challenge(struct attest_ctx *c, struct errbuf *e)
{
	const struct challenge_set_entry *ent;

	if (challenge_set_read_path(c->o.challenge, &c->set, e) != 0)
		return -1;
	if (challenge_set_find(&c->set, c->st.device_id, &ent, NULL, e) != 0)
		return err_prefix(e, "%s", c->o.challenge);
	c->ch_name = ent->name;
	if (challenge_verify_pinned(c, ent, e) != 0)
		return -1;
	return challenge_judge(c, e);
}

/* ---- what needs no TPM ----------------------------------------------------- */

/* A file under this challenge's bundle name: skip the challenge only if
 * it is really this device's answer (collect/own_bundle.h). */
static int
delivered_check(struct attest_ctx *c, const char *path, struct errbuf *e)
{
	char why[ERRBUF_MAX];
	int rc;

	if ((rc = own_bundle_check(path, &c->st, c->ch.id, why, sizeof(why),
	    e)) == -1)
		return err_prefix(e, "-o");
	if (rc == 0)
		return err_set(e, "-o: %s is there under this challenge's "
		    "bundle name but is not this device's answer to it (%s); "
		    "move it away and attest again", path, why);
	c->delivered_before = true;
	return 0;
}

/* -o SPOOL: the bundle's name there, and whether it is there already. */
static int
attest_out_spool(struct attest_ctx *c, struct errbuf *e)
{
	char cur[PATH_MAX];
	struct stat sb;

	if (spool_open(c->o.out, c->o.spool, &c->out_sp, e) != 0 ||
	    spool_make_name(SPOOL_EVIDENCE, c->st.device_id, c->ch.id,
	    c->out_name, e) != 0 ||
	    spool_path(&c->out_sp, false, c->out_name, c->out_final,
	    sizeof(c->out_final), e) != 0 ||
	    spool_path(&c->out_sp, true, c->out_name, cur, sizeof(cur),
	    e) != 0 ||
	    spool_tmp_path(&c->out_sp, c->out_name, c->out_path,
	    sizeof(c->out_path), e) != 0)
		return err_prefix(e, "-o");
	c->out_spool = true;
	if (lstat(c->out_final, &sb) == 0)
		return delivered_check(c, c->out_final, e);
	if (lstat(cur, &sb) == 0)
		return delivered_check(c, cur, e);
	return 0;
}

/* -o: a directory gets DIR/<device-hex>-<challenge-hex>.dossier; a
 * spool, evidence-<device>-<challenge>.dbundle. */
static int
attest_out_path(struct attest_ctx *c, struct errbuf *e)
{
	char dev[2 * STATE_ID_LEN + 1], id[2 * CHALLENGE_ID_LEN + 1];
	struct stat sb;
	int n;

	if (c->o.spool || spool_is_spool(c->o.out))
		return attest_out_spool(c, e);
	if (stat(c->o.out, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		n = snprintf(c->out_path, sizeof(c->out_path), "%s", c->o.out);
	} else {
		hex_encode(c->st.device_id, STATE_ID_LEN, dev);
		hex_encode(c->ch.id, CHALLENGE_ID_LEN, id);
		n = snprintf(c->out_path, sizeof(c->out_path),
		    "%s/%s-%s.dossier", c->o.out, dev, id);
	}
	if (n < 0 || (size_t)n >= sizeof(c->out_path))
		return err_set(e, "-o %s: path too long", c->o.out);
	return 0;
}

/* Per-bank list i: read it (after ima.log), present or an error. */
static int
attest_read_bank(struct attest_ctx *c, size_t i, struct errbuf *e)
{
	const struct hashalg *alg = bank_list_alg(i);

	evidence_ima_free(&c->banks[i]);
	if (c->o.ima_log != NULL && c->o.ima_bank[i] == NULL)
		return err_set(e, "challenge %s asks for the log 'ima-%s' and "
		    "--ima-log names a file: give the matching list with "
		    "--ima-log-bank %s=FILE", c->ch_name, alg->name, alg->name);
	if (evidence_ima_read_bank(alg, c->o.ima_bank[i], &c->banks[i],
	    e) != 0)
		return -1;
	if (!c->banks[i].present)
		return err_set(e, "challenge %s asks for the log 'ima-%s', and "
		    "there is none at %s (a kernel before 6.10? give "
		    "--ima-log-bank %s=FILE)", c->ch_name, alg->name,
		    c->banks[i].path, alg->name);
	return 0;
}

/* Every requested log, the classic list first. */
static int
attest_read_logs(struct attest_ctx *c, struct errbuf *e)
{
	size_t i;

	if (c->want_ima) {
		evidence_ima_free(&c->ima);
		if (evidence_ima_read(c->o.ima_log, &c->ima, e) != 0)
			return -1;
		if (!c->ima.present)
			return err_set(e, "challenge %s asks for the IMA log, "
			    "and there is none at %s (give --ima-log FILE)",
			    c->ch_name, c->ima.path);
	}
	for (i = 0; i < ATTEST_BANK_LISTS; i++)
		if ((c->want_banks & (1u << i)) &&
		    attest_read_bank(c, i, e) != 0)
			return -1;
	return 0;
}

/*
 * Whether every list read reaches the quote, and the per-bank lists have
 * as many entries as the first list read (why says what did not).
 */
static int
attest_logs_reach(struct attest_ctx *c, bool *reached, char *why,
    size_t cap, struct errbuf *e)
{
	const struct evidence_ima *first = NULL, *l;
	uint64_t prefix;
	size_t i;

	*reached = true;
	for (i = 0; i <= ATTEST_BANK_LISTS && *reached; i++) {
		if (i == 0 && !c->want_ima)
			continue;
		if (i > 0 && !(c->want_banks & (1u << (i - 1))))
			continue;
		l = i == 0 ? &c->ima : &c->banks[i - 1];
		if (first != NULL && l->entries != first->entries) {
			snprintf(why, cap, "%s has %" PRIu64 " entries, %s %"
			    PRIu64 " (read across a new measurement)",
			    l->path, l->entries, first->path, first->entries);
			*reached = false;
			break;
		}
		if (evidence_ima_reaches(l, &c->q.pcrs.values, reached,
		    &prefix, why, cap, e) != 0)
			return -1;
		if (first == NULL) {
			first = l;
			c->prefix = prefix;
		}
	}
	return 0;
}

static int
attest_prepare(struct attest_ctx *c, struct errbuf *e)
{
	struct stat sb;
	bool found;

	/* The pinned key is the trust anchor: the same directory rules as
	 * enroll (owner-writable only, no symbolic link), never created. */
	if (lstat(c->o.state_dir, &sb) == 0 &&
	    state_dir_prepare(c->o.state_dir, e) != 0)
		return -1;
	if (state_load(c->o.state_dir, &c->st, &found, e) != 0)
		return -1;
	if (!found)
		return err_set(e, "no device state in %s: run `dossier-collect "
		    "enroll` first (or give --state)", c->o.state_dir);
	if (attest_challenge(c, e) != 0 || attest_out_path(c, e) != 0)
		return -1;
	if (c->delivered_before)
		return 0;
	if (c->want_uefi) {
		if (evidence_uefi_read(c->o.uefi_log, &c->uefi, e) != 0)
			return -1;
		if (!c->uefi.present)
			return err_set(e, "challenge %s asks for the log 'uefi', "
			    "and there is none at %s (no TPM event log from "
			    "the firmware? give --uefi-log FILE)", c->ch_name,
			    c->uefi.path);
	}
	/* Read once now: a missing or damaged log fails before the TPM. */
	return attest_read_logs(c, e);
}

/* ---- the TPM --------------------------------------------------------------- */

/* The nonce: ActivateCredential, then the EK is no longer needed. */
static int
attest_activate(struct attest_ctx *c, struct errbuf *e)
{
	ESYS_CONTEXT *esys = c->conn.esys;

	if (device_ek_open(esys, &c->st, &c->ek, e) != 0 ||
	    device_ak_open(esys, &c->st, &c->ek, &c->ak, e) != 0)
		return -1;
	if (tpm_key_public_2b(&c->ek.key, c->ek_pub, sizeof(c->ek_pub),
	    &c->ek_pub_len, e) != 0)
		return -1;
	if (tpm_activate_file(esys, &c->ak, &c->ek, c->ch.credential,
	    c->ch.credential_len, c->nonce, sizeof(c->nonce), &c->nonce_len,
	    e) != 0)
		return err_prefix(e, "challenge %s: recovering the nonce "
		    "(ActivateCredential)", c->ch_name);
	tpm_key_close(esys, &c->ek.key);	/* the certificate stays */
	return 0;
}

/* Quote, read the log after, and retry until the log reaches the quote. */
static int
attest_quote(struct attest_ctx *c, struct errbuf *e)
{
	char why[512] = "";
	bool reached = false;

	while (c->quotes < ATTEST_QUOTE_TRIES) {
		c->quotes++;
		if (tpm_quote_pcrs(c->conn.esys, &c->ak, &c->sel, c->nonce,
		    c->nonce_len, &c->q, e) != 0)
			return err_prefix(e, "quote");
		if (!c->want_ima && c->want_banks == 0)
			return 0;
		if (attest_read_logs(c, e) != 0 ||
		    attest_logs_reach(c, &reached, why, sizeof(why), e) != 0)
			return -1;
		if (reached)
			return 0;
	}
	return err_set(e, "the IMA log%s %s does not reach the quoted PCR %d "
	    "(%u quotes taken): %s; no bundle written",
	    c->want_banks ? "s" : "", c->want_ima ? c->ima.path :
	    "(per-bank lists)", EVIDENCE_IMA_PCR, c->quotes, why);
}

static int
attest_manifest(struct attest_ctx *c, struct errbuf *e)
{
	struct manifest *m = &c->m;
	char v[32];

	memset(m, 0, sizeof(*m));
	m->kind = MANIFEST_EVIDENCE;
	memcpy(m->device_id, c->st.device_id, MANIFEST_DEVICE_ID_LEN);
	m->ak_name = c->ak.key.name;
	m->ak_location = MANIFEST_AK_EK_CHILD;
	m->ek_name = c->ek.key.name;
	m->has_challenge_id = true;
	memcpy(m->challenge_id, c->ch.id, MANIFEST_CHALLENGE_ID_LEN);
	m->created = (int64_t)time(NULL);
	snprintf(m->collector, sizeof(m->collector), "dossier-collect %s",
	    DOSSIER_VERSION);
	if (evidence_platform_facts(m, &c->ima, e) != 0)
		return -1;
	snprintf(v, sizeof(v), "%u", c->quotes);
	if (evidence_fact_add(m, "attest.quotes", v, e) != 0)
		return -1;
	if (c->want_uefi && evidence_fact_add(m, "uefi.log", c->uefi.path,
	    e) != 0)
		return -1;
	if (!c->want_ima && c->want_banks == 0)
		return 0;
	snprintf(v, sizeof(v), "%" PRIu64, c->prefix);
	return evidence_fact_add(m, "ima.quoted-entries", v, e);
}

static int
attest_members(struct attest_ctx *c, struct errbuf *e)
{
	struct evidence_members *ms = &c->ms;
	char name[BUNDLE_MEMBER_NAME_MAX + 1];
	size_t i;

	evidence_members_init(ms);
	if (evidence_member_add(ms, MEMBER_EK_CRT, MEDIA_TYPE_CERT,
	    c->ek.cert.der, c->ek.cert.der_len, e) != 0 ||
	    evidence_member_add(ms, MEMBER_EK_PUB, MEDIA_TYPE_TPM2B_PUBLIC,
	    c->ek_pub, c->ek_pub_len, e) != 0 ||
	    evidence_member_add(ms, MEMBER_AK_PUB, MEDIA_TYPE_TPM2B_PUBLIC,
	    c->st.ak_pub, c->st.ak_pub_len, e) != 0 ||
	    evidence_member_add(ms, MEMBER_PCRS, MEDIA_TYPE_PCRS,
	    c->q.pcrs.marshaled, c->q.pcrs.marshaled_len, e) != 0 ||
	    evidence_member_add(ms, MEMBER_PCRS_TPM2,
	    MEDIA_TYPE_PCRS_SERIALIZED, c->serialized, c->serialized_len,
	    e) != 0 ||
	    evidence_member_add(ms, MEMBER_QUOTE_ATTEST, MEDIA_TYPE_ATTEST,
	    c->q.attest, c->q.attest_len, e) != 0 ||
	    evidence_member_add(ms, MEMBER_QUOTE_SIG, MEDIA_TYPE_SIG, c->q.sig,
	    c->q.sig_len, e) != 0)
		return -1;
	if (c->want_ima && evidence_member_add(ms, MEMBER_IMA_LOG,
	    c->ima.media_type, c->ima.data, c->ima.len, e) != 0)
		return -1;
	for (i = 0; i < ATTEST_BANK_LISTS; i++) {
		if (!(c->want_banks & (1u << i)))
			continue;
		if (member_ima_bank_name(c->banks[i].log_alg->name, name,
		    sizeof(name), e) != 0 ||
		    evidence_member_add(ms, name, c->banks[i].media_type,
		    c->banks[i].data, c->banks[i].len, e) != 0)
			return -1;
	}
	if (c->want_uefi && evidence_member_add(ms, MEMBER_UEFI_LOG,
	    MEDIA_TYPE_UEFI, c->uefi.data, c->uefi.len, e) != 0)
		return -1;
	return 0;
}

static int
attest_tpm(struct attest_ctx *c, struct errbuf *e)
{
	if (attest_activate(c, e) != 0 || attest_quote(c, e) != 0)
		return -1;
	if (tpm_pcrs_serialized(&c->q.pcrs, c->serialized,
	    sizeof(c->serialized), &c->serialized_len, e) != 0)
		return err_prefix(e, MEMBER_PCRS_TPM2);
	if (attest_manifest(c, e) != 0 || attest_members(c, e) != 0)
		return -1;
	if (evidence_bundle_write(c->conn.esys, &c->ak, &c->m, &c->ms,
	    c->out_path, e) != 0)
		return -1;
	if (!c->out_spool)
		return 0;
	return spool_deliver_tmp(&c->out_sp, c->out_path, c->out_name,
	    &c->delivered_before, e);
}

static void
attest_release(struct attest_ctx *c)
{
	if (c->conn.esys != NULL) {
		tpm_ak_close(c->conn.esys, &c->ak);
		tpm_ek_close(c->conn.esys, &c->ek);
	}
	tpm_conn_close(&c->conn);
	size_t i;

	evidence_ima_free(&c->ima);
	for (i = 0; i < ATTEST_BANK_LISTS; i++)
		evidence_ima_free(&c->banks[i]);
	evidence_uefi_free(&c->uefi);
	challenge_set_free(&c->set);
	OPENSSL_cleanse(c->nonce, sizeof(c->nonce));
}

static int
attest_report(const struct attest_ctx *c)
{
	char hex[2 * STATE_ID_LEN + 1];

	hex_encode(c->st.device_id, STATE_ID_LEN, hex);
	printf("device-id %s\n", hex);
	hex_encode(c->ch.id, CHALLENGE_ID_LEN, hex);
	printf("challenge-id %s\n", hex);
	printf("quotes %u\n", c->quotes);
	if (c->out_spool)
		printf("bundle %s%s\n", c->out_final, c->delivered_before ?
		    " (delivered before)" : "");
	else
		printf("bundle %s\n", c->out_path);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		collect_error("attest: cannot write to standard output");
		return -1;
	}
	return 0;
}

/* Answer the challenge at o->challenge (or at path): 0 done, -1 failed
 * (said on standard error). */
static int
attest_once(struct attest_ctx *c, const struct attest_opts *o,
    const char *path)
{
	const char *tcti;
	struct errbuf e;
	int ok;

	memset(c, 0, sizeof(*c));
	tpm_ek_init(&c->ek);
	tpm_ak_init(&c->ak);
	c->o = *o;
	if (path != NULL)
		c->o.challenge = path;
	if (attest_prepare(c, &e) != 0) {
		collect_error("attest: %s", e.msg);
		attest_release(c);
		return -1;
	}
	if (c->delivered_before) {
		ok = attest_report(c) == 0;
		attest_release(c);
		return ok ? 0 : -1;
	}
	tcti = collect_tcti(c->o.tcti);
	if (tpm_conn_open(&c->conn, tcti, &e) != 0) {
		collect_error("attest: %s", e.msg);
		attest_release(c);
		return -1;
	}
	ok = attest_tpm(c, &e) == 0;
	if (!ok)
		collect_error("attest: TCTI '%s': %s", tcti, e.msg);
	else
		ok = attest_report(c) == 0;
	attest_release(c);
	return ok ? 0 : -1;
}

/* ---- --challenge SPOOL ------------------------------------------------------ */

/* This device's challenge names in new/ (or cur/); malloc'd list. */
static int
spool_own(const struct spool *sp, bool cur, const uint8_t *device,
    char ***own, size_t *n, struct errbuf *e)
{
	uint8_t dev[32], uq[16];
	enum spool_kind k;
	char **names;
	size_t count, i;
	bool has;

	*own = NULL;
	*n = 0;
	if (spool_list(sp, cur, &names, &count, e) != 0)
		return -1;
	for (i = 0; i < count; i++) {
		if (spool_name_parse(names[i], &k, dev, &has, uq) != 0 ||
		    k != SPOOL_CHALLENGE || !has ||
		    memcmp(dev, device, STATE_ID_LEN) != 0) {
			free(names[i]);
			continue;
		}
		names[(*n)++] = names[i];
	}
	*own = names;
	return 0;
}

/* Answer one claimed challenge cur/name, finishing the claim after. */
static int
attest_claimed(struct attest_ctx *c, const struct attest_opts *o,
    const struct spool *sp, const char *name)
{
	char path[PATH_MAX];
	struct errbuf e;

	if (spool_path(sp, true, name, path, sizeof(path), &e) != 0) {
		collect_error("attest: %s", e.msg);
		return -1;
	}
	if (attest_once(c, o, path) != 0) {
		collect_error("attest: %s stays claimed in %s/cur", name,
		    sp->dir);
		return -1;
	}
	if (spool_done(sp, name, &e) != 0) {
		collect_error("attest: %s", e.msg);
		return -1;
	}
	return 0;
}

/* Whether -o can take a bundle per challenge (a spool or a directory). */
static bool
out_takes_many(const struct attest_opts *o)
{
	struct stat sb;

	return o->spool || (stat(o->out, &sb) == 0 && S_ISDIR(sb.st_mode));
}

/* Claim this device's challenges of new/ (after those already in cur/)
 * and answer each. */
static int
attest_spool(struct attest_ctx *c, const struct attest_opts *o)
{
	struct collect_state *st;
	struct spool sp;
	struct errbuf e;
	char **cur = NULL, **nw = NULL, hex[2 * STATE_ID_LEN + 1];
	size_t ncur = 0, nnew = 0, i, answered = 0;
	int rc = -1;
	bool found = false, won;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		collect_error("attest: out of memory");
		return -1;
	}
	if (state_load(o->state_dir, st, &found, &e) != 0) {
		collect_error("attest: %s", e.msg);
		goto out;
	}
	if (!found) {
		collect_error("attest: no device state in %s: run "
		    "`dossier-collect enroll` first (or give --state)",
		    o->state_dir);
		goto out;
	}
	hex_encode(st->device_id, STATE_ID_LEN, hex);
	if (spool_open(o->challenge, false, &sp, &e) != 0 ||
	    spool_own(&sp, true, st->device_id, &cur, &ncur, &e) != 0 ||
	    spool_own(&sp, false, st->device_id, &nw, &nnew, &e) != 0) {
		collect_error("attest: --challenge: %s", e.msg);
		goto out;
	}
	if (ncur + nnew > 1 && !out_takes_many(o)) {
		collect_error("attest: %zu challenges for device %s in spool %s "
		    "and -o %s is a file: give a spool or a directory", ncur +
		    nnew, hex, sp.dir, o->out);
		goto out;
	}
	rc = 0;
	for (i = 0; i < ncur; i++) {
		if (attest_claimed(c, o, &sp, cur[i]) != 0)
			rc = -1;
		answered++;
	}
	for (i = 0; i < nnew; i++) {
		if (spool_claim(&sp, nw[i], &won, &e) != 0) {
			collect_error("attest: %s", e.msg);
			rc = -1;
			continue;
		}
		if (!won)
			continue;
		if (attest_claimed(c, o, &sp, nw[i]) != 0)
			rc = -1;
		answered++;
	}
	if (answered == 0) {
		collect_error("attest: no challenge for device %s in spool %s",
		    hex, sp.dir);
		rc = -1;
	}
out:
	spool_names_free(cur, ncur);
	spool_names_free(nw, nnew);
	free(st);
	return rc;
}

enum collect_status
cmd_attest(int argc, char **argv)
{
	static struct attest_ctx c;	/* large: keep it off the stack */
	struct attest_opts o;
	int r;

	if ((r = attest_parse(argc, argv, &o)) != 0)
		return r > 0 ? COLLECT_OK : COLLECT_ERROR;
	if (spool_is_spool(o.challenge))
		r = attest_spool(&c, &o);
	else
		r = attest_once(&c, &o, NULL);
	return r == 0 ? COLLECT_OK : COLLECT_ERROR;
}
