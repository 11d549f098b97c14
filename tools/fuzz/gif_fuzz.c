// libFuzzer harness: cic_gif_probe + cic_gif_decode (+ re-encoding) on arbitrary bytes.
#include "codec_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_codec(data, size, cic_gif_probe, cic_gif_decode, "GIF");
    return 0;
}
