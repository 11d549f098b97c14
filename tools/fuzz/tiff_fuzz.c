// libFuzzer harness: cic_tiff_probe + cic_tiff_decode (+ re-encoding) on arbitrary bytes.
#include "codec_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_codec(data, size, cic_tiff_probe, cic_tiff_decode, "TIFF");
    return 0;
}
