/*
 * spool.h - spool directories (dossier-spool(5)): how challenges, evidence
 * and results move between programs through a file system, a USB stick or
 * a relay, without loss or duplication.
 *
 * A spool is a directory holding three directories, as in maildir:
 *   tmp/   files being written; never read by consumers;
 *   new/   complete files, waiting for a consumer;
 *   cur/   files a consumer has claimed and not yet finished.
 * A writer creates tmp/NAME.PID.RANDOM (O_EXCL, mode 0600), writes, fsyncs
 * it, renames it to new/NAME (never over an existing file) and fsyncs new/: a file in new/ is always complete, also
 * after a crash or on a FAT file system. A consumer claims new/NAME by
 * renaming it to cur/NAME (exactly one of several consumers wins; the
 * others see it gone) and removes cur/NAME only after its own commit, so a
 * consumer that dies leaves its claim in cur/ to be taken up again.
 *
 * Names: KIND-DEVICE-UNIQUE.EXT, where KIND is challenge, evidence,
 * results or ear, DEVICE the device id in lowercase hex (64 digits; "unknown"
 * when the file names none), UNIQUE 32 lowercase hex digits (16 random
 * bytes, or an id the file carries when the writer wants idempotent
 * names), EXT the file kind's extension (dchal, dbundle, dres, ear: an
 * EAR of format/ear.h as a CWT, which a device can decode). Names are
 * at most SPOOL_NAME_MAX bytes of [a-z0-9.-]; anything else in new/ or
 * cur/ is ignored by readers (and reported by spool_list()).
 *
 * Errors follow format/err.h; messages name the spool and the file.
 */
#ifndef DOSSIER_SPOOL_H
#define DOSSIER_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/err.h"

#define SPOOL_NAME_MAX		128	/* bytes of one file name */
#define SPOOL_PATH_MAX		4096	/* spool directory path */
#define SPOOL_FILE_MAX		((size_t)1 << 30)	/* one spooled file */
#define SPOOL_LIST_MAX		100000	/* names returned by one listing */

enum spool_kind {
	SPOOL_CHALLENGE,
	SPOOL_EVIDENCE,
	SPOOL_RESULTS,
	SPOOL_EAR,		/* an EAR attestation result as a CWT */
};

/* "challenge", "evidence", "results", "ear"; and the extension without
 * '.'. */
const char *spool_kind_name(enum spool_kind k);
const char *spool_kind_ext(enum spool_kind k);
int spool_kind_by_name(const char *name, enum spool_kind *out);

struct spool {
	char dir[SPOOL_PATH_MAX];
};

/* Whether dir holds tmp/, new/ and cur/ directories. */
bool spool_is_spool(const char *dir);

/* Open dir as a spool; create: make it (and tmp/ new/ cur/, mode 0700)
 * when missing. An existing directory that is not a spool is refused
 * unless create is set and it is empty or holds only some of tmp/, new/
 * and cur/ (another program making the same spool at the same moment). */
int spool_open(const char *dir, bool create, struct spool *sp,
    struct errbuf *e);

/* Build a valid name for kind; device NULL: "unknown"; unique NULL: 16
 * random bytes. out holds SPOOL_NAME_MAX + 1. */
int spool_make_name(enum spool_kind kind, const uint8_t device[32],
    const uint8_t unique[16], char *out, struct errbuf *e);

/* Whether name follows the naming rule; *kind gets its kind. */
bool spool_name_valid(const char *name, enum spool_kind *kind);

/*
 * Deliver data into new/ under name (tmp/ first, fsync, rename, fsync
 * the directory). *existed is set (and nothing written) when new/name or
 * cur/name is already there: delivering the same named file twice is
 * idempotent.
 */
int spool_deliver(const struct spool *sp, const char *name,
    const uint8_t *data, size_t len, bool *existed, struct errbuf *e);

/*
 * Deliver many files at once, each as spool_deliver() would (files[i].
 * existed set likewise), with fewer syncs: the tmp/ files are written,
 * then made durable together (one syncfs(2) of the spool's file system,
 * else an fsync each), renamed into new/, and new/ is synced once. On an
 * error the files before it may be delivered (delivery is idempotent:
 * deliver them again); no tmp/ file is left.
 */
struct spool_file {
	const char *name;
	const uint8_t *data;
	size_t len;
	bool existed;		/* out */
};
int spool_deliver_many(const struct spool *sp, struct spool_file *files,
    size_t n, struct errbuf *e);

/*
 * For a writer that makes the file itself (it must write it whole and
 * fsync it): a fresh path tmp/NAME.PID.RANDOM in the spool; then
 * spool_deliver_tmp() moves it into new/name as spool_deliver() would
 * (*existed: new/name or cur/name was there; the tmp file is removed).
 * A tmp_path outside this spool's tmp/ is refused. Either way the tmp
 * file is gone afterwards.
 */
int spool_tmp_path(const struct spool *sp, const char *name, char *out,
    size_t cap, struct errbuf *e);
int spool_deliver_tmp(const struct spool *sp, const char *tmp_path,
    const char *name, bool *existed, struct errbuf *e);

/* Names in new/ (or cur/ with from_cur), sorted, each valid; malloc'd
 * array of malloc'd strings: spool_names_free(). At most SPOOL_LIST_MAX
 * (the rest on a later listing). */
int spool_list(const struct spool *sp, bool from_cur, char ***names,
    size_t *count, struct errbuf *e);
/* The same; *ignored (may be NULL) gets the number of entries that are
 * not spool file names (foreign files a reader leaves alone). */
int spool_list_all(const struct spool *sp, bool from_cur, char ***names,
    size_t *count, size_t *ignored, struct errbuf *e);

/* Split a valid name: kind, device (*has_device false for "unknown",
 * device zeroed), unique. -1 when the name is not valid. */
int spool_name_parse(const char *name, enum spool_kind *kind,
    uint8_t device[32], bool *has_device, uint8_t unique[16]);
void spool_names_free(char **names, size_t count);

/*
 * Claim new/name into cur/name: *won false if another consumer took it,
 * or if cur/name is already there (a second copy of a claim in progress:
 * new/name is then removed). The rename is not synced: a claim lost in a
 * crash leaves the file in new/, to be claimed again.
 */
int spool_claim(const struct spool *sp, const char *name, bool *won,
    struct errbuf *e);

/* Path of cur/name or new/name into out[SPOOL_PATH_MAX + SPOOL_NAME_MAX]. */
int spool_path(const struct spool *sp, bool cur, const char *name, char *out,
    size_t cap, struct errbuf *e);

/* Finish a claim: remove cur/name (fsync cur/). */
int spool_done(const struct spool *sp, const char *name, struct errbuf *e);
/* Finish many claims, with one fsync of cur/ after the last. */
int spool_done_many(const struct spool *sp, char *const *names, size_t n,
    struct errbuf *e);

/* Remove files in tmp/ older than age seconds (a writer's crash leftovers). */
int spool_clean_tmp(const struct spool *sp, int64_t now, int64_t age,
    unsigned *removed, struct errbuf *e);

/*
 * Exclusive advisory lock (flock) on the spool directory, for a consumer
 * that takes up leftover claims in cur/: a second such consumer of the
 * same spool is refused ("another consumer holds it"). File systems
 * without flock get no lock (and no error). *fd: spool_unlock() it.
 */
int spool_lock(const struct spool *sp, int *fd, struct errbuf *e);
void spool_unlock(int fd);

#endif
