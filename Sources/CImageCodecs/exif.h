// EXIF orientation, shared by the decoders whose formats carry it (JPEG APP1 "Exif", PNG eXIf,
// WebP EXIF chunk, TIFF's own orientation tag), and the oriented store every decoder writes pixels
// with (private to the CImageCodecs target).
#ifndef STYLE_EXIF_H
#define STYLE_EXIF_H

#include "codec_common.h"

#include <stddef.h>
#include <stdint.h>

static inline uint32_t exif_u16(const uint8_t *p, int big) {
    return big ? (uint32_t)(p[0] << 8 | p[1]) : (uint32_t)(p[1] << 8 | p[0]);
}

static inline uint32_t exif_u32(const uint8_t *p, int big) {
    return big ? ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3])
               : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}

/// The orientation (tag 0x0112 in IFD0) of a TIFF-structured EXIF block of `len` bytes starting at
/// its "II"/"MM" header: 1–8; 1 when the tag is malformed or out of range; 0 when the block is not
/// TIFF or has no orientation tag (a JPEG may hold another Exif segment that has one).
static inline int cic_exif_orientation(const uint8_t *tiff, size_t len) {
    if (len < 8) return 0;
    int big;
    if (tiff[0] == 'I' && tiff[1] == 'I') big = 0;
    else if (tiff[0] == 'M' && tiff[1] == 'M') big = 1;
    else return 0;
    if (exif_u16(tiff + 2, big) != 42) return 0;
    uint32_t ifd = exif_u32(tiff + 4, big);
    if (ifd < 8 || (size_t)ifd + 2 > len) return 0;
    uint32_t entries = exif_u16(tiff + ifd, big);
    for (uint32_t i = 0; i < entries; i++) {
        size_t at = (size_t)ifd + 2 + (size_t)i * 12;  // each IFD entry is 12 bytes
        if (at + 12 > len) break;
        if (exif_u16(tiff + at, big) != 0x0112) continue;
        uint32_t type = exif_u16(tiff + at + 2, big);
        uint32_t count = exif_u32(tiff + at + 4, big);
        uint32_t value;
        if (type == 3 && count == 1) value = exif_u16(tiff + at + 8, big);       // SHORT (the standard)
        else if (type == 4 && count == 1) value = exif_u32(tiff + at + 8, big);  // LONG (seen in the wild)
        else return 1;
        return value >= 1 && value <= 8 ? (int)value : 1;
    }
    return 0;
}

/// Maps stored pixel (sx, sy) of a sw×sh image to its displayed position for an EXIF orientation.
/// The displayed image is sh×sw (width×height) for orientations 5–8.
static inline void cic_orient(int o, uint32_t sx, uint32_t sy, uint32_t sw, uint32_t sh, uint32_t *ox, uint32_t *oy) {
    switch (o) {
    case 2: *ox = sw - 1 - sx; *oy = sy; break;           // mirrored left–right
    case 3: *ox = sw - 1 - sx; *oy = sh - 1 - sy; break;  // rotated 180°
    case 4: *ox = sx; *oy = sh - 1 - sy; break;           // mirrored top–bottom
    case 5: *ox = sy; *oy = sx; break;                    // transposed
    case 6: *ox = sh - 1 - sy; *oy = sx; break;           // needs 90° clockwise
    case 7: *ox = sh - 1 - sy; *oy = sw - 1 - sx; break;  // transversed
    case 8: *ox = sy; *oy = sw - 1 - sx; break;           // needs 90° counter-clockwise
    default: *ox = sx; *oy = sy; break;
    }
}

/// Writes the RGB of stored pixel (sx, sy) of an sw×sh image where orientation `o` displays it, in
/// `out`, (3,oh,ow) planar with ow×oh the displayed size.
static inline void cic_store_oriented(float *out, int o, uint32_t sx, uint32_t sy, uint32_t sw, uint32_t sh,
                                      float r, float g, float b) {
    uint32_t ox, oy;
    cic_orient(o, sx, sy, sw, sh, &ox, &oy);
    size_t plane = (size_t)sw * sh, i = (size_t)oy * (o >= 5 ? sh : sw) + ox;
    out[i] = r;
    out[plane + i] = g;
    out[2 * plane + i] = b;
}

/// As cic_store_oriented, with alpha `a` in [0,1] composited over white: c·a + (1 − a), in the
/// file's own (gamma-encoded) values, as for PNG.
static inline void cic_store_over_white(float *out, int o, uint32_t sx, uint32_t sy, uint32_t sw, uint32_t sh,
                                        float r, float g, float b, float a) {
    if (a < 1.0f) {
        r = r * a + (1.0f - a);
        g = g * a + (1.0f - a);
        b = b * a + (1.0f - a);
    }
    cic_store_oriented(out, o, sx, sy, sw, sh, r, g, b);
}

/// Stores an sw×sh image of 8-bit RGBA rows (`stride` bytes apart) into `out`, (3,oh,ow) planar,
/// alpha over white, with orientation `o` applied (1 for none).
static inline void cic_store_rgba8(float *out, int o, const uint8_t *rgba, size_t stride, uint32_t sw, uint32_t sh) {
    float unit[256];
    cic_fill_unit_levels(unit);
    for (uint32_t y = 0; y < sh; y++) {
        const uint8_t *p = rgba + (size_t)y * stride;
        for (uint32_t x = 0; x < sw; x++, p += 4)
            cic_store_over_white(out, o, x, y, sw, sh, unit[p[0]], unit[p[1]], unit[p[2]], unit[p[3]]);
    }
}

/// The orientation in an EXIF payload that may start with "Exif\0\0" (as in JPEG) or directly with
/// the TIFF header (as the WebP and PNG specifications say): 1–8, or 1 when absent or invalid.
static inline int cic_exif_payload_orientation(const uint8_t *p, size_t len) {
    if (len >= 6 && p[0] == 'E' && p[1] == 'x' && p[2] == 'i' && p[3] == 'f' && p[4] == 0 && p[5] == 0) {
        p += 6;
        len -= 6;
    }
    int o = cic_exif_orientation(p, len);
    return o ? o : 1;
}

#endif
