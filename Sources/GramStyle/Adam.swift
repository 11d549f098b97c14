#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StyleCore

/// Adam, as PyTorch's `torch.optim.Adam` (single-tensor path, no weight decay, no AMSGrad), operation
/// for operation in float32 so results agree to rounding:
/// m ← m + (1−β1)(g − m) (lerp), v ← β2·v + (1−β2)·g·g, x ← x − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε).
public final class Adam {
    public var learningRate: Float
    public var beta1: Double, beta2: Double
    public var epsilon: Float
    public private(set) var stepCount = 0
    private var m: Tensor?, v: Tensor?

    public init(learningRate: Float = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Float = 1e-8) {
        self.learningRate = learningRate; self.beta1 = beta1; self.beta2 = beta2; self.epsilon = epsilon
    }

    /// One update of x (in place) from its gradient.
    public func step(_ x: Tensor, gradient g: Tensor) {
        precondition(x.shape == g.shape, "adam: gradient \(g.shape) for parameter \(x.shape)")
        if m == nil || m!.count != x.count { m = Tensor(shape: x.shape); v = Tensor(shape: x.shape); stepCount = 0 }
        stepCount += 1
        let weight = Float(1 - beta1), b2 = Float(beta2), oneMinusB2 = Float(1 - beta2)
        let bias1 = 1 - pow(beta1, Double(stepCount)), bias2Sqrt = (1 - pow(beta2, Double(stepCount))).squareRoot()
        let stepSize = Float(Double(learningRate) / bias1), b2s = Float(bias2Sqrt)
        let mp = m!.data, vp = v!.data, gp = g.data, xp = x.data, eps = epsilon
        for i in 0..<x.count {
            mp[i] = mp[i] + weight * (gp[i] - mp[i])
            vp[i] = vp[i] * b2 + oneMinusB2 * gp[i] * gp[i]
            let denom = vp[i].squareRoot() / b2s + eps
            xp[i] = xp[i] + -stepSize * (mp[i] / denom)
        }
    }
}
