// libFuzzer harness: cic_jpeg_probe + cic_jpeg_decode (+ re-encoding) on arbitrary bytes.
#include "codec_fuzz_common.h"

static int probe(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height, char *err, size_t errlen) {
    int orientation = 0;
    int rc = cic_jpeg_probe(data, size, width, height, &orientation, err, errlen);
    if (rc == 0) FUZZ_CHECK(orientation >= 1 && orientation <= 8, "orientation %d", orientation);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_codec(data, size, probe, cic_jpeg_decode, "JPEG");
    return 0;
}
