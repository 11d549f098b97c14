// TIFF decoding over libtiff 4.5, reading from memory through client procedures.
//
// Error handling: libtiff reports through handlers and return codes. The per-file handlers (4.5's
// TIFFOpenOptions) record the first error; the process-wide ones are set to NULL once, so that code
// paths still using them print nothing. A read past the end of the data marks the file truncated.
#include "CImageCodecs.h"
#include "codec_common.h"
#include "exif.h"

#include <pthread.h>
#include <tiffio.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    uint64_t pos;
    int short_read;      // libtiff asked for bytes past the end of the file
    char message[256];   // libtiff's first error
} tiff_src;

static tmsize_t tiff_read(thandle_t h, void *dst, tmsize_t n) {
    tiff_src *s = (tiff_src *)h;
    if (n <= 0) return 0;
    uint64_t left = s->pos < s->size ? s->size - s->pos : 0;
    if ((uint64_t)n > left) {
        s->short_read = 1;
        n = (tmsize_t)left;
    }
    memcpy(dst, s->data + s->pos, (size_t)n);
    s->pos += (uint64_t)n;
    return n;
}

static tmsize_t tiff_write(thandle_t h, void *src, tmsize_t n) {
    (void)h; (void)src; (void)n;
    return 0;
}

static toff_t tiff_seek(thandle_t h, toff_t off, int whence) {
    tiff_src *s = (tiff_src *)h;
    uint64_t base = whence == SEEK_CUR ? s->pos : whence == SEEK_END ? s->size : 0;
    if (off > UINT64_MAX - base) return (toff_t)-1;
    s->pos = base + off;  // past the end is allowed, as for files; reads there are short
    return s->pos;
}

static int tiff_close(thandle_t h) { (void)h; return 0; }
static toff_t tiff_size(thandle_t h) { return ((tiff_src *)h)->size; }
static int tiff_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static void tiff_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

static int tiff_on_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif;
    tiff_src *s = (tiff_src *)user;
    if (s->message[0] == 0) {
        char text[200];
        vsnprintf(text, sizeof(text), fmt, ap);
        snprintf(s->message, sizeof(s->message), "%s%s%s", module ? module : "", module ? ": " : "", text);
        for (char *c = s->message; *c; c++)
            if (*c == '\n' || *c == '\r') *c = ' ';  // one line
    }
    return 1;  // handled: libtiff calls no other handler
}

static int tiff_on_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;  // unknown tags, odd field types…: not worth failing for, never printed
}

static pthread_once_t tiff_silenced = PTHREAD_ONCE_INIT;

static void tiff_silence(void) {
    TIFFSetErrorHandler(NULL);
    TIFFSetWarningHandler(NULL);
    TIFFSetErrorHandlerExt(NULL);
    TIFFSetWarningHandlerExt(NULL);
}

/// Turns what libtiff said into the one-line message of a failed call.
static void tiff_report(const tiff_src *s, const char *fallback, char *err, size_t errlen) {
    if (s->short_read)
        cic_set_error(err, errlen, "truncated TIFF: the file ends after %zu bytes, before the image data is complete", s->size);
    else
        cic_set_error(err, errlen, "invalid TIFF: %s", s->message[0] ? s->message : fallback);
}

static TIFF *tiff_open(tiff_src *s, char *err, size_t errlen) {
    pthread_once(&tiff_silenced, tiff_silence);
    if (s->size < 8 || !((memcmp(s->data, "II", 2) == 0 && (s->data[2] == 42 || s->data[2] == 43) && s->data[3] == 0) ||
                         (memcmp(s->data, "MM", 2) == 0 && s->data[2] == 0 && (s->data[3] == 42 || s->data[3] == 43)))) {
        cic_set_error(err, errlen, s->size < 8 ? "truncated TIFF: the file is only %zu bytes" : "not a TIFF file (bad header)", s->size);
        return NULL;
    }
    TIFFOpenOptions *options = TIFFOpenOptionsAlloc();
    if (options == NULL) {
        cic_set_error(err, errlen, "out of memory");
        return NULL;
    }
    TIFFOpenOptionsSetErrorHandlerExtR(options, tiff_on_error, s);
    TIFFOpenOptionsSetWarningHandlerExtR(options, tiff_on_warning, s);
    // "m": no memory mapping, so every read goes through tiff_read and a truncation is noticed.
    TIFF *tif = TIFFClientOpenExt("<memory>", "rm", (thandle_t)s, tiff_read, tiff_write, tiff_seek, tiff_close, tiff_size,
                                  tiff_map, tiff_unmap, options);
    TIFFOpenOptionsFree(options);
    if (tif == NULL) tiff_report(s, "cannot read the first directory", err, errlen);
    return tif;
}

static int tiff_orientation(TIFF *tif) {
    uint16_t o = ORIENTATION_TOPLEFT;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &o);
    return o >= 1 && o <= 8 ? o : 1;
}

/// Stored size; 0, or -1 with a message.
static int tiff_stored_size(TIFF *tif, const tiff_src *s, uint32_t *sw, uint32_t *sh, char *err, size_t errlen) {
    if (!TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, sw) || !TIFFGetField(tif, TIFFTAG_IMAGELENGTH, sh)) {
        tiff_report(s, "no image width or length", err, errlen);
        return -1;
    }
    return 0;
}

int cic_tiff_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char *err, size_t errlen) {
    tiff_src s = {.data = data, .size = size};
    TIFF *tif = tiff_open(&s, err, errlen);
    if (tif == NULL) return -1;
    uint32_t sw = 0, sh = 0;
    int rc = tiff_stored_size(tif, &s, &sw, &sh, err, errlen);
    if (rc == 0) {
        int swap = tiff_orientation(tif) >= 5;  // orientations 5–8 transpose the image
        *width = swap ? sh : sw;
        *height = swap ? sw : sh;
    }
    TIFFClose(tif);
    return rc;
}

/// A strip layout the full-precision path reads: colour channels (1 gray, 3 RGB, 4 CMYK), whether
/// the sample after them is alpha (and premultiplied), bytes per sample, planar or contiguous.
typedef struct {
    int colours, alpha, premultiplied, bytes, planar, spp, white_is_zero, cmyk;
} tiff_layout;

/// Fills `l` when the page is one the full-precision path reads; 0 when it is not (use RGBA).
static int tiff_direct_layout(TIFF *tif, tiff_layout *l) {
    uint16_t bps = 1, spp = 1, photometric = 0, planar = PLANARCONFIG_CONTIG, format = SAMPLEFORMAT_UINT;
    uint16_t inkset = INKSET_CMYK, extra_count = 0;
    uint16_t *extra = NULL;
    if (TIFFIsTiled(tif) || !TIFFGetField(tif, TIFFTAG_PHOTOMETRIC, &photometric)) return 0;
    TIFFGetFieldDefaulted(tif, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(tif, TIFFTAG_PLANARCONFIG, &planar);
    TIFFGetFieldDefaulted(tif, TIFFTAG_SAMPLEFORMAT, &format);
    TIFFGetFieldDefaulted(tif, TIFFTAG_INKSET, &inkset);
    TIFFGetFieldDefaulted(tif, TIFFTAG_EXTRASAMPLES, &extra_count, &extra);
    if ((bps != 8 && bps != 16) || format != SAMPLEFORMAT_UINT) return 0;
    memset(l, 0, sizeof(*l));
    switch (photometric) {
    case PHOTOMETRIC_MINISBLACK: l->colours = 1; break;
    case PHOTOMETRIC_MINISWHITE: l->colours = 1; l->white_is_zero = 1; break;
    case PHOTOMETRIC_RGB: l->colours = 3; break;
    case PHOTOMETRIC_SEPARATED:
        if (inkset != INKSET_CMYK) return 0;
        l->colours = 4;
        l->cmyk = 1;
        break;
    default: return 0;  // palette, YCbCr, CIELab, …: libtiff's RGBA reader
    }
    if (spp < l->colours) return 0;
    if (spp > l->colours && extra_count > 0 && extra != NULL &&
        (extra[0] == EXTRASAMPLE_ASSOCALPHA || extra[0] == EXTRASAMPLE_UNASSALPHA)) {
        l->alpha = 1;
        l->premultiplied = extra[0] == EXTRASAMPLE_ASSOCALPHA;
    }
    l->bytes = bps / 8;
    l->planar = planar == PLANARCONFIG_SEPARATE;
    l->spp = spp;
    return 1;
}

/// Converts stored row `sy` to RGB over white: channel c's first sample at base[c], the next
/// `step` bytes on; samples are in host order (libtiff swaps them).
static void tiff_store_row(const tiff_layout *l, const uint8_t *const base[5], size_t step, float *out, int o,
                           uint32_t sy, uint32_t sw, uint32_t sh, const float unit[256]) {
    int channels = l->colours + l->alpha;
    for (uint32_t x = 0; x < sw; x++) {
        float s[5];
        for (int c = 0; c < channels; c++) {
            const uint8_t *p = base[c] + (size_t)x * step;
            if (l->bytes == 2) {
                uint16_t v;
                memcpy(&v, p, 2);
                s[c] = (float)v / 65535.0f;
            } else {
                s[c] = unit[*p];
            }
        }
        float r, g, b, a = l->alpha ? s[l->colours] : 1.0f;
        if (l->cmyk) {  // naive ink → light, as for JPEG: R = (1 − C)(1 − K)
            r = (1.0f - s[0]) * (1.0f - s[3]);
            g = (1.0f - s[1]) * (1.0f - s[3]);
            b = (1.0f - s[2]) * (1.0f - s[3]);
        } else if (l->colours == 1) {
            r = g = b = l->white_is_zero ? 1.0f - s[0] : s[0];
        } else {
            r = s[0]; g = s[1]; b = s[2];
        }
        if (l->premultiplied && a < 1.0f) {
            cic_store_oriented(out, o, x, sy, sw, sh, r + 1.0f - a, g + 1.0f - a, b + 1.0f - a);
        } else {
            cic_store_over_white(out, o, x, sy, sw, sh, r, g, b, a);
        }
    }
}

/// Strips at full precision: one scanline at a time (contiguous), or every plane whole (planar).
static int tiff_decode_direct(TIFF *tif, tiff_src *s, const tiff_layout *l, float *out, int o, uint32_t sw,
                              uint32_t sh, char *err, size_t errlen) {
    float unit[256];
    cic_fill_unit_levels(unit);
    int channels = l->colours + l->alpha;
    const uint8_t *base[5];
    uint8_t *buffer = NULL;
    tmsize_t line = TIFFScanlineSize(tif);
    size_t row_bytes = (size_t)sw * (size_t)l->bytes * (size_t)(l->planar ? 1 : l->spp), total = (size_t)line;
    if (line <= 0 || (size_t)line < row_bytes) {
        tiff_report(s, "bad scanline size", err, errlen);
        return -1;
    }
    // Planar: every used plane whole (a plane's strips all come before the next plane's).
    if ((l->planar && cic_mul_size(row_bytes, (size_t)sh * (size_t)channels, &total) != 0) ||
        (buffer = malloc(total)) == NULL) {
        cic_set_error(err, errlen, "out of memory");
        return -1;
    }
    int rc = -1;
    if (!l->planar) {
        for (int c = 0; c < channels; c++) base[c] = buffer + (size_t)c * (size_t)l->bytes;
        for (uint32_t y = 0; y < sh; y++) {
            if (TIFFReadScanline(tif, buffer, y, 0) < 0) goto fail;
            tiff_store_row(l, base, (size_t)l->spp * (size_t)l->bytes, out, o, y, sw, sh, unit);
        }
    } else {
        size_t plane = row_bytes * sh;
        for (int c = 0; c < channels; c++)  // sample planes in file order: the strips of plane c follow plane c−1
            for (uint32_t y = 0; y < sh; y++)
                if (TIFFReadScanline(tif, buffer + (size_t)c * plane + (size_t)y * row_bytes, y, (uint16_t)c) < 0) goto fail;
        for (uint32_t y = 0; y < sh; y++) {
            for (int c = 0; c < channels; c++) base[c] = buffer + (size_t)c * plane + (size_t)y * row_bytes;
            tiff_store_row(l, base, (size_t)l->bytes, out, o, y, sw, sh, unit);
        }
    }
    rc = 0;
fail:
    if (rc != 0) tiff_report(s, "cannot read the image data", err, errlen);
    free(buffer);
    return rc;
}

/// Any other layout through libtiff's RGBA reader (8 bits, premultiplied alpha), rows as stored.
static int tiff_decode_rgba(TIFF *tif, tiff_src *s, float *out, int o, uint32_t sw, uint32_t sh, char *err,
                            size_t errlen) {
    char why[1024] = "";
    TIFFRGBAImage img;
    if (!TIFFRGBAImageOK(tif, why) || !TIFFRGBAImageBegin(&img, tif, 1, why)) {
        if (s->short_read || s->message[0]) tiff_report(s, why, err, errlen);
        else cic_set_error(err, errlen, "unsupported TIFF: %s", why[0] ? why : "this layout cannot be read");
        return -1;
    }
    // The stored orientation requested back: libtiff then flips nothing and rows come as stored
    // (it cannot transpose 5–8 itself); cic_store_oriented applies the orientation.
    img.req_orientation = img.orientation;
    size_t total;
    uint32_t *raster = NULL;
    int rc = -1;
    if (img.width != sw || img.height != sh) {
        cic_set_error(err, errlen, "TIFF size changed between probe and decode");
    } else if (cic_mul_size((size_t)sw * sh, sizeof(uint32_t), &total) != 0 || (raster = malloc(total)) == NULL) {
        cic_set_error(err, errlen, "out of memory");
    } else if (!TIFFRGBAImageGet(&img, raster, sw, sh)) {
        tiff_report(s, "cannot read the image data", err, errlen);
    } else {
        float unit[256];
        cic_fill_unit_levels(unit);
        for (uint32_t y = 0; y < sh; y++) {
            for (uint32_t x = 0; x < sw; x++) {
                uint32_t p = raster[(size_t)y * sw + x];
                float a = unit[TIFFGetA(p)];  // premultiplied: c·a + (1 − a) is c + (1 − a)
                cic_store_oriented(out, o, x, y, sw, sh, unit[TIFFGetR(p)] + 1.0f - a, unit[TIFFGetG(p)] + 1.0f - a,
                                   unit[TIFFGetB(p)] + 1.0f - a);
            }
        }
        rc = 0;
    }
    free(raster);
    TIFFRGBAImageEnd(&img);
    return rc;
}

int cic_tiff_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen) {
    tiff_src s = {.data = data, .size = size};
    TIFF *tif = tiff_open(&s, err, errlen);
    if (tif == NULL) return -1;
    uint32_t sw = 0, sh = 0;
    int rc = tiff_stored_size(tif, &s, &sw, &sh, err, errlen);
    int o = tiff_orientation(tif);
    if (rc == 0 && ((o >= 5 ? sh : sw) != width || (o >= 5 ? sw : sh) != height)) {
        cic_set_error(err, errlen, "TIFF size changed between probe and decode");
        rc = -1;
    }
    tiff_layout layout;
    if (rc == 0) {
        rc = tiff_direct_layout(tif, &layout) ? tiff_decode_direct(tif, &s, &layout, out, o, sw, sh, err, errlen)
                                              : tiff_decode_rgba(tif, &s, out, o, sw, sh, err, errlen);
    }
    TIFFClose(tif);
    return rc;
}
