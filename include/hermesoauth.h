/*
 * libhermesoauth: bearer tokens for OAuth-protected MCP servers, from C.
 *
 * Conventions (every function follows them):
 *   - Fallible functions return a hermes_status; HERMES_OK is 0, anything else is a failure whose
 *     human-readable message hermes_last_error() returns on the same thread.
 *   - Strings the library returns through `char **` out-parameters are allocated by the library and
 *     owned by the caller, who releases them with hermes_free(). On failure, out-parameters are set
 *     to NULL and nothing needs freeing.
 *   - Strings returned as `const char *` are owned by the library; never free them.
 *   - Every function may be called from any thread. Blocking functions block only the calling
 *     thread; call them from your own threads, not from a Swift-concurrency task.
 *
 * Link with: cc prog.c $(pkg-config --cflags --libs hermesoauth)
 */
#ifndef HERMESOAUTH_H
#define HERMESOAUTH_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HERMESOAUTH_VERSION_MAJOR 0
#define HERMESOAUTH_VERSION_MINOR 1
#define HERMESOAUTH_VERSION_PATCH 0
#define HERMESOAUTH_VERSION "0.1.0"
/* A single comparable number: (major * 10000) + (minor * 100) + patch. */
#define HERMESOAUTH_VERSION_NUM 100

/* The result of every fallible call. A fixed-width integer so the ABI never depends on the
 * compiler's choice of enum size. */
typedef int32_t hermes_status;

enum {
    HERMES_OK = 0,
    HERMES_EINVAL = 1,       /* a NULL or malformed argument, or a hostile server name */
    HERMES_ENOTFOUND = 2,    /* no such server in config.yaml, or no such file */
    HERMES_ENEEDS_LOGIN = 3, /* no usable tokens: a person must run `hermes mcp login NAME` */
    HERMES_ENETWORK = 4,     /* the server could not be reached */
    HERMES_EPROTOCOL = 5,    /* the server answered something OAuth or MCP does not allow */
    HERMES_EIO = 6,          /* a local file or system call failed */
    HERMES_ETIMEOUT = 7,     /* a deadline passed */
    HERMES_EDENIED = 8       /* the user or the authorization server refused */
};

/* The library's version, "MAJOR.MINOR.PATCH". Static storage: do not free. */
const char *hermes_version(void);

/* A fresh PKCE pair (RFC 7636, S256): a 43-character verifier drawn from OpenSSL's CSPRNG and its
 * challenge BASE64URL(SHA256(verifier)) without padding. Both strings are NUL-terminated and owned
 * by the caller: release each with hermes_free(). Returns HERMES_EINVAL if either pointer is NULL,
 * HERMES_EIO if the random generator fails. */
hermes_status hermes_pkce_pair(char **verifier, char **challenge);

/* Releases memory the library handed to the caller. NULL is ignored. */
void hermes_free(void *p);

/* The message of the last failure on the calling thread, or NULL if no call on this thread has
 * failed. Owned by the library; valid until the next failing call on the same thread. Like errno,
 * a successful call does not clear it. */
const char *hermes_last_error(void);

/* ---- The manager ---------------------------------------------------------------------------------
 *
 * A hermes_oauth handle gives access to the OAuth state of the MCP servers configured in one
 * HERMES_HOME (its config.yaml and mcp-tokens/). Every handle on the same home in a process shares
 * one manager: tokens refreshed through one handle, by another thread, or by another process are
 * seen by all at once (inotify marks them stale; the next call re-reads the file). Handles may be
 * used from any thread concurrently.
 *
 * A hermes_oauth * is an opaque value, not an address: never dereference it. It is never NULL,
 * never the address of memory (reading through it faults), and no two hermes_oauth_open calls in
 * the life of the process return the same value. So a NULL, closed or foreign handle passed to any
 * function is an error (HERMES_EINVAL, hermes_last_error() says which), never a crash, and never
 * reaches a handle opened since.
 */
typedef struct hermes_oauth hermes_oauth;

/* Opens a handle on `hermes_home` (NULL: $HERMES_HOME when set and not blank, else ~/.hermes).
 * The home need not exist yet. Release the handle with hermes_oauth_close(). */
hermes_status hermes_oauth_open(const char *hermes_home, hermes_oauth **out);

/* Closes the handle and removes the callbacks registered through it: when it returns, none of them
 * is running (except the one calling it, when called from a callback) or will be called again.
 * Returns HERMES_OK, also for NULL (ignored); HERMES_EINVAL for a handle already closed or not from
 * hermes_oauth_open, which changes nothing. */
hermes_status hermes_oauth_close(hermes_oauth *h);

/* A valid access token for the configured server `server`, refreshed first when it is expired or
 * about to expire. Never interactive: without usable tokens it returns HERMES_ENEEDS_LOGIN (a
 * person must run `hermes mcp login SERVER`). HERMES_ENOTFOUND: no such OAuth server in
 * config.yaml. HERMES_ENETWORK / HERMES_ETIMEOUT: the refresh could not be done now; nothing was
 * lost. A cached token costs no system call. `*token` is the caller's: hermes_free() it. A token
 * bound to a DPoP key (`hermes mcp status` says so) is refused without a proof made with that key:
 * for those, hermes_oauth_request_headers() gives everything a request needs. */
hermes_status hermes_oauth_access_token(hermes_oauth *h, const char *server, char **token);

/* The URL of `server`'s MCP endpoint, the only place its tokens may be sent: the one in
 * config.yaml (${VAR} references expanded), provided the stored tokens were issued for it. When the
 * entry's URL changed since the login, HERMES_ENEEDS_LOGIN, and hermes_oauth_access_token refuses
 * the tokens too: they are never handed out for another server. `*url` is the caller's: hermes_free() it. */
hermes_status hermes_oauth_server_url(hermes_oauth *h, const char *server, char **url);

/* The authorization headers of one request to `url` (`method` GET, POST, ...), as "Name: value\r\n"
 * lines ready for an HTTP library (libcurl: one curl_slist_append per line, without the CR LF):
 * "Authorization: Bearer <token>" for a Bearer token; for a token bound to a DPoP key (RFC 9449),
 * "Authorization: DPoP <token>" and "DPoP: <proof>", a proof for this method and URL alone: get
 * new headers for every request, a retry included. The token is refreshed first when needed, as
 * hermes_oauth_access_token does, with the same statuses. `url` must be on the origin of the
 * server's URL (hermes_oauth_server_url), else HERMES_EINVAL: the credentials go nowhere else.
 * `*headers` is the caller's: hermes_free() it. */
hermes_status hermes_oauth_request_headers(hermes_oauth *h, const char *server, const char *method, const char *url,
                                           char **headers);

/* The MCP server at `url` answered with a `DPoP-Nonce: <nonce>` header (RFC 9449 §9; on a 401 with
 * `WWW-Authenticate: DPoP error="use_dpop_nonce"` it wants the request again with it): proofs for
 * `url` carry it from now on. `*fresh` (may be NULL) is 1 when the nonce is new, so a refused
 * request is worth one more try with new headers. HERMES_EINVAL for a value RFC 9449 does not
 * allow (it is never echoed) or a URL on another origin. Nothing to do for a Bearer token. */
hermes_status hermes_oauth_dpop_nonce(hermes_oauth *h, const char *server, const char *url, const char *nonce, int *fresh);

/* The MCP server answered 401 to `failed_token` (may be NULL when unknown). Decides whether a
 * retry is worthwhile: a newer token on disk is adopted, else the refresh token is used; concurrent
 * calls for the same failed token share one recovery. On HERMES_OK, `*retry` is 1: call
 * hermes_oauth_access_token() again and repeat the request once. Otherwise `*retry` is 0 and the
 * status says why (HERMES_ENEEDS_LOGIN, HERMES_ENOTFOUND, HERMES_ENETWORK, ...). */
hermes_status hermes_oauth_handle_401(hermes_oauth *h, const char *server, const char *failed_token, int *retry);

/* hermes_oauth_login flags. */
#define HERMES_LOGIN_NEW_CLIENT 0x1u  /* register a new client instead of reusing the stored one */
#define HERMES_LOGIN_NO_TERMINAL 0x2u /* do not read a pasted redirect address from stdin */

/* Runs the interactive authorization code flow for `server`, as `hermes mcp login` does: the URL
 * is printed to stderr and opened with $BROWSER (or xdg-open with a display); the callback arrives
 * on 127.0.0.1. Blocks the calling thread until the login completes, fails, or oauth.timeout
 * (300 s) passes. The previous tokens stay in place unless the login succeeds. */
hermes_status hermes_oauth_login(hermes_oauth *h, const char *server, unsigned flags);

/* hermes_oauth_logout flags. */
#define HERMES_LOGOUT_KEEP_REGISTRATION 0x1u /* keep client registration and metadata */

/* Revokes the server's tokens at its RFC 7009 endpoint when it has one, then deletes them locally.
 * Returns HERMES_OK once the local files are gone, even if revocation failed; in that case
 * hermes_last_error() describes the revocation problem. */
hermes_status hermes_oauth_logout(hermes_oauth *h, const char *server, unsigned flags);

/* Events passed to a hermes_token_event_fn. */
#define HERMES_TOKEN_UPDATED 1 /* the server's token file was written or replaced */
#define HERMES_TOKEN_REMOVED 2 /* the server's token file was deleted */

/* Called on a library thread (not the caller's) each time a token file changes on disk, by this
 * process or any other. `server` is the server's name (the file's stem when no configured server
 * matches) and is valid only during the call. The callbacks of one handle never run concurrently.
 * Keep the callback short. It may call hermes_oauth_unwatch() or hermes_oauth_close(), also for
 * itself or its own handle (that call does not wait for the callback making it). Called from
 * another thread, both wait for a running callback of theirs to return: do not call them while
 * holding a lock that callback takes. */
typedef void (*hermes_token_event_fn)(const char *server, int event, void *user);

/* Registers `fn` with `user` on the handle. A pair already registered on the handle is refused
 * with HERMES_EINVAL and stays registered once: each event calls it once, and one
 * hermes_oauth_unwatch() removes it. */
hermes_status hermes_oauth_watch(hermes_oauth *h, hermes_token_event_fn fn, void *user);

/* Removes the registration of exactly this (fn, user) pair on this handle (HERMES_ENOTFOUND when
 * there is none). When it returns HERMES_OK, that registration's callback is not running (unless
 * this is called from it) and will not be called again. */
hermes_status hermes_oauth_unwatch(hermes_oauth *h, hermes_token_event_fn fn, void *user);

#ifdef __cplusplus
}
#endif

#endif /* HERMESOAUTH_H */
