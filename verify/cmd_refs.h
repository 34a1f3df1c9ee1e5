/*
 * cmd_refs.h - shared by the files of dossier refs only (cmd_refs.c,
 * cmd_refs_add.c, cmd_refs_show.c, cmd_refs_rules.c): the subcommands
 * the dispatcher calls and the helpers they share. Every subcommand takes
 * its own argv (argv[0] is its name) and reports on stderr through
 * cmd_error(); only cmd_refs() turns the outcome into an exit code.
 */
#ifndef DOSSIER_VERIFY_CMD_REFS_H
#define DOSSIER_VERIFY_CMD_REFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/bundle.h"
#include "format/err.h"
#include "format/manifest.h"
#include "policy/ima_refset.h"
#include "verify/cmd.h"
#include "verify/store.h"

#define REFS_BUNDLE_MAX	((size_t)1 << 30)	/* a bundle file */

/* The usage text on stderr; OUTCOME_ERROR. */
enum outcome refs_usage(void);
/* Now, epoch seconds: the created and updated times of sets. */
int64_t refs_now(void);
int refs_sha256(const uint8_t *buf, size_t len, uint8_t out[32],
    struct errbuf *e);
/* The set called name into *r; -1 (said on stderr) if there is none. */
int refs_find_set(struct store *s, const char *name, struct store_refset *r);
/* refs_find_set(), then its entries as a sealed set (*out, the caller's:
 * refset_free). -1 said on stderr. */
int refs_load_named(struct store *s, const char *name,
    struct store_refset *r, struct refset **out);
/* Commit the open run (rc 0), or roll back and say e; the outcome. */
enum outcome refs_finish(struct store *s, int rc, struct errbuf *e);
/* The members of bundle bytes buf into *bc (digests checked against the
 * manifest, the signature not: the bundle was judged before). */
int refs_bundle_read_contents(const char *label, const uint8_t *buf,
    size_t len, struct manifest *m, struct bundle_contents *bc,
    struct errbuf *e);
/* As refs_bundle_read_contents(), then *log is its ima.log (inside *bc);
 * an error, *bc freed, if it has none. */
int refs_bundle_ima_log(const char *label, const uint8_t *buf, size_t len,
    struct manifest *m, struct bundle_contents *bc, const uint8_t **log,
    size_t *log_len, struct errbuf *e);
/* t as the results' UTC time text, or the number if it has none. */
void refs_print_time(int64_t t);

/* cmd_refs_add.c */
enum outcome refs_add(struct store *s, int argc, char **argv);
enum outcome refs_subtract(struct store *s, int argc, char **argv);
/* cmd_refs_show.c */
enum outcome refs_show(struct store *s, int argc, char **argv);
enum outcome refs_diff(struct store *s, int argc, char **argv);
enum outcome refs_export(struct store *s, int argc, char **argv);
enum outcome refs_import(struct store *s, int argc, char **argv);
/* cmd_refs_rules.c */
enum outcome refs_policy(struct store *s, int argc, char **argv);
enum outcome refs_key(struct store *s, int argc, char **argv);

#endif
