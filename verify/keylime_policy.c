/*
 * keylime_policy.c - Keylime runtime policies in and out
 * (keylime_policy.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "format/hashalg.h"
#include "format/hex.h"
#include "format/results.h"
#include "verify/keylime_policy.h"

/* Keys of RUNTIME_POLICY_SCHEMA. */
static const char *const top_keys[] = {
	"meta", "release", "digests", "excludes", "keyrings", "ima",
	"ima-buf", "verification-keys",
};

/* ---- SQLite helpers ---------------------------------------------------- */

struct kdb {
	sqlite3 *db;
	const char *json;
	size_t len;
	const char *name;
};

static int
kdb_prepare(struct kdb *k, const char *sql, sqlite3_stmt **st,
    struct errbuf *e)
{
	if (sqlite3_prepare_v2(k->db, sql, -1, st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(*st, 1, k->json, (int)k->len, SQLITE_STATIC) !=
	    SQLITE_OK) {
		err_set(e, "%s: %s", k->name, sqlite3_errmsg(k->db));
		sqlite3_finalize(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}

/* One value of "SELECT ..." with ?1 the document: its type and text. */
static int
kdb_scalar(struct kdb *k, const char *sql, char *out, size_t cap,
    struct errbuf *e)
{
	sqlite3_stmt *st;
	const unsigned char *t;

	if (kdb_prepare(k, sql, &st, e) == -1)
		return -1;
	if (sqlite3_step(st) != SQLITE_ROW) {
		err_set(e, "%s: %s", k->name, sqlite3_errmsg(k->db));
		sqlite3_finalize(st);
		return -1;
	}
	t = sqlite3_column_text(st, 0);
	snprintf(out, cap, "%s", t != NULL ? (const char *)t : "");
	sqlite3_finalize(st);
	return 0;
}

/* ---- excludes ---------------------------------------------------------- */

int
keylime_regex_to_glob(const char *re, size_t n, char *out, size_t cap,
    struct errbuf *e)
{
	size_t i = 0, o = 0;
	bool anchored_end = false;

#define PUT(c) do {							\
	if (o + 2 >= cap)						\
		return err_set(e, "exclude '%.*s': longer than %zu bytes " \
		    "as a glob", (int)n, re, cap - 2);			\
	out[o++] = (c);							\
} while (0)

	if (n > KEYLIME_REGEX_MAX)
		return err_set(e, "exclude of %zu bytes: more than %u", n,
		    KEYLIME_REGEX_MAX);
	if (n > 0 && re[0] == '^')
		i = 1;
	for (; i < n; i++) {
		char c = re[i];

		if (c == '\0' || (unsigned char)c < 0x20 || c == 0x7f)
			return err_set(e, "exclude '%.*s': a control byte",
			    (int)n, re);
		if (c == ':' || c == ',')
			return err_set(e, "exclude '%.*s': '%c' cannot be "
			    "written in an allowlist rule (':' and ',' "
			    "separate its options and globs)", (int)n, re, c);
		if (c == '.') {
			if (i + 1 < n && re[i + 1] == '*') {
				PUT('*');
				i++;
			} else if (i + 1 < n && re[i + 1] == '+') {
				PUT('?');
				PUT('*');
				i++;
			} else
				PUT('?');
			continue;
		}
		if (c == '\\') {
			char d = i + 1 < n ? re[i + 1] : '\0';

			if (d == '\0' || !((d >= '!' && d <= '/') ||
			    (d >= ':' && d <= '@') || (d >= '[' && d <= '`') ||
			    (d >= '{' && d <= '~')) || d == ':' || d == ',')
				return err_set(e, "exclude '%.*s': the escape "
				    "'\\%c' has no glob equivalent", (int)n,
				    re, d ? d : ' ');
			/* glob specials stay escaped for fnmatch(3) */
			if (d == '*' || d == '?' || d == '[' || d == '\\')
				PUT('\\');
			PUT(d);
			i++;
			continue;
		}
		if (c == '$' && i + 1 == n) {
			anchored_end = true;
			continue;
		}
		if (strchr("()|[]{}+?*^$", c) != NULL)
			return err_set(e, "exclude '%.*s': '%c' at %zu has no "
			    "allowlist glob equivalent (groups, alternation, "
			    "classes, quantifiers and inner anchors are not "
			    "translated)", (int)n, re, c, i);
		PUT(c);
	}
	if (!anchored_end && (o == 0 || out[o - 1] != '*'))
		PUT('*');	/* re.match: a prefix match */
	if (o == 0)
		return err_set(e, "exclude '%.*s': matches nothing", (int)n,
		    re);
	out[o] = '\0';
	if (o > IMA_POLICY_GLOB_MAX)
		return err_set(e, "exclude '%.*s': a glob longer than %u",
		    (int)n, re, IMA_POLICY_GLOB_MAX);
	return 0;
#undef PUT
}

int
keylime_glob_to_regex(const char *glob, char *out, size_t cap,
    struct errbuf *e)
{
	size_t o = 0;
	const char *g;

#define PUT(c) do {							\
	if (o + 2 >= cap)						\
		return err_set(e, "glob '%s': too long as a regex", glob); \
	out[o++] = (c);							\
} while (0)

	PUT('^');
	for (g = glob; *g != '\0'; g++) {
		if (*g == '*') {
			PUT('.');
			PUT('*');
		} else if (*g == '?')
			PUT('.');
		else if (*g == '[')
			return err_set(e, "glob '%s': a bracket expression is "
			    "not exported", glob);
		else if (*g == '\\' && g[1] != '\0') {
			g++;
			if (strchr(".^$*+?()[]{}|\\/", *g) != NULL)
				PUT('\\');
			PUT(*g);
		} else {
			if (strchr(".^$+()]{}|\\", *g) != NULL)
				PUT('\\');
			PUT(*g);
		}
	}
	PUT('$');
	out[o] = '\0';
	return 0;
#undef PUT
}

/* ---- import ------------------------------------------------------------ */

static const struct hashalg *
alg_of(const char *text, size_t n, const char **hex, size_t *hexlen)
{
	const char *colon = memchr(text, ':', n);
	const struct hashalg *a;

	if (colon != NULL) {
		a = hashalg_by_name_n(text, (size_t)(colon - text));
		*hex = colon + 1;
		*hexlen = n - (size_t)(colon + 1 - text);
		return a != NULL && a->size * 2 == *hexlen ? a : NULL;
	}
	*hex = text;
	*hexlen = n;
	switch (n) {
	case 40: return hashalg_by_name("sha1");
	case 64: return hashalg_by_name("sha256");
	case 96: return hashalg_by_name("sha384");
	case 128: return hashalg_by_name("sha512");
	default: return NULL;
	}
}

static int
import_digests(struct kdb *k, struct refset *set, uint32_t source,
    struct keylime_import *out, struct errbuf *e)
{
	sqlite3_stmt *st;
	int rc;
	sqlite3_int64 last = -1;

	/* one row per (path, digest); a path whose value is not an array
	 * comes with e.type NULL and its own type in d.type */
	if (kdb_prepare(k, "SELECT d.id, d.key, d.type, e.type, e.value "
	    "FROM json_each(?1, '$.digests') d "
	    "LEFT JOIN json_each(d.value) e ON d.type = 'array' "
	    "ORDER BY d.id, e.id", &st, e) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 id = sqlite3_column_int64(st, 0);
		const char *path = (const char *)sqlite3_column_text(st, 1);
		size_t plen = (size_t)sqlite3_column_bytes(st, 1);
		const char *dtype = (const char *)sqlite3_column_text(st, 2);
		const char *etype = (const char *)sqlite3_column_text(st, 3);
		const char *val = (const char *)sqlite3_column_text(st, 4);
		size_t vlen = (size_t)sqlite3_column_bytes(st, 4);
		const struct hashalg *alg;
		uint8_t digest[HASHALG_MAX_SIZE];
		const char *hex;
		size_t hexlen;

		if (path == NULL || plen == 0 || memchr(path, '\0', plen) ||
		    plen > REFSET_PATH_MAX) {
			err_set(e, "digests: an empty path, a path with a NUL "
			    "or one longer than %u bytes", REFSET_PATH_MAX);
			goto fail;
		}
		if (dtype == NULL || strcmp(dtype, "array") != 0) {
			err_set(e, "digests: '%.200s': a %s, not a list of "
			    "digests", path, dtype ? dtype : "null");
			goto fail;
		}
		if (id != last) {
			last = id;
			out->paths++;
		}
		if (etype == NULL)
			continue;	/* an empty list */
		if (strcmp(path, "boot_aggregate") == 0) {
			out->boot_aggregate = true;
			continue;
		}
		if (strcmp(etype, "text") != 0 || val == NULL) {
			err_set(e, "digests: '%.200s': a %s, not a hex "
			    "string", path, etype);
			goto fail;
		}
		if ((alg = alg_of(val, vlen, &hex, &hexlen)) == NULL ||
		    hex_decode(hex, hexlen, digest, sizeof(digest)) !=
		    (long)alg->size) {
			err_set(e, "digests: '%.200s': '%.140s' is not "
			    "[ALG:]HEX of sha1, sha256, sha384 or sha512", path,
			    val);
			goto fail;
		}
		if (refset_add_entry(set, path, plen, alg, digest, 1, source,
		    e) == -1)
			goto fail;
		out->digests++;
	}
	if (rc != SQLITE_DONE) {
		err_set(e, "digests: %s", sqlite3_errmsg(k->db));
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

static int
import_excludes(struct kdb *k, struct keylime_import *out, struct errbuf *e)
{
	sqlite3_stmt *st;
	int rc;

	if (kdb_prepare(k, "SELECT type, value FROM json_each(?1, "
	    "'$.excludes') ORDER BY id", &st, e) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		const char *v = (const char *)sqlite3_column_text(st, 1);
		size_t n = (size_t)sqlite3_column_bytes(st, 1);

		if (t == NULL || strcmp(t, "text") != 0 || v == NULL) {
			err_set(e, "excludes: a %s, not a regex string",
			    t ? t : "null");
			goto fail;
		}
		if (out->nglobs == IMA_POLICY_GLOBS_MAX) {
			err_set(e, "excludes: more than %u (the allowlist "
			    "rule's limit)", IMA_POLICY_GLOBS_MAX);
			goto fail;
		}
		if (keylime_regex_to_glob(v, n, out->globs[out->nglobs],
		    sizeof(out->globs[0]), e) == -1) {
			err_prefix(e, "excludes");
			goto fail;
		}
		out->nglobs++;
	}
	if (rc != SQLITE_DONE) {
		err_set(e, "excludes: %s", sqlite3_errmsg(k->db));
		goto fail;
	}
	sqlite3_finalize(st);
	return 0;
fail:
	sqlite3_finalize(st);
	return -1;
}

static int
count_of(struct kdb *k, const char *sql, uint64_t *n, struct errbuf *e)
{
	char v[32];

	if (kdb_scalar(k, sql, v, sizeof(v), e) == -1)
		return -1;
	*n = strtoull(v, NULL, 10);
	return 0;
}

static int
check_shape(struct kdb *k, struct keylime_import *out, struct errbuf *e)
{
	sqlite3_stmt *st;
	char v[64];
	size_t i;
	int rc;

	if (kdb_scalar(k, "SELECT json_valid(?1)", v, sizeof(v), e) == -1)
		return -1;
	if (strcmp(v, "1") != 0)
		return err_set(e, "not JSON (SQLite json_valid)");
	if (kdb_scalar(k, "SELECT json_type(?1)", v, sizeof(v), e) == -1)
		return -1;
	if (strcmp(v, "object") != 0)
		return err_set(e, "a JSON %s, not an object", v);
	if (kdb_scalar(k, "SELECT json_type(?1, '$.payloadType')", v,
	    sizeof(v), e) == -1)
		return -1;
	if (v[0] != '\0')
		return err_set(e, "a DSSE envelope (a signed policy): give "
		    "its payload, the policy itself");
	if (kdb_prepare(k, "SELECT key FROM json_each(?1)", &st, e) == -1)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);

		for (i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]); i++)
			if (key != NULL && strcmp(key, top_keys[i]) == 0)
				break;
		if (i == sizeof(top_keys) / sizeof(top_keys[0])) {
			err_set(e, "key '%.100s' is not in Keylime's runtime "
			    "policy schema", key ? key : "");
			sqlite3_finalize(st);
			return -1;
		}
	}
	sqlite3_finalize(st);
	if (kdb_scalar(k, "SELECT json_type(?1, '$.meta.version') || ' ' || "
	    "json_extract(?1, '$.meta.version')", v, sizeof(v), e) == -1)
		return -1;
	if (strcmp(v, "integer 1") != 0)
		return err_set(e, "meta.version: '%s', not the integer 1 (the "
		    "runtime policy version this reader knows)",
		    v[0] ? v : "missing");
	if (kdb_scalar(k, "SELECT coalesce(json_type(?1, '$.digests'), "
	    "'missing') || ' ' || coalesce(json_type(?1, '$.excludes'), "
	    "'missing')", v, sizeof(v), e) == -1)
		return -1;
	if (strcmp(v, "object array") != 0)
		return err_set(e, "digests and excludes: '%s', not an object "
		    "and an array", v);
	if (kdb_scalar(k, "SELECT coalesce(json_extract(?1, "
	    "'$.ima.log_hash_alg'), '')", out->log_hash_alg,
	    sizeof(out->log_hash_alg), e) == -1)
		return -1;
	if (count_of(k, "SELECT count(e.value) FROM json_each(?1, "
	    "'$.keyrings') d, json_each(d.value) e", &out->keyrings, e) == -1 ||
	    count_of(k, "SELECT count(e.value) FROM json_each(?1, "
	    "'$.\"ima-buf\"') d, json_each(d.value) e", &out->ima_buf, e) ==
	    -1 ||
	    count_of(k, "SELECT count(*) FROM json_each(?1, "
	    "'$.ima.ignored_keyrings')", &out->ignored_keyrings, e) == -1)
		return -1;
	if (kdb_scalar(k, "SELECT coalesce(length(json_extract(?1, "
	    "'$.\"verification-keys\"')), 0) || ' ' || "
	    "coalesce(json_type(?1, '$.ima.dm_policy'), 'null')", v, sizeof(v),
	    e) == -1)
		return -1;
	out->verification_keys = strncmp(v, "0 ", 2) != 0;
	out->dm_policy = strstr(v, " null") == NULL;
	return 0;
}

int
keylime_policy_import(const char *name, const uint8_t *buf, size_t len,
    struct refset *set, uint32_t source, struct keylime_import *out,
    struct errbuf *e)
{
	struct kdb k = { NULL, (const char *)buf, len, name };
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (len > KEYLIME_POLICY_MAX)
		return err_set(e, "%s: %zu bytes, more than %zu", name, len,
		    KEYLIME_POLICY_MAX);
	if (memchr(buf, '\0', len) != NULL)
		return err_set(e, "%s: a NUL byte: not JSON text", name);
	if (sqlite3_open_v2(":memory:", &k.db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK) {
		sqlite3_close(k.db);
		return err_set(e, "%s: sqlite: out of memory", name);
	}
	if (check_shape(&k, out, e) == 0 &&
	    import_digests(&k, set, source, out, e) == 0 &&
	    import_excludes(&k, out, e) == 0)
		rc = 0;
	sqlite3_close(k.db);
	if (rc == -1)
		err_prefix(e, "%s", name);
	return rc;
}

/* ---- export ------------------------------------------------------------ */

static void
put_str(FILE *f, const char *s, size_t n, bool *ok)
{
	char *esc;

	if (result_json_escape(s, n, &esc, NULL) == -1) {
		*ok = false;
		return;
	}
	fprintf(f, "\"%s\"", esc);
	free(esc);
}

int
keylime_policy_export(const struct refset *set, const char *const *globs,
    size_t nglobs, const char *log_hash_alg, int64_t now, char **out,
    size_t *len, struct errbuf *e)
{
	char *buf = NULL, hex[2 * HASHALG_MAX_SIZE + 1], when[32];
	char re[2 * IMA_POLICY_GLOB_MAX + 4];
	size_t n = 0, i, cnt = refset_count(set);
	FILE *f;
	bool ok = true;
	struct tm tm;
	time_t t = (time_t)now;

	*out = NULL;
	if ((f = open_memstream(&buf, &n)) == NULL)
		return err_set(e, "out of memory");
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "{\"meta\": {\"version\": 1, \"generator\": 0, "
	    "\"timestamp\": \"%s\"}, \"release\": 0, \"digests\": {", when);
	/* entries are sorted by path: one key per path */
	for (i = 0; i < cnt; i++) {
		const struct refset_entry *en = refset_entry(set, i);
		const struct refset_entry *prev = i ? refset_entry(set, i - 1) :
		    NULL;
		bool same = prev != NULL && prev->path_len == en->path_len &&
		    memcmp(prev->path, en->path, en->path_len) == 0;

		if (!same) {
			fputs(i ? "], " : "", f);
			put_str(f, en->path, en->path_len, &ok);
			fputs(": [", f);
		} else
			fputs(", ", f);
		hex_encode(en->digest, en->alg->size, hex);
		/* Keylime tells the algorithm by length, except that a
		 * prefix is needed for the ones that share one */
		if (strcmp(en->alg->name, "sha1") == 0 ||
		    strcmp(en->alg->name, "sha256") == 0 ||
		    strcmp(en->alg->name, "sha384") == 0 ||
		    strcmp(en->alg->name, "sha512") == 0)
			fprintf(f, "\"%s\"", hex);
		else
			fprintf(f, "\"%s:%s\"", en->alg->name, hex);
	}
	fputs(cnt ? "]}, \"excludes\": [" : "}, \"excludes\": [", f);
	for (i = 0; i < nglobs; i++) {
		if (keylime_glob_to_regex(globs[i], re, sizeof(re), e) == -1) {
			fclose(f);
			free(buf);
			return -1;
		}
		fputs(i ? ", " : "", f);
		put_str(f, re, strlen(re), &ok);
	}
	fprintf(f, "], \"keyrings\": {}, \"ima\": {\"ignored_keyrings\": [], "
	    "\"log_hash_alg\": \"%s\", \"dm_policy\": null}, \"ima-buf\": {}, "
	    "\"verification-keys\": \"\"}\n", log_hash_alg);
	if (fclose(f) != 0 || !ok) {
		free(buf);
		return err_set(e, "Keylime policy: out of memory");
	}
	*out = buf;
	*len = n;
	return 0;
}
