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
        let dGram = gradient.map { _ in Tensor(shape: gram.shape) }
        let value = evaluate(gram: gram, gramGradient: dGram, scale: scale)
        if let gradient, let dGram { gramBackward(dGram, features: features, into: gradient) }
        return value
    }

    /// D(G, A) / m for a Gram matrix G (C,C); adds scale·∂(D/m)/∂G to `gramGradient` if given.
    func evaluate(gram: Tensor, gramGradient: Tensor?, scale: Float) -> Double {
        precondition(gram.shape == target.shape, "style \(layer): Gram \(gram.shape) vs target \(target.shape)")
        return distance.evaluate(gram, gradient: gramGradient?.data, scale: gramGradient == nil ? 0 : scale)
    }
}
