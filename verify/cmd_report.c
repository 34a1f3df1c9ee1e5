/*
 * cmd_report.c - dossier report [--since T] -o FILE.html|FILE.csv: the
 * fleet's stored results for a person who does not run dossier
 * (dossier-report(1)).
 *
 * HTML: one self-contained page (inline CSS and SVG, no script, nothing
 * fetched): the fleet at a glance (a grid of verdicts, device by round of
 * challenges), the failing checks ranked, the device table and each
 * device's results with their findings (failed and skipped checks with
 * their reasons). CSV: one record per stored result with the same facts.
 * Every stored string goes through verify/webtext.h.
 *
 * Read only; the file is written atomically (format/fileio.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "format/results.h"
#include "verify/cmd.h"
#include "verify/fleet.h"
#include "verify/store.h"
#include "verify/store_devices.h"
#include "verify/webtext.h"

/* Rounds drawn in the grid: the newest ones (the table and CSV have all). */
#define REPORT_ROUNDS_MAX	60
/* Bytes of a name in the grid's label column (200 px). */
#define REPORT_LABEL_CHARS	28
/* Distinct failing check names ranked. */
#define REPORT_CHECKS_MAX	256

enum cell {
	CELL_NONE,		/* not challenged in this round */
	CELL_PASS,
	CELL_FAIL,
	CELL_ERROR,
	CELL_MISSED,		/* no answer, challenge past its time */
	CELL_WAITING,		/* no answer yet, still valid */
};

static const char *const cell_class[] = {
	"none", "pass", "fail", "error", "missed", "waiting",
};
/* Which of two outcomes of one device in one round a cell shows. */
static const unsigned char cell_rank[] = {
	[CELL_NONE] = 0, [CELL_MISSED] = 1, [CELL_WAITING] = 2,
	[CELL_PASS] = 3, [CELL_ERROR] = 4, [CELL_FAIL] = 5,
};
static const char *const cell_word[] = {
	"not challenged", "pass", "fail", "error", "no answer", "waiting",
};

struct ranked {
	char name[RESULT_CHECK_NAME_MAX + 1];
	unsigned results;		/* failed results */
	unsigned devices;		/* distinct devices among them */
	unsigned char *seen;		/* by fleet index */
};

struct report_run {
	struct store *s;
	struct fleet fleet;
	int64_t since, now;
	bool csv;
	FILE *f;
	/* rounds in [since, now], oldest first; the grid shows the newest
	 * REPORT_ROUNDS_MAX of them */
	int64_t *rounds;
	size_t nrounds, rounds_cap;
	unsigned char *grid;		/* fleet.n x nrounds cells */
	struct ranked *checks;
	size_t nchecks;
	unsigned results, by_verdict[3];
	struct errbuf e;
	const struct fleet_device *cur;	/* per-device section */
	unsigned cur_n;
};

static void
report_usage(FILE *f)
{
	fputs("usage: dossier [--store path] report [--since time] "
	    "-o file.html|file.csv\n"
	    "time: 2026-01-31, 2026-01-31T12:00:00Z or @epoch-seconds.\n"
	    "See dossier-report(1).\n", f);
}

static void
when(int64_t t, char out[21])
{
	struct errbuf e;

	if (result_time_format(t, out, &e) == -1)
		snprintf(out, 21, "-");
}

static size_t
dev_index(const struct report_run *r, const struct fleet_device *d)
{
	return (size_t)(d - r->fleet.dev);
}

/* ---- gathering ------------------------------------------------------------ */

static int
on_round_time(void *arg, const struct store_round_cell *c, struct errbuf *e)
{
	struct report_run *r = arg;
	void *p;

	if (r->nrounds > 0 && r->rounds[r->nrounds - 1] == c->round)
		return 0;
	if (r->nrounds == r->rounds_cap) {
		r->rounds_cap = r->rounds_cap == 0 ? 32 : 2 * r->rounds_cap;
		if ((p = realloc(r->rounds, r->rounds_cap *
		    sizeof(*r->rounds))) == NULL)
			return err_set(e, "out of memory");
		r->rounds = p;
	}
	r->rounds[r->nrounds++] = c->round;
	return 0;
}

/* The first round the grid draws. */
static size_t
grid_first(const struct report_run *r)
{
	return r->nrounds > REPORT_ROUNDS_MAX ?
	    r->nrounds - REPORT_ROUNDS_MAX : 0;
}

static int
on_cell(void *arg, const struct store_round_cell *c, struct errbuf *e)
{
	struct report_run *r = arg;
	const struct fleet_device *d = fleet_find(&r->fleet, c->device_id);
	size_t lo = 0, hi = r->nrounds, mid;
	unsigned char v, *p;

	(void)e;
	if (d == NULL)
		return 0;
	while (lo < hi) {	/* rounds are sorted and distinct */
		mid = lo + (hi - lo) / 2;
		if (r->rounds[mid] < c->round)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == r->nrounds || r->rounds[lo] != c->round)
		return 0;
	if (c->answered)
		v = c->verdict == STORE_VERDICT_PASS ? CELL_PASS :
		    c->verdict == STORE_VERDICT_FAIL ? CELL_FAIL : CELL_ERROR;
	else if (c->state == STORE_CHALLENGE_ISSUED && c->not_after >= r->now)
		v = CELL_WAITING;
	else
		v = CELL_MISSED;
	/* Several challenges of one device in one round (two runs in one
	 * second): the cell shows the worst answer, else the wait. */
	p = &r->grid[dev_index(r, d) * r->nrounds + lo];
	if (cell_rank[v] > cell_rank[*p])
		*p = v;
	return 0;
}

static int
rank_check(struct report_run *r, const char *name, size_t dev,
    struct errbuf *e)
{
	struct ranked *k = NULL;
	size_t i;

	for (i = 0; i < r->nchecks; i++)
		if (strcmp(r->checks[i].name, name) == 0) {
			k = &r->checks[i];
			break;
		}
	if (k == NULL) {
		if (r->nchecks == REPORT_CHECKS_MAX)
			return 0;	/* the rest are not ranked */
		k = &r->checks[r->nchecks++];
		snprintf(k->name, sizeof(k->name), "%s", name);
		if ((k->seen = calloc(r->fleet.n + 1, 1)) == NULL)
			return err_set(e, "out of memory");
	}
	k->results++;
	if (dev < r->fleet.n && !k->seen[dev]) {
		k->seen[dev] = 1;
		k->devices++;
	}
	return 0;
}

struct rank_arg {
	struct report_run *r;
	size_t dev;
};

static int
on_rank(void *arg, const char *name, const char *outcome, const char *reason,
    struct errbuf *e)
{
	struct rank_arg *a = arg;

	(void)reason;
	return strcmp(outcome, "fail") == 0 ? rank_check(a->r, name, a->dev,
	    e) : 0;
}

static int
on_result_count(void *arg, const struct store_result_record *rec,
    struct errbuf *e)
{
	struct report_run *r = arg;
	const struct fleet_device *d = fleet_find(&r->fleet, rec->r.device_id);
	struct rank_arg a = { r, d != NULL ? dev_index(r, d) : r->fleet.n };

	r->results++;
	if ((unsigned)rec->r.verdict < 3)
		r->by_verdict[rec->r.verdict]++;
	return store_checks_foreach(r->s, rec->checks_json, on_rank, &a, e);
}

static int
by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->results != y->results)
		return x->results < y->results ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int
gather(struct report_run *r, struct errbuf *e)
{
	if (fleet_load(r->s, r->now, &r->fleet, e) == -1 ||
	    store_rounds_foreach(r->s, r->since, r->now, on_round_time, r,
	    e) == -1)
		return -1;
	if ((r->grid = calloc(r->fleet.n * r->nrounds + 1, 1)) == NULL ||
	    (r->checks = calloc(REPORT_CHECKS_MAX, sizeof(*r->checks))) ==
	    NULL)
		return err_set(e, "out of memory");
	if (store_rounds_foreach(r->s, r->since, r->now, on_cell, r,
	    e) == -1 ||
	    store_results_foreach(r->s, NULL, r->since, INT64_MAX,
	    on_result_count, r, e) == -1)
		return -1;
	qsort(r->checks, r->nchecks, sizeof(*r->checks), by_rank);
	return 0;
}

/* ---- HTML ----------------------------------------------------------------- */

static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;"
    "border-bottom:1px solid #ccc}h3{font-size:1em;margin-bottom:.3em}"
    "table{border-collapse:collapse;margin:.5em 0}"
    "td,th{border:1px solid #ddd;padding:2px 8px;text-align:left;"
    "vertical-align:top}th{background:#f4f4f4}"
    "code{font-family:ui-monospace,monospace;font-size:.9em}"
    ".pass{color:#176a2c}.fail{color:#b00020;font-weight:bold}"
    ".error{color:#a55a00;font-weight:bold}.missed,.waiting{color:#666}"
    ".legend span{display:inline-block;width:12px;height:12px;"
    "margin:0 4px 0 12px;vertical-align:middle}"
    "rect.pass,.legend .pass{fill:#2e9e4f;background:#2e9e4f}"
    "rect.fail,.legend .fail{fill:#d32f2f;background:#d32f2f}"
    "rect.error,.legend .error{fill:#f0a030;background:#f0a030}"
    "rect.missed,.legend .missed{fill:#9e9e9e;background:#9e9e9e}"
    "rect.waiting,.legend .waiting{fill:#b3d4f5;background:#b3d4f5}"
    "rect.none,.legend .none{fill:#f4f4f4;background:#f4f4f4}"
    ".small{color:#666;font-size:.9em}";

/* What a device is called on the page: its name, else its short id. */
static void
html_device_name(FILE *f, const struct fleet_device *d)
{
	const char *n = store_device_display(&d->names);

	if (n[0] != '\0')
		html_text(f, n);
	else
		fprintf(f, "%.16s", d->hex);
}

/* The name cut to fit the grid's label column (at a UTF-8 boundary). */
static void
html_short_name(FILE *f, const struct fleet_device *d)
{
	const char *n = store_device_display(&d->names);
	char cut[REPORT_LABEL_CHARS + 4];
	size_t k = strlen(n);

	if (n[0] == '\0' || k <= REPORT_LABEL_CHARS) {
		html_device_name(f, d);
		return;
	}
	k = REPORT_LABEL_CHARS;
	while (k > 0 && ((unsigned char)n[k] & 0xc0) == 0x80)
		k--;
	snprintf(cut, sizeof(cut), "%.*s...", (int)k, n);
	html_text(f, cut);
}

static void
html_grid(struct report_run *r)
{
	const int cw = 14, ch = 14, lw = 200, top = 16;
	size_t first = grid_first(r), nshown = r->nrounds - first, i, j;
	FILE *f = r->f;
	char t[21];
	unsigned char v;

	fputs("<h2>Fleet at a glance</h2>\n", f);
	if (r->nrounds == 0 || r->fleet.n == 0) {
		fputs("<p>No rounds of challenges in this period.</p>\n", f);
		return;
	}
	fputs("<p class=\"small\">One row per device, one column per round "
	    "of challenges (oldest left", f);
	if (first > 0)
		fprintf(f, "; the newest %d of %zu rounds", REPORT_ROUNDS_MAX,
		    r->nrounds);
	fputs("). Hover a cell for its device, round and outcome.</p>\n", f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
	    "aria-label=\"verdicts per device and round\" width=\"%zu\" "
	    "height=\"%zu\">\n", (size_t)lw + nshown * cw + 10,
	    (size_t)top + r->fleet.n * ch + 4);
	for (i = 0; i < r->fleet.n; i++) {
		const struct fleet_device *d = &r->fleet.dev[i];

		fprintf(f, "<text x=\"0\" y=\"%zu\" font-size=\"11\">",
		    (size_t)top + i * ch + 11);
		html_short_name(f, d);
		fputs("</text>\n", f);
		for (j = first; j < r->nrounds; j++) {
			v = r->grid[i * r->nrounds + j];
			when(r->rounds[j], t);
			fprintf(f, "<rect class=\"%s\" x=\"%zu\" y=\"%zu\" "
			    "width=\"%d\" height=\"%d\"><title>", cell_class[v],
			    (size_t)lw + (j - first) * cw, (size_t)top + i * ch,
			    cw - 2, ch - 2);
			html_device_name(f, d);
			fprintf(f, ", round %s: %s</title></rect>\n", t,
			    cell_word[v]);
		}
	}
	fputs("</svg>\n<p class=\"legend small\">", f);
	for (i = CELL_PASS; i <= CELL_WAITING; i++)
		fprintf(f, "<span class=\"%s\"></span>%s", cell_class[i],
		    cell_word[i]);
	fprintf(f, "<span class=\"none\"></span>%s</p>\n",
	    cell_word[CELL_NONE]);
}

static void
html_checks(struct report_run *r)
{
	FILE *f = r->f;
	size_t i;

	fputs("<h2>Failing checks</h2>\n", f);
	if (r->nchecks == 0) {
		fputs("<p>No check failed in this period.</p>\n", f);
		return;
	}
	fputs("<table id=\"checks\"><tr><th>check</th><th>failed results"
	    "</th><th>devices</th></tr>\n", f);
	for (i = 0; i < r->nchecks; i++) {
		fputs("<tr><td><code>", f);
		html_text(f, r->checks[i].name);
		fprintf(f, "</code></td><td>%u</td><td>%u</td></tr>\n",
		    r->checks[i].results, r->checks[i].devices);
	}
	fputs("</table>\n", f);
}

static void
html_devices(struct report_run *r)
{
	FILE *f = r->f;
	char t[21];
	size_t i;

	fputs("<h2>Devices</h2>\n<table id=\"devices\"><tr><th>device</th>"
	    "<th>name</th><th>state</th><th>EK</th><th>last result</th>"
	    "<th>verdict</th><th>first failed check</th><th>outstanding</th>"
	    "<th>last round</th></tr>\n", f);
	for (i = 0; i < r->fleet.n; i++) {
		const struct fleet_device *d = &r->fleet.dev[i];
		const char *v = d->has_last ?
		    store_verdict_name(d->last_verdict) : "none";

		fprintf(f, "<tr class=\"device\" data-device=\"%s\"><td><a "
		    "href=\"#d-%s\"><code>%.16s</code></a></td><td "
		    "class=\"name\">", d->hex, d->hex, d->hex);
		html_text(f, store_device_display(&d->names));
		fprintf(f, "</td><td>%s</td><td>", store_device_state_name(
		    d->state));
		html_text(f, d->ek_type);
		fputc(' ', f);
		html_text(f, d->ek_manufacturer);
		when(d->last_time, t);
		fprintf(f, "</td><td>%s</td><td class=\"verdict %s\">%s</td>"
		    "<td><code>", d->has_last ? t : "", v, v);
		html_text(f, d->first_failed);
		fprintf(f, "</code></td><td>%u</td><td>%s</td></tr>\n",
		    d->outstanding, !d->in_last_round ? "" : d->no_show ?
		    "no-show" : "answered");
	}
	fputs("</table>\n", f);
}

struct finding_arg {
	FILE *f;
	unsigned n;
};

static int
on_finding(void *arg, const char *name, const char *outcome,
    const char *reason, struct errbuf *e)
{
	struct finding_arg *a = arg;

	(void)e;
	if (strcmp(outcome, "ok") == 0)
		return 0;
	fprintf(a->f, "%s<li><code>", a->n++ == 0 ? "<ul>" : "");
	html_text(a->f, name);
	fprintf(a->f, "</code> <span class=\"%s\">%s</span>: ",
	    strcmp(outcome, "fail") == 0 ? "fail" : "missed",
	    strcmp(outcome, "fail") == 0 ? "fail" : "skip");
	html_text(a->f, reason);
	fputs("</li>", a->f);
	return 0;
}

static int
on_device_result(void *arg, const struct store_result_record *rec,
    struct errbuf *e)
{
	struct report_run *r = arg;
	struct finding_arg a = { r->f, 0 };
	const char *v = store_verdict_name(rec->r.verdict);
	char t[21];

	if (r->cur_n++ == 0)
		fputs("<table><tr><th>judged</th><th>verdict</th><th>input"
		    "</th><th>findings (failed and skipped checks)</th></tr>\n",
		    r->f);
	when(rec->r.created, t);
	fprintf(r->f, "<tr><td>%s</td><td class=\"verdict %s\">%s</td><td>"
	    "<code>", t, v, v);
	html_text(r->f, rec->input_name);
	fputs("</code></td><td>", r->f);
	if (store_checks_foreach(r->s, rec->checks_json, on_finding, &a,
	    e) == -1)
		return -1;
	fputs(a.n > 0 ? "</ul></td></tr>\n" : "none</td></tr>\n", r->f);
	return 0;
}

static int
html_detail(struct report_run *r, struct errbuf *e)
{
	FILE *f = r->f;
	size_t i;

	fputs("<h2>Per device</h2>\n", f);
	for (i = 0; i < r->fleet.n; i++) {
		const struct fleet_device *d = &r->fleet.dev[i];

		fprintf(f, "<section id=\"d-%s\"><h3>", d->hex);
		html_device_name(f, d);
		fprintf(f, " <span class=\"small\"><code>%s</code> %s</span>"
		    "</h3>\n", d->hex, store_device_state_name(d->state));
		if (d->names.host_name[0] != '\0' ||
		    d->names.machine_id[0] != '\0') {
			fputs("<p class=\"small\">host name ", f);
			html_text(f, d->names.host_name[0] != '\0' ?
			    d->names.host_name : "-");
			fputs(", machine id ", f);
			html_text(f, d->names.machine_id[0] != '\0' ?
			    d->names.machine_id : "-");
			fputs("</p>\n", f);
		}
		r->cur = d;
		r->cur_n = 0;
		if (store_results_foreach(r->s, d->id, r->since, INT64_MAX,
		    on_device_result, r, e) == -1)
			return -1;
		fputs(r->cur_n > 0 ? "</table>\n</section>\n" :
		    "<p>No results in this period.</p>\n</section>\n", f);
	}
	return 0;
}

static int
write_html(struct report_run *r, struct errbuf *e)
{
	FILE *f = r->f;
	char t[21], since[21];
	size_t i;
	unsigned noshow = 0;

	for (i = 0; i < r->fleet.n; i++)
		noshow += r->fleet.dev[i].no_show;
	when(r->now, t);
	when(r->since, since);
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta "
	    "charset=\"utf-8\">\n<title>dossier fleet report %s</title>\n"
	    "<style>%s</style></head>\n<body>\n<h1>Fleet attestation "
	    "report</h1>\n<p class=\"small\">Made %s by dossier %s from "
	    "the store <code>", t, css, t, DOSSIER_VERSION);
	html_text(f, store_path(r->s));
	fprintf(f, "</code>; results since %s.</p>\n", r->since > 0 ? since :
	    "the first");
	fprintf(f, "<p id=\"summary\">%zu devices; %u results: <span "
	    "class=\"pass\">%u pass</span>, <span class=\"fail\">%u fail"
	    "</span>, <span class=\"error\">%u error</span>; %zu rounds of "
	    "challenges; %u no-shows in the last round.</p>\n", r->fleet.n,
	    r->results, r->by_verdict[STORE_VERDICT_PASS],
	    r->by_verdict[STORE_VERDICT_FAIL],
	    r->by_verdict[STORE_VERDICT_ERROR], r->nrounds, noshow);
	html_grid(r);
	html_checks(r);
	html_devices(r);
	if (html_detail(r, e) == -1)
		return -1;
	fputs("</body></html>\n", f);
	return 0;
}

/* ---- CSV ------------------------------------------------------------------ */

struct csv_findings {
	char *buf;
	size_t len;
	FILE *m;
	char first[RESULT_CHECK_NAME_MAX + 1];
};

static int
on_csv_check(void *arg, const char *name, const char *outcome,
    const char *reason, struct errbuf *e)
{
	struct csv_findings *c = arg;

	(void)e;
	if (strcmp(outcome, "ok") == 0)
		return 0;
	if (c->first[0] == '\0' && strcmp(outcome, "fail") == 0)
		snprintf(c->first, sizeof(c->first), "%s", name);
	fprintf(c->m, "%s%s %s: %s", ftell(c->m) > 0 ? "; " : "", name,
	    strcmp(outcome, "fail") == 0 ? "fail" : "skip", reason);
	return 0;
}

static int
on_csv_result(void *arg, const struct store_result_record *rec,
    struct errbuf *e)
{
	struct report_run *r = arg;
	const struct fleet_device *d = fleet_find(&r->fleet, rec->r.device_id);
	struct csv_findings c;
	char t[21], hex[2 * STORE_DEVICE_ID_LEN + 1], chal[2 * STORE_ID_LEN + 1];
	int rc;

	memset(&c, 0, sizeof(c));
	if ((c.m = open_memstream(&c.buf, &c.len)) == NULL)
		return err_set(e, "out of memory");
	rc = store_checks_foreach(r->s, rec->checks_json, on_csv_check, &c, e);
	fclose(c.m);
	if (rc == -1) {
		free(c.buf);
		return -1;
	}
	when(rec->r.created, t);
	hex_encode(rec->r.device_id, STORE_DEVICE_ID_LEN, hex);
	if (rec->r.has_challenge)
		hex_encode(rec->r.challenge_id, STORE_ID_LEN, chal);
	else
		chal[0] = '\0';
	csv_field(r->f, true, t);
	csv_field(r->f, false, hex);
	csv_field(r->f, false, d != NULL ? d->names.label : "");
	csv_field(r->f, false, d != NULL ? d->names.host_name : "");
	csv_field(r->f, false, d != NULL ? store_device_state_name(d->state) :
	    "unknown");
	csv_field(r->f, false, store_verdict_name(rec->r.verdict));
	csv_field(r->f, false, c.first);
	csv_field(r->f, false, chal);
	csv_field(r->f, false, rec->input_name);
	csv_field(r->f, false, c.buf);
	csv_end(r->f);
	free(c.buf);
	return 0;
}

static int
write_csv(struct report_run *r, struct errbuf *e)
{
	static const char *const head[] = {
		"judged", "device", "label", "host_name", "state", "verdict",
		"first_failed", "challenge", "input", "findings",
	};
	size_t i;

	for (i = 0; i < sizeof(head) / sizeof(head[0]); i++)
		csv_field(r->f, i == 0, head[i]);
	csv_end(r->f);
	return store_results_foreach(r->s, NULL, r->since, INT64_MAX,
	    on_csv_result, r, e);
}

/* ---- the command ---------------------------------------------------------- */

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && strcmp(s + n - k, suffix) == 0;
}

static void
report_free(struct report_run *r)
{
	size_t i;

	for (i = 0; r->checks != NULL && i < r->nchecks; i++)
		free(r->checks[i].seen);
	free(r->checks);
	free(r->grid);
	free(r->rounds);
	fleet_free(&r->fleet);
	store_close(r->s);
}

enum outcome
cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct report_run r;
	const char *out = NULL;
	char *buf = NULL;
	size_t len = 0;
	time_t since = 0;
	enum outcome rc = OUTCOME_ERROR;
	int ch, w;

	memset(&r, 0, sizeof(r));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (cmd_parse_time(optarg, &since) == -1) {
				cmd_error("report: --since '%s': not a time "
				    "(2026-01-31, 2026-01-31T12:00:00Z or "
				    "@seconds)", optarg);
				return OUTCOME_ERROR;
			}
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			report_usage(stdout);
			return OUTCOME_HOLDS;
		default:
			cmd_error("report: unknown option '%s' (or one "
			    "without its value)", argv[optind - 1]);
			report_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind != argc) {
		cmd_error("report: unexpected argument '%s'", argv[optind]);
		report_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (out == NULL) {
		cmd_error("report: -o FILE.html or -o FILE.csv is required");
		report_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (ends_with(out, ".csv"))
		r.csv = true;
	else if (!ends_with(out, ".html") && !ends_with(out, ".htm")) {
		cmd_error("report: -o %s: the name ends in .html (a page) or "
		    ".csv (for spreadsheets)", out);
		return OUTCOME_ERROR;
	}
	r.since = (int64_t)since;
	r.now = (int64_t)time(NULL);
	if (cmd_store_open(STORE_MUST_EXIST, &r.s) == -1)
		return OUTCOME_ERROR;
	if ((r.f = open_memstream(&buf, &len)) == NULL) {
		cmd_error("report: out of memory");
		goto out;
	}
	if (gather(&r, &r.e) == -1) {
		cmd_error("report: %s: %s", store_path(r.s), r.e.msg);
		goto out;
	}
	w = r.csv ? write_csv(&r, &r.e) : write_html(&r, &r.e);
	if (ferror(r.f) || fclose(r.f) != 0) {
		r.f = NULL;
		cmd_error("report: out of memory writing the report");
		goto out;
	}
	r.f = NULL;
	if (w == -1) {
		cmd_error("report: %s: %s", store_path(r.s), r.e.msg);
		goto out;
	}
	if (file_write_atomic(out, (const uint8_t *)buf, len, &r.e) == -1) {
		cmd_error("report: %s: %s", out, r.e.msg);
		goto out;
	}
	fprintf(stderr, "report: %s: %zu devices, %u results, %zu rounds\n",
	    out, r.fleet.n, r.results, r.nrounds);
	rc = OUTCOME_HOLDS;
out:
	if (r.f != NULL)
		fclose(r.f);
	free(buf);
	report_free(&r);
	return rc;
}
