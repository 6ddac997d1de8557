#include "chermes_curl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One share for the process: DNS answers and TLS sessions found by any exchange serve the others.
 * Connections are not shared here: libcurl does not support a shared connection cache used by
 * concurrent threads (CURLSHOPT_SHARE, known bug "A shared connection cache is not thread-safe");
 * they are kept by the caches below, each used by one exchange at a time. */
static CURLSH *share;
static pthread_mutex_t locks[CURL_LOCK_DATA_LAST];

static void lock_data(CURL *handle, curl_lock_data data, curl_lock_access access, void *user) {
    (void)handle; (void)access; (void)user;
    pthread_mutex_lock(&locks[data]);
}

static void unlock_data(CURL *handle, curl_lock_data data, void *user) {
    (void)handle; (void)user;
    pthread_mutex_unlock(&locks[data]);
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void global_init(void) {
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (int i = 0; i < CURL_LOCK_DATA_LAST; i++) pthread_mutex_init(&locks[i], NULL);
    share = curl_share_init();
    if (!share) return;
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, lock_data);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, unlock_data);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
}

hermes_curl_connections *hermes_curl_connections_new(void) {
    pthread_once(&init_once, global_init);
    CURLM *multi = curl_multi_init();
    if (multi) curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 4L);
    return (hermes_curl_connections *)multi;
}

void hermes_curl_connections_free(hermes_curl_connections *connections) {
    if (connections) curl_multi_cleanup((CURLM *)connections);
}

static long long now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

typedef struct {
    unsigned char *data;
    size_t len, cap, max;
    int overflow;
} buffer;

static int append(buffer *b, const void *p, size_t n) {
    if (b->max && b->len + n > b->max) {
        b->overflow = 1;
        return 0;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        unsigned char *grown = realloc(b->data, cap);
        if (!grown) return 0;
        b->data = grown;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return 1;
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx) {
    return append(ctx, p, size * n) ? size * n : 0;
}

typedef struct {
    CURL *curl;
    hermes_curl_sink sink;
    void *context;
    size_t len, max;
    int overflow, stopped;
    long linger_ms;
    long long linger_until;  /* once stopped: when the rest of the reply stops being waited for */
    size_t lingered;
} stream;

/* Bytes read and dropped after a sink ended the transfer, at most: past that the connection is
 * not worth keeping. */
#define LINGER_MAX_BYTES (256 * 1024)

static size_t on_stream(char *p, size_t size, size_t n, void *ctx) {
    stream *s = ctx;
    if (s->stopped) {
        s->lingered += size * n;
        return s->lingered <= LINGER_MAX_BYTES ? size * n : 0;
    }
    if (s->max && s->len + size * n > s->max) {
        s->overflow = 1;
        return 0;
    }
    s->len += size * n;
    long status = 0;
    char *type = NULL;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(s->curl, CURLINFO_CONTENT_TYPE, &type);
    if (s->sink(s->context, status, type, (const unsigned char *)p, size * n)) {
        s->stopped = 1;
        if (s->linger_ms <= 0) return 0;
        /* The reply's end (an event stream's last chunk) usually follows at once: reading it
         * leaves the connection reusable, where ending the transfer here would close it. */
        s->linger_until = now_ms() + s->linger_ms;
    }
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx) {
    buffer *b = ctx;
    /* A new status line starts the headers of a later response (after 100 Continue): keep only the last. */
    if (size * n >= 5 && memcmp(p, "HTTP/", 5) == 0) b->len = 0;
    return append(b, p, size * n) ? size * n : 0;
}

static int on_progress(void *ctx, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d) {
    (void)a; (void)b; (void)c; (void)d;
    const volatile int *cancel = ctx;
    return cancel && *cancel ? 1 : 0;
}

/* curl_easy_perform, on a multi handle of the caller's: the connections it keeps stay there for the
 * next exchange. A stopped stream's reply is read to its end until its linger deadline, then left. */
static CURLcode transfer(CURLM *multi, CURL *curl, const stream *s) {
    if (curl_multi_add_handle(multi, curl) != CURLM_OK) return CURLE_FAILED_INIT;
    CURLcode rc = CURLE_OK;
    int running = 1;
    for (;;) {
        if (curl_multi_perform(multi, &running) != CURLM_OK) {
            rc = CURLE_FAILED_INIT;
            break;
        }
        if (!running) {
            int queued;
            for (CURLMsg *m; (m = curl_multi_info_read(multi, &queued));)
                if (m->msg == CURLMSG_DONE && m->easy_handle == curl) rc = m->data.result;
            break;
        }
        /* As curl_easy_perform waits: at most a second, so the progress callback sees a cancel. */
        long wait_ms = 1000;
        if (s && s->stopped && s->linger_ms > 0) {
            long long left = s->linger_until - now_ms();
            if (left <= 0) break;  /* left mid-reply: removing the handle closes the connection */
            if (left < wait_ms) wait_ms = (long)left;
        }
        if (curl_multi_poll(multi, NULL, 0, (int)wait_ms, NULL) != CURLM_OK) {
            rc = CURLE_FAILED_INIT;
            break;
        }
    }
    curl_multi_remove_handle(multi, curl);
    return rc;
}

static int perform(hermes_curl_connections *connections, const char *method, const char *url,
                   const char *const *headers, size_t header_count, const void *body, size_t body_len,
                   long timeout_ms, long total_ms, size_t max_body, const hermes_curl_tls *tls,
                   const volatile int *cancel, hermes_curl_sink sink, void *context, long linger_ms,
                   hermes_curl_response *out) {
    memset(out, 0, sizeof *out);
    pthread_once(&init_once, global_init);
    CURLM *multi = connections ? (CURLM *)connections : curl_multi_init();
    CURL *curl = multi ? curl_easy_init() : NULL;
    if (!curl) {
        if (multi && !connections) curl_multi_cleanup(multi);
        strcpy(out->error, "libcurl could not start a request");
        return CURLE_FAILED_INIT;
    }
    buffer resp = {0}, head = {0};
    resp.max = max_body;
    stream streamed = {curl, sink, context, 0, max_body, 0, 0, linger_ms, 0, 0};
    head.max = 256 * 1024;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl_slist_append(list, headers[i]);
    /* libcurl would otherwise add "Expect: 100-continue" to larger POSTs. */
    list = curl_slist_append(list, "Expect:");

    if (share) curl_easy_setopt(curl, CURLOPT_SHARE, share);
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (body) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
    } else if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, total_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    /* A stream with no overall limit learns of a peer that vanished without a word from TCP. */
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPIDLE, 30L);
    curl_easy_setopt(curl, CURLOPT_TCP_KEEPINTVL, 15L);
    if (sink) {
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_stream);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &streamed);
    } else {
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &resp);
    }
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, (void *)cancel);
    if (tls) {
        if (tls->ca_file) curl_easy_setopt(curl, CURLOPT_CAINFO, tls->ca_file);
        if (tls->ca_path) curl_easy_setopt(curl, CURLOPT_CAPATH, tls->ca_path);
        if (tls->insecure) {
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
        }
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);

    CURLcode rc = transfer(multi, curl, sink ? &streamed : NULL);
    /* The sink had what it wanted: whatever ended the rest of the reply is no failure. */
    if (streamed.stopped) rc = CURLE_OK;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
    out->timed_out = rc == CURLE_OPERATION_TIMEDOUT;
    out->too_large = resp.overflow || streamed.overflow;
    out->stopped = streamed.stopped;
    if (rc != CURLE_OK) {
        const char *msg = errbuf[0] ? errbuf : curl_easy_strerror(rc);
        strncpy(out->error, msg, sizeof out->error - 1);
    }
    out->body = resp.data;
    out->body_len = resp.len;
    out->headers = (char *)head.data;
    out->headers_len = head.len;
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    if (!connections) curl_multi_cleanup(multi);
    return (int)rc;
}

int hermes_curl_perform(hermes_curl_connections *connections, const char *method, const char *url,
                        const char *const *headers, size_t header_count, const void *body, size_t body_len,
                        long timeout_ms, size_t max_body, const hermes_curl_tls *tls, const volatile int *cancel,
                        hermes_curl_response *out) {
    return perform(connections, method, url, headers, header_count, body, body_len, timeout_ms, timeout_ms, max_body, tls,
                   cancel, NULL, NULL, 0, out);
}

int hermes_curl_perform_stream(hermes_curl_connections *connections, const char *method, const char *url,
                               const char *const *headers, size_t header_count, const void *body, size_t body_len,
                               long timeout_ms, long total_ms, size_t max_body, const hermes_curl_tls *tls,
                               const volatile int *cancel, hermes_curl_sink sink, void *context, long linger_ms,
                               hermes_curl_response *out) {
    return perform(connections, method, url, headers, header_count, body, body_len, timeout_ms, total_ms, max_body, tls,
                   cancel, sink, context, linger_ms, out);
}

void hermes_curl_response_free(hermes_curl_response *r) {
    free(r->body);
    free(r->headers);
    r->body = NULL;
    r->headers = NULL;
}
