import StyleCore

/// The weighted terms of one evaluation of the Gram objective.
public struct LossTerms: Sendable, Equatable {
    /// α·Σ_l D(F_l, P_l) over the content layers.
    public var content: Double
    /// β·Σ_l w_l·D(G_l, A_l) over the style layers.
    public var style: Double
    /// τ·TV(image).
    public var totalVariation: Double
    /// content + style + totalVariation: what the optimiser minimises.
    public var total: Double

    public init(content: Double = 0, style: Double = 0, totalVariation: Double = 0) {
        self.content = content; self.style = style; self.totalVariation = totalVariation
        total = content + style + totalVariation
    }

    /// Only a total (for optimiser tests on plain functions).
    public init(total: Double) { content = 0; style = 0; totalVariation = 0; self.total = total }
}

/// Gatys et al.'s loss for one content and one style image:
/// α·Σ content_l + β·Σ w_l·style_l + τ·TV, with its gradient w.r.t. the image by backpropagation
/// through the frozen network (hand-written backward, no autograd).
public struct GramObjective {
    public let network: FeatureNetwork
    public let contentWeight: Float, styleWeight: Float, totalVariationWeight: Float
    /// Shape (3,H,W) of the content image; images evaluated must have it.
    public let imageShape: [Int]
    let contentLosses: [ContentLoss]
    let styleLosses: [(loss: StyleLoss, weight: Float)]
    /// Every layer a loss reads: the forward pass stops at the deepest.
    let layers: Set<String>

    /// Computes the content features and style Gram matrices (targets) once.
    /// - Throws: `StyleError.invalidArgument` for an unknown layer, a non-RGB image or one too small for the network.
    public init(network: FeatureNetwork, content: Tensor, style: Tensor, options: GramOptions) throws {
        try self.init(network: network, content: content, styles: [style], weights: [1], options: options)
    }

    /// Several style images: each style layer's target is the blend Σᵢ wᵢ·Gram(Sᵢ) of the styles'
    /// Gram matrices (`weights` one per style, summing to 1), so the image is pulled towards
    /// one mixed texture statistic rather than towards each style in turn.
    /// - Throws: `StyleError.invalidArgument` for an unknown layer, a non-RGB image or one too small for the network.
    public init(network: FeatureNetwork, content: Tensor, styles: [Tensor], weights blend: [Float], options: GramOptions) throws {
        self.network = network
        contentWeight = options.contentWeight
        styleWeight = options.styleWeight ?? network.suggestedStyleWeight
        totalVariationWeight = options.totalVariationWeight
        imageShape = content.shape
        precondition(blend.count == styles.count, "one blend weight per style")
        let contentLayers = options.contentLayers ?? network.defaultContentLayers
        let styleLayers = options.styleLayers ?? network.defaultStyleLayers.map { GramOptions.StyleLayer($0.name, weight: $0.weight) }
        let contentFeatures = try network.features(of: content, layers: Set(contentLayers))
        var targets: [String: Tensor] = [:]
        for (style, weight) in zip(styles, blend) where weight > 0 {
            let features = try network.features(of: style, layers: Set(styleLayers.map(\.name)))
            for (layer, f) in features {
                let gram = gramForward(f), sum = targets[layer] ?? Tensor(shape: gram.shape)
                addScaledInPlace(sum, gram, scale: weight)
                targets[layer] = sum
            }
        }
        contentLosses = contentLayers.map { ContentLoss(layer: $0, target: contentFeatures[$0]!, metric: options.contentMetric) }
        styleLosses = styleLayers.map { (StyleLoss(layer: $0.name, target: targets[$0.name]!, metric: options.styleMetric), $0.weight) }
        layers = Set(contentLayers).union(styleLayers.map(\.name))
    }

    /// The loss at `image` (3,H,W); if `gradient` (same shape) is given, it receives d(total)/d(image).
    public func evaluate(_ image: Tensor, gradient: Tensor? = nil) throws -> LossTerms {
        guard image.shape == imageShape else {
            throw StyleError.invalidArgument("image \(image.shape) differs from the content image \(imageShape)")
        }
        if let gradient { precondition(gradient.shape == image.shape, "gradient \(gradient.shape) for image \(image.shape)") }
        var content = 0.0, style = 0.0
        try network.evaluate(image, layers: layers, imageGradient: gradient) { layer, f, g in
            for loss in contentLosses where loss.layer == layer {
                content += loss.evaluate(f, gradient: g, scale: contentWeight)
            }
            for (loss, weight) in styleLosses where loss.layer == layer {
                style += Double(weight) * loss.evaluate(f, gradient: g, scale: styleWeight * weight)
            }
        }
        let tv = totalVariationWeight == 0 ? 0
            : totalVariation(image, gradient: gradient, scale: totalVariationWeight)
        return LossTerms(content: Double(contentWeight) * content, style: Double(styleWeight) * style,
                         totalVariation: Double(totalVariationWeight) * tv)
    }
}
