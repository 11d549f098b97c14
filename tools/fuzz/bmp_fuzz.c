// libFuzzer harness: cic_bmp_probe + cic_bmp_decode (+ re-encoding) on arbitrary bytes.
#include "codec_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_codec(data, size, cic_bmp_probe, cic_bmp_decode, "BMP");
    return 0;
}
