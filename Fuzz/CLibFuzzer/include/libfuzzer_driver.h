#ifndef HERMES_LIBFUZZER_DRIVER_H
#define HERMES_LIBFUZZER_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's documented entry for programs that keep their own main
 * (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library). Only declared here: the
 * definition comes with -sanitize=fuzzer, and the replay build never calls it. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
