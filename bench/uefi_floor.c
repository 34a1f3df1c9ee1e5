/*
 * uefi_floor.c - what the UEFI judgement of dossier verify costs per
 * bundle (bench/batch.sh: the batch benchmark's "uefi.added_fraction").
 *
 *   uefi_floor [-n ITER] [-r RUNS] LOG PCRS
 *
 * LOG is the UEFI event log every bundle of the fleet carries (and every
 * device has as its reference event log), PCRS its replayed values ("ALG
 * PCR HEX" lines, gen_eventlog --pcrs). Each iteration does what
 * verify/judge_uefi.c does for one bundle: parse the log, draw its facts,
 * replay it into the sha1 and sha256 banks, compare the replay with the
 * quoted values, and pair its events with the reference log (parsed once
 * before, as the run's cache has it). The store, the result and the
 * container are not counted: the batch benchmark measures them.
 *
 * Prints one line: "uefi_us_per_bundle=X events=N" (X the best of RUNS
 * runs, default 3, of ITER iterations, default 2000). Exit 0, 1 on
 * failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/err.h"
#include "format/eventlog.h"
#include "format/eventlog_facts.h"
#include "policy/eventlog_policy.h"
#include "format/fileio.h"
#include "format/hashalg.h"
#include "format/pcr_set.h"

static void
die(const char *what, const char *why)
{
	fprintf(stderr, "uefi_floor: %s: %s\n", what, why);
	exit(1);
}

static double
now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void
count_diff(void *arg, const struct evlog_diff_item *d)
{
	(void)d;
	(*(size_t *)arg)++;
}

int
main(int argc, char **argv)
{
	const struct hashalg *banks[2];
	static struct pcr_set quoted;
	static struct evlog_facts facts;
	struct evlog log, ref;
	struct evlog_replay rp;
	struct evlog_pcr_cmp cmp;
	struct errbuf e;
	uint8_t *buf, *pbuf;
	size_t len, plen, diffs = 0;
	unsigned long iter = 2000, runs = 3, r, i;
	double best = 0, t0, us;
	int c;

	while ((c = getopt(argc, argv, "n:r:")) != -1) {
		switch (c) {
		case 'n': iter = strtoul(optarg, NULL, 10); break;
		case 'r': runs = strtoul(optarg, NULL, 10); break;
		default: die("usage", "uefi_floor [-n iter] [-r runs] LOG PCRS");
		}
	}
	if (argc - optind != 2 || iter == 0 || runs == 0)
		die("usage", "uefi_floor [-n iter] [-r runs] LOG PCRS");
	if (file_read(argv[optind], EVLOG_MAX_SIZE, &buf, &len, &e) == -1)
		die(argv[optind], e.msg);
	if (file_read(argv[optind + 1], PCR_FILE_MAX, &pbuf, &plen, &e) == -1 ||
	    pcr_set_parse(pbuf, plen, &quoted, NULL, &e) == -1)
		die(argv[optind + 1], e.msg);
	banks[0] = hashalg_by_name("sha1");
	banks[1] = hashalg_by_name("sha256");
	evlog_init(&log);
	evlog_init(&ref);
	memset(&rp, 0, sizeof(rp));
	if (evlog_parse(&ref, buf, len, &e) == -1)
		die("reference", e.msg);
	for (r = 0; r < runs; r++) {
		t0 = now_s();
		for (i = 0; i < iter; i++) {
			if (evlog_parse(&log, buf, len, &e) == -1)
				die("parse", e.msg);
			evlog_facts_get(&log, &facts);
			if (evlog_replay_run(&rp, &log, banks, 2, &e) == -1)
				die("replay", e.msg);
			evlog_replay_compare(&rp, &quoted, &cmp);
			if (cmp.mismatch)
				die("replay", "does not reach the PCR values");
			if (evlog_diff(&log, &ref, count_diff, &diffs, NULL,
			    &e) == -1)
				die("diff", e.msg);
		}
		us = (now_s() - t0) * 1e6 / (double)iter;
		if (r == 0 || us < best)
			best = us;
	}
	if (diffs != 0)
		die("diff", "the log differs from itself");
	printf("uefi_us_per_bundle=%.1f events=%zu\n", best, log.nevents);
	evlog_replay_free(&rp);
	evlog_free(&log);
	evlog_free(&ref);
	free(buf);
	free(pbuf);
	return 0;
}
