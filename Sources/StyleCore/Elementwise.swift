/// x = max(x, 0), in place.
public func reluInPlace(_ x: Tensor) {
    let p = x.data
    // A select, not a branch: the loop vectorises and random signs cost no mispredictions.
    parallelChunks(x.count, minChunk: 1 << 16) { r in for i in r { p[i] = p[i] < 0 ? 0 : p[i] } }
}

/// dX = dY where the ReLU output y > 0, else 0: the ReLU backward pass, in place on dY.
public func reluBackwardInPlace(_ dY: Tensor, output y: Tensor) {
    precondition(dY.count == y.count, "relu backward: \(dY.shape) vs \(y.shape)")
    let d = dY.data, o = y.data
    parallelChunks(dY.count, minChunk: 1 << 16) { r in for i in r { d[i] = o[i] <= 0 ? 0 : d[i] } }
}

/// x += y, in place (residual connections).
public func addInPlace(_ x: Tensor, _ y: Tensor) {
    precondition(x.count == y.count, "add: \(x.shape) vs \(y.shape)")
    let a = x.data, b = y.data
    parallelChunks(x.count, minChunk: 1 << 16) { r in for i in r { a[i] += b[i] } }
}

/// x + y as a new tensor.
public func adding(_ x: Tensor, _ y: Tensor) -> Tensor {
    let z = x.copy()
    addInPlace(z, y)
    return z
}

/// x (C,H,W) → (H·W, C): feature maps to a token sequence.
public func channelsToTokens(_ x: Tensor) -> Tensor {
    precondition(x.rank == 3, "channelsToTokens needs (C,H,W), got \(x.shape)")
    let c = x.shape[0], hw = x.shape[1] * x.shape[2]
    let t = Tensor(shape: [hw, c])
    transpose(x.data, rows: c, cols: hw, into: t.data)
    return t
}

/// tokens (H·W, C) → (C,H,W).
public func tokensToChannels(_ t: Tensor, height: Int, width: Int) -> Tensor {
    precondition(t.rank == 2 && t.shape[0] == height * width, "tokensToChannels: \(t.shape) is not \(height)×\(width) tokens")
    let c = t.shape[1]
    let x = Tensor(shape: [c, height, width])
    transpose(t.data, rows: height * width, cols: c, into: x.data)
    return x
}

/// dst (cols,rows) = src (rows,cols)ᵀ, in 32×32 blocks for cache locality.
func transpose(_ src: UnsafePointer<Float>, rows: Int, cols: Int, into dst: UnsafeMutablePointer<Float>) {
    let b = 32
    parallelChunks((rows + b - 1) / b) { blocks in
        for bi in blocks {
            let r0 = bi * b, r1 = min(rows, r0 + b)
            var c0 = 0
            while c0 < cols {
                let c1 = min(cols, c0 + b)
                for r in r0..<r1 { for c in c0..<c1 { dst[c * rows + r] = src[r * cols + c] } }
                c0 = c1
            }
        }
    }
}

/// x += a·y, in place (weighted sums of features).
public func addScaledInPlace(_ x: Tensor, _ y: Tensor, scale a: Float) {
    precondition(x.count == y.count, "add scaled: \(x.shape) vs \(y.shape)")
    let p = x.data, q = y.data
    parallelChunks(x.count, minChunk: 1 << 16) { r in for i in r { p[i] += a * q[i] } }
}
