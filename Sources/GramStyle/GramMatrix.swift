import StyleCore

/// gram forward: F (C,H,W) → G (C,C) = F·Fᵀ / (C·H·W), F seen as (C, H·W): ssyrk per `PixelBlocks`
/// group of pixels (in parallel), the groups' partial sums added in group order. The same F gives the
/// same G on any thread count.
func gramForward(_ f: Tensor) -> Tensor {
    let c = f.shape[0], hw = f.count / c
    let blocks = PixelBlocks(pixels: hw)
    let partials = UnsafeMutablePointer<Float>.allocate(capacity: blocks.groups * c * c)
    defer { partials.deallocate() }
    parallelLanes(blocks.groups, lanes: laneCount(blocks.groups)) { _, g in
        for b in blocks.blockRange(group: g) {
            let pixels = blocks.pixelRange(b)
            syrkUpper(n: c, k: pixels.count, a: f.data + pixels.lowerBound, lda: hw,
                      beta: b == blocks.blockRange(group: g).lowerBound ? 0 : 1, c: partials + g * c * c, ldc: c)
        }
    }
    let gram = Tensor(shape: [c, c])
    sumGramPartials(partials, groups: blocks.groups, channels: c, scale: 1 / Double(f.count), into: gram.data)
    return gram
}

/// G (C,C) = scale·Σ_g partial_g, the sum in group order (Double), from the upper triangles of the
/// `groups` partials (each C×C, contiguous), mirrored to the full symmetric matrix.
func sumGramPartials(_ partials: UnsafePointer<Float>, groups: Int, channels c: Int, scale: Double, into gram: UnsafeMutablePointer<Float>) {
    for i in 0..<c {
        for j in i..<c {
            var s = 0.0
            for g in 0..<groups { s += Double(partials[g * c * c + i * c + j]) }
            let v = Float(s * scale)
            gram[i * c + j] = v
            gram[j * c + i] = v
        }
    }
}

/// S = (dG + dGᵀ)·scale (C,C): what multiplies F in the gradient of a loss of G = F·Fᵀ·scale.
func symmetrisedGramGradient(_ dG: Tensor, scale: Float) -> Tensor {
    let c = dG.shape[0]
    let sym = Tensor(shape: [c, c])
    for i in 0..<c { for j in 0..<c { sym[i * c + j] = (dG[i * c + j] + dG[j * c + i]) * scale } }
    return sym
}

/// gram backward: dG (C,C) → dF (C,H,W) += (dG + dGᵀ)·F / (C·H·W), accumulated into `df`.
func gramBackward(_ dG: Tensor, features f: Tensor, into df: Tensor) {
    let c = f.shape[0], hw = f.count / c
    let sym = symmetrisedGramGradient(dG, scale: 1 / Float(f.count))
    gemm(m: c, n: hw, k: c, a: sym.data, lda: c, b: f.data, ldb: hw, beta: 1, c: df.data, ldc: hw)
}
