import Foundation
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
    /// KL(B‖A) = Σ pᵢ·log(pᵢ/qᵢ) with p = b⁺/Σb⁺ + ε, q = a⁺/Σa⁺ + ε, x⁺ = max(x, 0), ε = 10⁻⁶/n: the target's
    /// and the image's matrices as distributions over their entries. Meant for Gram matrices of ReLU
    /// features, which are non-negative; ε keeps log q finite where the image has no mass. Scale-free.
    case kl

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
        case .kl:
            return klDivergence(a, b, count: n, gradient: gradient, scale: scale)
        }
    }
}

/// KL(B‖A) of `DistanceMetric.kl`; adds scale·∂/∂a to `gradient` if given:
/// ∂D/∂aⱼ = [aⱼ ≥ 0]·(c − pⱼ/qⱼ)/Σa⁺ with c = Σᵢ pᵢ·(1 − ε/qᵢ) (q depends on a through its sum too).
private func klDivergence(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int,
                          gradient: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
    let epsilon = 1e-6 / Double(n)
    var sa = 0.0, sb = 0.0
    for i in 0..<n { sa += Double(max(a[i], 0)); sb += Double(max(b[i], 0)) }
    if sa == 0 { sa = 1 }
    if sb == 0 { sb = 1 }
    var value = 0.0, c = 0.0
    for i in 0..<n {
        let p = Double(max(b[i], 0)) / sb + epsilon, q = Double(max(a[i], 0)) / sa + epsilon
        value += p * (log(p) - log(q))
        c += p * (1 - epsilon / q)
    }
    if let g = gradient {
        let k = Double(scale) / sa
        for i in 0..<n where a[i] >= 0 {
            let p = Double(max(b[i], 0)) / sb + epsilon, q = Double(a[i]) / sa + epsilon
            g[i] += Float(k * (c - p / q))
        }
    }
    return value
}
