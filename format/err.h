/*
 * err.h - error context carried up the call chain.
 *
 * Convention for the whole code base: a function that can fail returns 0 on
 * success and -1 on failure, and on failure writes one human-readable line
 * into the caller's struct errbuf (never to stdout/stderr). Callers add
 * context on the way up with err_prefix() ("ima log entry 12: ..."), so the
 * message that reaches main() names the file, the item and the check. Only
 * main() turns errors into exit codes and prints them.
 *
 * A NULL errbuf is allowed everywhere and discards the message.
 */
#ifndef DOSSIER_ERR_H
#define DOSSIER_ERR_H

#include <stddef.h>

#define ERRBUF_MAX 512

struct errbuf {
	char msg[ERRBUF_MAX];
};

/* Replace the message. Always returns -1 so callers can `return err_set(...)`. */
int err_set(struct errbuf *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepend "<context>: " to the current message. Returns -1. */
int err_prefix(struct errbuf *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Empty the message. */
void err_clear(struct errbuf *e);

/* Set the message from OpenSSL's error queue (and drain it), after "what: ". */
int err_openssl(struct errbuf *e, const char *what);

#endif
