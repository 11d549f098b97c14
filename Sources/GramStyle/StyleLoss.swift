import StyleCore

/// Style term of one layer: D(G(F), A) / m between the Gram matrix of the image's features and the
/// target A (C,C), a style image's Gram matrix or a weighted sum of several; every Gram is normalised
/// by C·H·W of its own feature map, so content and styles may differ in size. m = `metric.magnitude(of: A)`
/// for `LossScale.normalized`, 1 for `.tutorial`.
struct StyleLoss {
    let layer: String
    let distance: ScaledDistance
    var target: Tensor { distance.target }

    init(layer: String, target: Tensor, metric: DistanceMetric, scale: LossScale = .tutorial) {
        self.layer = layer
        distance = ScaledDistance(target: target, metric: metric, scale: scale)
    }

    /// D(G(F), A) / m; adds scale·∂(D/m)/∂F to `gradient` (shape of F) if given.
    func evaluate(_ features: Tensor, gradient: Tensor?, scale: Float) -> Double {
        let gram = gramForward(features)
        precondition(gram.shape == target.shape, "style \(layer): Gram \(gram.shape) vs target \(target.shape)")
        guard let gradient else { return distance.evaluate(gram, gradient: nil, scale: 0) }
        let dGram = Tensor(shape: gram.shape)
        let value = distance.evaluate(gram, gradient: dGram.data, scale: scale)
        gramBackward(dGram, features: features, into: gradient)
        return value
    }
}
