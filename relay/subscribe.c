/*
 * subscribe.c - broker -> spool: every message on the relay's topic filter
 * is checked (size, format, device) and delivered into the spool's new/
 * under an idempotent name before its PUBACK leaves (see conn.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "format/hex.h"
#include "relay/relay.h"

struct subscriber {
	const struct relay_opts *o;
	struct spool sp;
	long test_delay_ms;		/* DOSSIER_RELAY_TEST_DELAY_MS */
	unsigned long delivered, duplicates, refused;
};

static void
sub_connected(struct relay_conn *c, bool session_present)
{
	char filter[RELAY_TOPIC_MAX + 1];
	struct errbuf e;
	int rc, opts = 0;

	/* MQTT 3.1.1 resends retained messages on every SUBSCRIBE: a
	 * resumed session keeps its subscription, so do not repeat it. In
	 * MQTT 5, retain handling 1 asks for retained messages only when the
	 * subscription is new. */
	if (c->o->protocol != 5 && session_present)
		return;
	if (c->o->protocol == 5)
		opts = MQTT_SUB_OPT_SEND_RETAIN_NEW;
	if (relay_topic_filter(c->o, filter, &e) == -1) {
		relay_conn_abort(c, e.msg);
		return;
	}
	rc = mosquitto_subscribe_v5(c->mosq, NULL, filter, 1, opts, NULL);
	if (rc != MOSQ_ERR_SUCCESS)
		relay_log("subscribe %s: %s", filter, mosquitto_strerror(rc));
	else
		relay_log("subscribed to %s (QoS 1)", filter);
}

static void
sub_test_delay(const struct subscriber *s)
{
	struct timespec ts;

	if (s->test_delay_ms <= 0)
		return;
	ts.tv_sec = s->test_delay_ms / 1000;
	ts.tv_nsec = (s->test_delay_ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && !relay_stop)
		;
}

/* Check a message; on success its spool name is in name. */
static int
sub_accept(const struct subscriber *s, const char *topic,
    const uint8_t *payload, size_t len, char name[SPOOL_NAME_MAX + 1],
    struct errbuf *e)
{
	uint8_t tdev[32], pdev[32];
	bool t_has, p_has;

	if (relay_topic_device(s->o, topic, &t_has, tdev, e) == -1)
		return -1;
	if (relay_payload_check(s->o->kind, payload, len, (int64_t)time(NULL),
	    &p_has, pdev, e) == -1)
		return -1;
	if (t_has != p_has || (t_has && memcmp(tdev, pdev, 32) != 0)) {
		char hex[65] = "none";

		if (p_has)
			hex_encode(pdev, 32, hex);
		return err_set(e, "the payload's device (%s) is not the "
		    "topic's", hex);
	}
	return relay_payload_name(s->o->kind, p_has, pdev, payload, len,
	    name, e);
}

static void
sub_message(struct relay_conn *c, const char *topic, const uint8_t *payload,
    size_t len)
{
	struct subscriber *s = c->h.arg;
	char name[SPOOL_NAME_MAX + 1];
	struct errbuf e;
	bool existed;

	if (sub_accept(s, topic, payload, len, name, &e) == -1) {
		s->refused++;
		relay_log("refused message on %s (%zu bytes): %s", topic, len,
		    e.msg);
		return;
	}
	relay_log("received %s on %s (%zu bytes)", name, topic, len);
	sub_test_delay(s);
	if (spool_deliver(&s->sp, name, payload, len, &existed, &e) == -1) {
		relay_conn_abort(c, e.msg);
		return;
	}
	if (existed) {
		s->duplicates++;
		relay_log("duplicate %s: already in the spool", name);
	} else {
		s->delivered++;
		relay_log("delivered %s", name);
	}
}

int
relay_spool_open(const char *dir, struct spool *sp, struct errbuf *e)
{
	struct timespec ts = { 0, 100 * 1000000L };
	int i;

	for (i = 1; spool_open(dir, true, sp, e) == -1; i++) {
		if (i == RELAY_SPOOL_OPEN_TRIES || relay_stop)
			return -1;
		nanosleep(&ts, NULL);
	}
	return 0;
}

int
relay_subscribe(const struct relay_opts *o, struct errbuf *e)
{
	struct relay_handlers h = { 0 };
	struct subscriber s = { 0 };
	struct relay_conn c;
	const char *delay;

	s.o = o;
	if ((delay = getenv("DOSSIER_RELAY_TEST_DELAY_MS")) != NULL) {
		s.test_delay_ms = strtol(delay, NULL, 10);
		if (s.test_delay_ms > RELAY_TEST_DELAY_MAX_MS)
			s.test_delay_ms = RELAY_TEST_DELAY_MAX_MS;
	}
	if (relay_spool_open(o->spool_dir, &s.sp, e) == -1)
		return -1;
	h.connected = sub_connected;
	h.message = sub_message;
	h.arg = &s;
	if (relay_conn_init(&c, o, &h, e) == -1)
		return -1;
	while (!relay_stop && !c.fatal)
		relay_conn_step(&c, RELAY_LOOP_MS);
	relay_log("subscriber stops: %lu delivered, %lu duplicates, "
	    "%lu refused", s.delivered, s.duplicates, s.refused);
	relay_conn_close(&c);
	if (c.fatal)
		return err_set(e, "stopped on an error (see above)");
	return 0;
}
