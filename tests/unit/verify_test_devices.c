/*
 * verify_test_devices.c - device names and fleet queries
 * (verify/store_devices.h, verify/fleet.h) on a real SQLite store, and the
 * HTML and CSV writers of dossier report (verify/webtext.h).
 *
 * Fixtures: testdata/ek (real Infineon EK certificates, for the EK type
 * and manufacturer the fleet shows); see PROVENANCE.md there.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/fileio.h"
#include "verify/fleet.h"
#include "verify/store.h"
#include "verify/store_devices.h"
#include "verify/webtext.h"
#include "tests/unit/check.h"

#define EK_RSA	"testdata/ek/leaf/keylime/infineon_optiga_rsa_ek_ca035.der"
#define EK_ECC	"testdata/ek/leaf/keylime/infineon_optiga_ecc_ek_ca035.der"
#define NOW	1700000000

static void
make_device(struct store_device *d, const char *cert, uint8_t salt)
{
	uint8_t *der;
	size_t len;
	struct errbuf e;

	memset(d, 0, sizeof(*d));
	if (file_read(cert, STORE_EK_CERT_MAX, &der, &len, &e) == -1) {
		printf("# %s\n", e.msg);
		exit(2);
	}
	memcpy(d->ek_cert, der, len);
	d->ek_cert_len = len;
	free(der);
	store_device_id(d->ek_cert, d->ek_cert_len, d->id, NULL);
	memset(d->ek_public, 0x10 + salt, 300);
	d->ek_public_len = 300;
	memset(d->ak_public, 0x20 + salt, 280);
	d->ak_public_len = 280;
	d->ak_name[1] = 0x0b;
	memset(d->ak_name + 2, 0x30 + salt, 32);
	d->ak_name_len = 34;
	d->state = STORE_DEVICE_ENROLLED;
}

static void
make_challenge(struct store_challenge *c, const struct store_device *d,
    uint8_t n, int64_t issued)
{
	static const uint8_t sel[] = { 0, 0, 0, 1, 0x00, 0x0b, 3, 0xff, 0x04,
	    0x00 };

	memset(c, 0, sizeof(*c));
	memset(c->id, n, STORE_ID_LEN);
	memcpy(c->device_id, d->id, STORE_DEVICE_ID_LEN);
	c->purpose = STORE_CHALLENGE_ATTESTATION;
	memcpy(c->ak_name, d->ak_name, d->ak_name_len);
	c->ak_name_len = d->ak_name_len;
	memset(c->secret, 0x80 + n, STORE_SECRET_LEN);
	memcpy(c->pcr_selection, sel, sizeof(sel));
	c->pcr_selection_len = sizeof(sel);
	strcpy(c->logs, "ima");
	c->issued = issued;
	c->not_after = issued + 3600;
}

static void
test_names(struct store *s, const struct store_device *a,
    const struct store_device *b)
{
	struct store_device_names n;
	uint8_t ids[4][STORE_DEVICE_ID_LEN], unknown[STORE_DEVICE_ID_LEN];
	struct errbuf e = { "" };
	enum store_device_state st;
	bool found = true, by_label = true;
	size_t k;

	memset(unknown, 0x77, sizeof(unknown));
	CHECK(store_device_names_get(s, a->id, &n, &found, &e) == 0 &&
	    !found && n.label[0] == '\0' && store_device_display(&n)[0] ==
	    '\0', "names: none recorded yet");
	CHECK(store_device_identity_set(s, a->id, "kiosk",
	    "0123456789abcdef0123456789abcdef", NOW, &e) == 0 &&
	    store_device_identity_set(s, b->id, "kiosk", NULL, NOW, &e) == 0,
	    "names: host names recorded");
	CHECK(store_device_identity_set(s, a->id, "kiosk",
	    "0123456789ABCDEF0123456789ABCDEF", NOW, &e) == -1 &&
	    strstr(e.msg, "machine id") != NULL,
	    "names: an uppercase machine id refused");
	CHECK(store_device_identity_set(s, a->id, "ki\nosk", NULL, NOW,
	    &e) == -1, "names: a host name with a newline refused");
	CHECK(store_device_identity_set(s, unknown, "x", NULL, NOW, &e) == -1 &&
	    strstr(e.msg, "no device") != NULL, "names: unknown device refused");
	CHECK(store_device_names_get(s, a->id, &n, &found, &e) == 0 && found &&
	    strcmp(n.host_name, "kiosk") == 0 &&
	    strcmp(n.machine_id, "0123456789abcdef0123456789abcdef") == 0 &&
	    strcmp(store_device_display(&n), "kiosk") == 0,
	    "names: read back; shown by host name");

	CHECK(store_label_check("web-01", &e) == 0, "label: web-01 allowed");
	CHECK(store_label_check("", &e) == -1, "label: empty refused");
	CHECK(store_label_check("-x", &e) == -1, "label: leading - refused");
	CHECK(store_label_check(" x", &e) == -1, "label: leading space refused");
	CHECK(store_label_check("a\tb", &e) == -1, "label: TAB refused");
	CHECK(store_label_check("caf\xc3\xa9", &e) == -1,
	    "label: non-ASCII refused");
	CHECK(store_label_check("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxx", &e) == -1, "label: 65 characters refused");

	CHECK(store_device_label_set(s, a->id, "web-01", NOW, &e) == 0,
	    "label: set on a");
	CHECK(store_device_label_set(s, b->id, "web-01", NOW, &e) == -1 &&
	    strstr(e.msg, "already names device") != NULL,
	    "label: the same label on b refused (%s)", e.msg);
	CHECK(store_device_label_set(s, a->id, "web-01", NOW, &e) == 0,
	    "label: setting a device's own label again is fine");
	CHECK(store_device_find_name(s, "web-01", ids, 4, &k, &by_label,
	    &e) == 0 && k == 1 && by_label &&
	    memcmp(ids[0], a->id, STORE_DEVICE_ID_LEN) == 0,
	    "find: by label");
	CHECK(store_device_find_name(s, "kiosk", ids, 4, &k, &by_label,
	    &e) == 0 && k == 2 && !by_label, "find: a host name of two");
	CHECK(store_device_find_name(s, "kiosk", ids, 1, &k, &by_label,
	    &e) == 0 && k == 2, "find: counts past the cap");
	CHECK(store_device_find_name(s, "nothing", ids, 4, &k, &by_label,
	    &e) == 0 && k == 0, "find: nothing");
	CHECK(store_device_names_get(s, a->id, &n, &found, &e) == 0 &&
	    strcmp(store_device_display(&n), "web-01") == 0,
	    "names: a label is shown before the host name");

	CHECK(store_device_revoke(s, b->id, "lost\x01", NOW, &e) == -1,
	    "revoke: a reason with a control character refused");
	CHECK(store_device_revoke(s, b->id, "stolen", NOW + 5, &e) == 0 &&
	    store_device_get_state(s, b->id, &st, &found, &e) == 0 &&
	    st == STORE_DEVICE_REVOKED, "revoke: state revoked");
	CHECK(store_device_names_get(s, b->id, &n, &found, &e) == 0 &&
	    strcmp(n.revoke_reason, "stolen") == 0 && n.revoked == NOW + 5,
	    "revoke: reason and time kept");
	CHECK(store_device_identity_set(s, b->id, "kiosk", NULL, NOW + 6,
	    &e) == 0 && store_device_names_get(s, b->id, &n, &found, &e) == 0 &&
	    n.revoke_reason[0] == '\0' && n.revoked == 0,
	    "revoke: a re-enrollment clears the note");
	CHECK(store_device_label_set(s, a->id, NULL, NOW, &e) == 0 &&
	    store_device_names_get(s, a->id, &n, &found, &e) == 0 &&
	    n.label[0] == '\0', "label: cleared");
	CHECK(store_device_label_set(s, a->id, "web-01", NOW, &e) == 0,
	    "label: set again");
}

static void
test_fleet(struct store *s, const struct store_device *a,
    const struct store_device *b)
{
	static const char checks[] = "[{\"name\":\"quote.signature\","
	    "\"outcome\":\"ok\",\"reason\":\"\"},{\"name\":\"ima.unknown\","
	    "\"outcome\":\"fail\",\"reason\":\"/usr/bin/x not in the set\"},"
	    "{\"name\":\"pcr.reference\",\"outcome\":\"fail\",\"reason\":"
	    "\"PCR 7\"}]";
	struct store_challenge c;
	struct store_result r;
	const struct fleet_device *fa, *fb;
	struct fleet f;
	struct errbuf e = { "" };
	struct store_device b2;
	unsigned n = 99;

	/* Round 1 (NOW - 100): a and b; a answers. Round 2 (NOW): a only. */
	make_challenge(&c, a, 1, NOW - 100);
	CHECK(store_challenge_issue(s, &c, &e) == 0, "fleet: round 1, a");
	b2 = *b;
	CHECK(store_device_set_state(s, b->id, STORE_DEVICE_ENROLLED, NOW + 7,
	    &e) == 0, "fleet: b enrolled again");
	make_challenge(&c, &b2, 2, NOW - 100);
	CHECK(store_challenge_issue(s, &c, &e) == 0, "fleet: round 1, b");
	make_challenge(&c, a, 3, NOW);
	CHECK(store_challenge_issue(s, &c, &e) == 0, "fleet: round 2, a");

	memset(&r, 0, sizeof(r));
	memset(r.id, 0x41, STORE_ID_LEN);
	r.has_device = true;
	memcpy(r.device_id, a->id, STORE_DEVICE_ID_LEN);
	r.has_challenge = true;
	memset(r.challenge_id, 1, STORE_ID_LEN);
	r.input_name = "a.dossier";
	memset(r.bundle_sha256, 0x42, 32);
	r.verdict = STORE_VERDICT_FAIL;
	r.checks_json = checks;
	r.created = NOW - 50;
	CHECK(store_result_add(s, &r, &e) == 0, "fleet: a's answer to round 1");

	CHECK(store_device_outstanding(s, a->id, NOW, &n, &e) == 0 && n == 2,
	    "fleet: a has 2 outstanding (%u)", n);
	CHECK(store_device_outstanding(s, a->id, NOW + 4000, &n, &e) == 0 &&
	    n == 0, "fleet: none once past not_after");

	CHECK(fleet_load(s, NOW, &f, &e) == 0 && f.n == 2,
	    "fleet: two devices (%s)", e.msg);
	fa = fleet_find(&f, a->id);
	fb = fleet_find(&f, b->id);
	CHECK(fa != NULL && fb != NULL, "fleet: both found");
	if (fa == NULL || fb == NULL) {
		fleet_free(&f);
		return;
	}
	CHECK(f.has_round && f.last_round == NOW, "fleet: the last round");
	CHECK(fa->has_last && fa->last_verdict == STORE_VERDICT_FAIL &&
	    strcmp(fa->first_failed, "ima.unknown") == 0 &&
	    strcmp(fa->first_reason, "/usr/bin/x not in the set") == 0,
	    "fleet: a's last result and first failed check");
	CHECK(fa->in_last_round && fa->no_show,
	    "fleet: a is a no-show of the last round");
	CHECK(!fb->in_last_round && !fb->no_show && !fb->has_last,
	    "fleet: b was not in the last round, has no result");
	CHECK(strncmp(fa->ek_type, "rsa", 3) == 0 &&
	    strncmp(fb->ek_type, "ecc", 3) == 0,
	    "fleet: EK types from the certificates (%s, %s)", fa->ek_type,
	    fb->ek_type);
	CHECK(strcmp(fa->names.label, "web-01") == 0,
	    "fleet: names loaded");
	fleet_free(&f);
}

static char *
html(const char *in)
{
	static char buf[256];
	FILE *f;

	memset(buf, 0, sizeof(buf));
	if ((f = fmemopen(buf, sizeof(buf) - 1, "w")) == NULL)
		exit(2);
	html_text(f, in);
	fclose(f);
	return buf;
}

static char *
csv(const char *in)
{
	static char buf[256];
	FILE *f;

	memset(buf, 0, sizeof(buf));
	if ((f = fmemopen(buf, sizeof(buf) - 1, "w")) == NULL)
		exit(2);
	csv_field(f, true, in);
	fclose(f);
	return buf;
}

static void
test_webtext(void)
{
	CHECK(strcmp(html("<script>alert('x')&\"</script>"),
	    "&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;") == 0,
	    "html: markup characters escaped");
	CHECK(strcmp(html("a\x1b[2Jb\x7f"), "a\\x1b[2Jb\\x7f") == 0,
	    "html: controls shown as \\xHH");
	CHECK(strcmp(html("caf\xc3\xa9"), "caf\xc3\xa9") == 0,
	    "html: UTF-8 passes");
	CHECK(strcmp(html(NULL), "") == 0, "html: NULL is empty");
	CHECK(strcmp(csv("plain"), "\"plain\"") == 0, "csv: quoted");
	CHECK(strcmp(csv("a\"b,c"), "\"a\"\"b,c\"") == 0,
	    "csv: quote doubled, comma kept inside");
	CHECK(strcmp(csv("=1+1"), "\"'=1+1\"") == 0 &&
	    strcmp(csv("+x"), "\"'+x\"") == 0 &&
	    strcmp(csv("-x"), "\"'-x\"") == 0 &&
	    strcmp(csv("@SUM(A1)"), "\"'@SUM(A1)\"") == 0,
	    "csv: formula starts neutralised");
	CHECK(strcmp(csv("a=b"), "\"a=b\"") == 0, "csv: = inside is kept");
	CHECK(strcmp(csv("x\r\ny"), "\"x\\x0d\\x0ay\"") == 0,
	    "csv: one line per record");
	CHECK(strcmp(csv(""), "\"\"") == 0, "csv: empty field");
}

int
main(void)
{
	char dir[] = "/tmp/verify_test_devices.XXXXXX", path[128];
	struct store_device *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct errbuf e = { "" };
	struct store *s;

	if (a == NULL || b == NULL || mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/store.db", dir);
	CHECK(store_open(path, STORE_CREATE_NEW, &s, &e) == 0,
	    "store created (%s)", e.msg);
	make_device(a, EK_RSA, 1);
	make_device(b, EK_ECC, 2);
	CHECK(store_device_add(s, a, NOW - 1000, &e) == 0 &&
	    store_device_add(s, b, NOW - 1000, &e) == 0, "two devices added");
	test_names(s, a, b);
	test_fleet(s, a, b);
	test_webtext();
	store_close(s);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("# could not remove %s\n", dir);
	free(a);
	free(b);
	return check_finish();
}
