// SHA-256 from OpenSSL's libcrypto (a kept, audited implementation), for the weights digest.
#ifndef STYLE_CCRYPTO_H
#define STYLE_CCRYPTO_H

#include <stddef.h>
#include <stdint.h>

enum { CCR_SHA256_BYTES = 32 };

/// digest (32 bytes) = SHA-256 of the `size` bytes at `data` (NULL allowed when size is 0).
/// Returns 0, or -1 when libcrypto fails (no SHA-256 provider available).
int ccr_sha256(const void *data, size_t size, uint8_t digest[CCR_SHA256_BYTES]);

#endif
