/*
 * own_bundle.c - see own_bundle.h.
 */
#include "collect/own_bundle.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "format/bundle.h"
#include "format/manifest.h"
#include "format/tpm_public.h"

struct own_read {
	const struct tpm_public *ak;
	struct manifest m;
};

/* bundle_reader.manifest: verified with the device's AK before any
 * member is read, so a planted file costs no more than its manifest. */
static int
own_manifest(void *arg, const uint8_t *buf, size_t len,
    struct bundle_member *members, size_t *nmembers, struct errbuf *e)
{
	struct own_read *o = arg;

	if (manifest_file_verify(buf, len, o->ak, &o->m, e) == -1)
		return -1;
	memcpy(members, o->m.members, o->m.n_members * sizeof(members[0]));
	*nmembers = o->m.n_members;
	return 0;
}

int
own_bundle_check(const char *path, const struct collect_state *st,
    const uint8_t challenge_id[16], char *why, size_t why_cap,
    struct errbuf *e)
{
	struct bundle_reader rd;
	struct tpm_public ak;
	struct own_read o;
	struct errbuf re;
	int fd, rc;

	if (tpm_public_parse_2b(st->ak_pub, st->ak_pub_len, &ak, e) == -1)
		return err_prefix(e, "the device's ak.pub");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return err_set(e, "%s: %s", path, strerror(errno));
	memset(&rd, 0, sizeof(rd));
	memset(&o, 0, sizeof(o));
	o.ak = &ak;
	rd.manifest = own_manifest;
	rd.arg = &o;
	rc = bundle_read_fd(path, fd, &rd, NULL, &re);
	close(fd);
	if (rc == -1) {
		snprintf(why, why_cap, "%s", re.msg);
		return 0;
	}
	if (o.m.kind != MANIFEST_EVIDENCE)
		snprintf(why, why_cap, "%s: not an evidence bundle", path);
	else if (memcmp(o.m.device_id, st->device_id, STATE_ID_LEN) != 0)
		snprintf(why, why_cap, "%s: names another device", path);
	else if (!o.m.has_challenge_id ||
	    memcmp(o.m.challenge_id, challenge_id, 16) != 0)
		snprintf(why, why_cap, "%s: answers another challenge", path);
	else
		return 1;
	return 0;
}
