/* The manager's C API as a C program meets it: bad arguments are errors (never crashes), a token
 * comes back, a 401 for a replaced token says "retry", and a change on disk reaches the callback
 * and the next hermes_oauth_access_token. Run by the test suite under valgrind.
 *
 *   manager_check SERVER       (HERMES_HOME in the environment)
 * After printing "waiting", it reads one line from stdin (the test refreshes the tokens on disk
 * meanwhile), then expects an event and a new token. */
#define _DEFAULT_SOURCE /* usleep */
#include <hermesoauth.h>

#include <openssl/evp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static atomic_int updates;

static void on_event(const char *server, int event, void *user) {
    const char *expected = user;
    if (event == HERMES_TOKEN_UPDATED && strcmp(server, expected) == 0) atomic_fetch_add(&updates, 1);
}

/* Tokens are never printed: a short digest identifies them. */
static void digest(const char *token, char out[17]) {
    unsigned char d[32];
    unsigned int n = 0;
    EVP_Digest(token, strlen(token), d, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 8; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    const char *server = argv[1];
    hermes_oauth *h = NULL;
    char *token = NULL;
    int retry = -1;

    CHECK(hermes_oauth_open(NULL, NULL) == HERMES_EINVAL, "open without out");
    CHECK(hermes_oauth_open("  ", &h) == HERMES_EINVAL && h == NULL, "open with a blank home");
    CHECK(hermes_oauth_access_token(NULL, server, &token) == HERMES_EINVAL, "NULL handle");
    CHECK(hermes_oauth_open(NULL, &h) == HERMES_OK && h != NULL, "open");
    CHECK(hermes_oauth_access_token(h, NULL, &token) == HERMES_EINVAL, "NULL server");
    CHECK(hermes_oauth_access_token(h, server, NULL) == HERMES_EINVAL, "NULL out");
    CHECK(hermes_oauth_access_token(h, "no-such-server", &token) == HERMES_ENOTFOUND && token == NULL, "unknown server");
    CHECK(hermes_oauth_handle_401(h, "no-such-server", "x", &retry) == HERMES_ENOTFOUND && retry == 0, "401 unknown server");
    CHECK(hermes_oauth_watch(h, NULL, NULL) == HERMES_EINVAL, "NULL callback");
    CHECK(hermes_oauth_unwatch(h, on_event, NULL) == HERMES_ENOTFOUND, "unwatch of nothing");

    char *url = NULL;
    CHECK(hermes_oauth_server_url(h, server, &url) == HERMES_OK && url && strncmp(url, "http", 4) == 0, "server url");
    hermes_free(url);

    CHECK(hermes_oauth_access_token(h, server, &token) == HERMES_OK && token, "access token");
    char first[17] = "", second[17] = "";
    if (token) digest(token, first);
    printf("token %s\n", first);
    /* A second call is served from memory. */
    char *again = NULL;
    CHECK(hermes_oauth_access_token(h, server, &again) == HERMES_OK && again && strcmp(again, token) == 0, "cached token");
    hermes_free(again);
    CHECK(hermes_oauth_handle_401(h, server, "an-older-token", &retry) == HERMES_OK && retry == 1, "401 for a replaced token");
    hermes_free(token);
    token = NULL;

    CHECK(hermes_oauth_watch(h, on_event, (void *)server) == HERMES_OK, "watch");
    printf("waiting\n");
    fflush(stdout);
    char line[64];
    if (!fgets(line, sizeof line, stdin)) return 2;
    for (int i = 0; i < 500 && atomic_load(&updates) == 0; i++) usleep(10000);
    CHECK(atomic_load(&updates) > 0, "no update event arrived");
    CHECK(hermes_oauth_access_token(h, server, &token) == HERMES_OK && token, "token after the change");
    if (token) digest(token, second);
    printf("token %s\n", second);
    CHECK(strcmp(first, second) != 0, "the new token on disk was not picked up");
    hermes_free(token);
    CHECK(hermes_oauth_unwatch(h, on_event, (void *)server) == HERMES_OK, "unwatch");

    hermes_oauth_close(h);
    token = NULL;
    CHECK(hermes_oauth_access_token(h, server, &token) == HERMES_EINVAL && token == NULL, "closed handle");
    hermes_oauth_close(h);
    hermes_oauth_close(NULL);

    if (failures) return 1;
    printf("ok\n");
    return 0;
}
