/*
 * test_spool.c - spool directories (spool/spool.h): names, opening,
 * idempotent delivery, two consumers racing for every claim (each file
 * won exactly once), crash leftovers in tmp/ cleaned, and a writer killed
 * at random points never leaving a torn file in new/.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spool/spool.h"
#include "tests/unit/check.h"

static char top[256];

static int
has(const struct errbuf *e, const char *s)
{
	if (strstr(e->msg, s) != NULL)
		return 1;
	printf("# message: %s\n", e->msg);
	return 0;
}

static void
path(char *out, size_t cap, const char *a, const char *b)
{
	snprintf(out, cap, "%s/%s%s%s", top, a, b ? "/" : "", b ? b : "");
}

static size_t
count_dir(const char *dir)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return (size_t)-1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
touch(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	if (f == NULL)
		exit(2);
	fputs(text, f);
	fclose(f);
}

/* ---- names ------------------------------------------------------------------ */

static void
test_names(void)
{
	uint8_t dev[32], uq[16], dev2[32], uq2[16];
	char name[SPOOL_NAME_MAX + 1], bad[SPOOL_NAME_MAX + 8];
	enum spool_kind k;
	struct errbuf e;
	size_t i;
	bool hd;

	memset(dev, 0xab, sizeof(dev));
	memset(uq, 0x01, sizeof(uq));
	strcpy(bad, "evidence-");
	for (i = 0; i < 32; i++)
		strcat(bad, "ab");
	strcat(bad, "-01010101010101010101010101010101.dbundle");
	CHECK(spool_make_name(SPOOL_EVIDENCE, dev, uq, name, &e) == 0 &&
	    strcmp(name, bad) == 0, "name: evidence, device and id: %s", name);
	CHECK(spool_name_valid(name, &k) && k == SPOOL_EVIDENCE,
	    "name: valid, kind evidence");
	CHECK(spool_name_parse(name, &k, dev2, &hd, uq2) == 0 && hd &&
	    memcmp(dev2, dev, 32) == 0 && memcmp(uq2, uq, 16) == 0,
	    "name: parsed back to device and id");
	CHECK(spool_make_name(SPOOL_CHALLENGE, NULL, uq, name, &e) == 0 &&
	    strcmp(name, "challenge-unknown-01010101010101010101010101010101"
	    ".dchal") == 0, "name: unknown device");
	CHECK(spool_name_parse(name, &k, dev2, &hd, uq2) == 0 && !hd &&
	    k == SPOOL_CHALLENGE, "name: unknown device parsed");
	CHECK(spool_make_name(SPOOL_RESULTS, dev, NULL, name, &e) == 0 &&
	    spool_name_valid(name, &k) && k == SPOOL_RESULTS &&
	    strlen(name) == strlen("results-") + 64 + 1 + 32 + 5,
	    "name: random unique, valid: %s", name);
	{
		char other[SPOOL_NAME_MAX + 1];

		CHECK(spool_make_name(SPOOL_RESULTS, dev, NULL, other, &e) ==
		    0 && strcmp(other, name) != 0, "name: random ids differ");
	}
	CHECK(strlen(name) <= SPOOL_NAME_MAX, "name: within SPOOL_NAME_MAX");
	CHECK(spool_make_name((enum spool_kind)7, dev, uq, name, &e) == -1 &&
	    has(&e, "unknown file kind"), "name: unknown kind refused");

	spool_make_name(SPOOL_EVIDENCE, dev, uq, name, &e);
	strcpy(bad, name);
	bad[10] = 'A';
	CHECK(!spool_name_valid(bad, NULL), "name: uppercase hex refused");
	strcpy(bad, name);
	strcpy(bad + strlen(bad) - 7, "dchal");
	CHECK(!spool_name_valid(bad, NULL), "name: extension of another kind");
	snprintf(bad, sizeof(bad), "%s.tmp", name);
	CHECK(!spool_name_valid(bad, NULL), "name: trailing suffix refused");
	strcpy(bad, name);
	bad[9 + 64] = '_';
	CHECK(!spool_name_valid(bad, NULL), "name: separator checked");
	strcpy(bad, name);
	memmove(bad + 20, bad + 21, strlen(bad + 21) + 1);
	CHECK(!spool_name_valid(bad, NULL), "name: short device id refused");
	CHECK(!spool_name_valid("evidence-unknown-0101.dbundle", NULL),
	    "name: short unique refused");
	CHECK(!spool_name_valid("../evidence-unknown-"
	    "01010101010101010101010101010101.dbundle", NULL),
	    "name: path refused");
	CHECK(!spool_name_valid("bundle-unknown-"
	    "01010101010101010101010101010101.dbundle", NULL),
	    "name: unknown kind word refused");
	CHECK(!spool_name_valid("", NULL) && !spool_name_valid(NULL, NULL),
	    "name: empty refused");
	CHECK(spool_kind_by_name("results", &k) == 0 && k == SPOOL_RESULTS &&
	    spool_kind_by_name("result", &k) == -1, "kind by name");
	CHECK(strcmp(spool_kind_ext(SPOOL_CHALLENGE), "dchal") == 0 &&
	    strcmp(spool_kind_name(SPOOL_EVIDENCE), "evidence") == 0,
	    "kind names and extensions");
	CHECK(spool_kind_by_name("ear", &k) == 0 && k == SPOOL_EAR &&
	    strcmp(spool_kind_ext(SPOOL_EAR), "ear") == 0 &&
	    spool_name_valid("ear-unknown-"
	    "01010101010101010101010101010101.ear", &k) && k == SPOOL_EAR &&
	    !spool_name_valid("ear-unknown-"
	    "01010101010101010101010101010101.dres", NULL),
	    "kind ear: EAR CWTs, extension ear, no other");
}

/* ---- opening ------------------------------------------------------------------ */

static void
test_open(void)
{
	char p[512], q[512];
	struct spool sp;
	struct errbuf e;

	path(p, sizeof(p), "missing", NULL);
	CHECK(spool_open(p, false, &sp, &e) == -1 && has(&e, p) &&
	    has(&e, "No such file"), "open: missing spool refused, named");
	CHECK(spool_open(p, true, &sp, &e) == 0 && spool_is_spool(p),
	    "open: created with tmp/ new/ cur/");
	CHECK(spool_open(p, false, &sp, &e) == 0 && strcmp(sp.dir, p) == 0,
	    "open: existing spool");
	path(p, sizeof(p), "notspool", NULL);
	mkdir(p, 0700);
	path(q, sizeof(q), "notspool", "file");
	touch(q, "x");
	CHECK(spool_open(p, false, &sp, &e) == -1 && has(&e, "not a spool"),
	    "open: directory without tmp/new/cur refused");
	CHECK(spool_open(p, true, &sp, &e) == -1 && has(&e, "not empty") &&
	    !spool_is_spool(p), "open: non-empty directory not made a spool");
	path(p, sizeof(p), "empty", NULL);
	mkdir(p, 0700);
	CHECK(spool_open(p, true, &sp, &e) == 0 && spool_is_spool(p),
	    "open: empty directory made a spool");
	CHECK(spool_open(q, true, &sp, &e) == -1 && has(&e, "not a directory"),
	    "open: a file refused");

	/* Another program is making the same spool: new/ exists already. */
	path(p, sizeof(p), "racing", NULL);
	mkdir(p, 0700);
	path(q, sizeof(q), "racing", "new");
	mkdir(q, 0700);
	CHECK(spool_open(p, true, &sp, &e) == 0 && spool_is_spool(p),
	    "open: a half-made spool (only new/) is completed");
	path(p, sizeof(p), "halfjunk", NULL);
	mkdir(p, 0700);
	path(q, sizeof(q), "halfjunk", "new");
	mkdir(q, 0700);
	path(q, sizeof(q), "halfjunk", "cur");
	touch(q, "x");
	CHECK(spool_open(p, true, &sp, &e) == -1 && has(&e, "not empty") &&
	    !spool_is_spool(p), "open: cur as a file is not a half-made spool");
}

/* ---- delivery ------------------------------------------------------------------ */

static void
test_deliver(void)
{
	char p[512], name[SPOOL_NAME_MAX + 1], cpath[1024];
	uint8_t uq[16], dev[32];
	char **names;
	size_t n, ign;
	struct spool sp;
	struct errbuf e;
	struct stat st;
	bool existed, won;

	memset(dev, 0x11, sizeof(dev));
	memset(uq, 0x22, sizeof(uq));
	path(p, sizeof(p), "deliver", NULL);
	if (spool_open(p, true, &sp, &e) != 0)
		exit(2);
	spool_make_name(SPOOL_EVIDENCE, dev, uq, name, &e);
	CHECK(spool_deliver(&sp, name, (const uint8_t *)"first", 5, &existed,
	    &e) == 0 && !existed, "deliver: written");
	spool_path(&sp, false, name, cpath, sizeof(cpath), &e);
	CHECK(stat(cpath, &st) == 0 && st.st_size == 5 &&
	    (st.st_mode & 0777) == 0600, "deliver: in new/, 5 bytes, 0600");
	CHECK(spool_deliver(&sp, name, (const uint8_t *)"second", 6, &existed,
	    &e) == 0 && existed && stat(cpath, &st) == 0 && st.st_size == 5,
	    "deliver: same name again: existed, first kept");
	path(p, sizeof(p), "deliver", "tmp");
	CHECK(count_dir(p) == 0, "deliver: nothing left in tmp/");
	CHECK(spool_claim(&sp, name, &won, &e) == 0 && won,
	    "claim: won");
	CHECK(spool_deliver(&sp, name, (const uint8_t *)"third", 5, &existed,
	    &e) == 0 && existed, "deliver: same name while claimed: existed");
	CHECK(spool_list(&sp, false, &names, &n, &e) == 0 && n == 0,
	    "deliver: claimed name not redelivered into new/");
	spool_names_free(names, n);
	CHECK(spool_list(&sp, true, &names, &n, &e) == 0 && n == 1 &&
	    strcmp(names[0], name) == 0, "list cur/: the claim");
	spool_names_free(names, n);
	CHECK(spool_done(&sp, name, &e) == 0 &&
	    spool_list(&sp, true, &names, &n, &e) == 0 && n == 0,
	    "done: claim removed");
	spool_names_free(names, n);
	CHECK(spool_done(&sp, name, &e) == -1 && has(&e, "cur/"),
	    "done: twice is an error naming the file");
	CHECK(spool_claim(&sp, name, &won, &e) == 0 && !won,
	    "claim: gone file not won");

	CHECK(spool_deliver(&sp, "evidence-x.dbundle", (const uint8_t *)"x",
	    1, &existed, &e) == -1 && has(&e, "not a spool file name"),
	    "deliver: invalid name refused");
	CHECK(spool_deliver(&sp, name, (const uint8_t *)"x",
	    SPOOL_FILE_MAX + 1, &existed, &e) == -1 && has(&e, "limit"),
	    "deliver: oversized refused");

	/* A file the writer made itself in tmp/. */
	{
		char tp[1024];

		memset(uq, 0x44, sizeof(uq));
		spool_make_name(SPOOL_EVIDENCE, dev, uq, name, &e);
		CHECK(spool_tmp_path(&sp, name, tp, sizeof(tp), &e) == 0 &&
		    strstr(tp, "/tmp/evidence-") != NULL, "tmp path in tmp/");
		touch(tp, "own");
		CHECK(spool_deliver_tmp(&sp, tp, name, &existed, &e) == 0 &&
		    !existed && access(tp, F_OK) != 0,
		    "deliver_tmp: moved into new/");
		spool_path(&sp, false, name, cpath, sizeof(cpath), &e);
		CHECK(stat(cpath, &st) == 0 && st.st_size == 3,
		    "deliver_tmp: complete in new/");
		spool_tmp_path(&sp, name, tp, sizeof(tp), &e);
		touch(tp, "again");
		CHECK(spool_deliver_tmp(&sp, tp, name, &existed, &e) == 0 &&
		    existed && access(tp, F_OK) != 0 && stat(cpath, &st) == 0 &&
		    st.st_size == 3, "deliver_tmp: existed, tmp removed, first "
		    "kept");
		path(tp, sizeof(tp), "elsewhere", NULL);
		touch(tp, "x");
		CHECK(spool_deliver_tmp(&sp, tp, name, &existed, &e) == -1 &&
		    has(&e, "not in its tmp/"), "deliver_tmp: outside tmp/ "
		    "refused");
		spool_path(&sp, false, name, cpath, sizeof(cpath), &e);
		unlink(cpath);
	}

	/* Many at once: existed per file, nothing left in tmp/. */
	{
		struct spool_file fl[3];
		char nm[3][SPOOL_NAME_MAX + 1], *done[2];
		char tdir[512];
		size_t k;

		for (k = 0; k < 3; k++) {
			memset(uq, 0x50 + (int)k, sizeof(uq));
			spool_make_name(SPOOL_RESULTS, dev, uq, nm[k], &e);
			fl[k].name = nm[k];
			fl[k].data = (const uint8_t *)"many";
			fl[k].len = 4;
		}
		spool_deliver(&sp, nm[1], (const uint8_t *)"one", 3, &existed,
		    &e);
		CHECK(spool_deliver_many(&sp, fl, 3, &e) == 0 &&
		    !fl[0].existed && fl[1].existed && !fl[2].existed,
		    "deliver_many: two written, one existed");
		spool_path(&sp, false, nm[1], cpath, sizeof(cpath), &e);
		CHECK(stat(cpath, &st) == 0 && st.st_size == 3,
		    "deliver_many: the existing file kept");
		spool_path(&sp, false, nm[2], cpath, sizeof(cpath), &e);
		CHECK(stat(cpath, &st) == 0 && st.st_size == 4,
		    "deliver_many: a new file complete in new/");
		path(tdir, sizeof(tdir), "deliver", "tmp");
		CHECK(count_dir(tdir) == 0, "deliver_many: nothing in tmp/");
		fl[0].len = SPOOL_FILE_MAX + 1;
		CHECK(spool_deliver_many(&sp, fl, 3, &e) == -1 &&
		    has(&e, "limit") && count_dir(tdir) == 0,
		    "deliver_many: oversized refused, no tmp/ file left");
		spool_claim(&sp, nm[0], &won, &e);
		spool_claim(&sp, nm[2], &won, &e);
		done[0] = nm[0];
		done[1] = nm[2];
		CHECK(spool_done_many(&sp, done, 2, &e) == 0 &&
		    spool_list(&sp, true, &names, &n, &e) == 0 && n == 0,
		    "done_many: both claims finished");
		spool_names_free(names, n);
		CHECK(spool_done_many(&sp, done, 1, &e) == -1 &&
		    has(&e, "cur/"), "done_many: a missing claim is an error");
		spool_path(&sp, false, nm[1], cpath, sizeof(cpath), &e);
		unlink(cpath);
	}

	/* Foreign files are ignored and counted; names come sorted. */
	path(p, sizeof(p), "deliver", "new/README");
	touch(p, "hello");
	path(p, sizeof(p), "deliver", "new/.hidden");
	touch(p, "hello");
	memset(uq, 0x33, sizeof(uq));
	spool_make_name(SPOOL_EVIDENCE, dev, uq, name, &e);
	spool_deliver(&sp, name, (const uint8_t *)"b", 1, &existed, &e);
	memset(uq, 0x00, sizeof(uq));
	spool_make_name(SPOOL_EVIDENCE, dev, uq, name, &e);
	spool_deliver(&sp, name, (const uint8_t *)"a", 1, &existed, &e);
	CHECK(spool_list_all(&sp, false, &names, &n, &ign, &e) == 0 &&
	    n == 2 && ign == 2 && strcmp(names[0], name) == 0 &&
	    strcmp(names[0], names[1]) < 0,
	    "list: sorted, foreign files ignored (%zu)", ign);
	spool_names_free(names, n);

	/* A second copy in new/ of a name claimed in cur/ is dropped. */
	CHECK(spool_claim(&sp, name, &won, &e) == 0 && won, "claim: again");
	path(p, sizeof(p), "deliver", "new/");
	strcat(p, name);
	touch(p, "dup");
	CHECK(spool_claim(&sp, name, &won, &e) == 0 && !won &&
	    stat(p, &st) != 0, "claim: duplicate of a claim dropped from new/");
	spool_path(&sp, true, name, cpath, sizeof(cpath), &e);
	CHECK(stat(cpath, &st) == 0 && st.st_size == 1,
	    "claim: the claim in cur/ kept");
}

/* ---- two consumers ---------------------------------------------------------- */

#define RACE_FILES	200

static void
consume(const struct spool *sp, const char *log, int gate)
{
	char **names;
	size_t n, i;
	struct errbuf e;
	bool won;
	FILE *f;
	char c;

	(void)read(gate, &c, 1);	/* both start when the gate closes */
	if ((f = fopen(log, "w")) == NULL ||
	    spool_list(sp, false, &names, &n, &e) != 0)
		_exit(3);
	for (i = 0; i < n; i++) {
		if (spool_claim(sp, names[i], &won, &e) != 0)
			_exit(4);
		if (won)
			fprintf(f, "%s\n", names[i]);
	}
	fclose(f);
	_exit(0);
}

static size_t
lines(const char *file, char seen[RACE_FILES], const char *prefix)
{
	char buf[256];
	size_t n = 0;
	unsigned v;
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		/* unique = 16 bytes; the first four carry the index */
		if (sscanf(buf + strlen(prefix), "%8x", &v) == 1 &&
		    v < RACE_FILES)
			seen[v]++;
		n++;
	}
	fclose(f);
	return n;
}

static void
test_race(void)
{
	char p[512], log1[512], log2[512], name[SPOOL_NAME_MAX + 1];
	char seen[RACE_FILES];
	uint8_t uq[16];
	struct spool sp;
	struct errbuf e;
	size_t i, n1, n2, once = 0;
	pid_t a, b;
	int st1, st2, gate[2];
	bool existed;

	path(p, sizeof(p), "race", NULL);
	if (spool_open(p, true, &sp, &e) != 0)
		exit(2);
	memset(uq, 0, sizeof(uq));
	for (i = 0; i < RACE_FILES; i++) {
		uq[0] = (uint8_t)(i >> 24);
		uq[1] = (uint8_t)(i >> 16);
		uq[2] = (uint8_t)(i >> 8);
		uq[3] = (uint8_t)i;
		spool_make_name(SPOOL_EVIDENCE, NULL, uq, name, &e);
		if (spool_deliver(&sp, name, (const uint8_t *)"x", 1,
		    &existed, &e) != 0)
			exit(2);
	}
	path(log1, sizeof(log1), "race1.log", NULL);
	path(log2, sizeof(log2), "race2.log", NULL);
	fflush(stdout);
	if (pipe(gate) != 0)
		exit(2);
	if ((a = fork()) == 0) {
		close(gate[1]);
		consume(&sp, log1, gate[0]);
	}
	if ((b = fork()) == 0) {
		close(gate[1]);
		consume(&sp, log2, gate[0]);
	}
	close(gate[0]);
	close(gate[1]);
	waitpid(a, &st1, 0);
	waitpid(b, &st2, 0);
	CHECK(WIFEXITED(st1) && WEXITSTATUS(st1) == 0 && WIFEXITED(st2) &&
	    WEXITSTATUS(st2) == 0, "race: both consumers ran");
	memset(seen, 0, sizeof(seen));
	n1 = lines(log1, seen, "evidence-unknown-");
	n2 = lines(log2, seen, "evidence-unknown-");
	for (i = 0; i < RACE_FILES; i++)
		once += seen[i] == 1;
	CHECK(n1 + n2 == RACE_FILES && once == RACE_FILES,
	    "race: every file claimed exactly once (%zu + %zu)", n1, n2);
	path(p, sizeof(p), "race", "cur");
	CHECK(count_dir(p) == RACE_FILES, "race: all in cur/");
	path(p, sizeof(p), "race", "new");
	CHECK(count_dir(p) == 0, "race: none left in new/");
}

/* ---- crashes ------------------------------------------------------------------ */

static void
test_clean_tmp(void)
{
	char p[512], old[512], fresh[512];
	struct timeval tv[2];
	struct spool sp;
	struct errbuf e;
	unsigned removed;
	time_t now = time(NULL);

	path(p, sizeof(p), "clean", NULL);
	if (spool_open(p, true, &sp, &e) != 0)
		exit(2);
	path(old, sizeof(old), "clean", "tmp/evidence-x.1.aa");
	path(fresh, sizeof(fresh), "clean", "tmp/evidence-y.2.bb");
	touch(old, "half");
	touch(fresh, "half");
	tv[0].tv_sec = tv[1].tv_sec = now - 7200;
	tv[0].tv_usec = tv[1].tv_usec = 0;
	utimes(old, tv);
	CHECK(spool_clean_tmp(&sp, now, 3600, &removed, &e) == 0 &&
	    removed == 1 && access(old, F_OK) != 0 && access(fresh, F_OK) == 0,
	    "clean: leftover older than the age removed, fresh one kept");
}

#define TORN_SIZE	(1u << 20)

/* Deliver big files of a known pattern until killed. */
static void
writer(const struct spool *sp, uint8_t *buf)
{
	char name[SPOOL_NAME_MAX + 1];
	struct errbuf e;
	bool existed;

	for (;;) {
		if (spool_make_name(SPOOL_EVIDENCE, NULL, NULL, name, &e) != 0 ||
		    spool_deliver(sp, name, buf, TORN_SIZE, &existed, &e) != 0)
			_exit(3);
	}
}

static bool
complete(const char *file, const uint8_t *want)
{
	uint8_t *got;
	size_t n;
	FILE *f;
	bool ok;

	if ((f = fopen(file, "rb")) == NULL)
		return errno == ENOENT;
	got = malloc(TORN_SIZE + 1);
	n = fread(got, 1, TORN_SIZE + 1, f);
	fclose(f);
	ok = n == TORN_SIZE && memcmp(got, want, TORN_SIZE) == 0;
	free(got);
	return ok;
}

static void
test_torn(void)
{
	char p[512], f[1024];
	struct spool sp;
	struct errbuf e;
	uint8_t *buf;
	char **names;
	size_t n, i, total = 0, bad = 0;
	unsigned removed, round;
	pid_t w;

	path(p, sizeof(p), "torn", NULL);
	if (spool_open(p, true, &sp, &e) != 0 ||
	    (buf = malloc(TORN_SIZE)) == NULL)
		exit(2);
	for (i = 0; i < TORN_SIZE; i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 12));
	srand(1);
	for (round = 0; round < 8; round++) {
		fflush(stdout);
		if ((w = fork()) == 0)
			writer(&sp, buf);
		/* Look at new/ while the writer works, then kill it. */
		usleep((useconds_t)(5000 + rand() % 40000));
		if (spool_list(&sp, false, &names, &n, &e) == 0) {
			for (i = 0; i < n; i++) {
				spool_path(&sp, false, names[i], f,
				    sizeof(f), &e);
				bad += !complete(f, buf);
			}
			spool_names_free(names, n);
		}
		kill(w, SIGKILL);
		waitpid(w, NULL, 0);
	}
	CHECK(spool_list(&sp, false, &names, &n, &e) == 0 && n > 0,
	    "torn: writers delivered %zu files", n);
	for (i = 0; i < n; i++) {
		spool_path(&sp, false, names[i], f, sizeof(f), &e);
		total++;
		bad += !complete(f, buf);
	}
	spool_names_free(names, n);
	CHECK(bad == 0, "torn: every file seen in new/ complete (%zu checked "
	    "after the kills)", total);
	path(p, sizeof(p), "torn", "tmp");
	n = count_dir(p);
	CHECK(spool_clean_tmp(&sp, time(NULL) + 10, 0, &removed, &e) == 0 &&
	    removed == n && count_dir(p) == 0,
	    "torn: %u leftovers of killed writers cleaned from tmp/", removed);
	free(buf);
}

static void
test_lock(void)
{
	char p[512];
	struct spool sp;
	struct errbuf e;
	int fd, fd2, st;
	pid_t c;

	path(p, sizeof(p), "lock", NULL);
	if (spool_open(p, true, &sp, &e) != 0)
		exit(2);
	CHECK(spool_lock(&sp, &fd, &e) == 0 && fd >= 0, "lock: taken");
	fflush(stdout);
	if ((c = fork()) == 0)
		_exit(spool_lock(&sp, &fd2, &e) == -1 &&
		    strstr(e.msg, "another consumer") != NULL ? 0 : 1);
	waitpid(c, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "lock: a second consumer refused");
	spool_unlock(fd);
	CHECK(spool_lock(&sp, &fd, &e) == 0, "lock: free again after unlock");
	spool_unlock(fd);
}

int
main(void)
{
	char cmd[300];

	snprintf(top, sizeof(top), "%s/test_spool.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(top) == NULL)
		return 2;
	test_names();
	test_open();
	test_deliver();
	test_race();
	test_clean_tmp();
	test_torn();
	test_lock();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", top);
	return check_finish();
}
