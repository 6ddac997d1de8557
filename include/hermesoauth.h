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

#ifdef __cplusplus
}
#endif

#endif /* HERMESOAUTH_H */
