// PNG decode/encode over libpng 1.6, reading from and writing to memory.
//
// Error handling: libpng reports errors through error_fn, which records the message and
// longjmps back to the setjmp in a *_run helper. All state that must survive the longjmp lives in a
// context struct owned by the caller of that helper (so the C rule about non-volatile locals
// changed between setjmp and longjmp never applies), and the public function frees it afterwards.
#include "CImageCodecs.h"
#include "codec_common.h"
#include "exif.h"

#include <png.h>
#include <zlib.h>  // crc32, for the eXIf chunk libpng does not see after the image data

/// Shared by reader and writer: where libpng's messages go and what to free.
typedef struct {
    // reader
    const uint8_t *data;
    size_t size;
    size_t pos;
    int truncated;  // the read callback ran out of data
    char warning[128];  // the last warning, which often explains a following generic error
    // writer
    cic_buffer out;
    // decode scratch (freed by the caller of the *_run helper)
    uint8_t *pixels;
    png_bytep *rows;
    png_text *text;
    // messages
    char *err;
    size_t errlen;
} png_ctx;

static void png_ctx_free_scratch(png_ctx *ctx) {
    free(ctx->pixels);
    free(ctx->rows);
    free(ctx->text);
    ctx->pixels = NULL;
    ctx->rows = NULL;
    ctx->text = NULL;
}

static void cic_png_error(png_structp png, png_const_charp message) {
    png_ctx *ctx = png_get_error_ptr(png);
    if (ctx->truncated) {
        cic_set_error(ctx->err, ctx->errlen, "truncated PNG: the file ends after %zu bytes, before the image data is complete",
                      ctx->size);
    } else {
        // e.g. "Invalid IHDR data" comes right after the warning that says which field is wrong.
        cic_set_error(ctx->err, ctx->errlen, ctx->warning[0] ? "invalid PNG: %s (after warning: %s)" : "invalid PNG: %s",
                      message ? message : "unknown error", ctx->warning);
    }
    png_longjmp(png, 1);
}

// Warnings (bad CRC in ancillary chunks, unknown sRGB profiles, …) are not worth failing for,
// and must not be printed; the last one is kept for the error message.
static void cic_png_warning(png_structp png, png_const_charp message) {
    png_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->warning, sizeof(ctx->warning), "%s", message ? message : "");
}

static void cic_png_read(png_structp png, png_bytep dst, size_t n) {
    png_ctx *ctx = png_get_io_ptr(png);
    if (n > ctx->size - ctx->pos) {
        ctx->truncated = 1;
        png_error(png, "truncated");
    }
    memcpy(dst, ctx->data + ctx->pos, n);
    ctx->pos += n;
}

static void cic_png_write(png_structp png, png_bytep src, size_t n) {
    png_ctx *ctx = png_get_io_ptr(png);
    if (cic_buffer_append(&ctx->out, src, n) != 0) png_error(png, "out of memory while encoding");
}

static void cic_png_flush(png_structp png) { (void)png; }

static inline uint32_t png_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/// EXIF orientation from the first eXIf chunk whose CRC is right, before or after the image data
/// (the PNG extensions allow both): 1–8, or 1 when there is none. Walks chunk headers only.
static int png_exif_orientation(const uint8_t *data, size_t size) {
    for (size_t pos = 8; size - pos >= 12;) {
        const uint8_t *c = data + pos;
        uint32_t length = png_be32(c);
        if ((uint64_t)length + 12 > size - pos) break;  // truncated: libpng reports it if the image data is cut
        if (memcmp(c + 4, "eXIf", 4) == 0 && crc32(0, c + 4, length + 4) == png_be32(c + 8 + length)) {
            int o = cic_exif_orientation(c + 8, length);
            return o ? o : 1;
        }
        if (memcmp(c + 4, "IEND", 4) == 0) break;
        pos += 12 + (size_t)length;
    }
    return 1;
}

/// Creates the read structs and checks the signature; returns 0 or -1 with a message.
static int png_open_reader(png_ctx *ctx, png_structp *png, png_infop *info) {
    if (ctx->size < 8 || png_sig_cmp(ctx->data, 0, 8) != 0) {
        if (ctx->size < 8 && png_sig_cmp(ctx->data, 0, ctx->size) == 0)
            cic_set_error(ctx->err, ctx->errlen, "truncated PNG: the file is only %zu bytes", ctx->size);
        else
            cic_set_error(ctx->err, ctx->errlen, "not a PNG file (bad signature)");
        return -1;
    }
    // libpng reads each chunk before the image data whole, into a buffer of the length its header
    // claims (not limited for zTXt and others: a 100-byte file could make it allocate 2 GB). Such a
    // chunk would run past the end of the file, so report that truncation here, before libpng.
    for (size_t pos = 8; ctx->size - pos >= 8;) {
        const uint8_t *c = ctx->data + pos;
        uint32_t length = png_be32(c);
        if (memcmp(c + 4, "IDAT", 4) == 0 || memcmp(c + 4, "IEND", 4) == 0) break;
        if ((uint64_t)length + 12 > ctx->size - pos) {
            cic_set_error(ctx->err, ctx->errlen,
                          "truncated PNG: the file ends after %zu bytes, before the image data is complete", ctx->size);
            return -1;
        }
        pos += 12 + (size_t)length;
    }
    *png = png_create_read_struct(PNG_LIBPNG_VER_STRING, ctx, cic_png_error, cic_png_warning);
    if (*png == NULL) {
        cic_set_error(ctx->err, ctx->errlen, "out of memory");
        return -1;
    }
    *info = png_create_info_struct(*png);
    if (*info == NULL) {
        png_destroy_read_struct(png, NULL, NULL);
        cic_set_error(ctx->err, ctx->errlen, "out of memory");
        return -1;
    }
    png_set_read_fn(*png, ctx, cic_png_read);
    // Report any size IHDR can hold: the caller, not libpng's 1M default, decides what is too large.
    png_set_user_limits(*png, 0x7fffffffU, 0x7fffffffU);
    return 0;
}

static int png_probe_run(png_ctx *ctx, png_structp png, png_infop info, uint32_t *width, uint32_t *height) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_read_info(png, info);
    int swap = png_exif_orientation(ctx->data, ctx->size) >= 5;  // orientations 5–8 transpose the image
    *width = swap ? png_get_image_height(png, info) : png_get_image_width(png, info);
    *height = swap ? png_get_image_width(png, info) : png_get_image_height(png, info);
    return 0;
}

int cic_png_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                  char *err, size_t errlen) {
    png_ctx ctx = {.data = data, .size = size, .err = err, .errlen = errlen};
    png_structp png = NULL;
    png_infop info = NULL;
    if (png_open_reader(&ctx, &png, &info) != 0) return -1;
    int rc = png_probe_run(&ctx, png, info, width, height);
    png_destroy_read_struct(&png, &info, NULL);
    return rc;
}

/// Converts stored row `sy` of an sw×sh image (1–4 channels of 8- or 16-bit big-endian samples)
/// into the three planes of out, compositing alpha over white and applying EXIF orientation `o`.
static void png_store_row(const uint8_t *row, int channels, int depth, const float unit[256], float *out,
                          int o, uint32_t sy, uint32_t sw, uint32_t sh) {
    for (uint32_t x = 0; x < sw; x++) {
        float s[4];
        for (int c = 0; c < channels; c++) {
            size_t i = (size_t)x * (size_t)channels + (size_t)c;
            s[c] = depth == 16 ? (float)((row[2 * i] << 8) | row[2 * i + 1]) / 65535.0f : unit[row[i]];
        }
        float r, g, b;
        float a = 1.0f;
        switch (channels) {
        case 1: r = g = b = s[0]; break;
        case 2: r = g = b = s[0]; a = s[1]; break;
        case 3: r = s[0]; g = s[1]; b = s[2]; break;
        default: r = s[0]; g = s[1]; b = s[2]; a = s[3]; break;
        }
        if (a < 1.0f) {  // over white: c·a + 1·(1 − a)
            r = r * a + (1.0f - a);
            g = g * a + (1.0f - a);
            b = b * a + (1.0f - a);
        }
        cic_store_oriented(out, o, x, sy, sw, sh, r, g, b);
    }
}

static int png_decode_run(png_ctx *ctx, png_structp png, png_infop info, float *out, uint32_t width,
                          uint32_t height) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_read_info(png, info);
    int o = png_exif_orientation(ctx->data, ctx->size);
    uint32_t sw = png_get_image_width(png, info), sh = png_get_image_height(png, info);  // as stored
    if ((o >= 5 ? sh : sw) != width || (o >= 5 ? sw : sh) != height) {
        cic_set_error(ctx->err, ctx->errlen, "PNG size changed between probe and decode");
        return -1;
    }
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    // Normalise to 8/16-bit gray, gray+alpha, RGB or RGBA; gray stays 1–2 channels (expanded here).
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);

    int channels = png_get_channels(png, info);
    int depth = png_get_bit_depth(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || (depth != 8 && depth != 16)) {
        cic_set_error(ctx->err, ctx->errlen, "unsupported PNG layout (%d channels, %d bits)", channels, depth);
        return -1;
    }
    float unit[256];
    cic_fill_unit_levels(unit);
    if (passes == 1) {
        // Not interlaced: one row at a time.
        ctx->pixels = malloc(rowbytes);
        if (ctx->pixels == NULL) {
            cic_set_error(ctx->err, ctx->errlen, "out of memory");
            return -1;
        }
        for (uint32_t y = 0; y < sh; y++) {
            png_read_row(png, ctx->pixels, NULL);
            png_store_row(ctx->pixels, channels, depth, unit, out, o, y, sw, sh);
        }
    } else {
        // Adam7 interlaced: later passes fill in earlier rows, so the whole image is needed.
        size_t total;
        if (cic_mul_size(rowbytes, sh, &total) != 0 || (ctx->pixels = malloc(total)) == NULL ||
            (ctx->rows = malloc(sizeof(png_bytep) * sh)) == NULL) {
            cic_set_error(ctx->err, ctx->errlen, "out of memory");
            return -1;
        }
        for (uint32_t y = 0; y < sh; y++) ctx->rows[y] = ctx->pixels + (size_t)y * rowbytes;
        png_read_image(png, ctx->rows);
        for (uint32_t y = 0; y < sh; y++) png_store_row(ctx->rows[y], channels, depth, unit, out, o, y, sw, sh);
    }
    // Chunks after the image data (and IEND) are not read: a file missing only its tail still decodes.
    return 0;
}

int cic_png_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                   char *err, size_t errlen) {
    png_ctx ctx = {.data = data, .size = size, .err = err, .errlen = errlen};
    png_structp png = NULL;
    png_infop info = NULL;
    if (png_open_reader(&ctx, &png, &info) != 0) return -1;
    int rc = png_decode_run(&ctx, png, info, out, width, height);
    png_destroy_read_struct(&png, &info, NULL);
    png_ctx_free_scratch(&ctx);
    return rc;
}

static int is_ascii(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return 0;
    return 1;
}

static int png_encode_run(png_ctx *ctx, png_structp png, png_infop info, const float *image, uint32_t width,
                          uint32_t height, const char *const *keys, const char *const *values, int ntext) {
    if (setjmp(png_jmpbuf(png))) return -1;
    png_set_write_fn(png, ctx, cic_png_write, cic_png_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (ntext > 0) {
        ctx->text = calloc((size_t)ntext, sizeof(png_text));
        if (ctx->text == NULL) png_error(png, "out of memory");
        for (int i = 0; i < ntext; i++) {
            png_text *t = &ctx->text[i];
            t->key = (png_charp)keys[i];
            t->text = (png_charp)values[i];
            if (is_ascii(values[i])) {
                t->compression = PNG_TEXT_COMPRESSION_NONE;  // tEXt (Latin-1, so ASCII only)
                t->text_length = strlen(values[i]);
            } else {
                t->compression = PNG_ITXT_COMPRESSION_NONE;  // iTXt carries UTF-8
                t->itxt_length = strlen(values[i]);
                // Empty, not NULL: libpng memcpy()s both even when NULL (undefined behaviour, UBSan in the fuzzer).
                t->lang = (png_charp) "";
                t->lang_key = (png_charp) "";
            }
        }
        png_set_text(png, info, ctx->text, ntext);
    }
    png_write_info(png, info);
    ctx->pixels = malloc((size_t)width * 3);
    if (ctx->pixels == NULL) png_error(png, "out of memory");
    size_t plane = (size_t)width * height;
    for (uint32_t y = 0; y < height; y++) {
        const float *r = image + (size_t)y * width;  // image is (3,H,W): planes R, G, B
        for (uint32_t x = 0; x < width; x++) {
            ctx->pixels[3 * x] = cic_to_u8(r[x]);
            ctx->pixels[3 * x + 1] = cic_to_u8(r[plane + x]);
            ctx->pixels[3 * x + 2] = cic_to_u8(r[2 * plane + x]);
        }
        png_write_row(png, ctx->pixels);
    }
    png_write_end(png, info);
    return 0;
}

int cic_png_encode(const float *image, uint32_t width, uint32_t height,
                   const char *const *keys, const char *const *values, int ntext,
                   uint8_t **out, size_t *outlen, char *err, size_t errlen) {
    *out = NULL;
    *outlen = 0;
    if (width == 0 || height == 0 || width > 0x7fffffffU || height > 0x7fffffffU) {
        cic_set_error(err, errlen, "cannot encode a %ux%u PNG", width, height);
        return -1;
    }
    png_ctx ctx = {.err = err, .errlen = errlen};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, cic_png_error, cic_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        if (png) png_destroy_write_struct(&png, NULL);
        cic_set_error(err, errlen, "out of memory");
        return -1;
    }
    int rc = png_encode_run(&ctx, png, info, image, width, height, keys, values, ntext);
    png_destroy_write_struct(&png, &info);
    png_ctx_free_scratch(&ctx);
    if (rc != 0) {
        free(ctx.out.bytes);
        return -1;
    }
    *out = ctx.out.bytes;
    *outlen = ctx.out.length;
    return 0;
}

void cic_free(void *p) { free(p); }
