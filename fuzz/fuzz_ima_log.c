/*
 * fuzz_ima_log.c - libFuzzer target for the IMA binary-list parser, the
 * ASCII renderer and the replay (format/ima_log.h, format/ima_replay.h).
 *
 * The first input byte picks the column algorithm (bit 0 clear: sha1,
 * set: sha256, as in a Linux 6.10 per-bank list) and, with bit 1, reads
 * the rest as ascii_runtime_measurements text, rebuilding each line
 * (ima_ascii_to_binary); otherwise the rest is a binary list. Every
 * record the parser returns must lie inside the input, with its fields
 * inside its template data; it is rendered and replayed into sha1 and
 * sha256 in both modes, with expected values so prefix tracking runs too.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "format/ima_log.h"
#include "format/ima_replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_record(const struct ima_record *r, const uint8_t *buf, size_t len)
{
	size_t i;

	if (r->size > len || r->data < buf || r->data + r->data_len > buf +
	    len || r->digest < buf || r->nfields > IMA_TEMPLATE_FIELDS_MAX ||
	    r->pcr >= IMA_PCR_COUNT)
		__builtin_trap();
	for (i = 0; i < r->nfields; i++)
		if (r->fields[i].data < r->data || r->fields[i].data +
		    r->fields[i].len > r->data + r->data_len)
			__builtin_trap();
	if (r->path != NULL && (r->path < (const char *)r->data ||
	    r->path + r->path_len > (const char *)r->data + r->data_len))
		__builtin_trap();
}

/* Text input: each line rebuilt, parsed, rendered and replayed. */
static void
text(struct ima_parser *p, struct ima_replay *rp, const uint8_t *data,
    size_t size, FILE *sink)
{
	static uint8_t rec_buf[4096 + 512];
	struct ima_record rec;
	struct errbuf e;
	const uint8_t *nl;
	size_t blen, need, len;
	bool ok;

	p->order = IMA_ORDER_LE;
	while (size > 0 && (nl = memchr(data, '\n', size)) != NULL) {
		len = (size_t)(nl - data);
		if (len > 4096)
			return;
		if (ima_ascii_to_binary((const char *)data, len, p->log_alg,
		    rec_buf, len + 512, &blen, &e) == -1)
			return;
		if (blen > len + 512)
			__builtin_trap();
		if (ima_parse_record(p, rec_buf, blen, &rec, &need, &e) !=
		    IMA_PARSE_RECORD)
			return;
		check_record(&rec, rec_buf, blen);
		ima_ascii_write(sink, &rec);
		if (ima_replay_record(rp, &rec, &ok, &e) == -1)
			__builtin_trap();
		data += len + 1;
		size -= len + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	const struct hashalg *banks[2];
	struct ima_parser p;
	struct ima_record rec;
	struct ima_replay rp;
	struct ima_bank_result res;
	struct pcr_set expect;
	struct errbuf e;
	size_t off, need;
	bool ok;
	uint8_t v[32];

	if (size < 1)
		return 0;
	if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
		return 0;
	banks[0] = hashalg_by_name("sha1");
	banks[1] = hashalg_by_name("sha256");
	if (ima_replay_init(&rp, banks, 2, IMA_REPLAY_BOTH,
	    banks[data[0] & 1], &e) == -1)
		__builtin_trap();
	pcr_set_init(&expect);
	memset(v, 0x5a, sizeof(v));
	pcr_set_put(&expect, banks[0], 10, v, &e);
	pcr_set_put(&expect, banks[1], 10, v, &e);
	ima_replay_expect(&rp, &expect);
	ima_parser_init(&p, banks[data[0] & 1], IMA_ORDER_UNKNOWN);
	if (data[0] & 2) {
		text(&p, &rp, data + 1, size - 1, sink);
		goto done;
	}
	data++;
	size--;
	for (off = 0;;) {
		enum ima_parse_result r = ima_parse_record(&p, data + off,
		    size - off, &rec, &need, &e);

		if (r == IMA_PARSE_MORE) {
			if (need <= size - off || need > IMA_RECORD_MAX)
				__builtin_trap();
			ima_parse_finish(&p, data + off, size - off, &e);
			break;
		}
		if (r != IMA_PARSE_RECORD)
			break;
		check_record(&rec, data + off, size - off);
		off += rec.size;
		ima_ascii_write(sink, &rec);
		if (ima_replay_record(&rp, &rec, &ok, &e) == -1)
			__builtin_trap();
	}
done:
	ima_replay_result(&rp, 0, &res);
	ima_replay_result(&rp, 1, &res);
	ima_replay_free(&rp);
	return 0;
}
