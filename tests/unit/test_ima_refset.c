/*
 * test_ima_refset.c - reference sets (policy/ima_refset.h): every builder
 * (real IMA logs binary and text, a directory tree made here, sum lists),
 * seal and merge, the three lookups, union and difference, limits and
 * rollback. Expected digests come from one-shot hashalg_digest() or from
 * the logs' own text, not from the code under test.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "policy/ima_refset.h"
#include "tests/unit/check.h"

static const struct hashalg *sha1, *sha256, *sha384, *sha512;

static struct refset *
new_set(const char *name)
{
	struct refset *s = NULL;
	struct errbuf e = { "" };

	if (refset_new(name, &s, &e) == -1) {
		printf("# %s\n", e.msg);
		exit(1);
	}
	return s;
}

static int
add_sums(struct refset *s, const char *text, bool sha1_ok, struct errbuf *e)
{
	return refset_add_sums(s, (const uint8_t *)text, strlen(text),
	    "SUMS", sha1_ok, "sums SUMS", e);
}

static void
hexto(const char *hex, uint8_t *out)
{
	size_t i;
	unsigned v;

	for (i = 0; hex[2 * i] != '\0'; i++) {
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void
test_names(void)
{
	struct refset *s = NULL;
	struct errbuf e = { "" };

	CHECK(refset_new("golden-1.2_x", &s, &e) == 0, "name accepted");
	refset_free(s);
	CHECK(refset_new(".hidden", &s, &e) == -1 && s == NULL,
	    "leading dot refused");
	CHECK(refset_new("a/b", &s, &e) == -1, "slash refused");
	CHECK(refset_new("", &s, &e) == -1, "empty name refused");
	CHECK(refset_new("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	    &s, &e) == -1, "65-byte name refused");
}

#define H64A "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
#define H64B "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

static void
test_sums(void)
{
	struct refset *s = new_set("sums");
	struct errbuf e = { "" };
	const struct refset_entry *en;
	uint8_t a[32], b[32], d512[64];
	size_t k;
	char line[600], big[129];

	memset(big, 0, sizeof(big));
	memset(big, 'a', 128);
	for (k = 0; k < 128; k += 2)
		big[k + 1] = 'b';
	hexto(H64A, a);
	hexto(H64B, b);
	memset(d512, 0xab, sizeof(d512));
	snprintf(line, sizeof(line),
	    H64A "  /usr/bin/a\n"
	    H64B " *./usr/bin/b\n"
	    "\\" H64A "  /usr/bin/new\\nline\\\\x\n"
	    H64A "  usr/lib/rel\r\n"
	    "\n"
	    "%s  /usr/bin/big\n", big);
	CHECK(add_sums(s, line, false, &e) == 0, "sum list read (%s)",
	    e.msg);
	CHECK(refset_seal(s, &e) == 0, "sealed");
	CHECK(refset_count(s) == 5, "five entries (%zu)", refset_count(s));
	k = refset_find_exact(s, "/usr/bin/a", 10, sha256, a);
	CHECK(k != SIZE_MAX, "plain line found");
	k = refset_find_exact(s, "/usr/bin/b", 10, sha256, b);
	CHECK(k != SIZE_MAX, "binary marker and ./ prefix: /usr/bin/b");
	k = refset_find_exact(s, "/usr/bin/new\nline\\x", 19, sha256, a);
	CHECK(k != SIZE_MAX, "escaped name unescaped");
	k = refset_find_exact(s, "/usr/lib/rel", 12, sha256, a);
	CHECK(k != SIZE_MAX, "relative path made absolute, CR dropped");
	k = refset_find_exact(s, "/usr/bin/big", 12, sha512, d512);
	CHECK(k != SIZE_MAX, "128 hex digits: sha512");
	en = refset_entry(s, k);
	CHECK(en != NULL && en->count == 1 &&
	    strcmp(refset_source(s, en->source), "sums SUMS") == 0,
	    "count 1 and provenance");
	CHECK(refset_find_exact(s, "/usr/bin/a", 10, sha256, b) == SIZE_MAX,
	    "other digest not exact");
	refset_free(s);

	s = new_set("bad");
	CHECK(add_sums(s, "d41d8cd98f00b204e9800998ecf8427e  /x\n", false,
	    &e) == -1 && strstr(e.msg, "MD5") && strstr(e.msg, "line 1"),
	    "MD5 refused (%s)", e.msg);
	CHECK(add_sums(s, "da39a3ee5e6b4b0d3255bfef95601890afd80709  /x\n",
	    false, &e) == -1 && strstr(e.msg, "SHA-1"),
	    "SHA-1 refused by default (%s)", e.msg);
	CHECK(add_sums(s, H64A " /x\n", false, &e) == -1,
	    "one space refused");
	CHECK(add_sums(s, H64A "  \n", false, &e) == -1, "empty path refused");
	CHECK(add_sums(s, "\\" H64A "  /a\\q\n", false, &e) == -1,
	    "bad escape refused");
	CHECK(add_sums(s, "SHA256 (/x) = " H64A "\n", false, &e) == -1,
	    "tagged form refused, not misread");
	CHECK(add_sums(s, H64A "  /ok\n" H64A "0  /bad\n", false, &e) == -1 &&
	    strstr(e.msg, "line 2"), "line named (%s)", e.msg);
	CHECK(refset_nsources(s) == 0, "failed adds leave no provenance");
	CHECK(add_sums(s, "da39a3ee5e6b4b0d3255bfef95601890afd80709  /x\n",
	    true, &e) == 0, "SHA-1 when allowed");
	CHECK(refset_seal(s, &e) == 0 && refset_count(s) == 1,
	    "rolled back: only the SHA-1 entry (%zu)", refset_count(s));
	CHECK(refset_entry(s, 0)->alg == sha1, "sha1 entry");
	CHECK(add_sums(s, H64A "  /x\n", false, &e) == -1,
	    "sealed set refuses adds");
	refset_free(s);
}

static void
write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd == -1 || write(fd, data, len) != (ssize_t)len) {
		printf("# cannot write %s\n", path);
		exit(1);
	}
	close(fd);
}

static void
test_tree(void)
{
	char root[] = "/tmp/refset-tree-XXXXXX", p[256];
	const struct hashalg *algs[2];
	struct refset *s = new_set("tree");
	struct errbuf e = { "" };
	uint8_t d[HASHALG_MAX_SIZE], *big;
	size_t bigsz = 200000, i;

	if (mkdtemp(root) == NULL)
		exit(1);
	big = malloc(bigsz);
	for (i = 0; i < bigsz; i++)
		big[i] = (uint8_t)(i * 7);
	snprintf(p, sizeof(p), "%s/usr", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin/tool", root);
	write_file(p, (const char *)big, bigsz);
	snprintf(p, sizeof(p), "%s/empty", root);
	write_file(p, "", 0);
	snprintf(p, sizeof(p), "%s/link", root);
	if (symlink("usr/bin/tool", p) == -1)
		exit(1);
	snprintf(p, sizeof(p), "%s/fifo", root);
	mkfifo(p, 0644);

	algs[0] = sha256;
	algs[1] = sha384;
	CHECK(refset_add_tree(s, root, algs, 2, "tree golden", &e) == 0,
	    "tree read (%s)", e.msg);
	CHECK(refset_seal(s, &e) == 0, "sealed");
	CHECK(refset_count(s) == 4, "two files x two algorithms, no link, "
	    "no fifo (%zu)", refset_count(s));
	hashalg_digest(sha256, big, bigsz, d);
	CHECK(refset_find_exact(s, "/usr/bin/tool", 13, sha256, d) !=
	    SIZE_MAX, "sha256 of a file read in chunks");
	hashalg_digest(sha384, big, bigsz, d);
	CHECK(refset_find_exact(s, "/usr/bin/tool", 13, sha384, d) !=
	    SIZE_MAX, "sha384 in the same read");
	hashalg_digest(sha256, "", 0, d);
	CHECK(refset_find_exact(s, "/empty", 6, sha256, d) != SIZE_MAX,
	    "empty file");
	CHECK(refset_find_path(s, "/link", 5) == SIZE_MAX,
	    "symbolic link not followed");
	refset_free(s);

	s = new_set("tree2");
	CHECK(refset_add_tree(s, "/nonexistent/tree", algs, 1, "t", &e) ==
	    -1 && strstr(e.msg, "/nonexistent/tree"), "missing root named "
	    "(%s)", e.msg);
	algs[1] = sha256;
	CHECK(refset_add_tree(s, root, algs, 2, "t", &e) == -1,
	    "algorithm twice refused");
	if (geteuid() != 0) {
		snprintf(p, sizeof(p), "%s/usr/bin/tool", root);
		chmod(p, 0);
		CHECK(refset_add_tree(s, root, algs, 1, "t", &e) == -1 &&
		    strstr(e.msg, "/usr/bin/tool"),
		    "unreadable file named (%s)", e.msg);
		CHECK(refset_nsources(s) == 0, "rolled back");
		chmod(p, 0644);
	}
	refset_free(s);
	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	if (system(p) != 0)
		printf("# could not remove %s\n", root);
	free(big);
}

/*
 * Every "PCR COLUMN ima-ng ALG:HEX PATH" line of a text log, parsed here
 * with sscanf: each must be in the set, and the multiplicities must add up
 * to the number of lines other than boot_aggregate.
 */
static bool
text_lines_in(const struct refset *s, const uint8_t *buf, size_t len,
    size_t *lines)
{
	char *txt = malloc(len + 1), *line, *save = NULL;
	char alg[16], hex[2 * HASHALG_MAX_SIZE + 1], path[4097];
	uint8_t d[HASHALG_MAX_SIZE];
	const struct hashalg *a;
	bool ok = true;

	memcpy(txt, buf, len);
	txt[len] = '\0';
	*lines = 0;
	for (line = strtok_r(txt, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (sscanf(line, "%*u %*s ima-ng %15[^:]:%128s %4096s", alg,
		    hex, path) != 3) {
			ok = false;
			break;
		}
		if (strcmp(path, "boot_aggregate") == 0)
			continue;
		(*lines)++;
		a = hashalg_by_name(alg);
		hexto(hex, d);
		if (a == NULL || refset_find_exact(s, path, strlen(path), a, d)
		    == SIZE_MAX) {
			printf("# not found: %s\n", line);
			ok = false;
			break;
		}
	}
	free(txt);
	return ok;
}

static uint64_t
count_sum(const struct refset *s)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < refset_count(s); i++)
		sum += refset_entry(s, i)->count;
	return sum;
}

static bool
sorted_unique(const struct refset *s)
{
	const struct refset_entry *a, *b;
	size_t i, n;
	int c;

	for (i = 1; i < refset_count(s); i++) {
		a = refset_entry(s, i - 1);
		b = refset_entry(s, i);
		n = a->path_len < b->path_len ? a->path_len : b->path_len;
		c = memcmp(a->path, b->path, n);
		if (c == 0 && a->path_len != b->path_len)
			c = a->path_len < b->path_len ? -1 : 1;
		if (c == 0)
			c = strcmp(a->alg->name, b->alg->name);
		if (c == 0)
			c = memcmp(a->digest, b->digest, a->alg->size);
		if (c >= 0)
			return false;
	}
	return true;
}

/* Records of a binary log that count, and whether each is in the set. */
static bool
binary_records_in(const struct refset *s, const uint8_t *buf, size_t len,
    size_t *counted)
{
	struct ima_parser p;
	struct ima_record rec;
	size_t off = 0, need;

	*counted = 0;
	ima_parser_init(&p, sha1, IMA_ORDER_UNKNOWN);
	while (off < len && ima_parse_record(&p, buf + off, len - off, &rec,
	    &need, NULL) == IMA_PARSE_RECORD) {
		off += rec.size;
		if (!refset_record_counts(&rec))
			continue;
		(*counted)++;
		if (refset_find_exact(s, rec.path, rec.path_len, rec.file_alg,
		    rec.file_digest) == SIZE_MAX)
			return false;
	}
	return off == len;
}

static void
test_logs(void)
{
	struct refset *s, *t;
	struct errbuf e = { "" };
	uint8_t *bin = NULL, *txt = NULL, d[20];
	size_t binlen, txtlen, lines;

	if (file_read("testdata/ima/charra/binary_runtime_measurements",
	    1u << 24, &bin, &binlen, &e) == -1 ||
	    file_read("testdata/ima/charra/ascii_runtime_measurements",
	    1u << 24, &txt, &txtlen, &e) == -1) {
		printf("# %s\n", e.msg);
		exit(1);
	}
	s = new_set("charra-bin");
	t = new_set("charra-txt");
	CHECK(refset_add_ima_log(s, bin, binlen, sha1, "charra.bin",
	    "bundle charra", &e) == 0, "binary log read (%s)", e.msg);
	CHECK(refset_add_ima_log(t, txt, txtlen, sha1, "charra.txt",
	    "bundle charra", &e) == 0, "ascii log read (%s)", e.msg);
	CHECK(refset_seal(s, &e) == 0 && refset_seal(t, &e) == 0, "sealed");
	CHECK(sorted_unique(s) && sorted_unique(t), "sorted, no duplicates");
	CHECK(binary_records_in(s, bin, binlen, &lines) && lines > 1000 &&
	    count_sum(s) == lines, "every counting binary record in the set, "
	    "multiplicities add up (%zu)", lines);
	CHECK(text_lines_in(t, txt, txtlen, &lines) && count_sum(t) == lines,
	    "every text line in the text set, multiplicities add up (%zu)",
	    lines);
	CHECK(refset_find_path(s, "boot_aggregate", 14) == SIZE_MAX,
	    "boot_aggregate is not a reference entry");
	CHECK(strcmp(refset_source(s, refset_entry(s, 0)->source),
	    "bundle charra") == 0, "provenance recorded");
	refset_free(t);

	free(txt);
	if (file_read("testdata/ima/keylime/ascii_runtime_measurements",
	    1u << 24, &txt, &txtlen, &e) == -1)
		exit(1);
	t = new_set("keylime");
	CHECK(refset_add_ima_log(t, txt, txtlen, sha1, "keylime",
	    "bundle keylime", &e) == 0 && refset_seal(t, &e) == 0,
	    "keylime text log (%s)", e.msg);
	CHECK(text_lines_in(t, txt, txtlen, &lines) && count_sum(t) == lines,
	    "keylime: every line in the set (%zu)", lines);
	hexto("19f13b42c2745066347e76454788c0fe083643f3", d);
	CHECK(refset_find_exact(t, "/init", 5, sha1, d) != SIZE_MAX,
	    "/init sha1:19f13b42...");
	refset_free(t);

	/* Bad logs leave the set as it was. */
	t = new_set("bad");
	CHECK(refset_add_ima_log(t, bin, binlen - 3, sha1, "cut.bin", "x",
	    &e) == -1 && strstr(e.msg, "cut.bin"), "truncated log refused "
	    "(%s)", e.msg);
	CHECK(refset_add_ima_log(t, txt, txtlen - 1, sha1, "cut.txt", "x",
	    &e) == -1 && strstr(e.msg, "newline"),
	    "text without its last newline refused (%s)", e.msg);
	CHECK(refset_seal(t, &e) == 0 && refset_count(t) == 0 &&
	    refset_nsources(t) == 0, "nothing kept");
	refset_free(t);
	refset_free(s);
	free(bin);
	free(txt);
}

static void
test_merge_and_lookups(void)
{
	struct refset *s = new_set("m"), *o = new_set("o"), *u = new_set("u");
	struct errbuf e = { "" };
	uint8_t a[32], b[32];
	uint32_t src1 = 0, src2 = 0, src3 = 0;
	size_t k, n;

	hexto(H64A, a);
	hexto(H64B, b);
	CHECK(refset_add_source(s, "first", &src1, &e) == 0 &&
	    refset_add_source(s, "second", &src2, &e) == 0 &&
	    refset_add_source(s, "first", &src3, &e) == 0 && src3 == src1 &&
	    src2 != src1 && refset_nsources(s) == 2, "sources shared by text");
	refset_add_entry(s, "/b", 2, sha256, a, 1, src2, &e);
	refset_add_entry(s, "/a", 2, sha256, a, 2, src1, &e);
	refset_add_entry(s, "/a", 2, sha256, a, 3, src2, &e);
	refset_add_entry(s, "/a", 2, sha256, b, 1, src2, &e);
	refset_add_entry(s, "/c", 2, sha1, a, 1, src1, &e);
	CHECK(refset_add_entry(s, "/c", 2, sha256, a, 0, src1, &e) == -1,
	    "count 0 refused");
	CHECK(refset_add_entry(s, "/c", 2, sha256, a, 1, 9, &e) == -1,
	    "unknown source refused");
	CHECK(refset_add_entry(s, "", 0, sha256, a, 1, src1, &e) == -1,
	    "empty path refused");
	CHECK(refset_find_digest(s, sha256, a) == SIZE_MAX,
	    "no lookups before seal");
	CHECK(refset_seal(s, &e) == 0 && refset_count(s) == 4,
	    "duplicates merged (%zu)", refset_count(s));
	k = refset_find_exact(s, "/a", 2, sha256, a);
	CHECK(k != SIZE_MAX && refset_entry(s, k)->count == 5 &&
	    refset_entry(s, k)->source == src1,
	    "counts add, first source kept");
	CHECK(refset_total(s) == 8, "total of the counts (%llu)",
	    (unsigned long long)refset_total(s));
	CHECK(refset_find_path(s, "/a", 2) == 0 && refset_next_path(s, 0) ==
	    1 && refset_next_path(s, 1) == SIZE_MAX && k == 1, "path chain /a: 2 "
	    "entries");
	n = 0;
	for (k = refset_find_digest(s, sha256, a); k != SIZE_MAX;
	    k = refset_next_digest(s, k))
		n++;
	CHECK(n == 2, "digest chain: /a and /b (%zu)", n);
	CHECK(refset_find_digest(s, sha1, a) == 3, "same bytes, other "
	    "algorithm: its own key");
	CHECK(refset_find_path(s, "/zz", 3) == SIZE_MAX, "absent path");

	refset_add_source(o, "other", &src3, &e);
	refset_add_entry(o, "/a", 2, sha256, a, 7, src3, &e);
	refset_add_entry(o, "/d", 2, sha256, b, 1, src3, &e);
	refset_seal(o, &e);
	CHECK(refset_add_set(u, s, &e) == 0 && refset_add_set(u, o, &e) == 0,
	    "union built");
	CHECK(refset_seal(u, &e) == 0 && refset_count(u) == 5,
	    "union has 5 entries (%zu)", refset_count(u));
	k = refset_find_exact(u, "/a", 2, sha256, a);
	CHECK(k != SIZE_MAX && refset_entry(u, k)->count == 7,
	    "union takes the larger multiplicity");
	CHECK(refset_nsources(u) == 3, "union carries provenance");
	refset_free(u);
	u = new_set("d");
	CHECK(refset_add_set(u, s, &e) == 0 && refset_subtract(u, o, &e) ==
	    0 && refset_seal(u, &e) == 0 && refset_count(u) == 3 &&
	    refset_find_exact(u, "/a", 2, sha256, a) == SIZE_MAX,
	    "difference drops /a (%zu)", refset_count(u));
	CHECK(refset_subtract(u, o, &e) == -1, "sealed target refused");
	refset_free(u);
	refset_free(s);
	refset_free(o);
}

/* Many entries with one digest (empty files) stay O(1) to look up. */
static void
test_many(void)
{
	struct refset *s = new_set("many");
	struct errbuf e = { "" };
	uint8_t d[32];
	uint32_t src;
	char p[32];
	size_t i, ok = 0, n = 100000;

	hashalg_digest(sha256, "", 0, d);
	refset_add_source(s, "gen", &src, &e);
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "/e/%zu", i);
		refset_add_entry(s, p, strlen(p), sha256, d, 1, src, &e);
	}
	CHECK(refset_seal(s, &e) == 0 && refset_count(s) == n, "100k sealed");
	for (i = 0; i < n; i++) {
		snprintf(p, sizeof(p), "/e/%zu", i);
		ok += refset_find_exact(s, p, strlen(p), sha256, d) !=
		    SIZE_MAX;
	}
	CHECK(ok == n, "every one found exactly");
	refset_free(s);
}

int
main(void)
{
	sha1 = hashalg_by_name("sha1");
	sha256 = hashalg_by_name("sha256");
	sha384 = hashalg_by_name("sha384");
	sha512 = hashalg_by_name("sha512");
	test_names();
	test_sums();
	test_tree();
	test_logs();
	test_merge_and_lookups();
	test_many();
	return check_finish();
}
