/*
 * conn.c - the broker connection: a libmosquitto client in a persistent
 * session, run by the relay's own loop, reconnecting with exponential
 * backoff.
 *
 * The client is put in "threaded" mode (mosquitto_threaded_set) although
 * the relay has one thread: libmosquitto 2.0 then only queues the packets
 * it sends from inside its read path (the PUBACK of a received QoS 1
 * message is queued before on_message runs, lib/handle_publish.c) and
 * writes them in the write step of the next mosquitto_loop turn, after
 * on_message returned. See relay.h for why that matters.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "format/escape.h"
#include "relay/relay.h"

volatile sig_atomic_t relay_stop;

void
relay_log(const char *fmt, ...)
{
	char line[ERRBUF_MAX * 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Topics and file names come from the broker and the spools. */
	fputs("dossier-relay: ", stderr);
	esc_fputs(line, 0, stderr);
	fputc('\n', stderr);
	fflush(stderr);
}

int64_t
relay_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* mosquitto_strerror without its final '.', or errno's message. */
static const char *
conn_strerror(int rc, char *buf, size_t cap)
{
	size_t n;

	if (rc == MOSQ_ERR_ERRNO)
		return strerror(errno);
	snprintf(buf, cap, "%s", mosquitto_strerror(rc));
	n = strlen(buf);
	if (n > 0 && buf[n - 1] == '.')
		buf[n - 1] = '\0';
	return buf;
}

/* libmosquitto's own errors (OpenSSL's reasons for a failed handshake). */
static void
on_log(struct mosquitto *mosq, void *arg, int level, const char *msg)
{
	(void)mosq;
	(void)arg;
	if (level & (MOSQ_LOG_ERR | MOSQ_LOG_WARNING))
		relay_log("libmosquitto: %s", msg);
}

static void
on_connect(struct mosquitto *mosq, void *arg, int rc, int flags,
    const mosquitto_property *props)
{
	struct relay_conn *c = arg;

	(void)mosq;
	(void)props;
	if (rc != 0) {
		relay_log("broker %s:%d refused the connection: %s",
		    c->o->host, c->o->port, c->o->protocol == 5 ?
		    mosquitto_reason_string(rc) : mosquitto_connack_string(rc));
		return;
	}
	c->connected = true;
	c->attempt = 0;
	relay_log("connected to %s:%d as %s (MQTT %s, session %s)",
	    c->o->host, c->o->port, c->o->client_id,
	    c->o->protocol == 5 ? "5" : "3.1.1",
	    (flags & 1) ? "resumed" : "new");
	if (c->h.connected != NULL)
		c->h.connected(c, (flags & 1) != 0);
}

static void
on_disconnect(struct mosquitto *mosq, void *arg, int rc,
    const mosquitto_property *props)
{
	struct relay_conn *c = arg;

	(void)mosq;
	(void)props;
	if (c->connected && rc != 0 && !c->fatal)
		relay_log("connection to %s:%d lost: %s", c->o->host,
		    c->o->port, mosquitto_strerror(rc));
	c->connected = false;
	c->socket_up = false;
}

static void
on_message(struct mosquitto *mosq, void *arg,
    const struct mosquitto_message *m, const mosquitto_property *props)
{
	struct relay_conn *c = arg;

	(void)mosq;
	(void)props;
	if (c->fatal || c->h.message == NULL)
		return;
	c->h.message(c, m->topic, m->payload,
	    m->payloadlen > 0 ? (size_t)m->payloadlen : 0);
}

static void
on_publish(struct mosquitto *mosq, void *arg, int mid, int reason,
    const mosquitto_property *props)
{
	struct relay_conn *c = arg;

	(void)mosq;
	(void)props;
	if (c->h.published != NULL)
		c->h.published(c, mid, reason);
}

static int
conn_mosq_error(int rc, const char *what, struct errbuf *e)
{
	return err_set(e, "%s: %s", what, rc == MOSQ_ERR_ERRNO ?
	    strerror(errno) : mosquitto_strerror(rc));
}

static int
conn_security(struct relay_conn *c, struct errbuf *e)
{
	const struct relay_config *cfg = &c->o->cfg;
	int rc;

	if (cfg->username[0] != '\0' &&
	    (rc = mosquitto_username_pw_set(c->mosq, cfg->username,
	    cfg->password[0] != '\0' ? cfg->password : NULL)) != 0)
		return conn_mosq_error(rc, "username", e);
	if (!c->o->tls) {
		if (relay_key_is_tpm(cfg))
			return err_set(e, "key_file %s: a TLS key needs an "
			    "mqtts:// broker", cfg->key_file);
		return 0;
	}
	if (relay_key_is_tpm(cfg))
		return relay_tls_tpm_setup(c->mosq, c->o, &c->tpm, e);
	rc = mosquitto_tls_set(c->mosq,
	    cfg->ca_file[0] != '\0' ? cfg->ca_file : NULL,
	    cfg->ca_file[0] != '\0' ? NULL : "/etc/ssl/certs",
	    cfg->cert_file[0] != '\0' ? cfg->cert_file : NULL,
	    cfg->key_file[0] != '\0' ? cfg->key_file : NULL, NULL);
	if (rc != 0)
		return conn_mosq_error(rc, "TLS setup (ca_file, cert_file, "
		    "key_file)", e);
	return 0;
}

int
relay_conn_init(struct relay_conn *c, const struct relay_opts *o,
    const struct relay_handlers *h, struct errbuf *e)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->o = o;
	c->h = *h;
	mosquitto_lib_init();
	if ((c->mosq = mosquitto_new(o->client_id, false, c)) == NULL)
		return err_set(e, "mosquitto_new: %s", strerror(errno));
	if ((rc = mosquitto_int_option(c->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    o->protocol == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311)) != 0 ||
	    (rc = mosquitto_threaded_set(c->mosq, true)) != 0) {
		conn_mosq_error(rc, "client options", e);
		goto fail;
	}
	if (conn_security(c, e) == -1)
		goto fail;
	mosquitto_log_callback_set(c->mosq, on_log);
	mosquitto_connect_v5_callback_set(c->mosq, on_connect);
	mosquitto_disconnect_v5_callback_set(c->mosq, on_disconnect);
	mosquitto_message_v5_callback_set(c->mosq, on_message);
	mosquitto_publish_v5_callback_set(c->mosq, on_publish);
	return 0;
fail:
	mosquitto_destroy(c->mosq);
	c->mosq = NULL;
	relay_tls_tpm_free(c->tpm);
	c->tpm = NULL;
	mosquitto_lib_cleanup();
	return -1;
}

static int64_t
backoff_ms(unsigned attempt)
{
	int64_t d = RELAY_BACKOFF_FIRST_MS;

	while (attempt-- > 1 && d < RELAY_BACKOFF_MAX_MS)
		d *= 2;
	return d < RELAY_BACKOFF_MAX_MS ? d : RELAY_BACKOFF_MAX_MS;
}

static void
conn_schedule(struct relay_conn *c, const char *why)
{
	int64_t d;

	c->attempt++;
	d = backoff_ms(c->attempt);
	c->next_attempt_ms = relay_now_ms() + d;
	relay_log("%s; next attempt in %lld ms", why, (long long)d);
}

/*
 * MQTT 5 CONNECT properties: the session expiry interval, and for a
 * subscriber of a small kind a maximum packet size of
 * RELAY_PACKET_SLACK times the kind's limit plus 64 KiB, so the broker
 * never sends what no payload of the kind could be (a near miss still
 * arrives and is refused with a log line).
 */
static int
conn_properties(const struct relay_opts *o, mosquitto_property **props)
{
	uint64_t max = (uint64_t)relay_kind_max(o->kind) * RELAY_PACKET_SLACK +
	    65536;

	if (mosquitto_property_add_int32(props,
	    MQTT_PROP_SESSION_EXPIRY_INTERVAL, o->cfg.session_expiry) != 0)
		return -1;
	if (o->mode == RELAY_SUBSCRIBE && max < MQTT_MAX_PAYLOAD &&
	    mosquitto_property_add_int32(props, MQTT_PROP_MAXIMUM_PACKET_SIZE,
	    (uint32_t)max) != 0)
		return -1;
	return 0;
}

static void
conn_connect(struct relay_conn *c)
{
	mosquitto_property *props = NULL;
	char why[ERRBUF_MAX], msg[ERRBUF_MAX];
	int rc;

	relay_log("connecting to %s:%d (attempt %u)", c->o->host, c->o->port,
	    c->attempt + 1);
	if (c->o->protocol == 5 && conn_properties(c->o, &props) == -1) {
		conn_schedule(c, "out of memory");
		return;
	}
	rc = mosquitto_connect_bind_v5(c->mosq, c->o->host, c->o->port,
	    c->o->cfg.keepalive, NULL, props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_SUCCESS) {
		snprintf(why, sizeof(why), "cannot connect to %s:%d: %s",
		    c->o->host, c->o->port, conn_strerror(rc, msg, sizeof(msg)));
		conn_schedule(c, why);
		return;
	}
	c->socket_up = true;
}

void
relay_conn_step(struct relay_conn *c, int timeout_ms)
{
	char why[ERRBUF_MAX], msg[ERRBUF_MAX];
	struct timespec ts;
	int rc;

	if (c->fatal)
		return;
	if (!c->socket_up) {
		if (relay_now_ms() >= c->next_attempt_ms && !relay_stop)
			conn_connect(c);
		if (!c->socket_up) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)timeout_ms * 1000000L;
			nanosleep(&ts, NULL);
			return;
		}
	}
	rc = mosquitto_loop(c->mosq, timeout_ms, 1);
	if (rc == MOSQ_ERR_SUCCESS || c->fatal)
		return;
	snprintf(why, sizeof(why), "connection to %s:%d: %s", c->o->host,
	    c->o->port, conn_strerror(rc, msg, sizeof(msg)));
	c->connected = false;
	c->socket_up = false;
	conn_schedule(c, why);
}

void
relay_conn_abort(struct relay_conn *c, const char *why)
{
	int fd;

	relay_log("stopping without acknowledging the message in hand "
	    "(the broker keeps it): %s", why);
	c->fatal = true;
	if ((fd = mosquitto_socket(c->mosq)) != -1)
		shutdown(fd, SHUT_RDWR);
}

void
relay_conn_close(struct relay_conn *c)
{
	int64_t until;

	if (c->mosq == NULL)
		return;
	if (c->connected && !c->fatal) {
		mosquitto_disconnect(c->mosq);
		until = relay_now_ms() + 2000;
		while (c->socket_up && relay_now_ms() < until &&
		    mosquitto_loop(c->mosq, 100, 1) == MOSQ_ERR_SUCCESS)
			;
		relay_log("disconnected from %s:%d", c->o->host, c->o->port);
	}
	mosquitto_destroy(c->mosq);
	c->mosq = NULL;
	relay_tls_tpm_free(c->tpm);
	c->tpm = NULL;
	mosquitto_lib_cleanup();
}
