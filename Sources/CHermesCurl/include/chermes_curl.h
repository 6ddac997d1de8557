/*
 * CHermesCurl: one HTTP exchange through libcurl, for the OAuth and MCP transports.
 *
 * Foundation's URLSession on Linux cannot reach IPv6 literal hosts (http://[::1]:port/) and has no
 * way to bound a response's size; libcurl does both. This binding only performs a request and
 * hands back status, headers and body: retries, redirects, timeouts and which connections are kept
 * are decided in Swift. Every exchange shares the process's DNS answers and TLS sessions (one
 * libcurl share, locked per kind of data). Hidden from libhermesoauth.so's dynamic symbols.
 */
#ifndef CHERMES_CURL_H
#define CHERMES_CURL_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hermes_curl_response {
    long status;          /* HTTP status, 0 when no response arrived */
    char *headers;        /* raw header lines of the final response, NUL-terminated */
    size_t headers_len;
    unsigned char *body;  /* response body (not NUL-terminated) */
    size_t body_len;
    int timed_out;        /* 1 when the deadline passed */
    int too_large;        /* 1 when the body exceeded max_body */
    int stopped;          /* 1 when a sink ended the transfer early (hermes_curl_perform_stream) */
    char error[256];      /* libcurl's message when the exchange failed */
} hermes_curl_response;

/* What an HTTPS exchange trusts. NULL fields keep libcurl's built-in defaults. */
typedef struct hermes_curl_tls {
    const char *ca_file;  /* CURLOPT_CAINFO: a PEM bundle */
    const char *ca_path;  /* CURLOPT_CAPATH: a hashed certificate directory */
    int insecure;         /* 1: neither the certificate nor the host name is verified */
} hermes_curl_tls;

/* Open connections kept between exchanges (a libcurl multi handle): an exchange given one reuses a
 * connection it holds when libcurl finds one to the same host and port made with the same TLS
 * settings and proxy, and leaves its own there. Used by one exchange at a time, from any thread. */
typedef struct hermes_curl_connections hermes_curl_connections;

hermes_curl_connections *hermes_curl_connections_new(void);
/* Closes every connection it holds. */
void hermes_curl_connections_free(hermes_curl_connections *connections);

/* Performs one request on `connections` (NULL: connections of its own, closed at the end) and
 * blocks until it finishes, `timeout_ms` passes, or `*cancel` becomes non-zero. `headers` are "Name: value" strings. Redirects are not followed. `tls` may be NULL.
 * Returns 0 when a response arrived (whatever its status), else libcurl's error code, with
 * `out->error` set. Release `out` with hermes_curl_response_free either way. */
int hermes_curl_perform(hermes_curl_connections *connections, const char *method, const char *url,
                        const char *const *headers, size_t header_count, const void *body, size_t body_len,
                        long timeout_ms, size_t max_body, const hermes_curl_tls *tls, const volatile int *cancel,
                        hermes_curl_response *out);

/* Receives the body of hermes_curl_perform_stream piece by piece, as it arrives, with the response's
 * status and content type (NULL when none). Returns 0 to go on, non-zero to end the transfer. */
typedef int (*hermes_curl_sink)(void *context, long status, const char *content_type,
                                const unsigned char *data, size_t len);

/* hermes_curl_perform, with the body handed to `sink` instead of collected in `out->body` (still at
 * most `max_body` bytes in all; 0: no limit), so a reply that never ends (an event stream) is read
 * while it comes and left as soon as what was wanted is in. `timeout_ms` bounds connecting,
 * `total_ms` the whole exchange (0: no limit). A sink that ends the transfer makes it a
 * success: 0, with `out->stopped` set. The rest of the reply is then read and dropped for at most
 * `linger_ms` (and 256 KiB), so a reply that ends at once leaves its connection reusable; 0 leaves
 * at once (the connection is closed). */
int hermes_curl_perform_stream(hermes_curl_connections *connections, const char *method, const char *url,
                               const char *const *headers, size_t header_count, const void *body, size_t body_len,
                               long timeout_ms, long total_ms, size_t max_body, const hermes_curl_tls *tls,
                               const volatile int *cancel, hermes_curl_sink sink, void *context, long linger_ms,
                               hermes_curl_response *out);

void hermes_curl_response_free(hermes_curl_response *r);

#ifdef __cplusplus
}
#endif

#pragma GCC visibility pop

#endif
