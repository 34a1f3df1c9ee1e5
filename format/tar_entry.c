/* tar_entry.c - see tar_entry.h. */
#include "format/tar_entry.h"

#include <string.h>

#include <archive.h>
#include <archive_entry.h>

int
tar_entry_header(struct archive *a, const char *name, uint64_t size,
    int64_t mtime, struct errbuf *e)
{
	struct archive_entry *ent;
	int rc = 0;

	if (mtime < 0 || mtime > TAR_ENTRY_MTIME_MAX)
		return err_set(e, "tar: %s: mtime %lld out of range", name,
		    (long long)mtime);
	if ((ent = archive_entry_new()) == NULL)
		return err_set(e, "out of memory");
	archive_entry_set_pathname(ent, name);
	archive_entry_set_filetype(ent, AE_IFREG);
	archive_entry_set_perm(ent, 0444);
	archive_entry_set_uid(ent, 0);
	archive_entry_set_gid(ent, 0);
	archive_entry_set_mtime(ent, (time_t)mtime, 0);
	archive_entry_set_size(ent, (la_int64_t)size);
	if (archive_write_header(a, ent) != ARCHIVE_OK)
		rc = err_set(e, "tar: %s: %s", name, archive_error_string(a));
	archive_entry_free(ent);
	return rc;
}

int
tar_entry_file(struct archive *a, const char *name, const uint8_t *data,
    size_t len, int64_t mtime, struct errbuf *e)
{
	if (tar_entry_header(a, name, len, mtime, e) == -1)
		return -1;
	if (len > 0 && archive_write_data(a, data, len) != (la_ssize_t)len)
		return err_set(e, "tar: %s: %s", name, archive_error_string(a));
	return 0;
}

/* The size field of a ustar header: 12 octal digits at offset 124. A
 * base-256 size (GNU, top bit set) is not a bundle's: taken as huge, so
 * the tracker passes over the rest and the reader says what is wrong. */
static uint64_t
tar_size(const uint8_t *h)
{
	uint64_t v = 0;
	size_t i;

	if (h[124] & 0x80)
		return UINT64_MAX / 2;
	for (i = 124; i < 136 && h[i] >= '0' && h[i] <= '7'; i++)
		v = v * 8 + (uint64_t)(h[i] - '0');
	return v;
}

void
tar_track_feed(struct tar_track *t, const uint8_t *p, size_t n)
{
	size_t k, i;

	while (n > 0 && !t->ended) {
		if (t->skip > 0) {
			k = t->skip < n ? (size_t)t->skip : n;
			t->skip -= k;
			p += k;
			n -= k;
			continue;
		}
		k = sizeof(t->blk) - t->have < n ? sizeof(t->blk) - t->have : n;
		memcpy(t->blk + t->have, p, k);
		t->have += k;
		p += k;
		n -= k;
		if (t->have < sizeof(t->blk))
			continue;
		t->have = 0;
		for (i = 0; i < sizeof(t->blk) && t->blk[i] == 0; i++)
			;
		if (i == sizeof(t->blk)) {
			t->ended = ++t->zeros == 2;
			continue;
		}
		t->zeros = 0;
		t->skip = (tar_size(t->blk) + 511) / 512 * 512;
	}
}
