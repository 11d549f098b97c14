// Image decoding/encoding over kept libraries — PNG (libpng), JPEG (libjpeg-turbo), WebP (libwebp),
// HEIF/HEIC and AVIF (libheif), TIFF (libtiff), GIF (giflib) — and a small BMP reader, plus a
// signal-safe registry of temporary files for atomic writes.
//
// Conventions shared by every codec function:
//  * images in memory are float32 planar (3,H,W), channel-major then row-major, values in [0,1];
//  * functions return 0 on success, or -1 with a one-line message in `err` (always NUL-terminated,
//    at most `errlen` bytes). Library errors are caught (setjmp/longjmp for libpng/libjpeg, error
//    handlers and return codes for the others): a bad file never aborts the process and nothing is
//    ever printed to stderr;
//  * decoders work on a whole file already in memory, so a truncated file is simply "the data ends
//    too early" and is reported as "truncated PNG: …" / "truncated JPEG: …" (and so on per format);
//  * every probe reports the size as displayed (after the orientation the format carries), and the
//    matching decode takes exactly that size back (checked again); alpha is composited over white.
#ifndef STYLE_CIMAGECODECS_H
#define STYLE_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Suggested size of the `err` buffer passed to the functions below.
enum { CIC_ERROR_CAPACITY = 512 };

// MARK: - PNG

/// Reads the PNG header only (signature, IHDR and the chunks before the first IDAT, with CRCs
/// checked) and the EXIF orientation (eXIf chunk, before or after the image data). `width`/`height`
/// are the size as displayed, i.e. swapped for orientations 5–8. Any size that fits IHDR is
/// reported, however large, so the caller can refuse it before allocating.
int cic_png_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                  char *err, size_t errlen);

/// Decodes a PNG of any colour type (gray, gray+alpha, RGB, RGBA, palette with or without tRNS)
/// and bit depth (1–16) into `out`, (3,H,W) float32 in [0,1]; 16-bit samples keep full precision.
/// The EXIF orientation (eXIf chunk) is applied, as for JPEG. `width`/`height` must be the values
/// `cic_png_probe` returned (checked again).
/// Alpha is composited over white, in the file's own (gamma-encoded) values: out = a·c + (1 − a).
/// gAMA, cHRM, sRGB and iCCP chunks are ignored (samples are taken as sRGB).
int cic_png_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                   char *err, size_t errlen);

/// Encodes (3,H,W) float32 as an 8-bit RGB PNG (values clamped to [0,1], rounded to nearest,
/// NaN → 0). `keys`/`values` (`ntext` pairs, may be NULL when 0) are stored as text chunks: tEXt
/// when the value is plain ASCII, uncompressed iTXt (UTF-8) otherwise; keys must be 1–79
/// printable Latin-1 characters. On success `*out` is a malloc'd buffer of `*outlen` bytes that the
/// caller frees with `cic_free`.
int cic_png_encode(const float *image, uint32_t width, uint32_t height,
                   const char *const *keys, const char *const *values, int ntext,
                   uint8_t **out, size_t *outlen, char *err, size_t errlen);

// MARK: - JPEG

/// Reads the JPEG header (up to the first scan) and the EXIF orientation. `width`/`height` are the
/// size as displayed, i.e. swapped for orientations 5–8; `orientation` is 1–8 (1 when absent or
/// invalid). `orientation` may be NULL.
int cic_jpeg_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                   int *orientation, char *err, size_t errlen);

/// Decodes a baseline or progressive JPEG (gray, YCbCr/RGB, CMYK or YCCK; Adobe/Photoshop files
/// store CMYK inverted, which is detected from the Adobe APP14 marker) into `out`, (3,H,W) float32
/// in [0,1], with the EXIF orientation applied. `width`/`height` are the displayed size from
/// `cic_jpeg_probe`. CMYK is converted naively: R = (1 − C)(1 − K), etc. (no ICC profile).
/// A file that ends before its image data is complete is an error ("truncated JPEG: …"); a
/// single-scan or progressive file missing only its final EOI marker is accepted (progressive:
/// when its scans refined every coefficient fully).
int cic_jpeg_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen);

/// Encodes (3,H,W) float32 as a baseline JPEG at `quality` 1–100 (chroma 4:2:0 below 90, 4:4:4
/// from 90), optimised Huffman tables, JFIF header. Each of the `ncomments` strings (may be NULL
/// when 0) is stored as a COM marker (cut at 65533 bytes). Width and height must be ≤ 65500.
/// On success `*out` is a malloc'd buffer freed with `cic_free`.
int cic_jpeg_encode(const float *image, uint32_t width, uint32_t height, int quality,
                    const char *const *comments, int ncomments,
                    uint8_t **out, size_t *outlen, char *err, size_t errlen);

// MARK: - WebP

/// Reads a WebP header (simple lossy/lossless or extended VP8X, still or animated) and the EXIF
/// orientation of its EXIF chunk. `width`/`height` are the size as displayed (canvas size for an
/// animation; swapped for orientations 5–8).
int cic_webp_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                   char *err, size_t errlen);

/// Decodes a lossy or lossless WebP (the first frame of an animation, on its canvas) into `out`,
/// (3,H,W) float32 in [0,1], alpha over white, EXIF orientation applied.
int cic_webp_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen);

/// Encodes (3,H,W) float32 as a WebP: lossy at `quality` 1–99, lossless at 100 (8-bit levels kept
/// exactly). `xmp` (`xmplen` bytes, NULL when 0) is stored as the XMP chunk of an extended (VP8X)
/// file. Sides must be ≤ 16383. On success `*out` is a malloc'd buffer freed with `cic_free`.
int cic_webp_encode(const float *image, uint32_t width, uint32_t height, int quality,
                    const uint8_t *xmp, size_t xmplen,
                    uint8_t **out, size_t *outlen, char *err, size_t errlen);

// MARK: - HEIF (HEIC) and AVIF

/// Reads the primary image of a HEIF file (HEVC-coded HEIC or AV1-coded AVIF). `width`/`height`
/// are the size libheif displays: after the irot/imir/clap transforms of the file. EXIF orientation
/// is not read: the HEIF specification makes irot/imir authoritative (phone photos carry both, and
/// applying both would rotate twice).
int cic_heif_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                   char *err, size_t errlen);

/// Decodes the primary image (8-bit or deeper, alpha over white) with its transforms applied.
int cic_heif_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen);

// MARK: - TIFF

/// Reads the first page's header and its orientation tag (274; size swapped for 5–8).
int cic_tiff_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                   char *err, size_t errlen);

/// Decodes the first page: 8- and 16-bit gray, RGB and CMYK (with or without alpha, contiguous or
/// planar strips) at full precision; any other layout libtiff can read (tiles, palette, 1-bit,
/// YCbCr, …) through its RGBA reader at 8 bits. Orientation applied; CMYK converted naively.
int cic_tiff_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                    char *err, size_t errlen);

// MARK: - GIF

/// Reads the logical screen and the first image descriptor: the canvas holds both.
int cic_gif_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                  char *err, size_t errlen);

/// Decodes the first frame (interlaced or not) on its canvas; its transparent colour and the
/// canvas outside the frame are white.
int cic_gif_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                   char *err, size_t errlen);

// MARK: - BMP

/// Reads a Windows BMP header (core, INFO, V2–V5).
int cic_bmp_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                  char *err, size_t errlen);

/// Decodes 1/4/8-bit palette (uncompressed, RLE8, RLE4), 16/24/32-bit (uncompressed or bit
/// fields) BMPs, bottom-up or top-down. Alpha only where a bit-field mask names it (V4/V5 or
/// ALPHABITFIELDS), over white; plain 32-bit pixels' fourth byte is padding, as in Windows.
int cic_bmp_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                   char *err, size_t errlen);

/// Frees a buffer returned by an encoder.
void cic_free(void *p);

// MARK: - Temporary files pending an atomic rename

/// Remembers `path` (an absolute path is best: the process may chdir) as a temporary file to
/// remove if the process is interrupted. Returns a slot ≥ 0 for `cic_tmp_unregister`, or -1 when
/// the path is too long or all slots are taken (the file is then simply not cleaned up on signal).
int cic_tmp_register(const char *path);

/// mkstemp(`template`) and `cic_tmp_register` of the new file as one step, as far as
/// `cic_tmp_remove_all` can tell: SIGINT, SIGTERM and SIGHUP are blocked in the calling thread
/// meanwhile, and `cic_tmp_remove_all` in another thread waits for the registration. `template`
/// (ending in XXXXXX, rewritten in place) should be absolute. Returns the descriptor, or -1 with
/// errno set by mkstemp; `*slot` receives the slot (-1 when the file could not be registered).
int cic_tmp_create(char *template, int *slot);

/// Forgets the slot returned by `cic_tmp_register` (call after the rename or the unlink).
void cic_tmp_unregister(int slot);

/// Unlinks every registered temporary file and returns how many unlink calls succeeded.
/// Async-signal-safe (only atomics and unlink): meant for SIGINT/SIGTERM handlers, which should
/// then call _exit.
int cic_tmp_remove_all(void);

#ifdef __cplusplus
}
#endif

#endif
