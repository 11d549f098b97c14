/// Output size of a 2×2 stride-2 max-pool on an axis of length n (PyTorch's rule).
@inline(__always) public func pooledSize(_ n: Int, ceilMode: Bool) -> Int {
    // With ceil_mode a last window may start inside the input but not past it (padding 0).
    ceilMode ? (n + 1) / 2 : n / 2
}

/// PyTorch's max-pool rule: a window's first maximum wins, and any NaN in it is the result.
@inline(__always) private func takesMax(_ v: Float, over best: Float) -> Bool { v > best || v.isNaN }

/// out (C,⌊H/2⌋ or ⌈H/2⌉, …) = MaxPool2d(2, 2, ceil_mode) of x (C,H,W).
/// `argmax` (same shape as out) receives the flat input index of each maximum, for the backward pass.
public func maxPool2x2(_ x: Tensor, ceilMode: Bool = false, argmax: UnsafeMutablePointer<Int32>? = nil) -> Tensor {
    precondition(x.rank == 3, "maxPool2x2 needs (C,H,W), got \(x.shape)")
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    let oh = pooledSize(h, ceilMode: ceilMode), ow = pooledSize(w, ceilMode: ceilMode)
    let out = Tensor(shape: [c, oh, ow])
    let src = x.data, dst = out.data
    parallelChunks(c) { channels in
        for ch in channels {
            let base = ch * h * w
            for oy in 0..<oh {
                let y0 = 2 * oy, y1 = min(y0 + 2, h)
                var ox = 0
                if y1 == y0 + 2 {
                    // Whole 2×2 windows: the same first-maximum-or-NaN rule, unrolled (VGG's pools are all whole).
                    for o in 0..<(w / 2) {
                        let i0 = base + y0 * w + 2 * o, i1 = i0 + 1, i2 = i0 + w, i3 = i2 + 1
                        var best = src[i0], at = i0
                        if takesMax(src[i1], over: best) { best = src[i1]; at = i1 }
                        if takesMax(src[i2], over: best) { best = src[i2]; at = i2 }
                        if takesMax(src[i3], over: best) { best = src[i3]; at = i3 }
                        let out = (ch * oh + oy) * ow + o
                        dst[out] = best
                        argmax?[out] = Int32(at)
                    }
                    ox = w / 2
                }
                for ox in ox..<ow {
                    let x0 = 2 * ox, x1 = min(x0 + 2, w)
                    var best = -Float.infinity, at = base + y0 * w + x0
                    for y in y0..<y1 {
                        for xx in x0..<x1 {
                            let i = base + y * w + xx
                            if takesMax(src[i], over: best) { best = src[i]; at = i }
                        }
                    }
                    let o = (ch * oh + oy) * ow + ox
                    dst[o] = best
                    argmax?[o] = Int32(at)
                }
            }
        }
    }
    return out
}

/// dX (input shape) from dOut and the argmax indices of the forward pass.
public func maxPool2x2Backward(_ dOut: Tensor, argmax: UnsafePointer<Int32>, inputShape: [Int]) -> Tensor {
    let dX = Tensor(shape: inputShape)
    let c = inputShape[0], perChannel = dOut.count / max(c, 1), plane = inputShape[1] * inputShape[2]
    let d = dOut.data, dx = dX.data
    // Windows do not overlap, but parallelise by channel anyway so writes stay in one plane.
    parallelChunks(c) { channels in
        for ch in channels {
            for o in (ch * perChannel)..<((ch + 1) * perChannel) {
                let i = Int(argmax[o])
                precondition(i / plane == ch)
                dx[i] += d[o]
            }
        }
    }
    return dX
}

/// AdaptiveAvgPool2d((outH,outW)) of x (C,H,W) with PyTorch's bins:
/// bin i covers [⌊i·In/Out⌋, ⌈(i+1)·In/Out⌉), so bins overlap or repeat when In < Out.
public func adaptiveAvgPool2d(_ x: Tensor, outHeight: Int, outWidth: Int) -> Tensor {
    precondition(x.rank == 3, "adaptiveAvgPool2d needs (C,H,W), got \(x.shape)")
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    let out = Tensor(shape: [c, outHeight, outWidth])
    func bin(_ i: Int, _ n: Int, _ outN: Int) -> Range<Int> {
        (i * n / outN)..<(((i + 1) * n + outN - 1) / outN)
    }
    let src = x.data, dst = out.data
    parallelChunks(c) { channels in
        for ch in channels {
            let plane = src + ch * h * w
            for oy in 0..<outHeight {
                let ys = bin(oy, h, outHeight)
                for ox in 0..<outWidth {
                    let xs = bin(ox, w, outWidth)
                    var s: Float = 0
                    for y in ys { for xx in xs { s += plane[y * w + xx] } }
                    dst[(ch * outHeight + oy) * outWidth + ox] = s / Float(ys.count * xs.count)
                }
            }
        }
    }
    return out
}
