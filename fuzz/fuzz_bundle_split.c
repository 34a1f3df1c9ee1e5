/*
 * fuzz_bundle_split.c - libFuzzer target for the stream splitter
 * (format/bundle_split.h) and the sniffing it uses (bundle_sniff.h): the
 * input is a stream of concatenated bundles and junk, handed over in
 * pieces of a size taken from its first byte, with junk skipped to the
 * next zstd magic as dossier verify does. Checked: the splitter never
 * asks for more at the end of the input, every bundle is inside what it
 * was given, junk starts inside it, and the pieces cover the stream
 * whole, in order.
 */
#include <stdint.h>
#include <string.h>

#include "format/bundle_sniff.h"
#include "format/bundle_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Pieces before the target gives up on an input (each is one byte at least). */
#define SPLIT_PIECES_MAX	4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bundle_split *sp;
	enum bundle_split_piece k;
	size_t step, start = 0, have, blen, pieces = 0;

	if (size < 1)
		return 0;
	if (sp == NULL && (sp = bundle_split_new(1u << 20)) == NULL)
		return 0;
	step = data[0] == 0 ? size : (size_t)data[0] * 7;
	data++;
	size--;
	have = step < size ? step : size;
	(void)sniff_kind(data, size);
	while (pieces++ < SPLIT_PIECES_MAX) {
		k = bundle_split_next(sp, data + start, have - start,
		    have == size, &blen);
		if (k == BUNDLE_SPLIT_MORE) {
			if (have == size)
				__builtin_trap();	/* more at the end */
			have = size - have > step ? have + step : size;
			continue;
		}
		if (k == BUNDLE_SPLIT_END) {
			if (start != size)
				__builtin_trap();	/* bytes left over */
			break;
		}
		if (k == BUNDLE_SPLIT_JUNK) {
			if (start == size || have == start)
				__builtin_trap();	/* junk of nothing */
			/* the caller reads on to the next magic */
			blen = sniff_zstd_find(data + start, size - start, 1);
		} else if (blen == 0 || blen > have - start)
			__builtin_trap();	/* a piece outside the input */
		start += blen;
		if (have < start)
			have = start;
	}
	bundle_split_reset(sp);
	return 0;
}
