/*
 * fuzz_ima_reader.c - libFuzzer target for the streaming IMA reader
 * (ima_reader_init/next over a file descriptor, format/ima_log.h), which
 * detects binary lists and ascii_runtime_measurements text and refills
 * its window with read(2): the code paths fuzz_ima_log's in-memory
 * parser does not take.
 *
 * The first input byte picks the column algorithm (bit 0: sha256, else
 * sha1); the rest is written to a memfd that the reader reads. Every
 * input yields no more records than it has bytes, and a memfd never
 * fails to read. Seeds in
 * fuzz/corpus/fuzz_ima_reader/: fuzz_ima_log's real logs (the same
 * prefix byte convention) and text lists.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "format/hashalg.h"
#include "format/ima_log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ima_reader r;
	struct ima_record rec;
	struct errbuf e;
	enum ima_read_result rr;
	size_t n = 0;
	int fd;

	if (size < 1 || (fd = memfd_create("fuzz_ima", 0)) == -1)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1) ||
	    lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	if (ima_reader_init(&r, fd, "fuzz.log", hashalg_by_name(data[0] & 1 ?
	    "sha256" : "sha1"), &e) == 0) {
		while ((rr = ima_reader_next(&r, &rec, &e)) == IMA_READ_RECORD)
			if (++n > size)
				__builtin_trap();	/* more records than bytes */
		if (rr == IMA_READ_IO)
			__builtin_trap();		/* a memfd reads */
		ima_reader_free(&r);
	}
	close(fd);
	return 0;
}
