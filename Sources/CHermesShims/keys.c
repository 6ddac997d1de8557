#include "chermes_shims.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

/* An encrypted PEM must never make OpenSSL prompt on the terminal of the agent or a C host. */
static int no_passphrase(char *buf, int size, int rwflag, void *user) {
    (void)buf; (void)size; (void)rwflag; (void)user;
    return -1;
}

/* The key and a digest-sign context initialised once with it: each signature starts from a copy
 * (EVP_DigestSignInit fetches the algorithms again every time, a fifth of a P-256 signature). */
struct hermes_shim_key {
    EVP_PKEY *pkey;
    EVP_MD_CTX *tmpl;
};

static hermes_shim_key *wrap(EVP_PKEY *pkey) {
    hermes_shim_key *key = calloc(1, sizeof *key);
    if (!key) { EVP_PKEY_free(pkey); return NULL; }
    key->pkey = pkey;
    key->tmpl = EVP_MD_CTX_new();
    if (!key->tmpl || EVP_DigestSignInit(key->tmpl, NULL, EVP_sha256(), NULL, pkey) != 1) {
        EVP_MD_CTX_free(key->tmpl);
        key->tmpl = NULL;
    }
    ERR_clear_error();
    return key;
}

static int kind_of(EVP_PKEY *key) {
    if (EVP_PKEY_is_a(key, "RSA")) return HERMES_SHIM_KEY_RSA;
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {0};
        if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, NULL) == 1 &&
            (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
            return HERMES_SHIM_KEY_P256;
    }
    return HERMES_SHIM_KEY_OTHER;
}

int hermes_shim_key_from_pem(const char *pem, size_t len, hermes_shim_key **out, int *kind) {
    *out = NULL;
    if (len > INT32_MAX) return -1;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio) return -1;
    EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (!key) return -1;
    *kind = kind_of(key);
    *out = wrap(key);
    return *out ? 0 : -1;
}

int hermes_shim_key_generate_p256(hermes_shim_key **out) {
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ERR_clear_error();
    if (!key) return -1;
    *out = wrap(key);
    return *out ? 0 : -1;
}

int hermes_shim_key_to_pem(hermes_shim_key *key, char *buf, size_t cap, size_t *len) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return -1;
    int rc = -1;
    if (PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0, NULL, NULL) == 1) {
        char *data = NULL;
        long n = BIO_get_mem_data(bio, &data);
        if (n > 0 && (size_t)n <= cap) {
            memcpy(buf, data, (size_t)n);
            *len = (size_t)n;
            rc = 0;
        }
    }
    BIO_free(bio);
    ERR_clear_error();
    return rc;
}

/* A big-endian unsigned integer parameter, left-padded to `width` bytes (0: its own length). */
static int bn_param(EVP_PKEY *key, const char *name, uint8_t *out, size_t cap, size_t width, size_t *len) {
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) { ERR_clear_error(); return -1; }
    size_t n = width ? width : (size_t)BN_num_bytes(bn);
    int rc = -1;
    if (n <= cap && BN_bn2binpad(bn, out, (int)n) == (int)n) {
        *len = n;
        rc = 0;
    }
    BN_free(bn);
    return rc;
}

int hermes_shim_key_ec_public(hermes_shim_key *key, uint8_t x[32], uint8_t y[32]) {
    size_t n = 0;
    if (bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_X, x, 32, 32, &n) != 0) return -1;
    if (bn_param(key->pkey, OSSL_PKEY_PARAM_EC_PUB_Y, y, 32, 32, &n) != 0) return -1;
    return 0;
}

int hermes_shim_key_rsa_public(hermes_shim_key *key, uint8_t *n, size_t ncap, size_t *nlen, uint8_t *e, size_t ecap, size_t *elen) {
    if (bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_N, n, ncap, 0, nlen) != 0) return -1;
    if (bn_param(key->pkey, OSSL_PKEY_PARAM_RSA_E, e, ecap, 0, elen) != 0) return -1;
    return 0;
}

int hermes_shim_key_sign_sha256(hermes_shim_key *key, const void *data, size_t len, uint8_t *sig, size_t cap, size_t *siglen) {
    EVP_PKEY *pkey = key->pkey;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return -1;
    int rc = -1;
    int ready = key->tmpl ? EVP_MD_CTX_copy_ex(ctx, key->tmpl) == 1 : EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1;
    uint8_t der[1024];
    size_t derlen = sizeof der;
    uint8_t *target = EVP_PKEY_is_a(pkey, "EC") ? der : sig;
    size_t *target_len = EVP_PKEY_is_a(pkey, "EC") ? &derlen : siglen;
    if (target == sig) *siglen = cap;
    if (ready && EVP_DigestSign(ctx, target, target_len, data, len) == 1) {
        if (target == sig) {
            rc = 0;
        } else if (cap >= 64) {
            /* JWS wants R || S, each 32 bytes (RFC 7518 §3.4), where OpenSSL gives DER. */
            const unsigned char *p = der;
            ECDSA_SIG *ecdsa = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
            if (ecdsa) {
                const BIGNUM *r = NULL, *s = NULL;
                ECDSA_SIG_get0(ecdsa, &r, &s);
                if (BN_bn2binpad(r, sig, 32) == 32 && BN_bn2binpad(s, sig + 32, 32) == 32) {
                    *siglen = 64;
                    rc = 0;
                }
                ECDSA_SIG_free(ecdsa);
            }
        }
    }
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return rc;
}

int hermes_shim_key_verify_sha256(hermes_shim_key *key, const void *data, size_t len, const uint8_t *sig, size_t siglen) {
    EVP_PKEY *pkey = key->pkey;
    uint8_t der[160];
    const uint8_t *checked = sig;
    size_t checked_len = siglen;
    if (EVP_PKEY_is_a(pkey, "EC")) {
        if (siglen != 64) return -1;
        ECDSA_SIG *ecdsa = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
        if (!ecdsa || !r || !s || ECDSA_SIG_set0(ecdsa, r, s) != 1) {
            ECDSA_SIG_free(ecdsa); BN_free(r); BN_free(s);
            return -1;
        }
        unsigned char *p = der;
        int n = i2d_ECDSA_SIG(ecdsa, NULL);
        if (n <= 0 || (size_t)n > sizeof der) { ECDSA_SIG_free(ecdsa); return -1; }
        i2d_ECDSA_SIG(ecdsa, &p);
        ECDSA_SIG_free(ecdsa);
        checked = der;
        checked_len = (size_t)n;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx) return -1;
    int ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
             EVP_DigestVerify(ctx, checked, checked_len, data, len) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok ? 0 : -1;
}

void hermes_shim_key_free(hermes_shim_key *key) {
    if (!key) return;
    EVP_MD_CTX_free(key->tmpl);
    EVP_PKEY_free(key->pkey);
    free(key);
}
