// libFuzzer harness: cic_webp_probe + cic_webp_decode (+ re-encoding) on arbitrary bytes.
#include "codec_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_codec(data, size, cic_webp_probe, cic_webp_decode, "WebP");
    return 0;
}
