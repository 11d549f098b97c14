// Helpers shared by the codecs (private to the CImageCodecs target).
#ifndef STYLE_CODEC_COMMON_H
#define STYLE_CODEC_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/// Writes a formatted one-line message into err (always NUL-terminated when errlen > 0); line breaks
/// in library messages (libheif's end with one) become spaces.
static inline void cic_set_error(char *err, size_t errlen, const char *fmt, ...) {
    if (err == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    size_t n = strlen(err);
    while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == '\r' || err[n - 1] == ' ')) err[--n] = 0;
    for (char *c = err; *c; c++)
        if (*c == '\n' || *c == '\r') *c = ' ';
}

/// Float sample → 8-bit: clamped to [0,1] (NaN → 0), rounded to nearest.
static inline uint8_t cic_to_u8(float v) {
    if (!(v > 0.0f)) return 0;
    if (v >= 1.0f) return 255;
    return (uint8_t)(v * 255.0f + 0.5f);
}

/// Fills table[k] = k/255 for every 8-bit level k (a table lookup is much cheaper than a division
/// per sample). Exactly k/255.0f, so that encoding a decoded image reproduces its levels.
static inline void cic_fill_unit_levels(float table[256]) {
    for (int k = 0; k < 256; k++) table[k] = (float)k / 255.0f;
}

/// A growable malloc'd byte buffer that the encoders write into.
typedef struct {
    uint8_t *bytes;
    size_t length;
    size_t capacity;
} cic_buffer;

/// Appends n bytes; returns 0, or -1 when out of memory (the buffer is left as it was).
static inline int cic_buffer_append(cic_buffer *b, const void *src, size_t n) {
    if (n > SIZE_MAX - b->length) return -1;
    if (b->length + n > b->capacity) {
        size_t cap = b->capacity ? b->capacity : 65536;
        while (cap < b->length + n) {
            if (cap > SIZE_MAX / 2) { cap = b->length + n; break; }
            cap *= 2;
        }
        uint8_t *p = realloc(b->bytes, cap);
        if (p == NULL) return -1;
        b->bytes = p;
        b->capacity = cap;
    }
    memcpy(b->bytes + b->length, src, n);
    b->length += n;
    return 0;
}

/// Checked a·b for sizes; returns 0 and sets *r, or -1 on overflow.
static inline int cic_mul_size(size_t a, size_t b, size_t *r) {
    if (a != 0 && b > SIZE_MAX / a) return -1;
    *r = a * b;
    return 0;
}

#endif
