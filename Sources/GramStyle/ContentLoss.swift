import StyleCore

/// Content term of one layer: D(F, P) between the image's features F and the content image's P (same shape).
struct ContentLoss {
    let layer: String
    let target: Tensor
    let metric: DistanceMetric

    /// D(F, P); adds scale·∂D/∂F to `gradient` (shape of F) if given.
    func evaluate(_ features: Tensor, gradient: Tensor?, scale: Float) -> Double {
        precondition(features.shape == target.shape, "content \(layer): features \(features.shape) vs target \(target.shape)")
        return metric.evaluate(features.data, target.data, count: features.count, gradient: gradient?.data, scale: scale)
    }
}
