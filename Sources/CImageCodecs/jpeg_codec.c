// JPEG decode/encode over libjpeg(-turbo), reading from and writing to memory.
//
// Error handling: error_exit records libjpeg's message and longjmps back to the setjmp in a *_run
// helper; output_message records warnings instead of printing them. As in png_codec.c, state
// that must survive the longjmp lives in a context owned by the caller of the helper.
#include "CImageCodecs.h"
#include "codec_common.h"
#include "exif.h"

#include <setjmp.h>
// jpeglib.h needs size_t and FILE declared first (stdio.h comes from codec_common.h).
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr pub;  // first, so a j_common_ptr's err can be cast to this struct
    jmp_buf jump;
    const char *prefix;  // put before libjpeg's own message
    char *err;
    size_t errlen;
} jpeg_err_ctx;

/// Memory source that reports truncation instead of hiding it. (libjpeg's jpeg_mem_src pads with a
/// fake EOI and only warns, which silently turns a cut-off file into a grey-filled image.)
///
/// In the headers and in sequential files with one scan per component, running out of data fails
/// at once. In a single-scan or progressive file the end is answered with a fake EOI, because the
/// Huffman decoder reads ahead and may reach the end of a complete file that merely lacks its EOI
/// marker; if data was really missing, the decoder then warns ("premature end of data segment") or
/// fails, and any warning or error after the end turns into a "truncated JPEG" error. A progressive
/// file cut between two scans raises neither: it must also have refined every coefficient fully.
typedef struct {
    struct jpeg_source_mgr pub;
    const uint8_t *data;
    size_t size;
    int allow_fake_eoi;  // single-scan or progressive image, headers read
    int hit_end;         // a fake EOI was supplied
    long warnings_at_end;
} jpeg_src_ctx;

/// Memory destination growing a cic_buffer.
typedef struct {
    struct jpeg_destination_mgr pub;
    cic_buffer out;
    uint8_t chunk[16384];
} jpeg_dst_ctx;

static void jpeg_fail_truncated(j_decompress_ptr cinfo);

static void cic_jpeg_error_exit(j_common_ptr cinfo) {
    jpeg_err_ctx *e = (jpeg_err_ctx *)cinfo->err;
    // An error after the data ran out (e.g. a marker segment cut short) is the truncation's doing.
    if (cinfo->is_decompressor && ((j_decompress_ptr)cinfo)->src && ((jpeg_src_ctx *)((j_decompress_ptr)cinfo)->src)->hit_end)
        jpeg_fail_truncated((j_decompress_ptr)cinfo);
    char message[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, message);
    cic_set_error(e->err, e->errlen, "%s%s", e->prefix, message);
    longjmp(e->jump, 1);
}

// Warnings ("Corrupt JPEG data: N extraneous bytes before marker", …) are counted, never printed;
// they are tolerated unless they follow the end of the data (see jpeg_src_ctx).
static void cic_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level < 0) cinfo->err->num_warnings++;
}

static void cic_jpeg_output_message(j_common_ptr cinfo) { (void)cinfo; }

static void jpeg_fail_truncated(j_decompress_ptr cinfo) {
    jpeg_err_ctx *e = (jpeg_err_ctx *)cinfo->err;
    jpeg_src_ctx *src = (jpeg_src_ctx *)cinfo->src;
    cic_set_error(e->err, e->errlen, "truncated JPEG: the file ends after %zu bytes, before the image data is complete",
                  src->size);
    longjmp(e->jump, 1);
}

static void src_init(j_decompress_ptr cinfo) { (void)cinfo; }

static boolean src_fill(j_decompress_ptr cinfo) {
    static const JOCTET eoi[2] = {0xFF, JPEG_EOI};
    jpeg_src_ctx *src = (jpeg_src_ctx *)cinfo->src;
    if (!src->allow_fake_eoi) jpeg_fail_truncated(cinfo);
    if (!src->hit_end) {
        src->hit_end = 1;
        src->warnings_at_end = cinfo->err->num_warnings;
    }
    src->pub.next_input_byte = eoi;
    src->pub.bytes_in_buffer = 2;
    return TRUE;
}

static void src_skip(j_decompress_ptr cinfo, long n) {
    jpeg_src_ctx *src = (jpeg_src_ctx *)cinfo->src;
    if (n <= 0) return;
    while ((size_t)n > src->pub.bytes_in_buffer) {
        n -= (long)src->pub.bytes_in_buffer;
        src_fill(cinfo);  // fails, or supplies a fake EOI (see jpeg_src_ctx)
    }
    src->pub.next_input_byte += n;
    src->pub.bytes_in_buffer -= (size_t)n;
}

static void src_term(j_decompress_ptr cinfo) { (void)cinfo; }

static void jpeg_attach_source(j_decompress_ptr cinfo, jpeg_src_ctx *src, const uint8_t *data, size_t size) {
    src->data = data;
    src->size = size;
    src->allow_fake_eoi = 0;
    src->hit_end = 0;
    src->warnings_at_end = 0;
    src->pub.init_source = src_init;
    src->pub.fill_input_buffer = src_fill;
    src->pub.skip_input_data = src_skip;
    src->pub.resync_to_restart = jpeg_resync_to_restart;
    src->pub.term_source = src_term;
    src->pub.next_input_byte = data;
    src->pub.bytes_in_buffer = size;
    cinfo->src = &src->pub;
}

/// EXIF orientation (tag 0x0112 in IFD0) from the saved APP1 markers: 1–8, or 1 when absent/invalid.
static int jpeg_exif_orientation(j_decompress_ptr cinfo) {
    for (jpeg_saved_marker_ptr m = cinfo->marker_list; m != NULL; m = m->next) {
        if (m->marker != JPEG_APP0 + 1 || m->data_length < 14 || memcmp(m->data, "Exif\0\0", 6) != 0) continue;
        int o = cic_exif_orientation(m->data + 6, m->data_length - 6);  // after "Exif\0\0": the TIFF header
        if (o) return o;
    }
    return 1;
}

/// Sets up a decompressor, reads the header and the orientation. Must run under the caller's setjmp.
static void jpeg_read_header_and_orientation(j_decompress_ptr cinfo, int *orientation) {
    jpeg_save_markers(cinfo, JPEG_APP0 + 1, 0xFFFF);
    jpeg_read_header(cinfo, TRUE);
    *orientation = jpeg_exif_orientation(cinfo);
}

typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_err_ctx err;
    jpeg_src_ctx src;
    int created;
} jpeg_dec_ctx;

/// Routes libjpeg's errors to `err` (prefixed with `prefix`) and silences its warnings.
static struct jpeg_error_mgr *jpeg_err_init(jpeg_err_ctx *e, const char *prefix, char *err, size_t errlen) {
    jpeg_std_error(&e->pub);
    e->pub.error_exit = cic_jpeg_error_exit;
    e->pub.emit_message = cic_jpeg_emit_message;
    e->pub.output_message = cic_jpeg_output_message;
    e->prefix = prefix;
    e->err = err;
    e->errlen = errlen;
    return &e->pub;
}

static void jpeg_dec_init(jpeg_dec_ctx *d, char *err, size_t errlen) {
    memset(d, 0, sizeof(*d));
    d->cinfo.err = jpeg_err_init(&d->err, "invalid JPEG: ", err, errlen);
}

static int jpeg_probe_run(jpeg_dec_ctx *d, const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                          int *orientation) {
    if (setjmp(d->err.jump)) return -1;
    jpeg_create_decompress(&d->cinfo);
    d->created = 1;
    jpeg_attach_source(&d->cinfo, &d->src, data, size);
    jpeg_read_header_and_orientation(&d->cinfo, orientation);
    int swap = *orientation >= 5;  // orientations 5–8 transpose the image
    *width = swap ? d->cinfo.image_height : d->cinfo.image_width;
    *height = swap ? d->cinfo.image_width : d->cinfo.image_height;
    return 0;
}

static int jpeg_check_magic(const uint8_t *data, size_t size, char *err, size_t errlen) {
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return 0;
    static const uint8_t magic[3] = {0xFF, 0xD8, 0xFF};
    if (size < 3 && memcmp(data, magic, size) == 0)
        cic_set_error(err, errlen, "truncated JPEG: the file is only %zu bytes", size);
    else
        cic_set_error(err, errlen, "not a JPEG file (no SOI marker)");
    return -1;
}

int cic_jpeg_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                   int *orientation, char *err, size_t errlen) {
    if (jpeg_check_magic(data, size, err, errlen) != 0) return -1;
    jpeg_dec_ctx d;
    jpeg_dec_init(&d, err, errlen);
    int o = 1;
    int rc = jpeg_probe_run(&d, data, size, width, height, &o);
    if (orientation) *orientation = o;
    if (d.created) jpeg_destroy_decompress(&d.cinfo);
    return rc;
}

/// Whether a progressive file's scans, all read, refined every coefficient of every component to
/// full precision (coef_bits holds each one's last successive-approximation bit, −1 if never sent).
static int jpeg_progressive_complete(j_decompress_ptr cinfo) {
    if (cinfo->coef_bits == NULL) return 0;
    for (int c = 0; c < cinfo->num_components; c++)
        for (int k = 0; k < DCTSIZE2; k++)
            if (cinfo->coef_bits[c][k] != 0) return 0;
    return 1;
}

static int jpeg_decode_run(jpeg_dec_ctx *d, const uint8_t *data, size_t size, float *out, uint32_t width,
                           uint32_t height) {
    if (setjmp(d->err.jump)) return -1;
    j_decompress_ptr cinfo = &d->cinfo;
    jpeg_create_decompress(cinfo);
    d->created = 1;
    jpeg_attach_source(cinfo, &d->src, data, size);
    int o;
    jpeg_read_header_and_orientation(cinfo, &o);
    // After jpeg_read_header the first SOS has been read: one scan iff it holds every component.
    d->src.allow_fake_eoi = cinfo->progressive_mode || cinfo->comps_in_scan == cinfo->num_components;
    uint32_t sw = cinfo->image_width, sh = cinfo->image_height;  // as stored
    uint32_t ow = o >= 5 ? sh : sw, oh = o >= 5 ? sw : sh;       // as displayed
    if (ow != width || oh != height) {
        cic_set_error(d->err.err, d->err.errlen, "JPEG size changed between probe and decode");
        return -1;
    }
    int cmyk = 0;
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; cmyk = 1; break;  // libjpeg turns YCCK into CMYK
    default: cinfo->out_color_space = JCS_RGB; break;
    }
    // Photoshop (Adobe APP14) writes CMYK inverted: 0 means full ink. Other writers do not.
    int inverted = cmyk && cinfo->saw_Adobe_marker;
    jpeg_start_decompress(cinfo);  // a progressive file's scans are all read here
    if (d->src.hit_end && cinfo->progressive_mode && !jpeg_progressive_complete(cinfo)) jpeg_fail_truncated(cinfo);
    int comps = cinfo->output_components;
    if (cinfo->output_width != sw || cinfo->output_height != sh || (comps != 1 && comps != 3 && comps != 4)) {
        cic_set_error(d->err.err, d->err.errlen, "unsupported JPEG output layout");
        return -1;
    }
    // Freed by jpeg_destroy_decompress with the rest of libjpeg's pools, even after a longjmp.
    JSAMPARRAY row = (*cinfo->mem->alloc_sarray)((j_common_ptr)cinfo, JPOOL_IMAGE, sw * (JDIMENSION)comps, 1);
    float unit[256];
    cic_fill_unit_levels(unit);
    while (cinfo->output_scanline < sh) {
        uint32_t sy = cinfo->output_scanline;
        if (jpeg_read_scanlines(cinfo, row, 1) != 1) jpeg_fail_truncated(cinfo);
        const JSAMPLE *p = row[0];
        for (uint32_t sx = 0; sx < sw; sx++) {
            float r, g, b;
            if (comps == 1) {
                r = g = b = unit[p[sx]];
            } else if (comps == 3) {
                r = unit[p[3 * sx]];
                g = unit[p[3 * sx + 1]];
                b = unit[p[3 * sx + 2]];
            } else {
                // Ink amounts in [0,1] → naive RGB: R = (1 − C)(1 − K).
                float c = unit[p[4 * sx]], m = unit[p[4 * sx + 1]];
                float y = unit[p[4 * sx + 2]], k = unit[p[4 * sx + 3]];
                if (inverted) {
                    c = 1.0f - c; m = 1.0f - m; y = 1.0f - y; k = 1.0f - k;
                }
                r = (1.0f - c) * (1.0f - k);
                g = (1.0f - m) * (1.0f - k);
                b = (1.0f - y) * (1.0f - k);
            }
            cic_store_oriented(out, o, sx, sy, sw, sh, r, g, b);
        }
    }
    jpeg_finish_decompress(cinfo);
    if (d->src.hit_end && cinfo->err->num_warnings > d->src.warnings_at_end) jpeg_fail_truncated(cinfo);
    return 0;
}

int cic_jpeg_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen) {
    if (jpeg_check_magic(data, size, err, errlen) != 0) return -1;
    jpeg_dec_ctx d;
    jpeg_dec_init(&d, err, errlen);
    int rc = jpeg_decode_run(&d, data, size, out, width, height);
    if (d.created) jpeg_destroy_decompress(&d.cinfo);
    return rc;
}

// MARK: - Encoder

static void jpeg_fail_oom(j_common_ptr cinfo) {
    jpeg_err_ctx *e = (jpeg_err_ctx *)cinfo->err;
    cic_set_error(e->err, e->errlen, "%sout of memory", e->prefix);
    longjmp(e->jump, 1);
}

static void dst_init(j_compress_ptr cinfo) {
    jpeg_dst_ctx *dst = (jpeg_dst_ctx *)cinfo->dest;
    dst->pub.next_output_byte = dst->chunk;
    dst->pub.free_in_buffer = sizeof(dst->chunk);
}

static boolean dst_empty(j_compress_ptr cinfo) {
    jpeg_dst_ctx *dst = (jpeg_dst_ctx *)cinfo->dest;
    // libjpeg calls this when the whole chunk is full, whatever free_in_buffer says.
    if (cic_buffer_append(&dst->out, dst->chunk, sizeof(dst->chunk)) != 0) jpeg_fail_oom((j_common_ptr)cinfo);
    dst->pub.next_output_byte = dst->chunk;
    dst->pub.free_in_buffer = sizeof(dst->chunk);
    return TRUE;
}

static void dst_term(j_compress_ptr cinfo) {
    jpeg_dst_ctx *dst = (jpeg_dst_ctx *)cinfo->dest;
    size_t used = sizeof(dst->chunk) - dst->pub.free_in_buffer;
    if (cic_buffer_append(&dst->out, dst->chunk, used) != 0) jpeg_fail_oom((j_common_ptr)cinfo);
}

typedef struct {
    struct jpeg_compress_struct cinfo;
    jpeg_err_ctx err;
    jpeg_dst_ctx dst;
    int created;
} jpeg_enc_ctx;

static int jpeg_encode_run(jpeg_enc_ctx *e, const float *image, uint32_t width, uint32_t height, int quality,
                           const char *const *comments, int ncomments) {
    if (setjmp(e->err.jump)) return -1;
    j_compress_ptr cinfo = &e->cinfo;
    jpeg_create_compress(cinfo);
    e->created = 1;
    e->dst.pub.init_destination = dst_init;
    e->dst.pub.empty_output_buffer = dst_empty;
    e->dst.pub.term_destination = dst_term;
    cinfo->dest = &e->dst.pub;
    cinfo->image_width = width;
    cinfo->image_height = height;
    cinfo->input_components = 3;
    cinfo->in_color_space = JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    cinfo->optimize_coding = TRUE;
    if (quality >= 90) {
        // 4:4:4: at high quality, halving chroma resolution is the dominant error.
        cinfo->comp_info[0].h_samp_factor = 1;
        cinfo->comp_info[0].v_samp_factor = 1;
    }
    jpeg_start_compress(cinfo, TRUE);
    for (int i = 0; i < ncomments; i++) {
        size_t n = strlen(comments[i]);
        jpeg_write_marker(cinfo, JPEG_COM, (const JOCTET *)comments[i], (unsigned)(n > 65533 ? 65533 : n));
    }
    JSAMPARRAY row = (*cinfo->mem->alloc_sarray)((j_common_ptr)cinfo, JPOOL_IMAGE, width * 3, 1);
    size_t plane = (size_t)width * height;
    while (cinfo->next_scanline < height) {
        const float *r = image + (size_t)cinfo->next_scanline * width;  // image is (3,H,W)
        for (uint32_t x = 0; x < width; x++) {
            row[0][3 * x] = cic_to_u8(r[x]);
            row[0][3 * x + 1] = cic_to_u8(r[plane + x]);
            row[0][3 * x + 2] = cic_to_u8(r[2 * plane + x]);
        }
        jpeg_write_scanlines(cinfo, row, 1);
    }
    jpeg_finish_compress(cinfo);
    return 0;
}

int cic_jpeg_encode(const float *image, uint32_t width, uint32_t height, int quality,
                    const char *const *comments, int ncomments,
                    uint8_t **out, size_t *outlen, char *err, size_t errlen) {
    *out = NULL;
    *outlen = 0;
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        cic_set_error(err, errlen, "JPEG cannot store a %ux%u image (each side must be 1–%d)", width, height,
                      JPEG_MAX_DIMENSION);
        return -1;
    }
    if (quality < 1 || quality > 100) {
        cic_set_error(err, errlen, "JPEG quality %d is outside 1–100", quality);
        return -1;
    }
    jpeg_enc_ctx *e = calloc(1, sizeof(jpeg_enc_ctx));
    if (e == NULL) {
        cic_set_error(err, errlen, "out of memory");
        return -1;
    }
    e->cinfo.err = jpeg_err_init(&e->err, "JPEG encoder: ", err, errlen);
    int rc = jpeg_encode_run(e, image, width, height, quality, comments, ncomments);
    if (e->created) jpeg_destroy_compress(&e->cinfo);
    if (rc == 0) {
        *out = e->dst.out.bytes;
        *outlen = e->dst.out.length;
    } else {
        free(e->dst.out.bytes);
    }
    free(e);
    return rc;
}
