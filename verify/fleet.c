/*
 * fleet.c - the fleet snapshot of dossier devices and dossier report
 * (fleet.h).
 */
#include <stdlib.h>
#include <string.h>

#include "format/hex.h"
#include "verify/fleet.h"

struct first_fail {
	char *name, *reason;
	size_t name_cap, reason_cap;
	bool found;
};

static int
on_check(void *arg, const char *name, const char *outcome, const char *reason,
    struct errbuf *e)
{
	struct first_fail *ff = arg;

	(void)e;
	if (ff->found || strcmp(outcome, "fail") != 0)
		return 0;
	snprintf(ff->name, ff->name_cap, "%s", name);
	snprintf(ff->reason, ff->reason_cap, "%s", reason);
	ff->found = true;
	return 0;
}

int
fleet_first_failed(struct store *s, const char *checks_json, char *name,
    size_t name_cap, char *reason, size_t reason_cap, struct errbuf *e)
{
	struct first_fail ff = { name, reason, name_cap, reason_cap, false };

	name[0] = reason[0] = '\0';
	return store_checks_foreach(s, checks_json, on_check, &ff, e);
}

struct load {
	struct fleet *f;
	size_t cap;
};

static int
on_device(const struct store_device *d, void *arg, struct errbuf *e)
{
	struct load *l = arg;
	struct fleet_device *fd;
	void *p;

	if (l->f->n == FLEET_DEVICES_MAX)
		return err_set(e, "more than %d devices", FLEET_DEVICES_MAX);
	if (l->f->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : 2 * l->cap;
		if ((p = realloc(l->f->dev, l->cap * sizeof(*fd))) == NULL)
			return err_set(e, "out of memory");
		l->f->dev = p;
	}
	fd = &l->f->dev[l->f->n++];
	memset(fd, 0, sizeof(*fd));
	memcpy(fd->id, d->id, STORE_DEVICE_ID_LEN);
	hex_encode(d->id, STORE_DEVICE_ID_LEN, fd->hex);
	fd->state = d->state;
	fd->created = d->created;
	fd->updated = d->updated;
	/* The EK facts from the stored certificate; one the store holds
	 * was parsed at enrollment, so a failure here only leaves them "". */
	{
		struct ekcert c;
		struct errbuf ignored;
		const struct ekcert_facts *x = &c.facts;

		if (ekcert_parse(d->ek_cert, d->ek_cert_len, &c,
		    &ignored) == 0) {
			snprintf(fd->ek_type, sizeof(fd->ek_type), "%s",
			    x->key_desc);
			if (x->manufacturer_is_id && x->manufacturer_ascii[0])
				snprintf(fd->ek_manufacturer,
				    sizeof(fd->ek_manufacturer), "%s",
				    x->manufacturer_ascii);
			else if (x->has_manufacturer)
				snprintf(fd->ek_manufacturer,
				    sizeof(fd->ek_manufacturer), "%s",
				    x->manufacturer);
		}
		ekcert_free(&c);
	}
	return 0;
}

/* Per device: names, newest result, outstanding challenges. */
static int
load_details(struct store *s, struct fleet_device *fd, int64_t now,
    struct errbuf *e)
{
	struct store_result_record rec;
	bool found;
	int rc;

	if (store_device_names_get(s, fd->id, &fd->names, &found, e) == -1 ||
	    store_device_outstanding(s, fd->id, now, &fd->outstanding,
	    e) == -1 ||
	    store_device_last_result(s, fd->id, &rec, &found, e) == -1)
		return -1;
	if (!found)
		return 0;
	fd->has_last = true;
	fd->last_time = rec.r.created;
	fd->last_verdict = rec.r.verdict;
	rc = fleet_first_failed(s, rec.checks_json, fd->first_failed,
	    sizeof(fd->first_failed), fd->first_reason,
	    sizeof(fd->first_reason), e);
	store_result_record_free(&rec);
	return rc;
}

static int
on_cell(void *arg, const struct store_round_cell *c, struct errbuf *e)
{
	struct fleet *f = arg;
	struct fleet_device *fd;

	(void)e;
	if ((fd = (struct fleet_device *)fleet_find(f, c->device_id)) == NULL)
		return 0;
	/* A device normally has one challenge a round; with several (two
	 * runs in one second) any answer is an answer. */
	if (!fd->in_last_round)
		fd->no_show = true;
	fd->in_last_round = true;
	if (c->answered)
		fd->no_show = false;
	return 0;
}

static int
by_id(const void *a, const void *b)
{
	return memcmp(((const struct fleet_device *)a)->id,
	    ((const struct fleet_device *)b)->id, STORE_DEVICE_ID_LEN);
}

int
fleet_load(struct store *s, int64_t now, struct fleet *f, struct errbuf *e)
{
	struct load l = { f, 0 };
	size_t i;

	memset(f, 0, sizeof(*f));
	if (store_device_foreach(s, 0, on_device, &l, e) == -1)
		goto fail;
	/* store_device_foreach() gives id order already; sorting keeps
	 * fleet_find()'s bsearch true whatever it does. */
	if (f->n > 1)
		qsort(f->dev, f->n, sizeof(*f->dev), by_id);
	for (i = 0; i < f->n; i++)
		if (load_details(s, &f->dev[i], now, e) == -1)
			goto fail;
	if (store_last_round(s, &f->last_round, &f->has_round, e) == -1 ||
	    (f->has_round && store_rounds_foreach(s, f->last_round,
	    f->last_round, on_cell, f, e) == -1))
		goto fail;
	return 0;
fail:
	fleet_free(f);
	return -1;
}

void
fleet_free(struct fleet *f)
{
	free(f->dev);
	memset(f, 0, sizeof(*f));
}

const struct fleet_device *
fleet_find(const struct fleet *f, const uint8_t id[STORE_DEVICE_ID_LEN])
{
	struct fleet_device key;

	if (f->n == 0)
		return NULL;
	memcpy(key.id, id, STORE_DEVICE_ID_LEN);
	return bsearch(&key, f->dev, f->n, sizeof(*f->dev), by_id);
}
