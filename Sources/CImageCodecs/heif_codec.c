// HEIF (HEIC) and AVIF decoding over libheif 1.15 (libde265 for HEVC, dav1d/libaom for AV1).
// libheif reports errors as heif_error values and never aborts. It applies the file's
// irot/imir/clap transforms by default, and its image handle reports the transformed size, so
// probe and decode agree without reading the transforms here.
//
// The decoders it drives print to stderr on damaged streams ("SPS error: …" from libde265, "Input
// validation check … failed" from dav1d), with no way to turn that off. So that a bad file still
// gives exactly one error line, file descriptor 2 points at /dev/null while libheif runs: process
// wide, so those calls are serialised by a mutex, and another thread's stderr output in that window
// (a photo decodes in tens of milliseconds) is lost.
#include "CImageCodecs.h"
#include "codec_common.h"
#include "exif.h"

#include <fcntl.h>
#include <libheif/heif.h>
#include <pthread.h>
#include <unistd.h>

static pthread_once_t heif_started = PTHREAD_ONCE_INIT;

// Registers the built-in decoders once; never undone (heif_deinit is reference counted).
static void heif_start(void) { (void)heif_init(NULL); }

static pthread_mutex_t heif_quiet = PTHREAD_MUTEX_INITIALIZER;

/// Takes the lock and points fd 2 at /dev/null; returns the saved descriptor (−1: left as it was).
static int heif_silence_stderr(void) {
    pthread_mutex_lock(&heif_quiet);
    fflush(stderr);
    int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null >= 0) dup2(null, STDERR_FILENO);
    if (null >= 0) close(null);
    return saved;
}

static void heif_restore_stderr(int saved) {
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
    pthread_mutex_unlock(&heif_quiet);
}

/// "AVIF" when the ftyp box names an AV1 brand first, else "HEIF" (for messages only).
static const char *heif_label(const uint8_t *data, size_t size) {
    if (size >= 12 && (memcmp(data + 8, "avif", 4) == 0 || memcmp(data + 8, "avis", 4) == 0)) return "AVIF";
    return "HEIF";
}

static void heif_report(struct heif_error e, const uint8_t *data, size_t size, char *err, size_t errlen) {
    const char *label = heif_label(data, size);
    if (e.code == heif_error_Invalid_input && e.subcode == heif_suberror_End_of_data)
        cic_set_error(err, errlen, "truncated %s: the file ends after %zu bytes, before the image data is complete", label, size);
    else if (e.code == heif_error_Memory_allocation_error)
        cic_set_error(err, errlen, "out of memory");
    else if (e.code == heif_error_Unsupported_filetype || e.code == heif_error_Unsupported_feature)
        cic_set_error(err, errlen, "unsupported %s: %s", label, e.message ? e.message : "unknown feature");
    else
        cic_set_error(err, errlen, "invalid %s: %s", label, e.message ? e.message : "unknown error");
}

/// Everything a decode holds, freed by heif_session_close whatever happened.
typedef struct {
    struct heif_context *context;
    struct heif_image_handle *handle;
    struct heif_image *image;
    struct heif_decoding_options *options;
} heif_session;

static void heif_session_close(heif_session *s) {
    if (s->image) heif_image_release(s->image);
    if (s->handle) heif_image_handle_release(s->handle);
    if (s->context) heif_context_free(s->context);
    if (s->options) heif_decoding_options_free(s->options);
}

/// Parses the file and opens its primary image; 0, or -1 with a message.
static int heif_open(heif_session *s, const uint8_t *data, size_t size, char *err, size_t errlen) {
    pthread_once(&heif_started, heif_start);
    if (size < 12 || memcmp(data + 4, "ftyp", 4) != 0) {
        cic_set_error(err, errlen, size < 12 ? "truncated HEIF: the file is only %zu bytes" : "not a HEIF/AVIF file (no ftyp box)", size);
        return -1;
    }
    uint32_t ftyp = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
    if (ftyp > size) {  // libheif would say "No 'ftyp' box"
        cic_set_error(err, errlen, "truncated %s: the file ends after %zu bytes, inside its ftyp box", heif_label(data, size), size);
        return -1;
    }
    if (size > 0x7fffffff) {
        cic_set_error(err, errlen, "%s file too large (%zu bytes)", heif_label(data, size), size);
        return -1;
    }
    s->context = heif_context_alloc();
    if (s->context == NULL) {
        cic_set_error(err, errlen, "out of memory");
        return -1;
    }
    heif_context_set_max_decoding_threads(s->context, 1);  // the engine parallelises per image, not inside decoders
    struct heif_error e = heif_context_read_from_memory_without_copy(s->context, data, size, NULL);
    if (e.code == heif_error_Ok) e = heif_context_get_primary_image_handle(s->context, &s->handle);
    if (e.code != heif_error_Ok) {
        heif_report(e, data, size, err, errlen);
        return -1;
    }
    int w = heif_image_handle_get_width(s->handle), h = heif_image_handle_get_height(s->handle);
    if (w <= 0 || h <= 0) {
        cic_set_error(err, errlen, "invalid %s: the image is %dx%d", heif_label(data, size), w, h);
        return -1;
    }
    return 0;
}

int cic_heif_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char *err, size_t errlen) {
    heif_session s = {0};
    int quiet = heif_silence_stderr();
    int rc = heif_open(&s, data, size, err, errlen);
    if (rc == 0) {
        *width = (uint32_t)heif_image_handle_get_width(s.handle);
        *height = (uint32_t)heif_image_handle_get_height(s.handle);
    }
    heif_session_close(&s);
    heif_restore_stderr(quiet);
    return rc;
}

/// Stores interleaved RGB(A) samples, 8-bit or little-endian 16-bit holding `bits`-bit values.
static void heif_store(float *out, const uint8_t *plane, int stride, uint32_t w, uint32_t h, int alpha, int deep,
                       int bits, int premultiplied) {
    int channels = alpha ? 4 : 3;
    float scale = 1.0f / (float)((1u << bits) - 1u), unit[256];
    cic_fill_unit_levels(unit);
    for (uint32_t y = 0; y < h; y++) {
        const uint8_t *row = plane + (size_t)y * (size_t)stride;
        for (uint32_t x = 0; x < w; x++) {
            float s[4] = {0, 0, 0, 1};
            for (int c = 0; c < channels; c++) {
                size_t i = (size_t)x * (size_t)channels + (size_t)c;
                s[c] = deep ? (float)(row[2 * i] | row[2 * i + 1] << 8) * scale : unit[row[i]];
                if (s[c] > 1.0f) s[c] = 1.0f;  // a 10-bit value above 1023 in a corrupt file
            }
            if (premultiplied && s[3] < 1.0f) {  // c already holds c·a: add the white behind
                cic_store_oriented(out, 1, x, y, w, h, s[0] + 1.0f - s[3], s[1] + 1.0f - s[3], s[2] + 1.0f - s[3]);
            } else {
                cic_store_over_white(out, 1, x, y, w, h, s[0], s[1], s[2], s[3]);
            }
        }
    }
}

/// Decodes the opened primary image into `out`; 0, or -1 with a message.
static int heif_decode_primary(heif_session *s, const uint8_t *data, size_t size, float *out, uint32_t width,
                               uint32_t height, char *err, size_t errlen) {
    int alpha = heif_image_handle_has_alpha_channel(s->handle);
    int deep = heif_image_handle_get_luma_bits_per_pixel(s->handle) > 8;
    enum heif_chroma chroma = deep ? (alpha ? heif_chroma_interleaved_RRGGBBAA_LE : heif_chroma_interleaved_RRGGBB_LE)
                                   : (alpha ? heif_chroma_interleaved_RGBA : heif_chroma_interleaved_RGB);
    s->options = heif_decoding_options_alloc();
    if (s->options == NULL) {
        cic_set_error(err, errlen, "out of memory");
        return -1;
    }
    s->options->convert_hdr_to_8bit = 0;
    s->options->strict_decoding = 1;  // a damaged file is an error, not a best-effort picture
    struct heif_error e = heif_decode_image(s->handle, &s->image, heif_colorspace_RGB, chroma, s->options);
    if (e.code != heif_error_Ok) {
        heif_report(e, data, size, err, errlen);
        return -1;
    }
    int stride = 0;
    const uint8_t *plane = heif_image_get_plane_readonly(s->image, heif_channel_interleaved, &stride);
    int w = heif_image_get_width(s->image, heif_channel_interleaved), h = heif_image_get_height(s->image, heif_channel_interleaved);
    int bits = heif_image_get_bits_per_pixel_range(s->image, heif_channel_interleaved);
    if (plane == NULL) {
        cic_set_error(err, errlen, "invalid %s: no interleaved RGB plane decoded", heif_label(data, size));
        return -1;
    }
    if ((uint32_t)w != width || (uint32_t)h != height) {  // libheif 1.15 does not check the coded size against ispe
        cic_set_error(err, errlen, "invalid %s: the image data is %dx%d, its header says %ux%u", heif_label(data, size), w, h,
                      width, height);
        return -1;
    }
    if (bits < 1 || bits > 16 || (!deep && bits != 8) || stride < w * (alpha ? 4 : 3) * (deep ? 2 : 1)) {
        cic_set_error(err, errlen, "unsupported %s sample layout (%d bits)", heif_label(data, size), bits);
        return -1;
    }
    heif_store(out, plane, stride, width, height, alpha, deep, bits, alpha && heif_image_is_premultiplied_alpha(s->image));
    return 0;
}

int cic_heif_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen) {
    heif_session s = {0};
    int quiet = heif_silence_stderr();
    int rc = heif_open(&s, data, size, err, errlen);
    if (rc == 0) rc = heif_decode_primary(&s, data, size, out, width, height, err, errlen);
    heif_session_close(&s);
    heif_restore_stderr(quiet);
    return rc;
}
