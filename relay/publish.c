/*
 * publish.c - spool -> broker: files of the relay's kind that appear in
 * new/ (inotify, and a rescan every RELAY_RESCAN_MS) are claimed into
 * cur/, checked, published QoS 1 (challenges retained) and removed from
 * cur/ only when the broker's PUBACK arrived.
 */
#include <sys/inotify.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "format/fileio.h"
#include "format/hex.h"
#include "relay/relay.h"

#define PUB_NO_SUBSCRIBER_RETRY_MS	5000

struct inflight {
	bool used;
	int mid;
	char name[SPOOL_NAME_MAX + 1];
};

/* A claimed file waiting to be (re)published. */
struct pending {
	char name[SPOOL_NAME_MAX + 1];
	int64_t not_before_ms;
};

/* The issue time of the newest challenge retained per device. */
struct newest {
	uint8_t device[32];
	int64_t issued;
};

struct publisher {
	const struct relay_opts *o;
	struct spool sp;
	int inotify_fd;
	bool scan;
	int64_t next_scan_ms;
	struct inflight fl[RELAY_INFLIGHT_MAX];
	size_t n_inflight;
	struct pending *pend;
	size_t n_pend;
	struct newest *newest;
	size_t n_newest;
	unsigned long published, refused;
};

static int
pub_pend_add(struct publisher *p, const char *name, int64_t not_before_ms)
{
	struct pending *n;

	if (p->n_pend >= SPOOL_LIST_MAX)
		return -1;
	n = realloc(p->pend, (p->n_pend + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	p->pend = n;
	strcpy(n[p->n_pend].name, name);
	n[p->n_pend].not_before_ms = not_before_ms;
	p->n_pend++;
	return 0;
}

/* Files of our kind a previous run claimed and never finished. */
static int
pub_take_cur(struct publisher *p, struct errbuf *e)
{
	enum spool_kind k;
	char **names;
	size_t n, i;

	if (spool_list(&p->sp, true, &names, &n, e) == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (!spool_name_valid(names[i], &k) || k != p->o->kind)
			continue;
		if (pub_pend_add(p, names[i], 0) == -1) {
			spool_names_free(names, n);
			return err_set(e, "out of memory");
		}
		relay_log("publishing %s again (claimed by an earlier run)",
		    names[i]);
	}
	spool_names_free(names, n);
	return 0;
}

/* Whether a challenge for device issued at issued is the newest seen. */
static bool
pub_newest(struct publisher *p, const uint8_t device[32], int64_t issued)
{
	struct newest *n;
	size_t i;

	for (i = 0; i < p->n_newest; i++) {
		if (memcmp(p->newest[i].device, device, 32) != 0)
			continue;
		if (issued < p->newest[i].issued)
			return false;
		p->newest[i].issued = issued;
		return true;
	}
	if (p->n_newest >= RELAY_DEVICES_MAX)
		p->n_newest = 0;	/* forget; the broker keeps the last */
	n = realloc(p->newest, (p->n_newest + 1) * sizeof(*n));
	if (n == NULL)
		return true;
	p->newest = n;
	memcpy(n[p->n_newest].device, device, 32);
	n[p->n_newest].issued = issued;
	p->n_newest++;
	return true;
}

/* Retain flag and MQTT 5 properties (message expiry) of a challenge. */
static int
pub_challenge_opts(struct publisher *p, const uint8_t *data, size_t len,
    bool *retain, mosquitto_property **props, struct errbuf *e)
{
	struct challenge *c;
	int64_t left;

	if ((c = malloc(sizeof(*c))) == NULL)
		return err_set(e, "out of memory");
	if (challenge_file_open(data, len, NULL, c, e) == -1) {
		free(c);
		return -1;
	}
	*retain = pub_newest(p, c->device_id, c->issued);
	left = c->not_after - (int64_t)time(NULL);
	free(c);
	if (p->o->protocol == 5 && left > 0 && left <= (int64_t)UINT32_MAX &&
	    mosquitto_property_add_int32(props,
	    MQTT_PROP_MESSAGE_EXPIRY_INTERVAL, (uint32_t)left) != 0)
		return err_set(e, "out of memory");
	return 0;
}

/* Read and check cur/name; its topic into topic. */
static int
pub_load(struct publisher *p, const char *name, uint8_t **data, size_t *len,
    char topic[RELAY_TOPIC_MAX + 1], struct errbuf *e)
{
	char path[SPOOL_PATH_MAX + SPOOL_NAME_MAX + 8];
	char dev[RELAY_DEVICE_HEX + 1], hex[RELAY_DEVICE_HEX + 1];
	uint8_t pdev[32];
	bool has;

	if (relay_name_device(name, dev, e) == -1 ||
	    spool_path(&p->sp, true, name, path, sizeof(path), e) == -1 ||
	    relay_topic(p->o, dev, topic, e) == -1)
		return -1;
	if (file_read(path, relay_kind_max(p->o->kind), data, len, e) == -1)
		return -1;
	if (relay_payload_check(p->o->kind, *data, *len, (int64_t)time(NULL),
	    &has, pdev, e) == -1)
		goto bad;
	hex[0] = '\0';
	if (has)
		hex_encode(pdev, 32, hex);
	if (strcmp(hex, dev) != 0) {
		err_set(e, "the file's device is not the one its name says");
		goto bad;
	}
	return 0;
bad:
	free(*data);
	*data = NULL;
	return -1;
}

static struct inflight *
pub_slot(struct publisher *p)
{
	size_t i;

	for (i = 0; i < RELAY_INFLIGHT_MAX; i++)
		if (!p->fl[i].used)
			return &p->fl[i];
	return NULL;
}

/* Publish claimed cur/name. -1: keep it pending (not connected). */
static int
pub_send(struct publisher *p, struct relay_conn *c, const char *name)
{
	char topic[RELAY_TOPIC_MAX + 1];
	mosquitto_property *props = NULL;
	struct inflight *slot;
	struct errbuf e;
	bool retain = false;
	uint8_t *data;
	size_t len;
	int rc, mid;

	if ((slot = pub_slot(p)) == NULL)
		return -1;
	if (pub_load(p, name, &data, &len, topic, &e) == -1 ||
	    (p->o->kind == SPOOL_CHALLENGE &&
	    pub_challenge_opts(p, data, len, &retain, &props, &e) == -1)) {
		p->refused++;
		relay_log("refused %s: %s (left in cur/)", name, e.msg);
		free(data);
		return 0;
	}
	rc = mosquitto_publish_v5(c->mosq, &mid, topic, (int)len, data, 1,
	    retain, props);
	mosquitto_property_free_all(&props);
	free(data);
	if (rc != MOSQ_ERR_SUCCESS) {
		relay_log("publish %s: %s (will retry)", name,
		    mosquitto_strerror(rc));
		return -1;
	}
	slot->used = true;
	slot->mid = mid;
	strcpy(slot->name, name);
	p->n_inflight++;
	relay_log("publishing %s to %s%s (%zu bytes)", name, topic,
	    retain ? ", retained" : "", len);
	return 0;
}

static void
pub_published(struct relay_conn *c, int mid, int reason)
{
	struct publisher *p = c->h.arg;
	struct inflight *f = NULL;
	struct errbuf e;
	size_t i;

	for (i = 0; i < RELAY_INFLIGHT_MAX; i++)
		if (p->fl[i].used && p->fl[i].mid == mid)
			f = &p->fl[i];
	if (f == NULL)
		return;
	f->used = false;
	p->n_inflight--;
	if (reason == MQTT_RC_NO_MATCHING_SUBSCRIBERS &&
	    p->o->kind != SPOOL_CHALLENGE) {
		relay_log("no subscriber took %s: kept, retried in %d ms",
		    f->name, PUB_NO_SUBSCRIBER_RETRY_MS);
		if (pub_pend_add(p, f->name, relay_now_ms() +
		    PUB_NO_SUBSCRIBER_RETRY_MS) == -1)
			relay_log("%s stays in cur/ until the next start",
			    f->name);
		return;
	}
	if (reason >= 0x80) {
		relay_log("broker refused %s: %s (left in cur/)", f->name,
		    mosquitto_reason_string(reason));
		return;
	}
	if (spool_done(&p->sp, f->name, &e) == -1) {
		relay_log("published %s but cannot finish it: %s", f->name,
		    e.msg);
		return;
	}
	p->published++;
	relay_log("published %s", f->name);
}

/* Publish pending names that are due. */
static void
pub_fill_pending(struct publisher *p, struct relay_conn *c)
{
	int64_t now = relay_now_ms();
	size_t i = 0;

	while (i < p->n_pend && p->n_inflight < RELAY_INFLIGHT_MAX) {
		if (p->pend[i].not_before_ms > now) {
			i++;
			continue;
		}
		if (pub_send(p, c, p->pend[i].name) == -1)
			return;
		p->pend[i] = p->pend[--p->n_pend];
	}
}

/* Claim and publish what new/ holds, up to the in-flight limit. */
static void
pub_fill_new(struct publisher *p, struct relay_conn *c)
{
	enum spool_kind k;
	struct errbuf e;
	char **names;
	size_t n, i;
	bool won;

	if (spool_list(&p->sp, false, &names, &n, &e) == -1) {
		relay_log("%s", e.msg);
		return;
	}
	for (i = 0; i < n && p->n_inflight < RELAY_INFLIGHT_MAX &&
	    !relay_stop; i++) {
		if (!spool_name_valid(names[i], &k) || k != p->o->kind)
			continue;
		if (spool_claim(&p->sp, names[i], &won, &e) == -1) {
			relay_log("%s", e.msg);
			continue;
		}
		if (won && pub_send(p, c, names[i]) == -1 &&
		    pub_pend_add(p, names[i], 0) == -1)
			relay_log("%s stays in cur/ until the next start",
			    names[i]);
	}
	p->scan = i < n;	/* more to do when the window opens */
	spool_names_free(names, n);
}

static void
pub_watch_drain(struct publisher *p)
{
	char buf[4096];

	if (p->inotify_fd == -1)
		return;
	while (read(p->inotify_fd, buf, sizeof(buf)) > 0)
		p->scan = true;
}

static void
pub_watch_open(struct publisher *p)
{
	char dir[SPOOL_PATH_MAX + 8];
	int n;

	p->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (p->inotify_fd == -1) {
		relay_log("inotify: %s; polling new/ every %d ms",
		    strerror(errno), RELAY_RESCAN_MS);
		return;
	}
	n = snprintf(dir, sizeof(dir), "%s/new", p->sp.dir);
	if (n < 0 || (size_t)n >= sizeof(dir) ||
	    inotify_add_watch(p->inotify_fd, dir, IN_MOVED_TO |
	    IN_CLOSE_WRITE) == -1) {
		relay_log("inotify on %s: %s; polling every %d ms", dir,
		    strerror(errno), RELAY_RESCAN_MS);
		close(p->inotify_fd);
		p->inotify_fd = -1;
	}
}

static void
pub_turn(struct publisher *p, struct relay_conn *c)
{
	int64_t now;

	relay_conn_step(c, RELAY_LOOP_MS);
	pub_watch_drain(p);
	now = relay_now_ms();
	if (now >= p->next_scan_ms) {
		p->scan = true;
		p->next_scan_ms = now + RELAY_RESCAN_MS;
	}
	if (!c->connected || c->fatal)
		return;
	pub_fill_pending(p, c);
	if (p->scan && p->n_inflight < RELAY_INFLIGHT_MAX)
		pub_fill_new(p, c);
}

/* Stop claiming; give what is in flight RELAY_DRAIN_MS to be acknowledged. */
static void
pub_drain(struct publisher *p, struct relay_conn *c)
{
	int64_t until = relay_now_ms() + RELAY_DRAIN_MS;

	while (p->n_inflight > 0 && c->connected && !c->fatal &&
	    relay_now_ms() < until)
		relay_conn_step(c, 100);
	if (p->n_inflight > 0)
		relay_log("%zu publishes unacknowledged: their files stay in "
		    "cur/ and are published again at the next start",
		    p->n_inflight);
}

int
relay_publish(const struct relay_opts *o, struct errbuf *e)
{
	struct relay_handlers h = { 0 };
	struct publisher p = { 0 };
	struct relay_conn c;
	int rc = -1, lock = -1;

	p.o = o;
	p.inotify_fd = -1;
	p.scan = true;
	/* The spool's one consumer: a second publisher would publish the
	 * claims left in cur/ a second time. */
	if (relay_spool_open(o->spool_dir, &p.sp, e) == -1 ||
	    spool_lock(&p.sp, &lock, e) == -1 ||
	    pub_take_cur(&p, e) == -1)
		goto out;
	pub_watch_open(&p);
	h.published = pub_published;
	h.arg = &p;
	if (relay_conn_init(&c, o, &h, e) == -1)
		goto out;
	while (!relay_stop && !c.fatal)
		pub_turn(&p, &c);
	pub_drain(&p, &c);
	relay_log("publisher stops: %lu published, %lu refused", p.published,
	    p.refused);
	relay_conn_close(&c);
	rc = 0;
out:
	spool_unlock(lock);
	if (p.inotify_fd != -1)
		close(p.inotify_fd);
	free(p.pend);
	free(p.newest);
	return rc;
}
