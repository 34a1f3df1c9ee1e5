/*
 * topic.c - the topic layout dossier/FLEET/KIND/DEVICE and device ids in
 * topics and spool names.
 */
#include <stdio.h>
#include <string.h>

#include "format/hex.h"
#include "relay/relay.h"

#define TOPIC_ROOT	"dossier"
#define TOPIC_UNKNOWN	"unknown"

int
relay_topic(const struct relay_opts *o, const char *device,
    char out[RELAY_TOPIC_MAX + 1], struct errbuf *e)
{
	int n;

	n = snprintf(out, RELAY_TOPIC_MAX + 1, "%s/%s/%s/%s", TOPIC_ROOT,
	    o->fleet, spool_kind_name(o->kind),
	    *device != '\0' ? device : TOPIC_UNKNOWN);
	if (n < 0 || n > RELAY_TOPIC_MAX)
		return err_set(e, "topic longer than %d bytes", RELAY_TOPIC_MAX);
	return 0;
}

int
relay_topic_filter(const struct relay_opts *o, char out[RELAY_TOPIC_MAX + 1],
    struct errbuf *e)
{
	int n;

	n = snprintf(out, RELAY_TOPIC_MAX + 1, "%s%s%s%s/%s/%s/%s",
	    o->share[0] != '\0' ? "$share/" : "", o->share,
	    o->share[0] != '\0' ? "/" : "", TOPIC_ROOT, o->fleet,
	    spool_kind_name(o->kind), o->device[0] != '\0' ? o->device : "+");
	if (n < 0 || n > RELAY_TOPIC_MAX)
		return err_set(e, "topic filter longer than %d bytes",
		    RELAY_TOPIC_MAX);
	return 0;
}

/* 64 lowercase hex digits into device. */
static bool
device_hex(const char *s, size_t len, uint8_t device[32])
{
	size_t i;

	if (len != RELAY_DEVICE_HEX)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return false;
	return hex_decode(s, len, device, 32) == 32;
}

int
relay_topic_device(const struct relay_opts *o, const char *topic,
    bool *has_device, uint8_t device[32], struct errbuf *e)
{
	char prefix[RELAY_TOPIC_MAX + 1];
	const char *dev;
	int n;

	n = snprintf(prefix, sizeof(prefix), "%s/%s/%s/", TOPIC_ROOT, o->fleet,
	    spool_kind_name(o->kind));
	if (n < 0 || (size_t)n >= sizeof(prefix) ||
	    strncmp(topic, prefix, (size_t)n) != 0)
		return err_set(e, "not a topic of fleet '%s' and kind %s",
		    o->fleet, spool_kind_name(o->kind));
	dev = topic + n;
	if (strcmp(dev, TOPIC_UNKNOWN) == 0) {
		*has_device = false;
		return 0;
	}
	if (!device_hex(dev, strlen(dev), device))
		return err_set(e, "device part is neither 64 lowercase hex "
		    "digits nor '%s'", TOPIC_UNKNOWN);
	*has_device = true;
	return 0;
}

int
relay_name_device(const char *name, char out[RELAY_DEVICE_HEX + 1],
    struct errbuf *e)
{
	const char *start, *end;
	uint8_t device[32];
	size_t len;

	if ((start = strchr(name, '-')) == NULL ||
	    (end = strchr(start + 1, '-')) == NULL)
		return err_set(e, "%s: not KIND-DEVICE-UNIQUE.EXT", name);
	start++;
	len = (size_t)(end - start);
	if (len == strlen(TOPIC_UNKNOWN) &&
	    memcmp(start, TOPIC_UNKNOWN, len) == 0) {
		out[0] = '\0';
		return 0;
	}
	if (!device_hex(start, len, device))
		return err_set(e, "%s: device part is not 64 hex digits", name);
	memcpy(out, start, len);
	out[len] = '\0';
	return 0;
}
