/*
 * CHermesShims: the thin C layer under HermesOAuth.
 *
 * Only what Swift cannot do, or cannot do well: OpenSSL (a C library), decoding inotify's
 * variable-length records (a flexible array member Swift cannot read in place), and accept4 (a GNU
 * call the Glibc module does not import, needed so a connection is close-on-exec from its first
 * instant). Every decision (which files, which modes, how long to wait, how often to retry, what a
 * result means) and every syscall Swift can make itself live in HermesOAuth/2-System. Functions
 * return 0 (or a count) on success and -errno on failure, so Swift never has to read the
 * thread-local errno after a call. Process code (spawn, /proc) is in CHermesProcess, which only
 * HermesMCP links.
 *
 * Everything is hidden from libhermesoauth.so's dynamic symbol table: the shims are an
 * implementation detail, not part of the C API in include/hermesoauth.h.
 */
#ifndef CHERMES_SHIMS_H
#define CHERMES_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* ---- OpenSSL libcrypto ------------------------------------------------------------------------ */

/* SHA-256 of `len` bytes into `out`. Returns 0, or -1 if libcrypto failed. */
int hermes_shim_sha256(const void *data, size_t len, uint8_t out[32]);

/* `len` cryptographically secure random bytes from OpenSSL's CSPRNG. Returns 0, or -1. */
int hermes_shim_random_bytes(uint8_t *buf, size_t len);

/* OpenSSL's own version string, for diagnostics. */
const char *hermes_shim_openssl_version(void);

/* A private key (an EVP_PKEY), for JWS signatures: private_key_jwt client assertions, DPoP proofs. */
typedef struct hermes_shim_key hermes_shim_key;

enum { HERMES_SHIM_KEY_OTHER = 0, HERMES_SHIM_KEY_P256 = 1, HERMES_SHIM_KEY_RSA = 2 };

/* Parses a PEM private key (PKCS#8, SEC 1 or PKCS#1; never prompts for a passphrase: an encrypted
 * key fails). Returns 0 with *out and *kind (HERMES_SHIM_KEY_*), or -1. */
int hermes_shim_key_from_pem(const char *pem, size_t len, hermes_shim_key **out, int *kind);

/* A new P-256 key pair. Returns 0 with *out, or -1. */
int hermes_shim_key_generate_p256(hermes_shim_key **out);

/* The private key as unencrypted PKCS#8 PEM into buf[0..cap). Returns 0 with *len, or -1. */
int hermes_shim_key_to_pem(hermes_shim_key *key, char *buf, size_t cap, size_t *len);

/* The public point of a P-256 key, each coordinate 32 big-endian bytes. Returns 0 or -1. */
int hermes_shim_key_ec_public(hermes_shim_key *key, uint8_t x[32], uint8_t y[32]);

/* The modulus and public exponent of an RSA key, big-endian without leading zeros. Returns 0 or -1. */
int hermes_shim_key_rsa_public(hermes_shim_key *key, uint8_t *n, size_t ncap, size_t *nlen, uint8_t *e, size_t ecap, size_t *elen);

/* A SHA-256 signature of data: for an EC key R || S (64 bytes, as JWS ES256 has it), for RSA
 * PKCS #1 v1.5 (RS256). Returns 0 with *siglen, or -1. */
int hermes_shim_key_sign_sha256(hermes_shim_key *key, const void *data, size_t len, uint8_t *sig, size_t cap, size_t *siglen);

/* Checks a signature in the form hermes_shim_key_sign_sha256 makes. Returns 0 when it holds, else -1. */
int hermes_shim_key_verify_sha256(hermes_shim_key *key, const void *data, size_t len, const uint8_t *sig, size_t siglen);

void hermes_shim_key_free(hermes_shim_key *key);

/* ---- inotify ----------------------------------------------------------------------------------- */

/* The instance, its watches and its reads are plain syscalls made from Swift; only the records'
 * layout is read here. */

/* One decoded event. `name` points into the buffer given to hermes_shim_inotify_next and is
 * NUL-terminated within it; `name_len` excludes the padding NULs (0 for events on the watch itself). */
typedef struct hermes_shim_inotify_event {
    int32_t wd;
    uint32_t mask;
    uint32_t cookie;
    const char *name;
    size_t name_len;
} hermes_shim_inotify_event;

/* Decodes the event at `*offset` in `buf[0..len)` and advances `*offset` past it.
 * Returns 1 when an event was decoded, 0 at the end, -EINVAL for a record that would run past `len`. */
int hermes_shim_inotify_next(const void *buf, size_t len, size_t *offset, hermes_shim_inotify_event *out);

/* ---- sockets ----------------------------------------------------------------------------------- */

/* accept4(fd, NULL, NULL, SOCK_CLOEXEC), once: whether EINTR is worth another try is the caller's
 * decision. Returns the connection fd or -errno. */
int hermes_shim_accept_cloexec(int fd);

#ifdef __cplusplus
}
#endif

#pragma GCC visibility pop

#endif /* CHERMES_SHIMS_H */
