#include "chermes_shims.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

int hermes_shim_sha256(const void *data, size_t len, uint8_t out[32]) {
    unsigned int outlen = 0;
    if (EVP_Digest(data, len, out, &outlen, EVP_sha256(), NULL) != 1 || outlen != 32) return -1;
    return 0;
}

int hermes_shim_random_bytes(uint8_t *buf, size_t len) {
    /* RAND_bytes takes an int; split large requests so no length is ever truncated. */
    while (len > 0) {
        int chunk = len > 1 << 20 ? 1 << 20 : (int)len;
        if (RAND_bytes(buf, chunk) != 1) return -1;
        buf += chunk;
        len -= (size_t)chunk;
    }
    return 0;
}

const char *hermes_shim_openssl_version(void) {
    return OpenSSL_version(OPENSSL_VERSION);
}
