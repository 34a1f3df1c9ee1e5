/*
 * test_manifest_host.c - the facts that name a device in an enrollment
 * manifest (format/manifest.h: host.name, host.machine-id): looked up,
 * absent in older manifests, malformed ones refused.
 */
#include <stdlib.h>
#include <string.h>

#include "format/manifest.h"
#include "tests/unit/check.h"

static void
fact(struct manifest *m, const char *k, const char *v)
{
	snprintf(m->facts[m->n_facts].key, sizeof(m->facts[0].key), "%s", k);
	snprintf(m->facts[m->n_facts].value, sizeof(m->facts[0].value), "%s",
	    v);
	m->n_facts++;
}

int
main(void)
{
	struct manifest *m = calloc(1, sizeof(*m));
	const char *host = "x", *id = "x";
	struct errbuf e = { "" };

	if (m == NULL)
		return 2;
	fact(m, "kernel.release", "6.1.0");
	CHECK(manifest_fact(m, "kernel.release") != NULL &&
	    strcmp(manifest_fact(m, "kernel.release"), "6.1.0") == 0 &&
	    manifest_fact(m, "nothing") == NULL, "fact: looked up by key");
	CHECK(manifest_host_facts(m, &host, &id, &e) == 0 && host == NULL &&
	    id == NULL, "host facts: absent in an older manifest, no error");
	fact(m, MANIFEST_FACT_HOST_NAME, "kiosk-7");
	fact(m, MANIFEST_FACT_MACHINE_ID, "3d1219c7c4c5404aaa1f6d2a48adfda4");
	CHECK(manifest_host_facts(m, &host, &id, &e) == 0 && host != NULL &&
	    strcmp(host, "kiosk-7") == 0 && id != NULL &&
	    strcmp(id, "3d1219c7c4c5404aaa1f6d2a48adfda4") == 0,
	    "host facts: both read");
	snprintf(m->facts[2].value, sizeof(m->facts[2].value), "%s",
	    "3D1219C7C4C5404AAA1F6D2A48ADFDA4");
	CHECK(manifest_host_facts(m, &host, &id, &e) == -1 &&
	    strstr(e.msg, "host.machine-id") != NULL && host == NULL,
	    "host facts: an uppercase machine id refused (%s)", e.msg);
	snprintf(m->facts[2].value, sizeof(m->facts[2].value), "%s",
	    "3d1219c7c4c5404aaa1f6d2a48adfda");
	CHECK(manifest_host_facts(m, &host, &id, &e) == -1,
	    "host facts: 31 digits refused");
	snprintf(m->facts[2].value, sizeof(m->facts[2].value), "%s",
	    "3d1219c7c4c5404aaa1f6d2a48adfda4");
	m->facts[1].value[0] = '\0';
	CHECK(manifest_host_facts(m, &host, &id, &e) == -1 &&
	    strstr(e.msg, "host.name") != NULL,
	    "host facts: an empty host name refused");
	free(m);
	return check_finish();
}
