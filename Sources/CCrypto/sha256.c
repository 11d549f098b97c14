#include "CCrypto.h"

#include <openssl/evp.h>

int ccr_sha256(const void *data, size_t size, uint8_t digest[CCR_SHA256_BYTES]) {
    static const uint8_t empty = 0;  // EVP_Digest wants a valid pointer even for 0 bytes
    unsigned int length = 0;
    int ok = EVP_Digest(size ? data : &empty, size, digest, &length, EVP_sha256(), NULL);
    return ok == 1 && length == CCR_SHA256_BYTES ? 0 : -1;
}
