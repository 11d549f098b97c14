// StyleIO: files in and out of the engine — images (PNG, JPEG, WebP, HEIC/AVIF, TIFF, GIF, BMP), .npy arrays and safetensors weights.
// Every reader checks sizes and bounds and reports a StyleError naming the file; every writer is atomic.
