/*
 * test_ima_replay.c - the replay and prefix matching of format/ima_replay.h
 * on the six real ima-ng records of tpm2-tss's sml-ima-ng-sha1.bin, with
 * records 2 and 4 moved to PCR 11 (the PCR index is not covered by the
 * template digest, so the records stay valid). Expected PCR values are
 * computed here with one-shot digests (hashalg_digest), not with the code
 * under test.
 */
#include <stdlib.h>
#include <string.h>

#include "format/fileio.h"
#include "format/ima_replay.h"
#include "tests/unit/check.h"

#define LOG "testdata/ima/tpm2-tss/sml-ima-ng-sha1.bin"
#define NREC 6

static const struct hashalg *sha1, *sha256;
static uint8_t *list;
static size_t listlen;		/* without the trailing byte */
static size_t recoff[NREC + 1];

/* PCR = H(PCR || ext) with a one-shot digest. */
static void
ref_extend(const struct hashalg *a, uint8_t *pcr, const uint8_t *ext)
{
	uint8_t buf[2 * HASHALG_MAX_SIZE];

	memcpy(buf, pcr, a->size);
	memcpy(buf + a->size, ext, a->size);
	hashalg_digest(a, buf, 2 * a->size, pcr);
}

/* The reference state after the first n records, per-bank or padded. */
static void
ref_state(size_t n, const struct hashalg *a, bool padded, uint8_t pcr10[],
    uint8_t pcr11[])
{
	size_t i, off, dlen, nl;
	uint8_t ext[HASHALG_MAX_SIZE];
	uint8_t *pcr;

	memset(pcr10, 0, a->size);
	memset(pcr11, 0, a->size);
	for (i = 0; i < n; i++) {
		off = recoff[i];
		nl = list[off + 24];	/* little-endian, < 256 */
		dlen = list[off + 28 + nl] | list[off + 29 + nl] << 8;
		memset(ext, 0, sizeof(ext));
		if (padded)
			memcpy(ext, list + off + 4, 20);
		else
			hashalg_digest(a, list + off + 32 + nl, dlen, ext);
		pcr = list[off] == 11 ? pcr11 : pcr10;
		ref_extend(a, pcr, ext);
	}
}

static int
load_list(void)
{
	struct ima_parser p;
	struct ima_record rec;
	struct errbuf e;
	size_t need, i, off = 0;

	if (file_read(LOG, FILEIO_MAX_SMALL, &list, &listlen, &e) == -1)
		return -1;
	ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
	for (i = 0; i < NREC; i++) {
		recoff[i] = off;
		if (ima_parse_record(&p, list + off, listlen - off, &rec, &need,
		    &e) != IMA_PARSE_RECORD)
			return -1;
		off += rec.size;
	}
	recoff[NREC] = off;
	listlen = off;
	list[recoff[2]] = 11;
	list[recoff[4]] = 11;
	return 0;
}

/* Replay the whole list against expect; result per bank. */
static void
run(const struct pcr_set *expect, struct ima_replay *rp)
{
	const struct hashalg *banks[2] = { sha1, sha256 };
	struct ima_parser p;
	struct ima_record rec;
	struct errbuf e;
	size_t need, off = 0;
	bool ok;

	if (ima_replay_init(rp, banks, 2, IMA_REPLAY_BOTH, sha1, &e) == -1) {
		CHECK(0, "replay starts: %s", e.msg);
		return;
	}
	if (expect != NULL)
		ima_replay_expect(rp, expect);
	ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
	while (off < listlen && ima_parse_record(&p, list + off,
	    listlen - off, &rec, &need, &e) == IMA_PARSE_RECORD) {
		ima_replay_record(rp, &rec, &ok, &e);
		off += rec.size;
	}
}

static void
expect_state(struct pcr_set *s, size_t n, bool pcr11, bool padded256)
{
	uint8_t a[HASHALG_MAX_SIZE], b[HASHALG_MAX_SIZE];
	struct errbuf e;

	pcr_set_init(s);
	ref_state(n, sha1, false, a, b);
	pcr_set_put(s, sha1, 10, a, &e);
	if (pcr11)
		pcr_set_put(s, sha1, 11, b, &e);
	ref_state(n, sha256, padded256, a, b);
	pcr_set_put(s, sha256, 10, a, &e);
	if (pcr11)
		pcr_set_put(s, sha256, 11, b, &e);
}

static void
test_values(void)
{
	struct ima_replay rp;
	uint8_t a[HASHALG_MAX_SIZE], b[HASHALG_MAX_SIZE];

	run(NULL, &rp);
	ref_state(NREC, sha256, false, a, b);
	CHECK(memcmp(ima_replay_pcr(&rp, 1, IMA_MODE_PER_BANK, 10), a, 32) ==
	    0 && memcmp(ima_replay_pcr(&rp, 1, IMA_MODE_PER_BANK, 11), b,
	    32) == 0, "per-bank sha256 PCRs 10 and 11 equal the reference");
	ref_state(NREC, sha256, true, a, b);
	CHECK(memcmp(ima_replay_pcr(&rp, 1, IMA_MODE_PADDED, 10), a, 32) ==
	    0 && memcmp(ima_replay_pcr(&rp, 1, IMA_MODE_PADDED, 11), b, 32) ==
	    0, "padded sha256 PCRs 10 and 11 equal the reference");
	ref_state(NREC, sha1, false, a, b);
	CHECK(memcmp(ima_replay_pcr(&rp, 0, IMA_MODE_PADDED, 10), a, 20) ==
	    0 && memcmp(ima_replay_pcr(&rp, 0, IMA_MODE_PER_BANK, 11), b,
	    20) == 0, "sha1 PCRs equal the reference in both modes");
	CHECK(rp.entries == NREC && rp.violations == 0 &&
	    rp.column_mismatches == 0 && rp.touched == (1u << 10 | 1u << 11),
	    "counters: 6 entries, PCRs 10 and 11 touched");
	ima_replay_free(&rp);
}

static void
test_prefixes(void)
{
	static struct pcr_set s;
	struct ima_replay rp;
	struct ima_bank_result r;
	size_t n;
	uint8_t bad[32];
	struct errbuf e;

	for (n = 0; n <= NREC; n++) {
		expect_state(&s, n, true, false);
		run(&s, &rp);
		ima_replay_result(&rp, 1, &r);
		CHECK(r.missing == 0 && r.matched[IMA_MODE_PER_BANK] &&
		    r.prefix[IMA_MODE_PER_BANK] == n &&
		    r.matched[IMA_MODE_PADDED] == (n == 0),
		    "state after %zu records: sha256 per-bank prefix %zu "
		    "(got %llu), padded only for the all-zero state", n, n,
		    (unsigned long long)r.prefix[IMA_MODE_PER_BANK]);
		ima_replay_result(&rp, 0, &r);
		CHECK(r.matched[IMA_MODE_PER_BANK] &&
		    r.matched[IMA_MODE_PADDED] &&
		    r.prefix[IMA_MODE_PADDED] == n,
		    "state after %zu records: sha1 matches in both modes", n);
		ima_replay_free(&rp);
	}

	expect_state(&s, 3, true, true);
	run(&s, &rp);
	ima_replay_result(&rp, 1, &r);
	CHECK(r.matched[IMA_MODE_PADDED] && r.prefix[IMA_MODE_PADDED] == 3 &&
	    !r.matched[IMA_MODE_PER_BANK],
	    "padded state after 3 records: padded mode, prefix 3");
	ima_replay_free(&rp);

	/* PCR 11 absent from the values: reported missing */
	expect_state(&s, NREC, false, false);
	run(&s, &rp);
	ima_replay_result(&rp, 1, &r);
	CHECK(r.missing == 1u << 11, "PCR 11 without a value is missing");
	ima_replay_free(&rp);

	/* State after 1 record but PCR 11 non-zero: PCR 11 was extended only
	 * later, so a non-zero value cannot match that prefix. */
	expect_state(&s, 1, true, false);
	memset(bad, 0x11, sizeof(bad));
	pcr_set_put(&s, sha256, 11, bad, &e);
	run(&s, &rp);
	ima_replay_result(&rp, 1, &r);
	CHECK(!r.matched[IMA_MODE_PER_BANK] && !r.matched[IMA_MODE_PADDED],
	    "a non-zero value for a PCR extended after the prefix: no match");
	ima_replay_free(&rp);
}

static void
test_init_errors(void)
{
	const struct hashalg *twice[2] = { sha1, sha1 };
	const struct hashalg *nine[9];
	struct ima_replay rp;
	struct errbuf e;
	size_t i;

	CHECK(ima_replay_init(&rp, twice, 2, IMA_REPLAY_BOTH, sha1, &e) == -1,
	    "a bank given twice is refused");
	for (i = 0; i < 9; i++)
		nine[i] = sha1;
	CHECK(ima_replay_init(&rp, nine, 9, IMA_REPLAY_BOTH, sha1, &e) == -1,
	    "more than IMA_REPLAY_MAX_BANKS banks are refused");
	CHECK(ima_replay_init(&rp, twice, 1, 0, sha1, &e) == -1,
	    "no mode is refused");
}

int
main(void)
{
	sha1 = hashalg_by_name("sha1");
	sha256 = hashalg_by_name("sha256");
	CHECK(load_list() == 0, "%s loads, 6 records", LOG);
	if (list == NULL)
		return check_finish();
	test_values();
	test_prefixes();
	test_init_errors();
	free(list);
	return check_finish();
}
