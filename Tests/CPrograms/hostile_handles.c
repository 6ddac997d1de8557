/* A hostile C caller of the manager's handles: it keeps closed handles and uses them again,
 * closes twice, forges handles, registers a callback twice, and removes callbacks while they run.
 * None of it may act on another handle, run a callback twice per event, or run one after the call
 * that removed it returned. Run by the test suite under valgrind (or a sanitizer).
 *
 *   hostile_handles MODE SERVER     (HERMES_HOME in the environment, SERVER configured in it)
 * MODE: unique | stale | threads | watch | quiesce | reentrant | deref
 * Exit status 0 and "ok" on stdout when every check held; "deref" instead never returns (it reads
 * through a closed handle, which must fault). */
#define _DEFAULT_SOURCE /* usleep, flockfile */
#include <hermesoauth.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Only the first failures are printed: the threads would repeat them by the thousand. */
static atomic_int failures;
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond) && atomic_fetch_add(&failures, 1) < 20) {               \
            flockfile(stderr);                                              \
            fprintf(stderr, "FAIL line %d: ", __LINE__);                     \
            fprintf(stderr, __VA_ARGS__);                                   \
            fprintf(stderr, " (last error: %s)\n", hermes_last_error() ? hermes_last_error() : "-"); \
            funlockfile(stderr);                                            \
        }                                                                   \
    } while (0)

static const char *server;

static int error_mentions(const char *word) {
    const char *e = hermes_last_error();
    return e && strstr(e, word) != NULL;
}

/* The handle still answers as itself: its configured server's URL. */
static int works(hermes_oauth *h) {
    char *url = NULL;
    hermes_status st = hermes_oauth_server_url(h, server, &url);
    int ok = st == HERMES_OK && url && strncmp(url, "http", 4) == 0;
    hermes_free(url);
    return ok;
}

static void ignore(const char *name, int event, void *user) {
    (void)name;
    (void)event;
    (void)user;
}

/* Every entry point refuses `bad` with HERMES_EINVAL and writes no out-parameter. The server names
 * of login and logout name no configured server, so a handle wrongly accepted answers
 * HERMES_ENOTFOUND rather than starting a login or deleting anything. */
static void refused_everywhere(hermes_oauth *bad, const char *what) {
    char *out = (char *)"untouched";
    int retry = -1;
    CHECK(hermes_oauth_access_token(bad, server, &out) == HERMES_EINVAL && out == NULL, "access_token on a %s handle", what);
    out = (char *)"untouched";
    CHECK(hermes_oauth_server_url(bad, server, &out) == HERMES_EINVAL && out == NULL, "server_url on a %s handle", what);
    CHECK(hermes_oauth_handle_401(bad, server, "t", &retry) == HERMES_EINVAL && retry == 0, "handle_401 on a %s handle", what);
    CHECK(hermes_oauth_login(bad, "not-configured", HERMES_LOGIN_NO_TERMINAL) == HERMES_EINVAL, "login on a %s handle", what);
    CHECK(hermes_oauth_logout(bad, "not-configured", 0) == HERMES_EINVAL, "logout on a %s handle", what);
    CHECK(hermes_oauth_watch(bad, ignore, NULL) == HERMES_EINVAL, "watch on a %s handle", what);
    CHECK(hermes_oauth_unwatch(bad, ignore, NULL) == HERMES_EINVAL, "unwatch on a %s handle", what);
}

/* ---- unique: 200 handles opened and closed in turn, no value comes back ------------------------ */

static void unique(void) {
    enum { N = 200 };
    hermes_oauth *seen[N];
    for (int i = 0; i < N; i++) {
        seen[i] = NULL;
        CHECK(hermes_oauth_open(NULL, &seen[i]) == HERMES_OK && seen[i] != NULL, "open %d", i);
        CHECK(works(seen[i]), "handle %d", i);
        CHECK(hermes_oauth_close(seen[i]) == HERMES_OK, "close %d", i);
    }
    int repeats = 0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++)
            if (seen[i] == seen[j]) {
                repeats++;
                break;
            }
    CHECK(repeats == 0, "%d of %d handles had the value of a handle closed before", repeats, N);
    /* Above the top of user space even with 5-level paging: no allocation can ever be there. */
    int addresses = 0;
    for (int i = 0; i < N; i++)
        if ((uintptr_t)seen[i] <= (uintptr_t)0x00ffffffffffffffu) addresses++;
    CHECK(addresses == 0, "%d of %d handles are user-space addresses", addresses, N);
}

/* ---- stale: closed, twice-closed and forged handles act on no live handle ---------------------- */

static void stale(void) {
    enum { N = 200 };
    hermes_oauth *closed[N], *a = NULL, *b = NULL;
    int n = 0;
    /* Open and close until a new handle b has the value of a closed one a, as it would when
     * handles were addresses of memory the allocator hands out again. */
    while (n < N && a == NULL) {
        CHECK(hermes_oauth_open(NULL, &b) == HERMES_OK, "open");
        for (int j = 0; j < n; j++)
            if (closed[j] == b) a = closed[j];
        if (a == NULL) {
            CHECK(hermes_oauth_close(b) == HERMES_OK, "close");
            closed[n++] = b;
        }
    }
    CHECK(a == NULL, "a new handle has the value of one closed before it (after %d closes)", n);
    if (a == NULL) {
        /* No value came back: the last closed handle is the stale one. */
        a = closed[n - 1];
        CHECK(hermes_oauth_open(NULL, &b) == HERMES_OK, "open b");
    }

    refused_everywhere(a, "closed");
    char *url = NULL;
    CHECK(hermes_oauth_server_url(a, server, &url) == HERMES_EINVAL && error_mentions("closed"),
          "a closed handle's error says so");
    CHECK(works(b), "the live handle stopped working after calls through a closed one");

    CHECK(hermes_oauth_close(a) == HERMES_EINVAL && error_mentions("closed"), "a second close is refused");
    CHECK(works(b), "the second close of a closed handle closed the live one");

    /* Forgeries: a stack address, a heap address, small integers, all-ones, and b's value moved by
     * one id step and by one bit at the top. */
    int local = 0;
    void *heap = malloc(64);
    hermes_oauth *forged[] = {
        (hermes_oauth *)(void *)&local, (hermes_oauth *)heap, (hermes_oauth *)(uintptr_t)1,
        (hermes_oauth *)(uintptr_t)4096, (hermes_oauth *)(uintptr_t)UINTPTR_MAX,
        (hermes_oauth *)((uintptr_t)b + 16), (hermes_oauth *)((uintptr_t)b ^ ((uintptr_t)1 << 62)),
    };
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        refused_everywhere(forged[i], "forged");
        CHECK(hermes_oauth_close(forged[i]) == HERMES_EINVAL, "close of forgery %zu", i);
        CHECK(works(b), "forgery %zu reached the live handle", i);
    }
    CHECK(local == 0, "the library wrote through a forged handle");
    free(heap);

    CHECK(hermes_oauth_close(NULL) == HERMES_OK, "close(NULL) is a no-op");
    CHECK(hermes_oauth_close(b) == HERMES_OK, "close b");
    CHECK(!works(b), "b still works after its close");
}

/* ---- threads: closed handles used while other threads open and close -------------------------- */

/* The values of the handles closed last, by any thread. */
enum { RING = 16 };
static _Atomic(uintptr_t) ring[RING];
static atomic_int ring_next;

static void *churn(void *arg) {
    (void)arg;
    for (int i = 0; i < 50; i++) {
        hermes_oauth *h = NULL;
        CHECK(hermes_oauth_open(NULL, &h) == HERMES_OK, "open in a thread");
        for (int j = 0; j < RING; j++) {
            hermes_oauth *old = (hermes_oauth *)atomic_load(&ring[j]);
            if (old == NULL) continue;
            char *url = NULL;
            CHECK(hermes_oauth_server_url(old, server, &url) == HERMES_EINVAL && url == NULL, "a closed handle in a thread");
            hermes_free(url);
            CHECK(hermes_oauth_close(old) == HERMES_EINVAL, "a double close in a thread");
        }
        CHECK(works(h), "a live handle after calls through closed ones");
        CHECK(hermes_oauth_close(h) == HERMES_OK, "close in a thread");
        atomic_store(&ring[atomic_fetch_add(&ring_next, 1) % RING], (uintptr_t)h);
    }
    return NULL;
}

static void threads(void) {
    pthread_t t[4];
    for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, churn, NULL);
    for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
}

/* ---- events, and a witness that tells when every callback for them has returned ---------------- */

/* Writes $HERMES_HOME/mcp-tokens/NAME.json: one change event named NAME. */
static void touch(const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/mcp-tokens/%s.json", getenv("HERMES_HOME"), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0, "cannot write %s", path);
    if (fd < 0) return;
    CHECK(write(fd, "{}", 2) == 2, "write %s", path);
    close(fd);
}

static atomic_int witnessed;

static void witness(const char *name, int event, void *user) {
    (void)event;
    (void)user;
    int round = 0;
    if (sscanf(name, "mark%d", &round) == 1) atomic_store(&witnessed, round);
}

/* Every event is delivered to every callback, one event after the other, on one library thread:
 * once the witness saw marker N, each callback has returned from every earlier event. */
static void settle(void) {
    static int round = 0;
    char name[32];
    snprintf(name, sizeof name, "mark%d", ++round);
    touch(name);
    for (int i = 0; i < 3000 && atomic_load(&witnessed) < round; i++) usleep(10000);
    CHECK(atomic_load(&witnessed) >= round, "event %s never reached the witness", name);
}

struct counter {
    atomic_int events; /* calls for events named "ev*" */
};

static void count(const char *name, int event, void *user) {
    (void)event;
    if (strncmp(name, "ev", 2) == 0) atomic_fetch_add(&((struct counter *)user)->events, 1);
}

static void count_too(const char *name, int event, void *user) { count(name, event, user); }

/* ---- watch: a pair registers once, and unwatch removes exactly that pair ----------------------- */

static void watch(hermes_oauth *h) {
    struct counter k0 = {0}, k1 = {0}, other = {0};
    CHECK(hermes_oauth_watch(h, count, &k0) == HERMES_OK, "watch (count, k0)");
    CHECK(hermes_oauth_watch(h, count, &k0) == HERMES_EINVAL && error_mentions("already"), "a second watch of the same pair is refused");
    CHECK(hermes_oauth_watch(h, count, &k1) == HERMES_OK, "the same callback with another user pointer");
    CHECK(hermes_oauth_watch(h, count_too, &other) == HERMES_OK, "another callback with the same user pointer");
    touch("ev1");
    settle();
    CHECK(atomic_load(&k0.events) == 1, "one event called (count, k0) %d times", atomic_load(&k0.events));
    CHECK(atomic_load(&k1.events) == 1 && atomic_load(&other.events) == 1, "the other registrations: %d, %d",
          atomic_load(&k1.events), atomic_load(&other.events));

    CHECK(hermes_oauth_unwatch(h, count, &k0) == HERMES_OK, "unwatch (count, k0)");
    CHECK(hermes_oauth_unwatch(h, count, &k0) == HERMES_ENOTFOUND, "a second unwatch finds nothing");
    touch("ev2");
    settle();
    CHECK(atomic_load(&k0.events) == 1, "(count, k0) called after its unwatch");
    CHECK(atomic_load(&k1.events) == 2 && atomic_load(&other.events) == 2, "unwatch removed more than its pair: %d, %d",
          atomic_load(&k1.events), atomic_load(&other.events));

    /* Removed, the pair may be registered again, once. */
    CHECK(hermes_oauth_watch(h, count, &k0) == HERMES_OK, "watch again after unwatch");
    touch("ev3");
    settle();
    CHECK(atomic_load(&k0.events) == 2, "(count, k0) after its second watch: %d", atomic_load(&k0.events));
    CHECK(hermes_oauth_unwatch(h, count, &k0) == HERMES_OK && hermes_oauth_unwatch(h, count, &k1) == HERMES_OK
              && hermes_oauth_unwatch(h, count_too, &other) == HERMES_OK, "unwatch all");
}

/* ---- quiesce: when unwatch or close returns, its callbacks are not running ---------------------- */

struct slow {
    atomic_int entered;
    atomic_int inside;
};

static void slow(const char *name, int event, void *user) {
    (void)event;
    struct slow *s = user;
    if (strncmp(name, "ev", 2) != 0) return;
    atomic_store(&s->inside, 1);
    atomic_fetch_add(&s->entered, 1);
    usleep(300000);
    atomic_store(&s->inside, 0);
}

static void wait_entered(struct slow *s) {
    for (int i = 0; i < 10000 && atomic_load(&s->entered) == 0; i++) usleep(1000);
    CHECK(atomic_load(&s->entered) == 1, "the slow callback was not called");
}

static void quiesce(hermes_oauth *h) {
    struct slow s = {0, 0};
    CHECK(hermes_oauth_watch(h, slow, &s) == HERMES_OK, "watch slow");
    touch("ev-unwatch");
    wait_entered(&s);
    CHECK(hermes_oauth_unwatch(h, slow, &s) == HERMES_OK, "unwatch slow");
    CHECK(atomic_load(&s.inside) == 0, "hermes_oauth_unwatch returned while its callback was still running");
    touch("ev-after-unwatch");
    settle();
    CHECK(atomic_load(&s.entered) == 1, "the callback ran after unwatch returned");

    hermes_oauth *c = NULL;
    struct slow t = {0, 0};
    CHECK(hermes_oauth_open(NULL, &c) == HERMES_OK && hermes_oauth_watch(c, slow, &t) == HERMES_OK, "open and watch");
    touch("ev-close");
    wait_entered(&t);
    CHECK(hermes_oauth_close(c) == HERMES_OK, "close while its callback runs");
    CHECK(atomic_load(&t.inside) == 0, "hermes_oauth_close returned while its callback was still running");
    touch("ev-after-close");
    settle();
    CHECK(atomic_load(&t.entered) == 1, "the callback ran after close returned");
}

/* ---- reentrant: a callback removes itself, or closes its own handle ---------------------------- */

struct self {
    hermes_oauth *h;
    int closes; /* close the handle instead of unwatching */
    atomic_int calls;
    atomic_int status;
};

static void remove_self(const char *name, int event, void *user) {
    (void)event;
    struct self *s = user;
    if (strncmp(name, "ev", 2) != 0) return;
    atomic_fetch_add(&s->calls, 1);
    hermes_status st = s->closes ? hermes_oauth_close(s->h) : hermes_oauth_unwatch(s->h, remove_self, s);
    atomic_store(&s->status, st);
}

static void reentrant(hermes_oauth *h) {
    struct self u = {h, 0, 0, -1};
    CHECK(hermes_oauth_watch(h, remove_self, &u) == HERMES_OK, "watch remove_self");
    touch("ev-self-1");
    settle();
    touch("ev-self-2");
    settle();
    CHECK(atomic_load(&u.calls) == 1 && atomic_load(&u.status) == HERMES_OK, "a callback that unwatches itself: %d calls, status %d",
          atomic_load(&u.calls), atomic_load(&u.status));
    CHECK(works(h), "the handle after its callback unwatched itself");

    struct self c = {NULL, 1, 0, -1};
    CHECK(hermes_oauth_open(NULL, &c.h) == HERMES_OK && hermes_oauth_watch(c.h, remove_self, &c) == HERMES_OK, "open and watch");
    touch("ev-self-3");
    settle();
    touch("ev-self-4");
    settle();
    CHECK(atomic_load(&c.calls) == 1 && atomic_load(&c.status) == HERMES_OK, "a callback that closes its handle: %d calls, status %d",
          atomic_load(&c.calls), atomic_load(&c.status));
    CHECK(!works(c.h), "the handle its callback closed still works");
    CHECK(works(h), "another handle after a callback closed its own");
}

/* One attack by name; 0, or -1 for a name this program does not know. */
static int play(const char *mode) {
    if (strcmp(mode, "unique") == 0) {
        unique();
    } else if (strcmp(mode, "stale") == 0) {
        stale();
    } else if (strcmp(mode, "threads") == 0) {
        threads();
    } else {
        /* The event modes: a witness on a handle of its own sees every event after the others. */
        hermes_oauth *w = NULL, *h = NULL;
        CHECK(hermes_oauth_open(NULL, &w) == HERMES_OK && hermes_oauth_watch(w, witness, NULL) == HERMES_OK, "the witness");
        CHECK(hermes_oauth_open(NULL, &h) == HERMES_OK, "open");
        settle();
        if (strcmp(mode, "watch") == 0) watch(h);
        else if (strcmp(mode, "quiesce") == 0) quiesce(h);
        else if (strcmp(mode, "reentrant") == 0) reentrant(h);
        else return -1;
        CHECK(hermes_oauth_close(h) == HERMES_OK && hermes_oauth_close(w) == HERMES_OK, "close");
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    const char *mode = argv[1];
    server = argv[2];

    if (strcmp(mode, "deref") == 0) {
        hermes_oauth *h = NULL;
        if (hermes_oauth_open(NULL, &h) != HERMES_OK) return 2;
        hermes_oauth_close(h);
        printf("reading\n");
        fflush(stdout);
        volatile const unsigned char *p = (volatile const unsigned char *)(void *)h;
        printf("read %u through a closed handle\n", (unsigned)*p);
        return 0;
    }

    /* Several attacks may run one after the other in one process ("stale,threads"): under
     * valgrind, each process pays seconds of start-up, so the checked run plays them all at once. */
    char list[256];
    snprintf(list, sizeof list, "%s", mode);
    for (char *next = NULL, *one = strtok_r(list, ",", &next); one; one = strtok_r(NULL, ",", &next)) {
        if (play(one) != 0) return 2;
    }
    if (atomic_load(&failures)) return 1;
    printf("ok\n");
    return 0;
}
