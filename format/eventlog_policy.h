/*
 * format/eventlog_policy.h - TRANSITIONAL forwarder, not part of format/.
 * The header moved to policy/eventlog_policy.h (issue 18: format/ kept to
 * formats). Still included by verify/judge_uefi.c,
 * left alone while other branches edit them: delete this file once they
 * include policy/eventlog_policy.h. Nothing in format/ includes it.
 */
#ifndef DOSSIER_FORMAT_EVENTLOG_POLICY_FORWARD_H
#define DOSSIER_FORMAT_EVENTLOG_POLICY_FORWARD_H
#include "policy/eventlog_policy.h"
#endif
