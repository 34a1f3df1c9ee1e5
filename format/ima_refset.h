/*
 * format/ima_refset.h - TRANSITIONAL forwarder, not part of format/.
 * The header moved to policy/ima_refset.h (issue 18: format/ kept to
 * formats). Still included by verify/ima_check.c,
 * left alone while other branches edit them: delete this file once they
 * include policy/ima_refset.h. Nothing in format/ includes it.
 */
#ifndef DOSSIER_FORMAT_IMA_REFSET_FORWARD_H
#define DOSSIER_FORMAT_IMA_REFSET_FORWARD_H
#include "policy/ima_refset.h"
#endif
