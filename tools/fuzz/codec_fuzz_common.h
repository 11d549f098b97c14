// Shared checks for the image codecs' libFuzzer harnesses (see run.sh).
//
// Each harness feeds the input to the CImageCodecs probe and, when the header is acceptable, to
// the decoder, exactly as Sources/StyleIO/ImageFile.swift does, then checks what the C API
// promises: errors are one NUL-terminated line, a successful decode fills every sample with a
// value in [0,1], probe and decode agree on the size, and the decoded image re-encodes.
#ifndef STYLE_CODEC_FUZZ_COMMON_H
#define STYLE_CODEC_FUZZ_COMMON_H

#include "CImageCodecs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Smaller than the CLI's 64 Mpx default so that each execution stays fast; the size checks
// themselves are the same code path.
enum { FUZZ_MAX_PIXELS = 1 << 20 };

#define FUZZ_CHECK(cond, ...)                                       \
    do {                                                            \
        if (!(cond)) {                                              \
            fprintf(stderr, "fuzz check failed: %s: ", #cond);     \
            fprintf(stderr, __VA_ARGS__);                           \
            fprintf(stderr, "\n");                                  \
            abort();                                                \
        }                                                           \
    } while (0)

/// A failed call's message: non-empty, NUL-terminated inside the buffer, one line.
static void fuzz_check_message(const char *err, size_t cap, const char *what) {
    FUZZ_CHECK(memchr(err, 0, cap) != NULL, "%s: message not NUL-terminated", what);
    FUZZ_CHECK(err[0] != 0, "%s: failed without a message", what);
    FUZZ_CHECK(strchr(err, '\n') == NULL, "%s: multi-line message '%s'", what, err);
}

typedef int (*fuzz_probe_fn)(const uint8_t *, size_t, uint32_t *, uint32_t *, char *, size_t);
typedef int (*fuzz_decode_fn)(const uint8_t *, size_t, float *, uint32_t, uint32_t, char *, size_t);

static void fuzz_codec(const uint8_t *data, size_t size, fuzz_probe_fn probe, fuzz_decode_fn decode, const char *name) {
    char err[CIC_ERROR_CAPACITY];
    memset(err, 0x55, sizeof(err));
    uint32_t width = 0, height = 0;
    if (probe(data, size, &width, &height, err, sizeof(err)) != 0) {
        fuzz_check_message(err, sizeof(err), "probe");
        return;
    }
    if (width == 0 || height == 0 || (uint64_t)width * height > FUZZ_MAX_PIXELS) return;  // ImageFile.checkSize

    size_t plane = (size_t)width * height;
    float *out = malloc(3 * plane * sizeof(float));
    FUZZ_CHECK(out != NULL, "malloc %zu", 3 * plane * sizeof(float));
    memset(out, 0xFF, 3 * plane * sizeof(float));  // NaN: any sample the decoder does not write stays NaN
    memset(err, 0x55, sizeof(err));
    int rc = decode(data, size, out, width, height, err, sizeof(err));
    if (rc != 0) {
        fuzz_check_message(err, sizeof(err), "decode");
        FUZZ_CHECK(strstr(err, "changed between probe and decode") == NULL, "%s: %s", name, err);
    } else {
        for (size_t i = 0; i < 3 * plane; i++) {
            FUZZ_CHECK(out[i] >= 0.0f && out[i] <= 1.0f, "%s %ux%u: sample %zu is %g", name, width, height, i, (double)out[i]);
        }
        // The decoded image must re-encode (encoders clamp, round and never fail on valid input).
        uint8_t *encoded = NULL;
        size_t length = 0;
        const char *keys[] = {"Software"}, *values[] = {"stylize fuzz \xc3\xa9"};
        int erc = cic_png_encode(out, width, height, keys, values, 1, &encoded, &length, err, sizeof(err));
        FUZZ_CHECK(erc == 0 && encoded != NULL && length > 8, "png re-encode: %s", err);
        uint32_t w2 = 0, h2 = 0;
        FUZZ_CHECK(cic_png_probe(encoded, length, &w2, &h2, err, sizeof(err)) == 0 && w2 == width && h2 == height,
                   "re-encoded PNG probes as %ux%u", w2, h2);
        cic_free(encoded);
        if (width <= 65500 && height <= 65500) {
            const char *comments[] = {"fuzz"};
            erc = cic_jpeg_encode(out, width, height, 1 + (int)(size % 100), comments, 1, &encoded, &length, err, sizeof(err));
            FUZZ_CHECK(erc == 0 && encoded != NULL, "jpeg re-encode: %s", err);
            cic_free(encoded);
        }
        if (plane <= 65536 && width <= 16383 && height <= 16383) {  // WebP encoding is slow: small images only
            const uint8_t xmp[] = "<x:xmpmeta>fuzz</x:xmpmeta>";
            erc = cic_webp_encode(out, width, height, 1 + (int)(size % 100), xmp, sizeof(xmp) - 1, &encoded, &length, err, sizeof(err));
            FUZZ_CHECK(erc == 0 && encoded != NULL, "webp re-encode: %s", err);
            uint32_t w3 = 0, h3 = 0;
            FUZZ_CHECK(cic_webp_probe(encoded, length, &w3, &h3, err, sizeof(err)) == 0 && w3 == width && h3 == height,
                       "re-encoded WebP probes as %ux%u", w3, h3);
            cic_free(encoded);
        }
    }
    free(out);
}

#endif
