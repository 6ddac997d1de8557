/* A deliberate fault for the sanitizer suites to catch in a C program linked with libhermesoauth,
 * so that a clean sanitizer run is known to have been watching the C programs too.
 *   sanitizer_canary race       two threads bump one counter with no lock (ThreadSanitizer)
 *   sanitizer_canary overflow   a write one past a heap block (AddressSanitizer)
 *   sanitizer_canary clean      neither; prints the library's version */
#include <hermesoauth.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long counter;

static void *bump(void *unused) {
    (void)unused;
    for (int i = 0; i < 100000; i++) counter++;
    return NULL;
}

int main(int argc, char **argv) {
    const char *mode = argc > 1 ? argv[1] : "clean";
    printf("libhermesoauth %s\n", hermes_version());
    if (strcmp(mode, "race") == 0) {
        pthread_t a, b;
        pthread_create(&a, NULL, bump, NULL);
        pthread_create(&b, NULL, bump, NULL);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        printf("counter %ld\n", counter);
    } else if (strcmp(mode, "overflow") == 0) {
        volatile char *block = malloc(8);
        block[8] = 1;
        free((void *)block);
    }
    return 0;
}
