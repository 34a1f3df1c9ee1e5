/*
 * inspect_recorded.c - dossier inspect BUNDLE with a store: what the store
 * recorded when it judged that bundle (inspect.h). The recorded verdict is
 * the audit trail; --explain judges again under today's store, which is
 * another thing (a consumed challenge fails challenge.single-use then).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "format/escape.h"
#include "format/escape.h"
#include "format/hex.h"
#include "format/results.h"
#include "verify/evidence.h"
#include "verify/inspect.h"
#include "verify/recorded.h"
#include "verify/cmd.h"
#include "verify/store.h"
#include "verify/store_devices.h"

#define RECORDED_COUNT_MAX	64	/* "judged N times" counted up to */

static void
print_recorded(FILE *f, struct store *s, const struct store_result_record *rec,
    const struct result *r, size_t times)
{
	struct store_verifier sv;
	char when[21], hex[65], name[STORE_HOST_NAME_MAX + 1];
	struct errbuf e;
	bool found;

	fprintf(f, "\n[recorded]\n");
	fprintf(f, "store %s\n", store_path(s));
	if (store_verifier_get(s, &sv, &found, &e) == 0 && found) {
		memset(sv.private_pem, 0, sizeof(sv.private_pem));
		hex_encode(sv.key_id, 32, hex);
		fprintf(f, "verifier %s\n", hex);
	}
	if (result_time_format(r->time, when, &e) == 0)
		fprintf(f, "judged %s\n", when);
	hex_encode(rec->r.id, STORE_ID_LEN, hex);
	fprintf(f, "result %s\n", hex);
	if (rec->r.has_device) {
		/* Its name as dossier devices shows it (label or host name;
		 * may quote what the device stated). */
		cmd_device_name(s, rec->r.device_id, name, sizeof(name));
		hex_encode(rec->r.device_id, STORE_DEVICE_ID_LEN, hex);
		fprintf(f, "device %s", hex);
		if (name[0] != '\0') {
			fputs(" (", f);
			esc_fputs(name, ESC_FIELD, f);
			fputc(')', f);
		}
		fputc('\n', f);
	}
	if (times > 1)
		fprintf(f, "times %zu%s (the newest is shown)\n", times,
		    times >= RECORDED_COUNT_MAX ? " or more" : "");
	inspect_print_checks(f, r);
	fprintf(f, "verdict %s (recorded)\n", result_verdict_name(r->verdict));
}

static void
print_kept(FILE *f, struct store *s, const uint8_t sha256[32])
{
	char path[EVIDENCE_PATH_MAX];
	struct evidence *ev;
	struct errbuf e;
	struct stat sb;

	if (evidence_open(store_path(s), false, &ev, &e) == -1) {
		esc_fprintln(f, "evidence unknown (%s)", e.msg);
		return;
	}
	if (ev == NULL) {
		fprintf(f, "evidence not kept (the store has no evidence "
		    "archive)\n");
		return;
	}
	evidence_path(ev, sha256, path);
	if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode))
		fprintf(f, "evidence kept %s\n", path);
	else
		fprintf(f, "evidence not kept\n");
	evidence_close(ev);
}

int
inspect_recorded(FILE *f, const uint8_t sha256[32], bool *recorded,
    struct errbuf *e)
{
	struct store_result_record rec;
	int64_t rowids[RECORDED_COUNT_MAX];
	struct result *r = NULL;
	struct store *s;
	struct errbuf oe;
	char path[STORE_PATH_MAX];
	size_t times = 0;
	bool found;
	int rc = -1;

	*recorded = false;
	if (cmd_store_path() == NULL && getenv("DOSSIER_STORE") == NULL)
		return 0;
	/* a store named but not there is no reason to refuse decoding the
	 * file: say so in the section (--explain needs it and says why) */
	if (store_resolve_path(cmd_store_path(), path, sizeof(path), &oe) ==
	    -1 || store_open(path, STORE_READ_ONLY, &s, &oe) == -1) {
		fprintf(f, "\n[recorded]\n");
		esc_fprintln(f, "store none (%s)", oe.msg);
		return 0;
	}
	if (store_result_find_before(s, sha256, INT64_MAX, &rec, &found,
	    e) == -1)
		goto out;
	if (!found) {
		fprintf(f, "\n[recorded]\nstore %s\nverdict none (this store "
		    "has not judged these bytes)\n", store_path(s));
		rc = 0;
		goto out;
	}
	if ((r = malloc(sizeof(*r))) == NULL) {
		err_set(e, "out of memory");
		goto free_rec;
	}
	if (store_result_rowids_after(s, sha256, 0, rowids, RECORDED_COUNT_MAX,
	    &times, e) == -1 || recorded_result(s, &rec, rec.r.input_name,
	    false, 0, r, e) == -1)
		goto free_rec;
	print_recorded(f, s, &rec, r, times);
	/* The input's name as recorded: a file or archive entry name. */
	fputs("input ", f);
	esc_fputs(r->input, ESC_FIELD, f);
	fputc('\n', f);
	print_kept(f, s, sha256);
	*recorded = true;
	rc = 0;
free_rec:
	store_result_record_free(&rec);
out:
	free(r);
	store_close(s);
	return rc;
}
