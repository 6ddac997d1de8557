/* Checks libhermesoauth's PKCE output with OpenSSL itself, from plain C and from several threads;
 * with -DHERMES_MCP through hermesmcp.h and libhermesmcp.so, which holds the same API. */
#ifdef HERMES_MCP
#include <hermesmcp.h>
#else
#include <hermesoauth.h>
#endif

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;
#define CHECK(cond, ...)                                   \
    do {                                                   \
        if (!(cond)) {                                     \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            fprintf(stderr, __VA_ARGS__);                  \
            fputc('\n', stderr);                           \
            failures++;                                    \
        }                                                  \
    } while (0)

/* BASE64URL(SHA256(verifier)) without padding, computed here independently of the library. */
static void expected_challenge(const char *verifier, char out[64]) {
    unsigned char digest[32];
    unsigned int n = 0;
    EVP_Digest(verifier, strlen(verifier), digest, &n, EVP_sha256(), NULL);
    unsigned char b64[64];
    int len = EVP_EncodeBlock(b64, digest, 32);
    int j = 0;
    for (int i = 0; i < len; i++) {
        char c = (char)b64[i];
        if (c == '=') break;
        out[j++] = c == '+' ? '-' : c == '/' ? '_' : c;
    }
    out[j] = '\0';
}

static int unreserved(const char *s) {
    for (; *s; s++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~", *s)) return 0;
    return 1;
}

static int check_pairs(int count) {
    int bad = 0;
    char previous[129] = "";
    for (int i = 0; i < count; i++) {
        char *verifier = NULL, *challenge = NULL;
        if (hermes_pkce_pair(&verifier, &challenge) != HERMES_OK || !verifier || !challenge) { bad++; continue; }
        char want[64];
        expected_challenge(verifier, want);
        size_t vlen = strlen(verifier);
        if (vlen < 43 || vlen > 128 || !unreserved(verifier) || strcmp(want, challenge) != 0 ||
            strcmp(previous, verifier) == 0)
            bad++;
        snprintf(previous, sizeof previous, "%s", verifier);
        hermes_free(verifier);
        hermes_free(challenge);
    }
    return bad;
}

static void *thread_main(void *arg) {
    (void)arg;
    /* A fresh thread has no error of its own, whatever other threads did. */
    int bad = hermes_last_error() != NULL;
    bad += check_pairs(200);
    return (void *)(long)bad;
}

int main(void) {
    const char *version = hermes_version();
    CHECK(version && strcmp(version, HERMESOAUTH_VERSION) == 0, "version %s != header %s", version, HERMESOAUTH_VERSION);
    printf("libhermesoauth %s\n", version);

    char *verifier = NULL, *challenge = NULL;
    CHECK(hermes_pkce_pair(&verifier, &challenge) == HERMES_OK, "pkce_pair failed: %s", hermes_last_error());
    char want[64];
    expected_challenge(verifier, want);
    CHECK(strcmp(want, challenge) == 0, "challenge %s, OpenSSL says %s", challenge, want);
    CHECK(strlen(verifier) == 43 && unreserved(verifier), "verifier %s", verifier);
    printf("verifier %zu chars, challenge verified with OpenSSL\n", strlen(verifier));
    hermes_free(verifier);
    hermes_free(challenge);
    hermes_free(NULL);

    challenge = (char *)0x1;
    CHECK(hermes_pkce_pair(NULL, &challenge) == HERMES_EINVAL, "NULL verifier accepted");
    CHECK(challenge == NULL, "out-parameter not cleared on failure");
    const char *message = hermes_last_error();
    CHECK(message && strstr(message, "NULL"), "last_error: %s", message ? message : "(null)");
    printf("NULL argument: %s\n", message ? message : "(null)");
    /* A success afterwards leaves the last error in place, like errno. */
    CHECK(check_pairs(1) == 0, "pair after failure");
    CHECK(hermes_last_error() == message || (hermes_last_error() && strcmp(hermes_last_error(), message) == 0),
          "success cleared the last error");

    pthread_t threads[4];
    for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, thread_main, NULL);
    long bad = 0;
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(threads[i], &r);
        bad += (long)r;
    }
    CHECK(bad == 0, "%ld bad pairs across threads", bad);
    printf("4 threads x 200 pairs: %ld bad\n", bad);

    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("ok\n");
    return 0;
}
