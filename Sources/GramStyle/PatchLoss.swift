import StyleCore

/// The patch (MRF) style term of one layer (Li & Wand 2016, "Combining Markov Random Fields and CNNs"):
/// E = Σᵢ ‖pᵢ − s_NN(i)‖² / (Nₚ·D·m) over the Nₚ 3×3 patches pᵢ (D = 9·C values) of the image's feature map,
/// where s_NN(i) is the style patch with the highest normalised cross-correlation ⟨sⱼ/‖sⱼ‖, pᵢ⟩ and
/// m = the mean square of the style patches (`LossScale.normalized`) or 1 (`.tutorial`).
///
/// The matching is a convolution of the image's features with the normalised style patches as filters
/// (`conv2d`: GEMM over im2col tiles), run on bands of rows so the scores (Nₛ × band positions) stay
/// under `scoreBudget` floats at any size. Matches are fixed within one evaluation: the gradient is
/// 2·(pᵢ − s_NN(i))/(Nₚ·D·m) added back over each patch's window (the loss is piecewise quadratic).
struct PatchLoss {
    let layer: String
    /// (Nₛ, C, 3, 3): each style patch divided by its norm (an all-zero patch stays zero).
    let filters: Tensor
    /// ‖sⱼ‖ of each style patch: sⱼ = filters[j]·norms[j].
    let norms: [Float]
    let normalizer: Float
    /// Floats of match scores alive at once (64 MB; at least one row of positions).
    var scoreBudget = 16 << 20

    /// Patches of every style feature map (C,Hs,Ws) at positions 0, stride, 2·stride, … in each direction.
    /// - Throws: `StyleError.invalidArgument` when a style's feature map is smaller than 3×3.
    init(layer: String, styleFeatures: [Tensor], stride: Int, scale: LossScale) throws {
        precondition(stride >= 1 && !styleFeatures.isEmpty, "patch loss: stride \(stride), \(styleFeatures.count) styles")
        let c = styleFeatures[0].shape[0], d = c * 9
        var positions: [(Int, Int, Int)] = []  // (style, y, x)
        for (k, f) in styleFeatures.enumerated() {
            guard f.shape[1] >= 3, f.shape[2] >= 3 else {
                throw StyleError.invalidArgument(
                    "the style image is too small for patches of \(layer): its features there are \(f.shape[2])×\(f.shape[1]), 3×3 needed; use a larger style image or style scale")
            }
            for y in Swift.stride(from: 0, through: f.shape[1] - 3, by: stride) {
                for x in Swift.stride(from: 0, through: f.shape[2] - 3, by: stride) { positions.append((k, y, x)) }
            }
        }
        let filters = Tensor(shape: [positions.count, c, 3, 3])
        var norms = [Float](repeating: 0, count: positions.count)
        var sumSquares = 0.0
        for (j, (k, y, x)) in positions.enumerated() {
            let f = styleFeatures[k], h = f.shape[1], w = f.shape[2], out = filters.data + j * d
            var s = 0.0
            for ch in 0..<c {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        let v = f.data[(ch * h + y + ky) * w + x + kx]
                        out[ch * 9 + ky * 3 + kx] = v
                        s += Double(v) * Double(v)
                    }
                }
            }
            sumSquares += s
            norms[j] = Float(s.squareRoot())
            if s > 0 { let k = Float(1 / s.squareRoot()); for i in 0..<d { out[i] *= k } }
        }
        let meanSquare = sumSquares / Double(positions.count * d)
        self.layer = layer
        self.filters = filters
        self.norms = norms
        normalizer = scale == .normalized && meanSquare > 0 ? Float(meanSquare) : 1
    }

    /// For each 3×3 patch of f (C,H,W), row-major over its (H−2)×(W−2) positions, the index of the style
    /// patch with the highest normalised cross-correlation (the first on ties).
    func matches(_ f: Tensor) -> [Int32] {
        let c = f.shape[0], h = f.shape[1], w = f.shape[2], oh = h - 2, ow = w - 2, ns = norms.count
        var result = [Int32](repeating: 0, count: oh * ow)
        let rows = max(1, min(oh, scoreBudget / max(1, ns * ow)))
        var y0 = 0
        while y0 < oh {
            let y1 = min(oh, y0 + rows)
            // Rows y0 ..< y1+2 of f: (C, y1−y0+2, W) → scores (Nₛ, y1−y0, W−2).
            let band = Tensor(shape: [c, y1 - y0 + 2, w])
            for ch in 0..<c { (band.data + ch * band.shape[1] * w).update(from: f.data + (ch * h + y0) * w, count: band.shape[1] * w) }
            let scores = conv2d(band, weight: filters, bias: nil)
            let n = (y1 - y0) * ow, s = scores.data
            result.withUnsafeMutableBufferPointer { out in
                let out = out.baseAddress! + y0 * ow
                parallelChunks(n, minChunk: 64) { range in
                    var best = [Float](repeating: -.infinity, count: range.count)
                    var index = [Int32](repeating: 0, count: range.count)
                    for j in 0..<ns {
                        let row = s + j * n + range.lowerBound
                        for p in 0..<range.count where row[p] > best[p] { best[p] = row[p]; index[p] = Int32(j) }
                    }
                    for p in 0..<range.count { out[range.lowerBound + p] = index[p] }
                }
            }
            y0 = y1
        }
        return result
    }

    /// E for f (C,H,W); adds scale·∂E/∂f to `gradient` (shape of f) if given, the matches held fixed.
    func evaluate(_ f: Tensor, gradient: Tensor?, scale: Float) -> Double {
        let c = f.shape[0], h = f.shape[1], w = f.shape[2]
        precondition(c * 9 == filters.count / max(1, norms.count) && h >= 3 && w >= 3,
                     "patch loss \(layer): features \(f.shape) for patches \(filters.shape)")
        let match = matches(f)
        let oh = h - 2, ow = w - 2, count = Double(oh * ow * c * 9) * Double(normalizer)
        let k = Float(2 * Double(scale) / count)
        var partial = [Double](repeating: 0, count: c)
        let x = f.data, g = gradient?.data
        // One channel per task: patches overlap in space, so only channels are race-free for the gradient.
        partial.withUnsafeMutableBufferPointer { partial in
            let partial = partial.baseAddress!
            match.withUnsafeBufferPointer { match in
                parallelChunks(c) { channels in
                    for ch in channels {
                        var s = 0.0
                        let plane = x + ch * h * w, gp = g.map { $0 + ch * h * w }
                        for y in 0..<oh {
                            for xx in 0..<ow {
                                let m = Int(match[y * ow + xx]), norm = norms[m]
                                let patch = filters.data + m * c * 9 + ch * 9
                                for ky in 0..<3 {
                                    for kx in 0..<3 {
                                        let i = (y + ky) * w + xx + kx
                                        let d = plane[i] - patch[ky * 3 + kx] * norm
                                        s += Double(d * d)
                                        gp?[i] += k * d
                                    }
                                }
                            }
                        }
                        partial[ch] = s
                    }
                }
            }
        }
        return partial.reduce(0, +) / count
    }
}
