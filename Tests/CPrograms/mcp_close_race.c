/* hermes_mcp_close while other threads are inside calls on the same handle: a call stuck in a
 * server's tool ("hang") returns with an error once the close stopped the servers, calls that
 * start after it are refused (HERMES_EINVAL), nothing crashes, and no server process is left.
 *
 *   mcp_close_race SERVER       (HERMES_HOME in the environment; SERVER offers the tool "hang")
 *
 * Prints "hang returned STATUS after SECONDS" and "ok". */
#define _DEFAULT_SOURCE
#include <hermesmcp.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static hermes_mcp *h;
static const char *server;
static atomic_int hang_status = -1;
static atomic_int stop_callers;
static atomic_int refused_after_close;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *hang(void *unused) {
    (void)unused;
    char *answer = NULL;
    hermes_status s = hermes_mcp_call_tool(h, server, "hang", NULL, NULL, NULL, &answer);
    hermes_free(answer);
    atomic_store(&hang_status, s);
    return NULL;
}

/* Calls again and again through the close: each returns a status, never crashes. */
static void *caller(void *unused) {
    (void)unused;
    while (!atomic_load(&stop_callers)) {
        char *answer = NULL;
        hermes_status s = hermes_mcp_list_prompts(h, server, &answer);
        hermes_free(answer);
        if (s == HERMES_EINVAL) atomic_fetch_add(&refused_after_close, 1);
        usleep(1000);
    }
    return NULL;
}

static int children(void) {
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    return n > 0 ? 1 : 0;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    server = argv[1];
    if (hermes_mcp_open(NULL, &h) != HERMES_OK) return fprintf(stderr, "open: %s\n", hermes_last_error()), 1;
    char *answer = NULL;
    if (hermes_mcp_call_tool(h, server, "echo", "{\"text\":\"up\"}", NULL, NULL, &answer) != HERMES_OK) {
        fprintf(stderr, "echo: %s\n", hermes_last_error());
        return 1;
    }
    hermes_free(answer);

    pthread_t hanging, callers[2];
    pthread_create(&hanging, NULL, hang, NULL);
    for (int i = 0; i < 2; i++) pthread_create(&callers[i], NULL, caller, NULL);
    usleep(500000); /* the hang call is in the server by now */
    double closed_at = now();
    if (hermes_mcp_close(h) != HERMES_OK) return fprintf(stderr, "close: %s\n", hermes_last_error()), 1;
    pthread_join(hanging, NULL);
    printf("hang returned %d after %.1f s\n", atomic_load(&hang_status), now() - closed_at);
    usleep(100000);
    atomic_store(&stop_callers, 1);
    for (int i = 0; i < 2; i++) pthread_join(callers[i], NULL);
    printf("calls refused after the close: %s\n", atomic_load(&refused_after_close) > 0 ? "yes" : "no");
    printf("children after close: %d\n", children());
    usleep(1500000); /* as in mcp_host.c: let an HTTP session's background tasks wind down */
    printf("ok\n");
    return 0;
}
