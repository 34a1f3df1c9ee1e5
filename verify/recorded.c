/*
 * recorded.c - see recorded.h.
 */
#include "verify/recorded.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static int
add_stored_check(void *arg, const char *name, const char *outcome,
    const char *reason, struct errbuf *e)
{
	struct result *r = arg;
	struct result_check *c;

	if (r->n_checks == RESULT_CHECKS_MAX)
		return err_set(e, "stored result with more than %d checks",
		    RESULT_CHECKS_MAX);
	c = &r->checks[r->n_checks++];
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->reason, sizeof(c->reason), "%s", reason);
	if (strcmp(outcome, "ok") == 0)
		c->outcome = RESULT_OK;
	else if (strcmp(outcome, "fail") == 0)
		c->outcome = RESULT_CHECK_FAIL;
	else if (strcmp(outcome, "skip") == 0)
		c->outcome = RESULT_SKIP;
	else
		return err_set(e, "stored check %s: outcome \"%s\"", name,
		    outcome);
	return 0;
}

int
recorded_result(struct store *s, const struct store_result_record *rec,
    const char *input, bool has_offset, uint64_t offset, struct result *r,
    struct errbuf *e)
{
	const struct store_result *sr = &rec->r;

	/* the members before the checks; n_checks counts what follows */
	memset(r, 0, offsetof(struct result, checks));
	snprintf(r->input, sizeof(r->input), "%s", input);
	r->has_offset = has_offset;
	r->offset = offset;
	r->has_device = sr->has_device;
	memcpy(r->device_id, sr->device_id, sizeof(r->device_id));
	r->has_challenge = sr->has_challenge;
	memcpy(r->challenge_id, sr->challenge_id, sizeof(r->challenge_id));
	r->verdict = sr->verdict == STORE_VERDICT_PASS ? RESULT_PASS :
	    sr->verdict == STORE_VERDICT_FAIL ? RESULT_FAIL : RESULT_ERROR;
	r->has_bundle_digest = true;
	memcpy(r->bundle_sha256, sr->bundle_sha256, 32);
	r->time = sr->created;
	r->n_checks = 0;
	return store_checks_foreach(s, sr->checks_json, add_stored_check, r,
	    e);
}
