import StyleCore

/// How far a feature map or Gram matrix `a` is from its target `b` (both flattened, n elements).
public enum DistanceMetric: String, Sendable, CaseIterable {
    /// mean((a − b)²), the usual Gatys loss (up to a constant factor).
    case mse
    /// mean(|a − b|); the gradient takes sign(0) = 0, as PyTorch.
    case l1
    /// 1 − ⟨a,b⟩ / max(‖a‖·‖b‖, 1e-12): scale-invariant, compares directions only.
    case cosine
    /// ‖a − b‖₂ (Frobenius norm of the difference); gradient 0 where a = b.
    case frobenius

    /// D(a, b); if `gradient` is given, adds scale·∂D/∂a to it. Sums are accumulated in Double.
    func evaluate(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int,
                  gradient: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        guard n > 0 else { return 0 }
        switch self {
        case .mse:
            var s = 0.0
            for i in 0..<n { let d = Double(a[i] - b[i]); s += d * d }
            if let g = gradient {
                let k = 2 * scale / Float(n)
                for i in 0..<n { g[i] += k * (a[i] - b[i]) }
            }
            return s / Double(n)
        case .l1:
            var s = 0.0
            for i in 0..<n { s += Double(abs(a[i] - b[i])) }
            if let g = gradient {
                let k = scale / Float(n)
                for i in 0..<n {
                    let d = a[i] - b[i]
                    if d > 0 { g[i] += k } else if d < 0 { g[i] -= k }
                }
            }
            return s / Double(n)
        case .cosine:
            var ab = 0.0, aa = 0.0, bb = 0.0
            for i in 0..<n {
                let x = Double(a[i]), y = Double(b[i])
                ab += x * y; aa += x * x; bb += y * y
            }
            let na = aa.squareRoot(), nb = bb.squareRoot(), denominator = max(na * nb, 1e-12)
            if let g = gradient {
                // ∂/∂a [−⟨a,b⟩/(‖a‖‖b‖)] = −b/(‖a‖‖b‖) + ⟨a,b⟩·a/(‖a‖³‖b‖)
                let kb = Float(-Double(scale) / denominator)
                let ka = aa > 0 && na * nb > 1e-12 ? Float(Double(scale) * ab / (aa * denominator)) : 0
                for i in 0..<n { g[i] += kb * b[i] + ka * a[i] }
            }
            return 1 - ab / denominator
        case .frobenius:
            var s = 0.0
            for i in 0..<n { let d = Double(a[i] - b[i]); s += d * d }
            let norm = s.squareRoot()
            if let g = gradient, norm > 0 {
                let k = Float(Double(scale) / norm)
                for i in 0..<n { g[i] += k * (a[i] - b[i]) }
            }
            return norm
        }
    }
}
