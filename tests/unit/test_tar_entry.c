/*
 * test_tar_entry.c - format/tar_entry.h: an archive written with
 * tar_entry_file() is found to end exactly at its end-of-archive marker by
 * tar_track_feed(), however it is cut into pieces; what follows the marker
 * is not looked at; a stream without the marker does not end.
 */
#include <stdlib.h>
#include <string.h>

#include <archive.h>

#include "format/tar_entry.h"
#include "tests/unit/check.h"

#define ARCHIVE_CAP	(64 * 1024)

/* A ustar archive of two files (700 and 0 bytes), no record padding. */
static size_t
write_archive(uint8_t *out, size_t cap)
{
	static uint8_t data[700];
	struct archive *a;
	struct errbuf e;
	size_t used = 0;

	memset(data, 'x', sizeof(data));
	if ((a = archive_write_new()) == NULL ||
	    archive_write_set_format_ustar(a) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(a, 1) != ARCHIVE_OK ||
	    archive_write_open_memory(a, out, cap, &used) != ARCHIVE_OK)
		abort();
	if (tar_entry_file(a, "one", data, sizeof(data), 0, &e) != 0 ||
	    tar_entry_file(a, "two", NULL, 0, 0, &e) != 0)
		abort();
	archive_write_close(a);
	archive_write_free(a);
	return used;
}

/* Feed buf[0..len) in pieces of step bytes; how many until the end. */
static size_t
fed_until_end(const uint8_t *buf, size_t len, size_t step)
{
	struct tar_track t;
	size_t off = 0, n;

	memset(&t, 0, sizeof(t));
	while (off < len && !t.ended) {
		n = len - off < step ? len - off : step;
		tar_track_feed(&t, buf + off, n);
		off += n;
	}
	return t.ended ? off : 0;
}

int
main(void)
{
	static const size_t steps[] = { 1, 7, 512, 1024 };
	uint8_t *buf;
	size_t len, i, want;

	if ((buf = calloc(1, ARCHIVE_CAP)) == NULL)
		abort();
	len = write_archive(buf, ARCHIVE_CAP / 2);
	/* header + 2 data blocks, header, end marker */
	want = 512 + 1024 + 512 + 1024;
	CHECK(len == want, "the archive is %zu bytes (want %zu)", len, want);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		CHECK(fed_until_end(buf, len, steps[i]) == want,
		    "pieces of %zu: the end found at %zu", steps[i], want);
	memset(buf + len, 0xee, 100);	/* what follows is not looked at */
	CHECK(fed_until_end(buf, len + 100, 1) == want,
	    "bytes after the marker are not fed");
	CHECK(fed_until_end(buf, len - 512, 512) == 0,
	    "one zero block is not the end");
	free(buf);
	return check_finish();
}
