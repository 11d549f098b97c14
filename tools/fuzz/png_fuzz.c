// libFuzzer harness: cic_png_probe + cic_png_decode (+ re-encoding) on arbitrary bytes.
#include "codec_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_codec(data, size, cic_png_probe, cic_png_decode, "PNG");
    return 0;
}
