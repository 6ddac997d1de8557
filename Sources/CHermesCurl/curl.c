#include "chermes_curl.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static void global_init(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

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
} stream;

static size_t on_stream(char *p, size_t size, size_t n, void *ctx) {
    stream *s = ctx;
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
        return 0;
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

static int perform(const char *method, const char *url, const char *const *headers, size_t header_count,
                   const void *body, size_t body_len, long timeout_ms, size_t max_body, const hermes_curl_tls *tls,
                   const volatile int *cancel, hermes_curl_sink sink, void *context, hermes_curl_response *out) {
    memset(out, 0, sizeof *out);
    pthread_once(&init_once, global_init);
    CURL *curl = curl_easy_init();
    if (!curl) {
        strcpy(out->error, "libcurl could not start a request");
        return CURLE_FAILED_INIT;
    }
    buffer resp = {0}, head = {0};
    resp.max = max_body;
    stream streamed = {curl, sink, context, 0, max_body, 0, 0};
    head.max = 256 * 1024;
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl_slist_append(list, headers[i]);
    /* libcurl would otherwise add "Expect: 100-continue" to larger POSTs. */
    list = curl_slist_append(list, "Expect:");

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
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
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

    CURLcode rc = curl_easy_perform(curl);
    if (streamed.stopped && rc == CURLE_WRITE_ERROR) rc = CURLE_OK;
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
    return (int)rc;
}

int hermes_curl_perform(const char *method, const char *url, const char *const *headers, size_t header_count,
                        const void *body, size_t body_len, long timeout_ms, size_t max_body,
                        const hermes_curl_tls *tls, const volatile int *cancel, hermes_curl_response *out) {
    return perform(method, url, headers, header_count, body, body_len, timeout_ms, max_body, tls, cancel, NULL, NULL, out);
}

int hermes_curl_perform_stream(const char *method, const char *url, const char *const *headers, size_t header_count,
                               const void *body, size_t body_len, long timeout_ms, size_t max_body,
                               const hermes_curl_tls *tls, const volatile int *cancel, hermes_curl_sink sink,
                               void *context, hermes_curl_response *out) {
    return perform(method, url, headers, header_count, body, body_len, timeout_ms, max_body, tls, cancel, sink, context, out);
}

void hermes_curl_response_free(hermes_curl_response *r) {
    free(r->body);
    free(r->headers);
    r->body = NULL;
    r->headers = NULL;
}
