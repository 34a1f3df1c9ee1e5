/*
 * bundle_read.c - reading a bundle (bundle.h): the MANIFEST, then each
 * member held to the list the manifest callback answered; and listing
 * the entries of any tar (dossier inspect).
 * Shared state and the design: bundle_int.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/bundle_int.h"
#include "format/escape.h"
#include "format/fileio.h"
#include "format/hashalg.h"

/* --- reading: the manifest and the members ---------------------------------- */

static int
check_expected(const struct bundle_member *m, size_t n, struct errbuf *e)
{
	uint64_t total = 0;
	size_t i, j;

	if (n > BUNDLE_MEMBERS_MAX)
		return err_set(e, "lists %zu members, more than the limit of %d",
		    n, BUNDLE_MEMBERS_MAX);
	for (i = 0; i < n; i++) {
		char shown[BUNDLE_SHOWN_NAME_MAX + 1];
		if (memchr(m[i].name, '\0', sizeof(m[i].name)) == NULL ||
		    memchr(m[i].media_type, '\0', sizeof(m[i].media_type)) == NULL)
			return err_set(e, "listed member %zu: name or media type "
			    "not terminated", i + 1);
		bundle_show_name(m[i].name, shown);
		if (bundle_member_name_check(m[i].name, e) != 0)
			return err_prefix(e, "listed member '%s'", shown);
		if (m[i].size > BUNDLE_MEMBER_MAX_BYTES)
			return err_set(e, "listed member '%s' is %llu bytes, more "
			    "than the limit of %llu", shown,
			    (unsigned long long)m[i].size,
			    (unsigned long long)BUNDLE_MEMBER_MAX_BYTES);
		total += m[i].size;
		for (j = 0; j < i; j++)
			if (strcmp(m[i].name, m[j].name) == 0)
				return err_set(e, "member '%s' listed twice",
				    shown);
	}
	if (total > BUNDLE_CONTENT_MAX)
		return err_set(e, "listed members total %llu bytes, more than "
		    "the limit of %llu", (unsigned long long)total,
		    (unsigned long long)BUNDLE_CONTENT_MAX);
	return 0;
}

static int
read_manifest(struct rd *rd, const struct bundle_reader *r,
    struct bundle_contents *c, struct errbuf *e)
{
	struct member_sink s = { 0 };
	bool eof;
	int64_t size;
	size_t i, n = 0;

	if (rd_next(rd, &eof, true, e) != 0)
		return -1;
	if (eof)
		return err_set(e, "empty archive: no MANIFEST");
	if (strcmp(archive_entry_pathname(rd->ent) ?
	    archive_entry_pathname(rd->ent) : "", BUNDLE_MANIFEST_NAME) != 0)
		return err_set(e, "first member is '%s': MANIFEST must come first",
		    rd->shown);
	if (rd_check_plain(rd, e) != 0)
		return -1;
	size = archive_entry_size(rd->ent);
	if (size == 0 || size > (int64_t)BUNDLE_MANIFEST_MAX)
		return err_set(e, "MANIFEST is %lld bytes: it must be 1 to %u",
		    (long long)size, BUNDLE_MANIFEST_MAX);
	if ((c->manifest = malloc((size_t)size + 1)) == NULL)
		return err_set(e, "out of memory");
	c->manifest[size] = '\0';
	s.collect = c->manifest;
	if (rd_data(rd, (uint64_t)size, &s, e) != 0)
		return -1;
	c->manifest_len = (size_t)size;
	if (r->manifest(r->arg, c->manifest, c->manifest_len, c->members, &n,
	    e) != 0)
		return err_prefix(e, "MANIFEST");
	if (check_expected(c->members, n, e) != 0)
		return err_prefix(e, "MANIFEST");
	c->nmembers = n;
	/* From here the stream may hold exactly what the manifest lists. */
	rd->z.limit = rd->next_header + TAR_END + BUNDLE_TRAILER_MAX +
	    BUNDLE_CHUNK;
	for (i = 0; i < n; i++)
		rd->z.limit += tar_entry_bytes(c->members[i].size);
	rd->z.limit_what = "the size the manifest lists";
	return 0;
}

/* Say why the current entry is not the expected member i. */
static int
wrong_member(struct rd *rd, const struct bundle_contents *c, size_t i,
    struct errbuf *e)
{
	const char *name = archive_entry_pathname(rd->ent);
	size_t j;

	if (name == NULL)
		name = "";
	if (strcmp(name, BUNDLE_MANIFEST_NAME) == 0)
		return err_set(e, "a second MANIFEST where member '%s' was "
		    "expected", c->members[i].name);
	for (j = 0; j < c->nmembers; j++) {
		if (strcmp(name, c->members[j].name) != 0)
			continue;
		if (j < i)
			return err_set(e, "duplicate member '%s'", rd->shown);
		return err_set(e, "member '%s' is out of order: '%s' must "
		    "come first", rd->shown, c->members[i].name);
	}
	if (bundle_member_name_check(name, e) != 0)
		return err_prefix(e, "invalid member name '%s'", rd->shown);
	return err_set(e, "unexpected member '%s' where '%s' was expected",
	    rd->shown, c->members[i].name);
}

static int
read_member(struct rd *rd, const struct bundle_reader *r,
    struct bundle_contents *c, size_t i, EVP_MD_CTX *md, struct errbuf *e)
{
	const struct bundle_member *m = &c->members[i];
	struct member_sink s = { 0 };
	uint8_t digest[32];
	int64_t size;
	bool eof;

	if (rd_next(rd, &eof, true, e) != 0)
		return -1;
	if (eof)
		return err_set(e, "member '%s' is missing (the archive ends "
		    "after %zu of %zu listed members)", m->name, i, c->nmembers);
	if (strcmp(archive_entry_pathname(rd->ent) ?
	    archive_entry_pathname(rd->ent) : "", m->name) != 0)
		return wrong_member(rd, c, i, e);
	if (rd_check_plain(rd, e) != 0)
		return -1;
	size = archive_entry_size(rd->ent);
	if ((uint64_t)size > m->size)
		return err_set(e, "member '%s' is %llu bytes larger than listed",
		    m->name, (unsigned long long)((uint64_t)size - m->size));
	if ((uint64_t)size < m->size)
		return err_set(e, "member '%s' is %llu bytes smaller than listed",
		    m->name, (unsigned long long)(m->size - (uint64_t)size));
	if (m->size <= r->collect_max && rd->z.whole != NULL && !rd->own_sc) {
		s.borrow = true;
	} else if (m->size <= r->collect_max) {
		if ((c->data[i] = malloc((size_t)m->size + 1)) == NULL)
			return err_set(e, "out of memory");
		c->data[i][m->size] = '\0';
		s.collect = c->data[i];
	}
	if (EVP_DigestInit_ex(md, hashalg_md(hashalg_by_name("sha256")),
	    NULL) != 1)
		return err_openssl(e, "SHA-256");
	s.md = md;
	s.r = r;
	s.index = i;
	s.m = m;
	if (rd_data(rd, m->size, &s, e) != 0) {
		if (s.collect != c->data[i])
			free(s.collect);
		return -1;
	}
	if (c->data[i] == NULL && (s.borrow || s.collect != NULL) &&
	    rd_sink_keep(rd, &s, c, i, m->size, e) != 0)
		return -1;
	if (EVP_DigestFinal_ex(md, digest, NULL) != 1)
		return err_openssl(e, "SHA-256");
	if (memcmp(digest, m->sha256, sizeof(digest)) != 0)
		return err_set(e, "member '%s': SHA-256 does not match the "
		    "manifest", m->name);
	if (r->member_end != NULL && r->member_end(r->arg, i, m, e) != 0)
		return err_prefix(e, "member '%s'", m->name);
	return 0;
}

static int
read_after_last(struct rd *rd, const struct bundle_contents *c,
    struct errbuf *e)
{
	const char *name;
	bool eof;
	size_t j;

	if (rd_next(rd, &eof, true, e) != 0)
		return -1;
	if (eof)
		return rd_finish(rd, e);
	name = archive_entry_pathname(rd->ent);
	if (name != NULL && strcmp(name, BUNDLE_MANIFEST_NAME) == 0)
		return err_set(e, "a second MANIFEST after the last listed "
		    "member");
	for (j = 0; name != NULL && j < c->nmembers; j++)
		if (strcmp(name, c->members[j].name) == 0)
			return err_set(e, "duplicate member '%s'", rd->shown);
	return err_set(e, "extra member '%s' after the last listed member",
	    rd->shown);
}

static int
read_bundle(struct rd *rd, const struct bundle_reader *r,
    struct bundle_contents *c, struct errbuf *e)
{
	EVP_MD_CTX *md;
	size_t i;
	int rc = -1;

	if (r == NULL || r->manifest == NULL)
		return err_set(e, "no manifest callback");
	if (read_manifest(rd, r, c, e) != 0)
		return -1;
	if ((md = EVP_MD_CTX_new()) == NULL)
		return err_set(e, "out of memory");
	for (i = 0; i < c->nmembers; i++)
		if (read_member(rd, r, c, i, md, e) != 0)
			goto out;
	if (read_after_last(rd, c, e) != 0)
		goto out;
	c->compressed_size = zsrc_in_offset(&rd->z);
	c->one_pass = rd->z.whole != NULL;
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

void
bundle_contents_free(struct bundle_contents *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->manifest);
	for (i = 0; i < BUNDLE_MEMBERS_MAX; i++)
		if (!(c->borrowed & 1u << i))
			free(c->data[i]);
	memset(c, 0, sizeof(*c));
}

static int
read_common(const char *label, bundle_fill_fn fill, void *fill_arg,
    const uint8_t *buf, size_t len, const struct bundle_reader *r,
    struct bundle_contents *out, struct errbuf *e)
{
	struct bundle_contents *c;
	struct rd rd;
	int rc;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return err_set(e, "%s: out of memory", label);
	rc = rd_open(&rd, fill, fill_arg, buf, len, r != NULL ? r->scratch :
	    NULL, e);
	if (rc == 0)
		rc = read_bundle(&rd, r, c, e);
	rd_close(&rd);
	if (rc != 0) {
		bundle_contents_free(c);
		free(c);
		if (out != NULL)
			memset(out, 0, sizeof(*out));
		return err_prefix(e, "%s", label);
	}
	if (out != NULL)
		*out = *c;
	else
		bundle_contents_free(c);
	free(c);
	return 0;
}

int
bundle_read_mem(const char *label, const uint8_t *buf, size_t len,
    const struct bundle_reader *r, struct bundle_contents *out,
    struct errbuf *e)
{
	return read_common(label, NULL, NULL, buf, len, r, out, e);
}

int
bundle_read_stream(const char *label, bundle_fill_fn fill, void *fill_arg,
    const struct bundle_reader *r, struct bundle_contents *out,
    struct errbuf *e)
{
	return read_common(label, fill, fill_arg, NULL, 0, r, out, e);
}

int
bundle_read_fd(const char *label, int fd, const struct bundle_reader *r,
    struct bundle_contents *out, struct errbuf *e)
{
	return read_common(label, bundle_fd_fill, &fd, NULL, 0, r, out, e);
}

/* --- listing --------------------------------------------------------------- */

const char *
bundle_entry_type_name(enum bundle_entry_type t)
{
	switch (t) {
	case BUNDLE_ENTRY_FILE:
		return "file";
	case BUNDLE_ENTRY_DIR:
		return "directory";
	case BUNDLE_ENTRY_SYMLINK:
		return "symlink";
	case BUNDLE_ENTRY_HARDLINK:
		return "hardlink";
	case BUNDLE_ENTRY_OTHER:
		return "other";
	}
	return "unknown";
}

static int
list_entries(struct rd *rd, struct bundle_listing *out, struct errbuf *e)
{
	struct bundle_entry *en;
	bool eof;

	rd->z.limit = BUNDLE_CONTENT_MAX + BUNDLE_MANIFEST_MAX +
	    (uint64_t)(BUNDLE_LIST_MAX + 1) * 4 * TAR_BLOCK +
	    BUNDLE_TRAILER_MAX + BUNDLE_CHUNK;
	rd->z.limit_what = "the limit of a bundle";
	for (;;) {
		if (rd_next(rd, &eof, false, e) != 0)
			return -1;
		if (eof)
			return rd_finish(rd, e);
		if (out->nentries == BUNDLE_LIST_MAX)
			return err_set(e, "more than %d entries", BUNDLE_LIST_MAX);
		en = &out->entries[out->nentries++];
		memcpy(en->name, rd->shown, sizeof(en->name));
		en->type = rd_type(rd);
		en->size = archive_entry_size(rd->ent) > 0 ?
		    (uint64_t)archive_entry_size(rd->ent) : 0;
		en->extended = rd_extended(rd);
		if (archive_read_data_skip(rd->a) != ARCHIVE_OK) {
			rd_error(rd, e);
			return err_prefix(e, "entry '%s'", en->name);
		}
	}
}

static int
list_common(const char *label, bundle_fill_fn fill, void *fill_arg,
    const uint8_t *buf, size_t len, struct bundle_listing *out,
    struct errbuf *e)
{
	struct rd rd;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = rd_open(&rd, fill, fill_arg, buf, len, NULL, e);
	if (rc == 0)
		rc = list_entries(&rd, out, e);
	rd_close(&rd);
	if (rc != 0)
		return err_prefix(e, "%s", label);
	return 0;
}

int
bundle_list_mem(const char *label, const uint8_t *buf, size_t len,
    struct bundle_listing *out, struct errbuf *e)
{
	return list_common(label, NULL, NULL, buf, len, out, e);
}

int
bundle_list_fd(const char *label, int fd, struct bundle_listing *out,
    struct errbuf *e)
{
	return list_common(label, bundle_fd_fill, &fd, NULL, 0, out, e);
}
