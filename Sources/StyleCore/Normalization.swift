import Foundation

/// x (N,D) = LayerNorm(x + residual) over the last dimension, in place (post-norm transformer step).
/// Two-pass mean/variance in float32 per row, biased variance, as PyTorch.
public func addLayerNormInPlace(_ x: Tensor, residual: Tensor?, weight: Tensor, bias: Tensor, eps: Float = 1e-5) {
    precondition(x.rank == 2 && weight.count == x.shape[1] && bias.count == x.shape[1],
                 "layerNorm: x \(x.shape), weight \(weight.shape), bias \(bias.shape)")
    if let residual { precondition(residual.shape == x.shape, "layerNorm residual \(residual.shape) vs \(x.shape)") }
    let n = x.shape[0], d = x.shape[1]
    let p = x.data, r = residual?.data, g = weight.data, b = bias.data
    parallelChunks(n, minChunk: 8) { rows in
        for i in rows {
            let row = p + i * d
            if let r { let rr = r + i * d; for j in 0..<d { row[j] += rr[j] } }
            var mean: Float = 0
            for j in 0..<d { mean += row[j] }
            mean /= Float(d)
            var variance: Float = 0
            for j in 0..<d { let t = row[j] - mean; variance += t * t }
            let inv = 1 / (variance / Float(d) + eps).squareRoot()
            for j in 0..<d { row[j] = (row[j] - mean) * inv * g[j] + b[j] }
        }
    }
}
