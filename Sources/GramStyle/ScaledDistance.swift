import StyleCore

/// D(X, T) / m against a fixed target T: the metric with the loss scale's normalizer m
/// (`metric.magnitude(of: T)` for `LossScale.normalized`, 1 for `.tutorial`). The content and style terms share it.
struct ScaledDistance {
    let target: Tensor
    let metric: DistanceMetric
    let normalizer: Float

    init(target: Tensor, metric: DistanceMetric, scale: LossScale) {
        self.target = target
        self.metric = metric
        normalizer = scale.normalizer(metric, target)
    }

    /// D(x, T) / m for x of T's shape; adds scale·∂(D/m)/∂x to `gradient` if given.
    func evaluate(_ x: Tensor, gradient: UnsafeMutablePointer<Float>?, scale: Float) -> Double {
        metric.evaluate(x.data, target.data, count: x.count, gradient: gradient, scale: scale / normalizer) / Double(normalizer)
    }
}
