/* The test programs' one way to check a fact: a failed CHECK prints its line, the message and
 * hermes_last_error(), counts in `failures`, and the program goes on (it says "ok" at the end only
 * when nothing failed). Include after the hermes header. */
#ifndef HERMES_TEST_CHECK_H
#define HERMES_TEST_CHECK_H
#include <stdio.h>

static int failures = 0;
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "FAIL line %d: ", __LINE__);                     \
            fprintf(stderr, __VA_ARGS__);                                   \
            fprintf(stderr, " (last error: %s)\n", hermes_last_error() ? hermes_last_error() : "-"); \
            failures++;                                                     \
        }                                                                   \
    } while (0)
#endif
