/*
 * format/ima_policy.h - TRANSITIONAL forwarder, not part of format/.
 * The header moved to policy/ima_policy.h (issue 18: format/ kept to
 * formats). Still included by verify/judge_ima.c and verify/judge_pcr.c,
 * left alone while other branches edit them: delete this file once they
 * include policy/ima_policy.h. Nothing in format/ includes it.
 */
#ifndef DOSSIER_FORMAT_IMA_POLICY_FORWARD_H
#define DOSSIER_FORMAT_IMA_POLICY_FORWARD_H
#include "policy/ima_policy.h"
#endif
