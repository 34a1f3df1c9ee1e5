/*
 * relay.h - dossier-relay(1): moves files between a spool directory
 * (spool/spool.h) and an MQTT broker (libmosquitto), in one direction per
 * process: publish (spool new/ -> broker) or subscribe (broker -> spool).
 *
 * Topics: dossier/FLEET/KIND/DEVICE, KIND challenge, evidence, results or ear,
 * DEVICE 64 lowercase hex digits or "unknown" (a result that names no
 * device). Everything is QoS 1 in a persistent session (clean session off,
 * a stable client id); challenges are published retained.
 *
 * Loss and duplication:
 *   publish    a file is claimed into cur/ and removed (spool_done) only
 *              when the broker's PUBACK for it arrived; files a previous
 *              run left in cur/ are published again at start.
 *   subscribe  libmosquitto 2.0 queues the PUBACK of a QoS 1 message
 *              before it calls on_message, and writes it at once unless
 *              the client is in "threaded" mode; the relay sets that mode
 *              (mosquitto_threaded_set) and runs its own loop, so the
 *              PUBACK leaves only after on_message returned, i.e. after
 *              the file was renamed into new/ and new/ was fsync'd. A
 *              relay killed before that is redelivered the message by the
 *              broker; spool names are idempotent (the first 16 bytes of
 *              the payload's SHA-256) so a redelivery is not a second file.
 *
 * Errors follow format/err.h. Log lines go to stderr, one per event,
 * "dossier-relay: ..." (relay_log).
 */
#ifndef DOSSIER_RELAY_H
#define DOSSIER_RELAY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/challenge.h"
#include "format/err.h"
#include "format/results.h"
#include "spool/spool.h"

/* Payload limits per kind. MQTT's own limit is 256 MiB per packet
 * (remaining length < 2^28), topic included, so bundles stop below it. */
#define RELAY_CHALLENGE_MAX	((size_t)CHALLENGE_FILE_MAX)
#define RELAY_RESULTS_MAX	((size_t)RESULT_FILE_MAX)
#define RELAY_EVIDENCE_MAX	((size_t)255 << 20)

/* MQTT 5 subscribers of challenges and results announce a maximum packet
 * size of this many times the kind's limit (plus 64 KiB). */
#define RELAY_PACKET_SLACK	4

#define RELAY_FLEET_MAX		64	/* [A-Za-z0-9._-] */
#define RELAY_GROUP_MAX		64	/* --share GROUP, same alphabet */
#define RELAY_CLIENT_ID_MAX	64	/* [A-Za-z0-9._-] */
#define RELAY_HOST_MAX		253
#define RELAY_TOPIC_MAX		256
#define RELAY_DEVICE_HEX	64
#define RELAY_CONFIG_MAX	(64u * 1024)	/* config file bytes */
#define RELAY_CONFIG_VALUE_MAX	1024
#define RELAY_INFLIGHT_MAX	16	/* unacknowledged publishes */
#define RELAY_DEVICES_MAX	100000	/* devices whose newest challenge is kept */
#define RELAY_BACKOFF_FIRST_MS	500
#define RELAY_BACKOFF_MAX_MS	30000
#define RELAY_LOOP_MS		200	/* one turn of the event loop */
#define RELAY_RESCAN_MS		2000	/* poll new/ even without inotify */
#define RELAY_DRAIN_MS		5000	/* wait for PUBACKs when stopping */
#define RELAY_TEST_DELAY_MAX_MS	600000
#define RELAY_KEEPALIVE_DEFAULT	60
#define RELAY_SESSION_EXPIRY_DEFAULT 604800u	/* MQTT 5: a week */

/*
 * A TLS client key held in a TPM: key_file = tpm2:FILE.pem (a TSS2 PRIVATE
 * KEY blob, as dossier-collect tls-key writes it) or tpm2:0x81xxxxxx (a
 * persistent handle). It is used through OpenSSL 3's "tpm2" provider
 * (tpm2-openssl), which reaches the TPM through the TCTI named by the
 * config's tcti key, else $DOSSIER_TCTI, else RELAY_DEFAULT_TCTI -- the
 * spelling and order of dossier-collect's --tcti -- handed to the provider
 * as $TPM2OPENSSL_TCTI.
 */
#define RELAY_KEY_TPM_PREFIX	"tpm2:"
#define RELAY_DEFAULT_TCTI	"device:/dev/tpmrm0"

/* The config file (never on the command line): relay_config_load(). */
struct relay_config {
	char username[RELAY_CONFIG_VALUE_MAX + 1];
	char password[RELAY_CONFIG_VALUE_MAX + 1];
	char ca_file[RELAY_CONFIG_VALUE_MAX + 1];
	char cert_file[RELAY_CONFIG_VALUE_MAX + 1];
	char key_file[RELAY_CONFIG_VALUE_MAX + 1];	/* or tpm2:... */
	char tcti[RELAY_CONFIG_VALUE_MAX + 1];	/* only with a tpm2: key */
	int keepalive;				/* seconds, 5..65535 */
	uint32_t session_expiry;		/* seconds, MQTT 5 only */
};

enum relay_mode {
	RELAY_PUBLISH,
	RELAY_SUBSCRIBE,
};

/* Everything the command line and the config file say. */
struct relay_opts {
	char host[RELAY_HOST_MAX + 1];
	int port;
	bool tls;				/* mqtts:// */
	int protocol;				/* 4 (3.1.1) or 5 */
	char client_id[RELAY_CLIENT_ID_MAX + 1];	/* "" until chosen */
	char fleet[RELAY_FLEET_MAX + 1];
	enum relay_mode mode;
	enum spool_kind kind;
	char spool_dir[SPOOL_PATH_MAX];
	char share[RELAY_GROUP_MAX + 1];	/* "" without --share */
	char device[RELAY_DEVICE_HEX + 1];	/* "" without --device */
	struct relay_config cfg;
};

/* Set by SIGINT/SIGTERM. */
extern volatile sig_atomic_t relay_stop;

void relay_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- config.c ---------------------------------------------------------- */

/*
 * Read the config file at path into *cfg (defaults first). Lines are
 * "key = value", '#' starts a comment line, blank lines are skipped. Keys:
 * username, password, ca_file, cert_file, key_file, tcti, keepalive,
 * session_expiry. An unknown or repeated key, a line without '=', a value
 * longer than RELAY_CONFIG_VALUE_MAX and a password in a file that others
 * may read (mode & 0004) are refused, naming the file and line; so are
 * "tpm2:" with nothing after it and a tcti without a tpm2: key_file.
 */
void relay_config_defaults(struct relay_config *cfg);
int relay_config_load(const char *path, struct relay_config *cfg,
    struct errbuf *e);

/* Whether key_file names a TPM-held key (RELAY_KEY_TPM_PREFIX). */
bool relay_key_is_tpm(const struct relay_config *cfg);

/* mqtt://HOST[:PORT] or mqtts://HOST[:PORT] (1883 / 8883 by default);
 * IPv6 as [ADDR]:PORT. */
int relay_broker_parse(const char *url, struct relay_opts *o,
    struct errbuf *e);

/* 1..max characters of [A-Za-z0-9._-]; what names the thing in e. */
int relay_name_check(const char *s, size_t max, const char *what,
    struct errbuf *e);

/* ---- payload.c --------------------------------------------------------- */

/* Largest payload of kind. */
size_t relay_kind_max(enum spool_kind kind);

/*
 * Whether data[0..len) is a file of kind: size limit, magic, and the
 * format's cheap structural reader (a bundle is read whole, every member
 * against the manifest's digests; challenge and result files are parsed
 * without their signature). *has_device / device get the device id the
 * payload names (a bundle's and a challenge's always; a result's unless it
 * is "unidentified"). now: an expired challenge is refused.
 */
int relay_payload_check(enum spool_kind kind, const uint8_t *data,
    size_t len, int64_t now, bool *has_device, uint8_t device[32],
    struct errbuf *e);

/* The spool name a payload is delivered under: kind, device, and the first
 * 16 bytes of SHA-256(data) as the unique part. */
int relay_payload_name(enum spool_kind kind, bool has_device,
    const uint8_t device[32], const uint8_t *data, size_t len,
    char out[SPOOL_NAME_MAX + 1], struct errbuf *e);

/* ---- topic.c ----------------------------------------------------------- */

/* "dossier/FLEET/KIND/DEVICE"; device "" means "unknown". */
int relay_topic(const struct relay_opts *o, const char *device,
    char out[RELAY_TOPIC_MAX + 1], struct errbuf *e);
/* The subscription: dossier/FLEET/KIND/+ or .../DEVICE, under
 * $share/GROUP/ with --share. */
int relay_topic_filter(const struct relay_opts *o,
    char out[RELAY_TOPIC_MAX + 1], struct errbuf *e);
/* The DEVICE part of a received topic, which must be
 * dossier/FLEET/KIND/DEVICE for this relay's fleet and kind: 64 lowercase
 * hex digits (*has_device, device) or "unknown". */
int relay_topic_device(const struct relay_opts *o, const char *topic,
    bool *has_device, uint8_t device[32], struct errbuf *e);
/* The DEVICE part of a spool name KIND-DEVICE-UNIQUE.EXT ("" for
 * "unknown") into out[RELAY_DEVICE_HEX + 1]. */
int relay_name_device(const char *name, char out[RELAY_DEVICE_HEX + 1],
    struct errbuf *e);

/* ---- conn.c ------------------------------------------------------------ */

struct mosquitto;
struct relay_tpm_tls;
struct relay_conn;

/* What a mode does on the connection's events (all optional but message). */
struct relay_handlers {
	void (*connected)(struct relay_conn *c, bool session_present);
	void (*message)(struct relay_conn *c, const char *topic,
	    const uint8_t *payload, size_t len);
	void (*published)(struct relay_conn *c, int mid, int reason);
	void *arg;
};

struct relay_conn {
	struct mosquitto *mosq;
	const struct relay_opts *o;
	struct relay_handlers h;
	bool connected;			/* CONNACK accepted, socket up */
	bool socket_up;			/* TCP (TLS) connected */
	unsigned attempt;		/* failed attempts since the last success */
	int64_t next_attempt_ms;	/* monotonic */
	bool fatal;			/* stop now, exit 2, do not disconnect */
	/* What a TPM-held key needs while the client lives (else NULL),
	 * freed by relay_conn_close after the client (and its SSL_CTX). */
	struct relay_tpm_tls *tpm;
};

int64_t relay_now_ms(void);

/* Create the client (clean session off, threaded mode, protocol, TLS,
 * credentials). A file key goes to libmosquitto (mosquitto_tls_set); a
 * TPM-held key to relay_tls_tpm_setup. A key that cannot be loaded is an
 * error here, not at connection time. */
int relay_conn_init(struct relay_conn *c, const struct relay_opts *o,
    const struct relay_handlers *h, struct errbuf *e);
/* One turn: connect or reconnect when due (backoff, logged), else run the
 * network loop for up to timeout_ms. */
void relay_conn_step(struct relay_conn *c, int timeout_ms);
/* Disconnect cleanly (unless fatal) and free. */
void relay_conn_close(struct relay_conn *c);
/* Stop at once without acknowledging what is in hand: the message being
 * handled is redelivered by the broker. */
void relay_conn_abort(struct relay_conn *c, const char *why);

/* ---- tls_tpm.c ---------------------------------------------------------- */

/*
 * TLS with a TPM-held client key (key_file = tpm2:...): load OpenSSL's
 * tpm2 and default providers (TCTI as described at RELAY_KEY_TPM_PREFIX),
 * load the key, build an SSL_CTX (TLS 1.2 or newer; the broker checked
 * against ca_file or /etc/ssl/certs and against o->host) and give it to
 * mosq (MOSQ_OPT_SSL_CTX without libmosquitto's defaults). *out keeps the
 * providers and the key alive; free it with relay_tls_tpm_free after
 * mosquitto_destroy. A key that does not load, is not in a TPM or does
 * not match cert_file is an error.
 *
 * OpenSSL 3.0 signs with the provider that its property query prefers,
 * exporting the key there: a TPM key exported to the default provider
 * has no private half ("missing private key"), and preferring the tpm2
 * provider moves every digest of the handshake into the TPM (whose few
 * object slots then run out). So libssl gets a legacy key object holding
 * the public key, whose signing method asks the tpm2 provider: OpenSSL
 * 3.0 keeps keys with their own method on its legacy path. ECDSA signs in
 * any TLS version; an RSA key signs PKCS#1 v1.5 only (the legacy path
 * pads RSA-PSS itself and would need a raw RSA operation the TPM key does
 * not allow), so with an RSA key the relay speaks TLS 1.2 with
 * RSA-PKCS1 signatures.
 */
int relay_tls_tpm_setup(struct mosquitto *mosq, const struct relay_opts *o,
    struct relay_tpm_tls **out, struct errbuf *e);
void relay_tls_tpm_free(struct relay_tpm_tls *t);

/* ---- publish.c / subscribe.c -------------------------------------------- */

/* spool_open(dir, create); when another program (dossier verify --follow
 * making its results spool) is creating the same spool at that moment, a
 * half-made spool is refused: try again, RELAY_SPOOL_OPEN_TRIES times in
 * all, 100 ms apart. */
#define RELAY_SPOOL_OPEN_TRIES	5
int relay_spool_open(const char *dir, struct spool *sp, struct errbuf *e);


/* Run until relay_stop; 0 on a clean stop, -1 with e on an I/O error. */
int relay_publish(const struct relay_opts *o, struct errbuf *e);
int relay_subscribe(const struct relay_opts *o, struct errbuf *e);

#endif
