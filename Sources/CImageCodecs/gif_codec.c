// GIF decoding (first frame) over giflib 5.2, reading from memory. giflib reports errors by return
// codes (GIF_ERROR with an error code in the file struct) and never prints or aborts.
#include "CImageCodecs.h"
#include "codec_common.h"
#include "exif.h"

#include <gif_lib.h>

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t pos;
    int short_read;  // giflib asked for bytes past the end of the file
} gif_src;

static int gif_read(GifFileType *gif, GifByteType *dst, int n) {
    gif_src *s = (gif_src *)gif->UserData;
    if (n <= 0) return 0;
    size_t left = s->size - s->pos;
    if ((size_t)n > left) {
        s->short_read = 1;
        n = (int)left;
    }
    memcpy(dst, s->data + s->pos, (size_t)n);
    s->pos += (size_t)n;
    return n;
}

static void gif_report(const gif_src *s, int code, char *err, size_t errlen) {
    if (s->short_read || code == D_GIF_ERR_READ_FAILED || code == D_GIF_ERR_EOF_TOO_SOON)
        cic_set_error(err, errlen, "truncated GIF: the file ends after %zu bytes, before the first frame is complete", s->size);
    else if (code == D_GIF_ERR_NOT_ENOUGH_MEM)
        cic_set_error(err, errlen, "out of memory");
    else {
        const char *why = GifErrorString(code);
        cic_set_error(err, errlen, "invalid GIF: %s", why ? why : "unknown error");
    }
}

/// The first frame's descriptor and transparent index (−1 for none), read up to its pixel data.
typedef struct {
    GifFileType *gif;
    int transparent;
    uint32_t canvas_w, canvas_h;
} gif_frame;

static int gif_open_first_frame(gif_src *s, gif_frame *f, char *err, size_t errlen) {
    if (s->size < 6 || (memcmp(s->data, "GIF87a", 6) != 0 && memcmp(s->data, "GIF89a", 6) != 0)) {
        cic_set_error(err, errlen, s->size < 6 ? "truncated GIF: the file is only %zu bytes" : "not a GIF file (bad signature)", s->size);
        return -1;
    }
    int code = 0;
    f->gif = DGifOpen(s, gif_read, &code);
    if (f->gif == NULL) {
        gif_report(s, code, err, errlen);
        return -1;
    }
    f->transparent = -1;
    for (;;) {
        GifRecordType type;
        if (DGifGetRecordType(f->gif, &type) == GIF_ERROR) break;
        if (type == TERMINATE_RECORD_TYPE) {
            cic_set_error(err, errlen, "invalid GIF: the file holds no image");
            return -1;
        }
        if (type == EXTENSION_RECORD_TYPE) {
            int ext_code = 0;
            GifByteType *ext = NULL;
            if (DGifGetExtension(f->gif, &ext_code, &ext) == GIF_ERROR) break;
            // Graphic control: block size 4, packed flags (bit 0: transparency), delay, index.
            if (ext_code == GRAPHICS_EXT_FUNC_CODE && ext != NULL && ext[0] >= 4)
                f->transparent = (ext[1] & 1) ? ext[4] : -1;
            while (ext != NULL)
                if (DGifGetExtensionNext(f->gif, &ext) == GIF_ERROR) goto failed;
            continue;
        }
        if (type == IMAGE_DESC_RECORD_TYPE) {
            if (DGifGetImageDesc(f->gif) == GIF_ERROR) break;
            GifImageDesc *d = &f->gif->Image;
            if (d->Width <= 0 || d->Height <= 0 || d->Left < 0 || d->Top < 0) {
                cic_set_error(err, errlen, "invalid GIF: the first frame is %dx%d at (%d, %d)", d->Width, d->Height, d->Left, d->Top);
                return -1;
            }
            // The canvas is the logical screen, grown to hold the frame (as browsers and Pillow do).
            uint32_t right = (uint32_t)d->Left + (uint32_t)d->Width, bottom = (uint32_t)d->Top + (uint32_t)d->Height;
            f->canvas_w = (uint32_t)f->gif->SWidth > right ? (uint32_t)f->gif->SWidth : right;
            f->canvas_h = (uint32_t)f->gif->SHeight > bottom ? (uint32_t)f->gif->SHeight : bottom;
            return 0;
        }
    }
failed:
    gif_report(s, f->gif->Error, err, errlen);
    return -1;
}

static void gif_close(gif_frame *f) {
    int code = 0;
    if (f->gif) DGifCloseFile(f->gif, &code);
}

int cic_gif_probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char *err, size_t errlen) {
    gif_src s = {.data = data, .size = size};
    gif_frame f = {0};
    int rc = gif_open_first_frame(&s, &f, err, errlen);
    if (rc == 0) {
        *width = f.canvas_w;
        *height = f.canvas_h;
    }
    gif_close(&f);
    return rc;
}

/// Reads the frame's rows into `indices` (Width×Height), in display order whether interlaced or not.
static int gif_read_rows(GifFileType *gif, uint8_t *indices) {
    GifImageDesc *d = &gif->Image;
    size_t w = (size_t)d->Width;
    if (!d->Interlace) {
        for (int y = 0; y < d->Height; y++)
            if (DGifGetLine(gif, indices + (size_t)y * w, d->Width) == GIF_ERROR) return -1;
        return 0;
    }
    static const int start[4] = {0, 4, 2, 1}, step[4] = {8, 8, 4, 2};  // the four interlace passes
    for (int pass = 0; pass < 4; pass++)
        for (int y = start[pass]; y < d->Height; y += step[pass])
            if (DGifGetLine(gif, indices + (size_t)y * w, d->Width) == GIF_ERROR) return -1;
    return 0;
}

int cic_gif_decode(const uint8_t *data, size_t size, float *out, uint32_t width, uint32_t height,
                   char *err, size_t errlen) {
    gif_src s = {.data = data, .size = size};
    gif_frame f = {0};
    if (gif_open_first_frame(&s, &f, err, errlen) != 0) {
        gif_close(&f);
        return -1;
    }
    int rc = -1;
    uint8_t *indices = NULL;
    GifImageDesc *d = &f.gif->Image;
    ColorMapObject *map = d->ColorMap ? d->ColorMap : f.gif->SColorMap;
    size_t total;
    if (f.canvas_w != width || f.canvas_h != height) {
        cic_set_error(err, errlen, "GIF size changed between probe and decode");
    } else if (map == NULL || map->Colors == NULL || map->ColorCount <= 0) {
        cic_set_error(err, errlen, "invalid GIF: the first frame has no colour table");
    } else if (cic_mul_size((size_t)d->Width, (size_t)d->Height, &total) != 0 || (indices = malloc(total)) == NULL) {
        cic_set_error(err, errlen, "out of memory");
    } else if (gif_read_rows(f.gif, indices) != 0) {
        gif_report(&s, f.gif->Error, err, errlen);
    } else {
        size_t plane = (size_t)width * height;
        for (size_t i = 0; i < 3 * plane; i++) out[i] = 1.0f;  // outside the frame: transparent, so white
        float unit[256];
        cic_fill_unit_levels(unit);
        for (uint32_t y = 0; y < (uint32_t)d->Height; y++) {
            for (uint32_t x = 0; x < (uint32_t)d->Width; x++) {
                int k = indices[(size_t)y * (size_t)d->Width + x];
                if (k == f.transparent) continue;
                GifColorType c = k < map->ColorCount ? map->Colors[k] : (GifColorType){0, 0, 0};  // past the table: black
                cic_store_oriented(out, 1, (uint32_t)d->Left + x, (uint32_t)d->Top + y, width, height, unit[c.Red],
                                   unit[c.Green], unit[c.Blue]);
            }
        }
        rc = 0;
    }
    free(indices);
    gif_close(&f);
    return rc;
}
