// libFuzzer harness: cic_heif_probe + cic_heif_decode (+ re-encoding) on arbitrary bytes.
#include "codec_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_codec(data, size, cic_heif_probe, cic_heif_decode, "HEIF/AVIF");
    return 0;
}
