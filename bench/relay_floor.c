/*
 * relay_floor.c - the floor of bench/relay.sh: one libmosquitto client
 * that subscribes to TOPIC and publishes FILE N times on it, QoS 1, at
 * most 16 unacknowledged (as dossier-relay), and waits until it has both
 * every PUBACK and every message back. No files, no checks, no fsync:
 * what the broker and the protocol cost on this machine.
 *
 *   relay_floor -p PORT -t TOPIC -n N FILE
 *
 * Prints "floor_s=SECONDS msgs=N bytes=SIZE". Exit 1 on any failure.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "format/fileio.h"

#define FLOOR_INFLIGHT	16
#define FLOOR_FILE_MAX	((size_t)64 << 20)

struct floor_state {
	long sent, acked, received, n;
	bool subscribed;
};

static void
on_subscribe(struct mosquitto *m, void *arg, int mid, int qos_count,
    const int *granted)
{
	struct floor_state *st = arg;

	(void)m;
	(void)mid;
	(void)qos_count;
	(void)granted;
	st->subscribed = true;
}

static void
on_publish(struct mosquitto *m, void *arg, int mid)
{
	(void)m;
	(void)mid;
	((struct floor_state *)arg)->acked++;
}

static void
on_message(struct mosquitto *m, void *arg, const struct mosquitto_message *msg)
{
	(void)m;
	(void)msg;
	((struct floor_state *)arg)->received++;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct floor_state st = { 0 };
	struct mosquitto *m;
	const char *topic = NULL;
	struct errbuf e;
	uint8_t *data;
	size_t len;
	double t0;
	int ch, port = 0;

	while ((ch = getopt(argc, argv, "p:t:n:")) != -1) {
		if (ch == 'p')
			port = atoi(optarg);
		else if (ch == 't')
			topic = optarg;
		else if (ch == 'n')
			st.n = atol(optarg);
		else
			return 1;
	}
	if (optind + 1 != argc || topic == NULL || port <= 0 || st.n <= 0) {
		fprintf(stderr, "usage: relay_floor -p PORT -t TOPIC -n N FILE\n");
		return 1;
	}
	if (file_read(argv[optind], FLOOR_FILE_MAX, &data, &len, &e) == -1) {
		fprintf(stderr, "relay_floor: %s\n", e.msg);
		return 1;
	}
	mosquitto_lib_init();
	m = mosquitto_new(NULL, true, &st);
	if (m == NULL || mosquitto_connect(m, "127.0.0.1", port, 60) != 0) {
		fprintf(stderr, "relay_floor: cannot connect\n");
		return 1;
	}
	mosquitto_subscribe_callback_set(m, on_subscribe);
	mosquitto_publish_callback_set(m, on_publish);
	mosquitto_message_callback_set(m, on_message);
	mosquitto_subscribe(m, NULL, topic, 1);
	while (!st.subscribed)
		if (mosquitto_loop(m, 100, 1) != 0)
			return 1;
	t0 = now_s();
	while (st.acked < st.n || st.received < st.n) {
		while (st.sent < st.n && st.sent - st.acked < FLOOR_INFLIGHT) {
			if (mosquitto_publish(m, NULL, topic, (int)len, data, 1,
			    false) != 0)
				return 1;
			st.sent++;
		}
		if (mosquitto_loop(m, 100, 1) != 0)
			return 1;
	}
	printf("floor_s=%.3f msgs=%ld bytes=%zu\n", now_s() - t0, st.n, len);
	mosquitto_disconnect(m);
	mosquitto_destroy(m);
	mosquitto_lib_cleanup();
	free(data);
	return 0;
}
