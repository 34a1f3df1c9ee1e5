/*
 * own_bundle.h - is a file already in an output spool this device's
 * evidence for a challenge?
 *
 * dossier-collect attest skips a challenge whose bundle name is already
 * in the spool (a delivery repeated after a crash must not quote twice).
 * A name proves nothing: anyone who can write the spool could plant a
 * file under it and silence the device. So the file must be a bundle
 * that passes every container rule (format/bundle.h), whose MANIFEST
 * verifies with this device's AK (checked as soon as the manifest is
 * read, before any member is held), of kind evidence, naming this
 * device and this challenge.
 *
 * own_bundle_check() returns 1 when it is, 0 when it is not (why[] says
 * what differs), -1 when the file cannot be read (e).
 */
#ifndef DOSSIER_COLLECT_OWN_BUNDLE_H
#define DOSSIER_COLLECT_OWN_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include "collect/state.h"
#include "format/err.h"

int own_bundle_check(const char *path, const struct collect_state *st,
    const uint8_t challenge_id[16], char *why, size_t why_cap,
    struct errbuf *e);

#endif
