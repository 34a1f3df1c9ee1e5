/*
 * cmd_devices.c - dossier devices [list] [--json] [--no-shows] | show DEV
 * | label DEV TEXT | label --clear DEV | revoke DEV [--reason TEXT]: the
 * enrolled devices with their names and lifecycle (dossier-devices(1)).
 *
 * DEV is anything cmd_find_device() takes: a label, a host name, the id or
 * a unique prefix of it. The table and show escape every stored string
 * (names are what devices state); --json writes JSON Lines, one object a
 * device, strings escaped by format/results.h's JSON rules.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/escape.h"
#include "format/hex.h"
#include "format/results.h"
#include "verify/cmd.h"
#include "verify/fleet.h"
#include "verify/store.h"
#include "verify/store_devices.h"

static void
devices_usage(FILE *f)
{
	fputs("usage: dossier [--store path] devices [list] [--json] "
	    "[--no-shows]\n"
	    "       dossier [--store path] devices show dev\n"
	    "       dossier [--store path] devices label dev text | "
	    "label --clear dev\n"
	    "       dossier [--store path] devices revoke dev "
	    "[--reason text]\n"
	    "dev: a label, a host name, the device id or a unique prefix of "
	    "it (8+ hex digits).\nSee dossier-devices(1).\n", f);
}

/* "2026-01-31T12:00:00Z", or "-" for a time out of range. */
static void
when(int64_t t, char out[21])
{
	struct errbuf e;

	if (result_time_format(t, out, &e) == -1)
		snprintf(out, 21, "-");
}

/* ---- list ------------------------------------------------------------- */

static const char *
round_word(const struct fleet_device *d)
{
	if (!d->in_last_round)
		return "-";
	return d->no_show ? "no-show" : "answered";
}

static void
print_row(const struct fleet_device *d)
{
	char name[24], ek[64], ekx[64], t[21], check[RESULT_CHECK_NAME_MAX + 1];
	const char *shown = store_device_display(&d->names);

	esc_str(shown[0] != '\0' ? shown : "-", ESC_FIELD, name, sizeof(name));
	snprintf(ek, sizeof(ek), "%s%s%s", d->ek_type[0] ? d->ek_type : "-",
	    d->ek_manufacturer[0] ? " " : "", d->ek_manufacturer);
	esc_str(ek, ESC_FIELD, ekx, sizeof(ekx));
	printf("%.16s  %-23s %-8s  %-22s %4u  %-8s  ", d->hex, name,
	    store_device_state_name(d->state), ekx, d->outstanding,
	    round_word(d));
	if (!d->has_last) {
		puts("-");
		return;
	}
	when(d->last_time, t);
	printf("%s %s", t, store_verdict_name(d->last_verdict));
	if (d->first_failed[0] != '\0') {
		esc_str(d->first_failed, ESC_FIELD, check, sizeof(check));
		printf(" %s", check);
	}
	putchar('\n');
}

/* "key":"value" with value JSON-escaped; ',' before unless first. */
static int
json_str(FILE *f, bool first, const char *key, const char *value,
    struct errbuf *e)
{
	char *x;

	if (result_json_escape(value, strlen(value), &x, e) == -1)
		return -1;
	fprintf(f, "%s\"%s\":\"%s\"", first ? "" : ",", key, x);
	free(x);
	return 0;
}

/* A JSON string, or null for "". */
static int
json_opt(FILE *f, const char *key, const char *value, struct errbuf *e)
{
	if (value[0] == '\0') {
		fprintf(f, ",\"%s\":null", key);
		return 0;
	}
	return json_str(f, false, key, value, e);
}

static int
print_json(const struct fleet_device *d, struct errbuf *e)
{
	char t[21];

	fputc('{', stdout);
	if (json_str(stdout, true, "device", d->hex, e) == -1 ||
	    json_opt(stdout, "name", store_device_display(&d->names),
	    e) == -1 ||
	    json_opt(stdout, "label", d->names.label, e) == -1 ||
	    json_opt(stdout, "host_name", d->names.host_name, e) == -1 ||
	    json_opt(stdout, "machine_id", d->names.machine_id, e) == -1 ||
	    json_str(stdout, false, "state",
	    store_device_state_name(d->state), e) == -1 ||
	    json_opt(stdout, "ek_type", d->ek_type, e) == -1 ||
	    json_opt(stdout, "ek_manufacturer", d->ek_manufacturer, e) == -1)
		return -1;
	fprintf(stdout, ",\"outstanding\":%u", d->outstanding);
	if (d->in_last_round)
		fprintf(stdout, ",\"last_round\":\"%s\"", round_word(d));
	else
		fputs(",\"last_round\":null", stdout);
	if (!d->has_last) {
		fputs(",\"last\":null}\n", stdout);
		return 0;
	}
	when(d->last_time, t);
	fputs(",\"last\":{", stdout);
	if (json_str(stdout, true, "time", t, e) == -1 ||
	    json_str(stdout, false, "verdict",
	    store_verdict_name(d->last_verdict), e) == -1 ||
	    json_opt(stdout, "first_failed", d->first_failed, e) == -1 ||
	    json_opt(stdout, "reason", d->first_reason, e) == -1)
		return -1;
	fputs("}}\n", stdout);
	return 0;
}

static enum outcome
devices_list(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "no-shows", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false, no_shows = false;
	struct store *s = NULL;
	struct fleet f;
	struct errbuf e;
	enum outcome rc = OUTCOME_ERROR;
	size_t i;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = true;
			break;
		case 'n':
			no_shows = true;
			break;
		case 'h':
			devices_usage(stdout);
			return OUTCOME_HOLDS;
		default:
			cmd_error("devices list: unknown option '%s'",
			    argv[optind - 1]);
			devices_usage(stderr);
			return OUTCOME_ERROR;
		}
	}
	if (optind != argc) {
		cmd_error("devices list: unexpected argument '%s'",
		    argv[optind]);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	if (fleet_load(s, (int64_t)time(NULL), &f, &e) == -1) {
		cmd_error("devices: %s: %s", store_path(s), e.msg);
		goto out;
	}
	if (!json)
		printf("%-16s  %-23s %-8s  %-22s %4s  %-8s  %s\n", "DEVICE",
		    "NAME", "STATE", "EK", "CHAL", "ROUND", "LAST RESULT");
	for (i = 0; i < f.n; i++) {
		if (no_shows && !f.dev[i].no_show)
			continue;
		if (!json)
			print_row(&f.dev[i]);
		else if (print_json(&f.dev[i], &e) == -1) {
			cmd_error("devices: %s", e.msg);
			goto done;
		}
	}
	rc = OUTCOME_HOLDS;
done:
	fleet_free(&f);
out:
	store_close(s);
	return rc;
}

/* ---- show --------------------------------------------------------------- */

static int
show_refset(const struct store_refset *r, void *arg, struct errbuf *e)
{
	(void)arg;
	(void)e;
	printf(" %s", r->name);	/* [A-Za-z0-9._-] by the schema */
	return 0;
}

/* "key value" with the value escaped; "-" for "". */
static void
kv(const char *key, const char *value)
{
	printf("%-12s ", key);
	esc_fputs(value[0] != '\0' ? value : "-", ESC_FIELD, stdout);
	putchar('\n');
}

static enum outcome
devices_show(int argc, char **argv)
{
	struct store *s = NULL;
	struct fleet f;
	const struct fleet_device *d;
	uint8_t id[STORE_DEVICE_ID_LEN];
	char t[21];
	struct errbuf e;
	enum outcome rc = OUTCOME_ERROR;

	if (argc != 2) {
		cmd_error("devices show: give one device");
		devices_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	if (cmd_find_device(s, "devices show", argv[1], id) == -1)
		goto out;
	if (fleet_load(s, (int64_t)time(NULL), &f, &e) == -1) {
		cmd_error("devices: %s: %s", store_path(s), e.msg);
		goto out;
	}
	if ((d = fleet_find(&f, id)) == NULL) {
		cmd_error("devices show: the device went away meanwhile");
		goto done;
	}
	kv("device", d->hex);
	kv("name", store_device_display(&d->names));
	kv("label", d->names.label);
	kv("host-name", d->names.host_name);
	kv("machine-id", d->names.machine_id);
	kv("state", store_device_state_name(d->state));
	when(d->created, t);
	kv("enrolled", t);
	when(d->updated, t);
	kv("updated", t);
	kv("ek-type", d->ek_type);
	kv("ek-maker", d->ek_manufacturer);
	printf("%-12s", "refsets");
	if (store_device_refsets(s, d->id, show_refset, NULL, &e) == -1) {
		putchar('\n');
		cmd_error("devices show: %s", e.msg);
		goto done;
	}
	putchar('\n');
	printf("%-12s %u\n", "outstanding", d->outstanding);
	kv("last-round", d->in_last_round ? round_word(d) : "");
	if (d->has_last) {
		when(d->last_time, t);
		printf("%-12s %s %s\n", "last-result", t,
		    store_verdict_name(d->last_verdict));
		if (d->first_failed[0] != '\0') {
			printf("%-12s ", "first-fail");
			esc_fputs(d->first_failed, ESC_FIELD, stdout);
			fputs(": ", stdout);
			esc_fputs(d->first_reason, ESC_FIELD, stdout);
			putchar('\n');
		}
	} else
		kv("last-result", "");
	if (d->state == STORE_DEVICE_REVOKED) {
		if (d->names.revoked != 0) {
			when(d->names.revoked, t);
			kv("revoked", t);
		}
		kv("reason", d->names.revoke_reason);
		/* Re-enrollment is the only way back: a new enrollment
		 * challenge proves the AK again. */
		printf("re-enroll    on the device: dossier-collect enroll -o "
		    "dev.dossier ...;\n             here: dossier enroll "
		    "--replace dev.dossier -o enroll.tar, and carry\n"
		    "             enroll.tar back (dossier-devices(1), "
		    "RE-ENROLLMENT)\n");
	}
	rc = OUTCOME_HOLDS;
done:
	fleet_free(&f);
out:
	store_close(s);
	return rc;
}

/* ---- label, revoke ------------------------------------------------------ */

static enum outcome
devices_label(int argc, char **argv)
{
	struct store *s = NULL;
	uint8_t id[STORE_DEVICE_ID_LEN];
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	const char *dev, *label;
	struct errbuf e;
	enum outcome rc = OUTCOME_ERROR;

	if (argc == 3 && strcmp(argv[1], "--clear") == 0) {
		dev = argv[2];
		label = NULL;
	} else if (argc == 3 && argv[1][0] != '-') {
		dev = argv[1];
		label = argv[2];
		if (store_label_check(label, &e) == -1) {
			cmd_error("devices label: '%s': %s", label, e.msg);
			return OUTCOME_ERROR;
		}
	} else {
		cmd_error("devices label: give a device and a label, or "
		    "--clear and a device");
		devices_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	if (cmd_find_device(s, "devices label", dev, id) == -1)
		goto out;
	if (store_device_label_set(s, id, label, (int64_t)time(NULL),
	    &e) == -1) {
		cmd_error("devices label: %s", e.msg);
		goto out;
	}
	hex_encode(id, STORE_DEVICE_ID_LEN, hex);
	if (label != NULL)
		printf("labelled %s %s\n", hex, label);	/* printable ASCII */
	else
		printf("unlabelled %s\n", hex);
	rc = OUTCOME_HOLDS;
out:
	store_close(s);
	return rc;
}

static enum outcome
devices_revoke(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *s = NULL;
	uint8_t id[STORE_DEVICE_ID_LEN];
	char hex[2 * STORE_DEVICE_ID_LEN + 1];
	const char *reason = NULL;
	enum store_device_state state;
	struct errbuf e;
	enum outcome rc = OUTCOME_ERROR;
	bool found;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'r') {
			cmd_error("devices revoke: unknown option '%s' (or "
			    "--reason without its text)", argv[optind - 1]);
			return OUTCOME_ERROR;
		}
		reason = optarg;
	}
	if (optind != argc - 1) {
		cmd_error("devices revoke: give one device");
		devices_usage(stderr);
		return OUTCOME_ERROR;
	}
	if (cmd_store_open(STORE_MUST_EXIST, &s) == -1)
		return OUTCOME_ERROR;
	if (cmd_find_device(s, "devices revoke", argv[optind], id) == -1)
		goto out;
	hex_encode(id, STORE_DEVICE_ID_LEN, hex);
	if (store_device_get_state(s, id, &state, &found, &e) == -1) {
		cmd_error("devices revoke: %s", e.msg);
		goto out;
	}
	if (found && state == STORE_DEVICE_REVOKED) {
		printf("revoked %s (already)\n", hex);
		rc = OUTCOME_HOLDS;
		goto out;
	}
	if (store_device_revoke(s, id, reason, (int64_t)time(NULL), &e) == -1) {
		cmd_error("devices revoke: %s", e.msg);
		goto out;
	}
	printf("revoked %s\n", hex);
	rc = OUTCOME_HOLDS;
out:
	store_close(s);
	return rc;
}

enum outcome
cmd_devices(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-') {
		if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
		    strcmp(argv[1], "-h") == 0)) {
			devices_usage(stdout);
			return OUTCOME_HOLDS;
		}
		return devices_list(argc, argv);
	}
	if (strcmp(argv[1], "list") == 0)
		return devices_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "show") == 0)
		return devices_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "label") == 0)
		return devices_label(argc - 1, argv + 1);
	if (strcmp(argv[1], "revoke") == 0)
		return devices_revoke(argc - 1, argv + 1);
	cmd_error("devices: unknown subcommand '%s'", argv[1]);
	devices_usage(stderr);
	return OUTCOME_ERROR;
}
