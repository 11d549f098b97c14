import StyleCore

/// Content term of one layer: D(F, P) / m between the image's features F and the content image's P (same shape).
struct ContentLoss {
    let layer: String
    let distance: ScaledDistance
    var target: Tensor { distance.target }

    init(layer: String, target: Tensor, metric: DistanceMetric, scale: LossScale = .tutorial) {
        self.layer = layer
        distance = ScaledDistance(target: target, metric: metric, scale: scale)
    }

    /// D(F, P) / m; adds scale·∂(D/m)/∂F to `gradient` (shape of F) if given.
    func evaluate(_ features: Tensor, gradient: Tensor?, scale: Float) -> Double {
        precondition(features.shape == target.shape, "content \(layer): features \(features.shape) vs target \(target.shape)")
        return distance.evaluate(features, gradient: gradient?.data, scale: scale)
    }
}
