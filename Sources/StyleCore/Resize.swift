/// out (C,2H,2W) = nearest-neighbour ×2 upsampling of x (C,H,W).
public func upsampleNearest2x(_ x: Tensor) -> Tensor {
    precondition(x.rank == 3, "upsampleNearest2x needs (C,H,W), got \(x.shape)")
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    let out = Tensor(shape: [c, 2 * h, 2 * w])
    let src = x.data, dst = out.data
    parallelChunks(c * h) { rows in
        for r in rows {
            let s = src + r * w, d0 = dst + 2 * r * 2 * w, d1 = d0 + 2 * w
            for i in 0..<w { d0[2 * i] = s[i]; d0[2 * i + 1] = s[i] }
            d1.update(from: d0, count: 2 * w)
        }
    }
    return out
}

/// dX (C,H,W) = sum of each 2×2 block of dOut (C,2H,2W): the backward pass of `upsampleNearest2x`.
public func upsampleNearest2xBackward(_ dOut: Tensor) -> Tensor {
    let c = dOut.shape[0], h = dOut.shape[1] / 2, w = dOut.shape[2] / 2
    let dX = Tensor(shape: [c, h, w])
    let d = dOut.data, dx = dX.data
    parallelChunks(c * h) { rows in
        for r in rows {
            let d0 = d + 2 * r * 2 * w, d1 = d0 + 2 * w
            for i in 0..<w { dx[r * w + i] = d0[2 * i] + d0[2 * i + 1] + d1[2 * i] + d1[2 * i + 1] }
        }
    }
    return dX
}

/// Taps of PyTorch's bilinear interpolation (align_corners=False, output size given):
/// src = (dst + ½)·in/out − ½, clamped at 0; neighbours i0 and min(i0+1, in−1).
func bilinearTaps(in n: Int, out m: Int) -> [(Int, Int, Float)] {
    let scale = Float(n) / Float(m)
    return (0..<m).map { d in
        let src = max(0, (Float(d) + 0.5) * scale - 0.5)
        let i0 = min(Int(src), n - 1)
        let i1 = min(i0 + 1, n - 1)
        return (i0, i1, src - Float(i0))
    }
}

/// out (C,outH,outW) = F.interpolate(x (C,H,W), size, mode="bilinear", align_corners=False).
public func resizeBilinear(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
    precondition(x.rank == 3 && oh > 0 && ow > 0, "resizeBilinear: bad shapes \(x.shape) → \(oh)×\(ow)")
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    let ty = bilinearTaps(in: h, out: oh), tx = bilinearTaps(in: w, out: ow)
    let out = Tensor(shape: [c, oh, ow])
    let src = x.data, dst = out.data
    parallelChunks(c) { channels in
        for ch in channels {
            let p = src + ch * h * w
            for oy in 0..<oh {
                let (y0, y1, ly) = ty[oy]
                for ox in 0..<ow {
                    let (x0, x1, lx) = tx[ox]
                    // Same association as PyTorch's CPU kernel, so results agree to the last bit or two.
                    let top = (1 - lx) * p[y0 * w + x0] + lx * p[y0 * w + x1]
                    let bottom = (1 - lx) * p[y1 * w + x0] + lx * p[y1 * w + x1]
                    dst[(ch * oh + oy) * ow + ox] = (1 - ly) * top + ly * bottom
                }
            }
        }
    }
    return out
}

/// Antialiased resize of an image (C,H,W) for `--size`: separable triangle filter whose support
/// widens with the downscale factor (as PIL's and torchvision's antialiased bilinear), so
/// shrinking a photo does not alias. Upscaling reduces to plain bilinear.
public func resizeAntialiased(_ x: Tensor, height oh: Int, width ow: Int) -> Tensor {
    precondition(x.rank == 3 && oh > 0 && ow > 0, "resizeAntialiased: bad shapes \(x.shape) → \(oh)×\(ow)")
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    let wy = triangleWeights(in: h, out: oh), wx = triangleWeights(in: w, out: ow)
    // Horizontal pass: (C,H,W) → (C,H,OW); vertical pass: → (C,OH,OW).
    let mid = Tensor(shape: [c, h, ow])
    let src = x.data, m = mid.data
    parallelChunks(c * h) { rows in
        for r in rows {
            for ox in 0..<ow {
                var s: Float = 0
                for (i, wt) in wx[ox] { s += wt * src[r * w + i] }
                m[r * ow + ox] = s
            }
        }
    }
    let out = Tensor(shape: [c, oh, ow])
    let dst = out.data
    parallelChunks(c * oh) { rows in
        for r in rows {
            let ch = r / oh, oy = r % oh
            let o = dst + r * ow
            for (i, wt) in wy[oy] {
                let line = m + (ch * h + i) * ow
                for ox in 0..<ow { o[ox] += wt * line[ox] }
            }
        }
    }
    return out
}

/// Normalised triangle-filter taps for each output index.
func triangleWeights(in n: Int, out m: Int) -> [[(Int, Float)]] {
    let scale = Double(n) / Double(m)
    let support = max(1.0, scale)
    return (0..<m).map { d in
        let center = (Double(d) + 0.5) * scale
        let lo = max(0, Int((center - support).rounded(.down)))
        let hi = min(n, Int((center + support).rounded(.up)))
        var taps: [(Int, Float)] = []
        var total = 0.0
        for i in lo..<hi {
            let t = 1 - abs((Double(i) + 0.5 - center) / support)
            if t > 0 { taps.append((i, Float(t))); total += t }
        }
        if taps.isEmpty { return [(min(n - 1, Int(center)), 1)] }
        return taps.map { ($0.0, Float(Double($0.1) / total)) }
    }
}
