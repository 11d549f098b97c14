import StyleCore

/// Style term of one layer: D(G(F), A) between the Gram matrix of the image's features and the
/// target A (C,C), a style image's Gram matrix or a weighted sum of several; every Gram is normalised
/// by C·H·W of its own feature map, so content and styles may differ in size.
struct StyleLoss {
    let layer: String
    let target: Tensor
    let metric: DistanceMetric

    init(layer: String, target: Tensor, metric: DistanceMetric) {
        self.layer = layer
        self.target = target
        self.metric = metric
    }

    /// D(G(F), A); adds scale·∂D/∂F to `gradient` (shape of F) if given.
    func evaluate(_ features: Tensor, gradient: Tensor?, scale: Float) -> Double {
        let gram = gramForward(features)
        precondition(gram.shape == target.shape, "style \(layer): Gram \(gram.shape) vs target \(target.shape)")
        guard let gradient else { return metric.evaluate(gram.data, target.data, count: gram.count, gradient: nil, scale: 0) }
        let dGram = Tensor(shape: gram.shape)
        let value = metric.evaluate(gram.data, target.data, count: gram.count, gradient: dGram.data, scale: scale)
        gramBackward(dGram, features: features, into: gradient)
        return value
    }
}
