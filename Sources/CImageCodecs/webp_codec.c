// WebP decode/encode over libwebp 1.2 (decode, encode), libwebpdemux (EXIF chunk, animations) and
// libwebpmux (the XMP chunk of encoded files). libwebp reports errors by status codes and never
// prints or aborts, so no setjmp is needed here.
#include "CImageCodecs.h"
#include "codec_common.h"
#include "exif.h"

#include <webp/decode.h>
#include <webp/demux.h>
#include <webp/encode.h>
#include <webp/mux.h>

enum { WEBP_MAX_SIDE = 16383 };  // the bitstream's 14-bit sides

static void webp_status_error(VP8StatusCode status, size_t size, char *err, size_t errlen) {
    if (status == VP8_STATUS_NOT_ENOUGH_DATA)
        cic_set_error(err, errlen, "truncated WebP: the file ends after %zu bytes, before the image data is complete", size);
    else if (status == VP8_STATUS_OUT_OF_MEMORY)
        cic_set_error(err, errlen, "out of memory");
    else if (status == VP8_STATUS_UNSUPPORTED_FEATURE)
        cic_set_error(err, errlen, "unsupported WebP feature");
    else
        cic_set_error(err, errlen, "invalid WebP: corrupt %s", status == VP8_STATUS_INVALID_PARAM ? "header" : "bitstream");
}

/// EXIF orientation of an extended file's EXIF chunk: 1–8, or 1 when there is none.
static int webp_orientation(const uint8_t *data, size_t size) {
    WebPData whole = {data, size};
    WebPDemuxState state;
    WebPDemuxer *demux = WebPDemuxPartial(&whole, &state);  // partial: the chunk index of a cut file still reads
    if (demux == NULL) return 1;
    int o = 1;
    WebPChunkIterator it;
    if ((WebPDemuxGetI(demux, WEBP_FF_FORMAT_FLAGS) & EXIF_FLAG) && WebPDemuxGetChunk(demux, "EXIF", 1, &it)) {
        o = cic_exif_payload_orientation(it.chunk.bytes, it.chunk.size);
        WebPDemuxReleaseChunkIterator(&it);
    }
    WebPDemuxDelete(demux);
    return o;
}

/// Stored size and features; 0, or -1 with a message.
static int webp_features(const uint8_t *data, size_t size, WebPBitstreamFeatures *f, char *err, size_t errlen) {
    if (size < 12 || memcmp(data, "RIFF", 4) != 0 || memcmp(data + 8, "WEBP", 4) != 0) {
        cic_set_error(err, errlen, size < 12 ? "truncated WebP: the file is only %zu bytes" : "not a WebP file (no RIFF/WEBP header)", size);
        return -1;
    }
    VP8StatusCode status = WebPGetFeatures(data, size, f);
    if (status != VP8_STATUS_OK) {
        webp_status_error(status, size, err, errlen);
        return -1;
    }
    if (f->width <= 0 || f->height <= 0) {
        cic_set_error(err, errlen, "invalid WebP: the image is %dx%d", f->width, f->height);
        return -1;
    }
    return 0;
}

int cic_webp_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char *err, size_t errlen) {
    WebPBitstreamFeatures f;
    if (webp_features(data, size, &f, err, errlen) != 0) return -1;
    int swap = webp_orientation(data, size) >= 5;  // orientations 5–8 transpose the image
    *width = (uint32_t)(swap ? f.height : f.width);
    *height = (uint32_t)(swap ? f.width : f.height);
    return 0;
}

/// The first frame of an animation, composited on its canvas by libwebpdemux.
static int webp_decode_animation(const uint8_t *data, size_t size, float *out, int o, uint32_t sw, uint32_t sh,
                                 char *err, size_t errlen) {
    WebPData whole = {data, size};
    WebPAnimDecoderOptions options;
    if (!WebPAnimDecoderOptionsInit(&options)) {
        cic_set_error(err, errlen, "libwebp version mismatch");
        return -1;
    }
    options.color_mode = MODE_RGBA;
    options.use_threads = 0;
    WebPAnimDecoder *dec = WebPAnimDecoderNew(&whole, &options);
    if (dec == NULL) {
        cic_set_error(err, errlen, "invalid or truncated animated WebP (its frames cannot be read)");
        return -1;
    }
    WebPAnimInfo info;
    uint8_t *canvas = NULL;
    int timestamp = 0, rc = -1;
    if (!WebPAnimDecoderGetInfo(dec, &info) || info.canvas_width != sw || info.canvas_height != sh) {
        cic_set_error(err, errlen, "WebP size changed between probe and decode");
    } else if (!WebPAnimDecoderGetNext(dec, &canvas, &timestamp) || canvas == NULL) {
        cic_set_error(err, errlen, "invalid or truncated animated WebP (its first frame cannot be decoded)");
    } else {
        cic_store_rgba8(out, o, canvas, (size_t)sw * 4, sw, sh);
        rc = 0;
    }
    WebPAnimDecoderDelete(dec);
    return rc;
}

int cic_webp_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen) {
    WebPBitstreamFeatures f;
    if (webp_features(data, size, &f, err, errlen) != 0) return -1;
    int o = webp_orientation(data, size);
    uint32_t sw = (uint32_t)f.width, sh = (uint32_t)f.height;  // as stored
    if ((o >= 5 ? sh : sw) != width || (o >= 5 ? sw : sh) != height) {
        cic_set_error(err, errlen, "WebP size changed between probe and decode");
        return -1;
    }
    if (f.has_animation) return webp_decode_animation(data, size, out, o, sw, sh, err, errlen);

    size_t stride = (size_t)sw * 4, total;
    uint8_t *rgba = NULL;
    if (cic_mul_size(stride, sh, &total) != 0 || (rgba = malloc(total)) == NULL) {
        cic_set_error(err, errlen, "out of memory");
        return -1;
    }
    WebPDecoderConfig config;
    if (!WebPInitDecoderConfig(&config)) {
        free(rgba);
        cic_set_error(err, errlen, "libwebp version mismatch");
        return -1;
    }
    config.output.colorspace = MODE_RGBA;  // not premultiplied: composited over white below
    config.output.is_external_memory = 1;
    config.output.u.RGBA.rgba = rgba;
    config.output.u.RGBA.stride = (int)stride;
    config.output.u.RGBA.size = total;
    VP8StatusCode status = WebPDecode(data, size, &config);
    WebPFreeDecBuffer(&config.output);  // external memory: releases nothing but libwebp's bookkeeping
    if (status != VP8_STATUS_OK) {
        free(rgba);
        webp_status_error(status, size, err, errlen);
        return -1;
    }
    cic_store_rgba8(out, o, rgba, stride, sw, sh);
    free(rgba);
    return 0;
}

// MARK: - Encoder

/// Assembles `bitstream` (a simple VP8/VP8L file) and the XMP packet into an extended file.
static int webp_add_xmp(const WebPMemoryWriter *bitstream, const uint8_t *xmp, size_t xmplen, cic_buffer *result,
                        char *err, size_t errlen) {
    WebPData image = {bitstream->mem, bitstream->size}, packet = {xmp, xmplen}, assembled = {NULL, 0};
    WebPMux *mux = WebPMuxCreate(&image, 0);
    int ok = mux != NULL && WebPMuxSetChunk(mux, "XMP ", &packet, 0) == WEBP_MUX_OK &&
             WebPMuxAssemble(mux, &assembled) == WEBP_MUX_OK;
    WebPMuxDelete(mux);
    if (ok) ok = cic_buffer_append(result, assembled.bytes, assembled.size) == 0;
    WebPDataClear(&assembled);
    if (!ok) cic_set_error(err, errlen, "WebP encoder: cannot add the XMP metadata chunk");
    return ok ? 0 : -1;
}

int cic_webp_encode(const float *image, uint32_t width, uint32_t height, int quality,
                    const uint8_t *xmp, size_t xmplen,
                    uint8_t **out, size_t *outlen, char *err, size_t errlen) {
    *out = NULL;
    *outlen = 0;
    if (width == 0 || height == 0 || width > WEBP_MAX_SIDE || height > WEBP_MAX_SIDE) {
        cic_set_error(err, errlen, "WebP cannot store a %ux%u image (each side must be 1–%d)", width, height, WEBP_MAX_SIDE);
        return -1;
    }
    if (quality < 1 || quality > 100) {
        cic_set_error(err, errlen, "WebP quality %d is outside 1–100", quality);
        return -1;
    }
    WebPConfig config;
    WebPPicture picture;
    if (!WebPConfigInit(&config) || !WebPPictureInit(&picture)) {
        cic_set_error(err, errlen, "libwebp version mismatch");
        return -1;
    }
    if (quality == 100) {
        config.lossless = 1;  // 8-bit levels round-trip exactly
        config.quality = 75;  // for lossless: effort, libwebp's default
    } else {
        config.quality = (float)quality;
        config.use_sharp_yuv = 1;  // keeps fine colour edges (stylised strokes) sharper through 4:2:0
    }
    picture.width = (int)width;
    picture.height = (int)height;
    picture.use_argb = config.lossless;

    size_t plane = (size_t)width * height;
    uint8_t *rgb = malloc(plane * 3);
    WebPMemoryWriter writer;
    WebPMemoryWriterInit(&writer);
    cic_buffer result = {0};
    int rc = -1;
    if (rgb == NULL) {
        cic_set_error(err, errlen, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < plane; i++) {  // image is (3,H,W): planes R, G, B
        rgb[3 * i] = cic_to_u8(image[i]);
        rgb[3 * i + 1] = cic_to_u8(image[plane + i]);
        rgb[3 * i + 2] = cic_to_u8(image[2 * plane + i]);
    }
    if (!WebPPictureImportRGB(&picture, rgb, (int)width * 3)) {
        cic_set_error(err, errlen, "out of memory");
        goto done;
    }
    picture.writer = WebPMemoryWrite;
    picture.custom_ptr = &writer;
    if (!WebPEncode(&config, &picture)) {
        cic_set_error(err, errlen, "WebP encoder failed (libwebp error %d)", (int)picture.error_code);
        goto done;
    }
    if (xmplen > 0) {
        if (webp_add_xmp(&writer, xmp, xmplen, &result, err, errlen) != 0) goto done;
    } else if (cic_buffer_append(&result, writer.mem, writer.size) != 0) {
        cic_set_error(err, errlen, "out of memory");
        goto done;
    }
    *out = result.bytes;
    *outlen = result.length;
    result.bytes = NULL;
    rc = 0;
done:
    free(result.bytes);
    WebPMemoryWriterClear(&writer);
    WebPPictureFree(&picture);
    free(rgb);
    return rc;
}
