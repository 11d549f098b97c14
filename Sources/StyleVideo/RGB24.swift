import StyleCore

/// Frames cross the ffmpeg pipes as packed 8-bit RGB (rgb24): the sources are 8-bit video, the
/// outputs are encoded to 8-bit video, and it is the quantisation the PNG writer uses, so a frame
/// written to a pipe and one written by `stylize` to a PNG hold the same levels.
enum RGB24 {
    /// Packed rgb24 bytes (H·W·3) → (3,H,W) in [0,1], level k ↦ k/255 exactly as the image decoders do.
    static func tensor(from bytes: UnsafeRawBufferPointer, width: Int, height: Int) -> Tensor {
        let t = Tensor(shape: [3, height, width])
        let plane = width * height
        let src = bytes.bindMemory(to: UInt8.self).baseAddress!
        let out = t.data
        for i in 0..<plane {
            out[i] = levels[Int(src[3 * i])]
            out[plane + i] = levels[Int(src[3 * i + 1])]
            out[2 * plane + i] = levels[Int(src[3 * i + 2])]
        }
        return t
    }

    /// (3,H,W) → packed rgb24 into `bytes` (H·W·3), clamped to [0,1] and rounded as the PNG writer does.
    static func pack(_ image: Tensor, into bytes: UnsafeMutableRawBufferPointer) {
        let plane = image.shape[1] * image.shape[2]
        let dst = bytes.bindMemory(to: UInt8.self).baseAddress!
        let src = image.data
        for i in 0..<plane {
            dst[3 * i] = level(src[i])
            dst[3 * i + 1] = level(src[plane + i])
            dst[3 * i + 2] = level(src[2 * plane + i])
        }
    }

    /// Same rule as the codecs' cic_to_u8: NaN and ≤ 0 → 0, ≥ 1 → 255, else ⌊v·255 + 0.5⌋.
    @inline(__always)
    static func level(_ v: Float) -> UInt8 {
        if !(v > 0) { return 0 }
        if v >= 1 { return 255 }
        return UInt8(v * 255 + 0.5)
    }

    static let levels: [Float] = (0..<256).map { Float($0) / 255 }
}
