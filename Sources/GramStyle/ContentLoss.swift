import StyleCore

/// Content term of one layer: D(F, P) / m between the image's features F and the content image's P (same
/// shape), m = `metric.magnitude(of: P)` for `LossScale.normalized`, 1 for `.tutorial`.
struct ContentLoss {
    let layer: String
    let target: Tensor
    let metric: DistanceMetric
    let normalizer: Float

    init(layer: String, target: Tensor, metric: DistanceMetric, scale: LossScale = .tutorial) {
        self.layer = layer
        self.target = target
        self.metric = metric
        normalizer = scale.normalizer(metric, target)
    }

    /// D(F, P) / m; adds scale·∂(D/m)/∂F to `gradient` (shape of F) if given.
    func evaluate(_ features: Tensor, gradient: Tensor?, scale: Float) -> Double {
        precondition(features.shape == target.shape, "content \(layer): features \(features.shape) vs target \(target.shape)")
        return metric.evaluate(features.data, target.data, count: features.count, gradient: gradient?.data,
                               scale: scale / normalizer) / Double(normalizer)
    }
}
