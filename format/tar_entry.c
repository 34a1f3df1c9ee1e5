/* tar_entry.c - see tar_entry.h. */
#include "format/tar_entry.h"

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
