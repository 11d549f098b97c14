// A small Windows BMP reader (no kept library decodes BMP: libtiff does not, and ImageMagick is a
// program, not a codec library). Layout per the BITMAPINFOHEADER family: a 14-byte file header, a
// DIB header of 12 (OS/2 core), 40 (INFO), 52/56 (V2/V3), 108 (V4) or 124 (V5) bytes, optional bit
// masks and palette, then rows padded to 4 bytes, bottom-up unless the height is negative.
#include "CImageCodecs.h"
#include "codec_common.h"
#include "exif.h"

enum { BI_RGB = 0, BI_RLE8 = 1, BI_RLE4 = 2, BI_BITFIELDS = 3, BI_JPEG = 4, BI_PNG = 5, BI_ALPHABITFIELDS = 6 };

static uint32_t bmp_u16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t bmp_u32(const uint8_t *p) { return bmp_u16(p) | bmp_u16(p + 2) << 16; }

typedef struct {
    uint32_t width, height;
    int top_down;
    uint32_t bpp, compression;
    uint32_t masks[4];  // R, G, B, A (A = 0: no alpha) for 16/32-bit pixels
    const uint8_t *palette;
    uint32_t palette_count, palette_entry;  // entries of 4 bytes (BGRX), or 3 for OS/2 core files
    size_t offset;                          // of the pixel data
} bmp_header;

static int bmp_parse(const uint8_t *data, size_t size, bmp_header *h, char *err, size_t errlen) {
    memset(h, 0, sizeof(*h));
    if (size < 2 || data[0] != 'B' || data[1] != 'M') {
        cic_set_error(err, errlen, "not a BMP file (no BM signature)");
        return -1;
    }
    if (size < 18 || size < 14 + (size_t)bmp_u32(data + 14)) {
        cic_set_error(err, errlen, "truncated BMP: the file ends after %zu bytes, inside its header", size);
        return -1;
    }
    uint32_t dib = bmp_u32(data + 14);
    h->offset = bmp_u32(data + 10);
    if (dib == 12) {
        h->width = bmp_u16(data + 18);
        h->height = bmp_u16(data + 20);
        h->bpp = bmp_u16(data + 24);
        h->palette_entry = 3;
    } else if (dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 || dib == 124) {
        int32_t w = (int32_t)bmp_u32(data + 18), ht = (int32_t)bmp_u32(data + 22);
        if (w <= 0 || ht == 0 || ht == INT32_MIN) {
            cic_set_error(err, errlen, "invalid BMP: the image is %dx%d", w, ht);
            return -1;
        }
        h->width = (uint32_t)w;
        h->top_down = ht < 0;
        h->height = (uint32_t)(ht < 0 ? -ht : ht);
        h->bpp = bmp_u16(data + 28);
        h->compression = bmp_u32(data + 30);
        h->palette_count = bmp_u32(data + 46);
        h->palette_entry = 4;
        if (dib == 64 && h->compression != BI_RGB && h->compression != BI_RLE8 && h->compression != BI_RLE4) {
            cic_set_error(err, errlen, "unsupported BMP: OS/2 compression %u", h->compression);
            return -1;
        }
    } else {
        cic_set_error(err, errlen, "invalid BMP: unknown header size %u", dib);
        return -1;
    }
    size_t after = 14 + (size_t)dib;  // the palette (or INFO's separate masks) starts here
    if (h->compression == BI_BITFIELDS || h->compression == BI_ALPHABITFIELDS) {
        int n = h->compression == BI_ALPHABITFIELDS ? 4 : 3;
        const uint8_t *m = data + 54;
        if (dib == 40) {
            if (size < after + 4 * (size_t)n) {
                cic_set_error(err, errlen, "truncated BMP: the file ends after %zu bytes, inside its bit masks", size);
                return -1;
            }
            after += 4 * (size_t)n;
        } else if (dib >= 56) {
            n = 4;  // V3 and later hold an alpha mask too
        }
        for (int i = 0; i < n; i++) h->masks[i] = bmp_u32(m + 4 * i);
        if (h->bpp != 16 && h->bpp != 32) {
            cic_set_error(err, errlen, "invalid BMP: bit fields with %u bits per pixel", h->bpp);
            return -1;
        }
        if ((h->masks[0] | h->masks[1] | h->masks[2]) == 0) {  // no masks given: the defaults, with alpha at 32 bits
            h->masks[0] = h->bpp == 16 ? 0x7C00 : 0xFF0000;
            h->masks[1] = h->bpp == 16 ? 0x03E0 : 0xFF00;
            h->masks[2] = h->bpp == 16 ? 0x001F : 0xFF;
            h->masks[3] = h->bpp == 16 ? 0 : 0xFF000000;
        }
    } else if (h->compression == BI_RGB && (h->bpp == 16 || h->bpp == 32)) {
        h->masks[0] = h->bpp == 16 ? 0x7C00 : 0xFF0000;  // 5-5-5, or BGRX (the fourth byte is padding)
        h->masks[1] = h->bpp == 16 ? 0x03E0 : 0xFF00;
        h->masks[2] = h->bpp == 16 ? 0x001F : 0xFF;
    } else if (h->compression == BI_JPEG || h->compression == BI_PNG) {
        cic_set_error(err, errlen, "unsupported BMP: it wraps a %s image (extract or convert it)",
                      h->compression == BI_JPEG ? "JPEG" : "PNG");
        return -1;
    } else if (!(h->compression == BI_RGB || (h->compression == BI_RLE8 && h->bpp == 8) ||
                 (h->compression == BI_RLE4 && h->bpp == 4))) {
        cic_set_error(err, errlen, "unsupported BMP: compression %u with %u bits per pixel", h->compression, h->bpp);
        return -1;
    }
    if (h->bpp != 1 && h->bpp != 4 && h->bpp != 8 && h->bpp != 16 && h->bpp != 24 && h->bpp != 32) {
        cic_set_error(err, errlen, "invalid BMP: %u bits per pixel", h->bpp);
        return -1;
    }
    if (h->bpp <= 8) {
        uint32_t most = 1u << h->bpp;
        if (h->palette_count == 0 || h->palette_count > most) h->palette_count = most;
        size_t bytes = (size_t)h->palette_count * h->palette_entry;
        if (after > size || size - after < bytes) {
            cic_set_error(err, errlen, "truncated BMP: the file ends after %zu bytes, inside its palette", size);
            return -1;
        }
        h->palette = data + after;
    }
    if (h->offset >= size) {
        cic_set_error(err, errlen, "truncated BMP: the file ends after %zu bytes, before the image data", size);
        return -1;
    }
    return 0;
}

int cic_bmp_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char *err, size_t errlen) {
    bmp_header h;
    if (bmp_parse(data, size, &h, err, errlen) != 0) return -1;
    *width = h.width;
    *height = h.height;
    return 0;
}

/// One bit-field channel of pixel `v` in [0,1] (a mask's highest value is 1).
static float bmp_field(uint32_t v, uint32_t mask) {
    if (mask == 0) return 0.0f;
    int shift = __builtin_ctz(mask);
    return (float)((v & mask) >> shift) / (float)(mask >> shift);
}

static void bmp_store_index(const bmp_header *h, float *out, uint32_t x, uint32_t y, uint32_t k, const float unit[256]) {
    float r = 0, g = 0, b = 0;  // an index past the palette is black
    if (k < h->palette_count) {
        const uint8_t *p = h->palette + (size_t)k * h->palette_entry;  // B, G, R
        r = unit[p[2]];
        g = unit[p[1]];
        b = unit[p[0]];
    }
    cic_store_oriented(out, 1, x, y, h->width, h->height, r, g, b);
}

/// Uncompressed rows; `y` is the displayed row of stored row `row`.
static int bmp_decode_rows(const bmp_header *h, const uint8_t *data, size_t size, float *out, char *err, size_t errlen) {
    size_t stride = (((size_t)h->width * h->bpp + 31) / 32) * 4, used = ((size_t)h->width * h->bpp + 7) / 8;
    if ((size - h->offset) / stride < h->height - 1 || size - h->offset - (h->height - 1) * stride < used) {
        cic_set_error(err, errlen, "truncated BMP: the file ends after %zu bytes, before the image data is complete", size);
        return -1;
    }
    float unit[256];
    cic_fill_unit_levels(unit);
    for (uint32_t row = 0; row < h->height; row++) {
        const uint8_t *p = data + h->offset + (size_t)row * stride;
        uint32_t y = h->top_down ? row : h->height - 1 - row;
        for (uint32_t x = 0; x < h->width; x++) {
            if (h->bpp <= 8) {
                size_t bit = (size_t)x * h->bpp;  // palette indices, most significant bits first
                uint32_t k = (p[bit / 8] >> (8 - h->bpp - bit % 8)) & ((1u << h->bpp) - 1);
                bmp_store_index(h, out, x, y, k, unit);
            } else if (h->bpp == 24) {
                cic_store_oriented(out, 1, x, y, h->width, h->height, unit[p[3 * x + 2]], unit[p[3 * x + 1]], unit[p[3 * x]]);
            } else {
                uint32_t v = h->bpp == 16 ? bmp_u16(p + 2 * (size_t)x) : bmp_u32(p + 4 * (size_t)x);
                float a = h->masks[3] ? bmp_field(v, h->masks[3]) : 1.0f;
                cic_store_over_white(out, 1, x, y, h->width, h->height, bmp_field(v, h->masks[0]), bmp_field(v, h->masks[1]),
                                     bmp_field(v, h->masks[2]), a);
            }
        }
    }
    return 0;
}

/// RLE8/RLE4 into an index image (pixels the runs skip keep index 0, as Pillow and most viewers do).
static int bmp_decode_rle(const bmp_header *h, const uint8_t *data, size_t size, float *out, char *err, size_t errlen) {
    size_t total;
    uint8_t *indices = NULL;
    if (cic_mul_size(h->width, h->height, &total) != 0 || (indices = calloc(total, 1)) == NULL) {
        cic_set_error(err, errlen, "out of memory");
        return -1;
    }
    int four = h->compression == BI_RLE4;
    size_t pos = h->offset;
    uint32_t x = 0, row = 0;  // row in file order (bottom-up unless the height is negative)
    int ended = 0;
    while (!ended && row < h->height) {
        if (size - pos < 2) break;
        uint32_t count = data[pos], value = data[pos + 1];
        pos += 2;
        if (count > 0) {  // a run: `count` pixels of `value` (RLE4: its two nibbles in turn)
            for (uint32_t i = 0; i < count && x < h->width; i++, x++)
                indices[(size_t)row * h->width + x] = (uint8_t)(four ? (i % 2 ? value & 15 : value >> 4) : value);
        } else if (value == 0) {  // end of line
            x = 0;
            row++;
        } else if (value == 1) {  // end of bitmap
            ended = 1;
        } else if (value == 2) {  // delta: skip right and up
            if (size - pos < 2) break;
            x += data[pos];
            row += data[pos + 1];
            pos += 2;
        } else {  // absolute: `value` literal pixels, padded to an even number of bytes
            size_t bytes = four ? (value + 1) / 2 : value;
            bytes += bytes % 2;
            if (size - pos < bytes) break;
            for (uint32_t i = 0; i < value && x < h->width; i++, x++) {
                uint32_t b = data[pos + (four ? i / 2 : i)];
                indices[(size_t)row * h->width + x] = (uint8_t)(four ? (i % 2 ? b & 15 : b >> 4) : b);
            }
            pos += bytes;
        }
    }
    if (!ended && row < h->height) {
        free(indices);
        cic_set_error(err, errlen, "truncated BMP: the file ends after %zu bytes, before the image data is complete", size);
        return -1;
    }
    float unit[256];
    cic_fill_unit_levels(unit);
    for (uint32_t r = 0; r < h->height; r++)
        for (uint32_t c = 0; c < h->width; c++)
            bmp_store_index(h, out, c, h->top_down ? r : h->height - 1 - r, indices[(size_t)r * h->width + c], unit);
    free(indices);
    return 0;
}

int cic_bmp_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                   char *err, size_t errlen) {
    bmp_header h;
    if (bmp_parse(data, size, &h, err, errlen) != 0) return -1;
    if (h.width != width || h.height != height) {
        cic_set_error(err, errlen, "BMP size changed between probe and decode");
        return -1;
    }
    if (h.compression == BI_RLE8 || h.compression == BI_RLE4) return bmp_decode_rle(&h, data, size, out, err, errlen);
    return bmp_decode_rows(&h, data, size, out, err, errlen);
}
