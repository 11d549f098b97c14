// PNG and JPEG decoding/encoding over libpng and libjpeg(-turbo), plus a signal-safe registry of
// temporary files for atomic writes.
//
// Conventions shared by every codec function:
//  * images in memory are float32 planar (3,H,W), channel-major then row-major, values in [0,1];
//  * functions return 0 on success, or -1 with a one-line message in `err` (always NUL-terminated,
//    at most `errlen` bytes). libpng/libjpeg errors are caught with setjmp/longjmp: a bad file never
//    aborts the process and nothing is ever printed to stderr;
//  * decoders work on a whole file already in memory, so a truncated file is simply "the data ends
//    too early" and is reported as "truncated PNG: …" / "truncated JPEG: …".
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
