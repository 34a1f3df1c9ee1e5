/*
 * check.h - the assertion macros of the C unit tests (tests/unit/test_*.c).
 *
 * Each CHECK prints "ok - NAME" or "not ok - NAME: file:line: expression";
 * tests/run counts the lines. A test's main() ends with
 * `return check_finish();`. Tests run from the top of the source tree, so
 * paths like "testdata/ima/..." work.
 */
#ifndef DOSSIER_TESTS_CHECK_H
#define DOSSIER_TESTS_CHECK_H

#include <stdio.h>

static unsigned check_failures;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		printf("ok - ");					\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	} else {							\
		check_failures++;					\
		printf("not ok - ");					\
		printf(__VA_ARGS__);					\
		printf(": %s:%d: %s\n", __FILE__, __LINE__, #cond);	\
	}								\
} while (0)

static inline int
check_finish(void)
{
	fflush(stdout);
	return check_failures ? 1 : 0;
}

#endif
