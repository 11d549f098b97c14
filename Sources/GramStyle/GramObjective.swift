import StyleCore

/// The weighted terms of one evaluation of the Gram objective.
public struct LossTerms: Sendable, Equatable {
    /// α·Σ_l D(F_l, P_l) over the content layers.
    public var content: Double
    /// β·Σ_l w_l·D(G_l, A_l) over the style layers, plus β_mrf·Σ_l E_l of the patch layers.
    public var style: Double
    /// τ·TV(image).
    public var totalVariation: Double
    /// ρ·(out-of-range penalty of the image), `rangePenalty`.
    public var range: Double
    /// content + style + totalVariation + range: what the optimiser minimises.
    public var total: Double

    public init(content: Double = 0, style: Double = 0, totalVariation: Double = 0, range: Double = 0) {
        self.content = content; self.style = style; self.totalVariation = totalVariation; self.range = range
        total = content + style + totalVariation + range
    }

    /// Only a total (for optimiser tests on plain functions).
    public init(total: Double) { content = 0; style = 0; totalVariation = 0; range = 0; self.total = total }
}

/// Gatys et al.'s loss for one content and one style image:
/// α·Σ content_l + β·Σ w_l·style_l (+ β_mrf·Σ patch_l, Li & Wand's term, with `GramOptions.styleLoss`
/// `.mrf` or `.both`) + τ·TV + ρ·(out-of-range penalty), each layer's term scaled as `GramOptions.lossScale` says, with its gradient
/// w.r.t. the image by backpropagation through the frozen network (hand-written backward, no autograd).
public struct GramObjective {
    public let network: FeatureNetwork
    public let contentWeight: Float, styleWeight: Float, totalVariationWeight: Float
    /// ρ, weight of `rangePenalty` (0 = off).
    public let rangeWeight: Float
    /// β_mrf, weight of the patch term (0 unless `styleLoss` is `.mrf` or `.both`).
    public let patchWeight: Float
    /// Shape (3,H,W) of the content image; images evaluated must have it.
    public let imageShape: [Int]
    let contentLosses: [ContentLoss]
    let styleLosses: [(loss: StyleLoss, weight: Float)]
    let patchLosses: [PatchLoss]
    /// Every layer a loss reads but the `gramLayers`: the forward pass stops at the deepest.
    let layers: Set<String>
    /// Style layers no other term reads: the network hands over their Gram matrices only.
    let gramLayers: Set<String>
    /// Scratch memory of the network's evaluations, reused by every `evaluate` of this objective.
    let buffers = EvaluationBuffers()

    /// Computes the content features and style Gram matrices (targets) once.
    /// - Throws: `StyleError.invalidArgument` for an unknown layer, a non-RGB image or one too small for the network.
    public init(network: FeatureNetwork, content: Tensor, style: Tensor, options: GramOptions) throws {
        try self.init(network: network, content: content, styles: [style], weights: [1], options: options)
    }

    /// Several style images: each style layer's target is the blend Σᵢ wᵢ·Gram(Sᵢ) of the styles'
    /// Gram matrices (`weights` one per style, summing to 1), so the image is pulled towards
    /// one mixed texture statistic rather than towards each style in turn. The patch term matches
    /// against the patches of every style with a weight above 0.
    /// - Throws: `StyleError.invalidArgument` for an unknown layer, a non-RGB image or one too small for the network.
    public init(network: FeatureNetwork, content: Tensor, styles: [Tensor], weights blend: [Float], options: GramOptions) throws {
        self.network = network
        contentWeight = options.contentWeight
        styleWeight = options.resolvedStyleWeight(for: network)
        totalVariationWeight = options.totalVariationWeight
        rangeWeight = options.rangeWeight
        imageShape = content.shape
        precondition(blend.count == styles.count, "one blend weight per style")
        let contentLayers = options.contentLayers ?? network.defaultContentLayers
        let styleLayers = options.styleLoss == .mrf ? []
            : options.styleLayers ?? network.defaultStyleLayers.map { GramOptions.StyleLayer($0.name, weight: $0.weight) }
        let patchLayers = options.styleLoss == .gram ? [] : options.mrf.layers ?? network.defaultPatchLayers
        patchWeight = patchLayers.isEmpty ? 0 : options.resolvedPatchWeight
        let contentFeatures = try network.features(of: content, layers: Set(contentLayers + patchLayers))
        for layer in patchLayers where contentFeatures[layer]!.shape[1] < 3 || contentFeatures[layer]!.shape[2] < 3 {
            let f = contentFeatures[layer]!
            throw StyleError.invalidArgument(
                "the content image is too small for patches of \(layer): its features there are \(f.shape[2])×\(f.shape[1]), 3×3 needed; use a larger size")
        }
        var targets: [String: Tensor] = [:]
        var styleFeatures: [String: [Tensor]] = [:]
        for (style, weight) in zip(styles, blend) where weight > 0 {
            let features = try network.features(of: style, layers: Set(styleLayers.map(\.name) + patchLayers))
            for layer in patchLayers { styleFeatures[layer, default: []].append(features[layer]!) }
            for layer in styleLayers.map(\.name) {
                let gram = gramForward(features[layer]!), sum = targets[layer] ?? Tensor(shape: gram.shape)
                addScaledInPlace(sum, gram, scale: weight)
                targets[layer] = sum
            }
        }
        let scale = options.lossScale
        contentLosses = contentLayers.map {
            ContentLoss(layer: $0, target: contentFeatures[$0]!, metric: options.contentMetric, scale: scale)
        }
        styleLosses = styleLayers.map {
            (StyleLoss(layer: $0.name, target: targets[$0.name]!, metric: options.styleMetric, scale: scale), $0.weight)
        }
        patchLosses = try patchLayers.map {
            try PatchLoss(layer: $0, styleFeatures: styleFeatures[$0]!, stride: options.mrf.styleStride, scale: scale)
        }
        gramLayers = Set(styleLayers.map(\.name)).subtracting(contentLayers).subtracting(patchLayers)
        layers = Set(contentLayers).union(styleLayers.map(\.name)).union(patchLayers).subtracting(gramLayers)
    }

    /// The loss at `image` (3,H,W); if `gradient` (same shape) is given, it receives d(total)/d(image).
    public func evaluate(_ image: Tensor, gradient: Tensor? = nil) throws -> LossTerms {
        guard image.shape == imageShape else {
            throw StyleError.invalidArgument("image \(image.shape) differs from the content image \(imageShape)")
        }
        if let gradient { precondition(gradient.shape == image.shape, "gradient \(gradient.shape) for image \(image.shape)") }
        var content = 0.0, style = 0.0, patch = 0.0
        try network.evaluate(image, layers: layers, gramLayers: gramLayers, buffers: buffers, imageGradient: gradient, loss: { layer, f, g in
            for loss in contentLosses where loss.layer == layer {
                content += loss.evaluate(f, gradient: g, scale: contentWeight)
            }
            for (loss, weight) in styleLosses where loss.layer == layer {
                style += Double(weight) * loss.evaluate(f, gradient: g, scale: styleWeight * weight)
            }
            for loss in patchLosses where loss.layer == layer {
                patch += loss.evaluate(f, gradient: g, scale: patchWeight)
            }
        }, gramLoss: { layer, gram, dGram in
            for (loss, weight) in styleLosses where loss.layer == layer {
                style += Double(weight) * loss.evaluate(gram: gram, gramGradient: dGram, scale: styleWeight * weight)
            }
        })
        let tv = totalVariationWeight == 0 ? 0
            : totalVariation(image, gradient: gradient, scale: totalVariationWeight)
        let range = rangeWeight == 0 ? 0 : rangePenalty(image, gradient: gradient, scale: rangeWeight)
        return LossTerms(content: Double(contentWeight) * content,
                         style: Double(styleWeight) * style + Double(patchWeight) * patch,
                         totalVariation: Double(totalVariationWeight) * tv, range: Double(rangeWeight) * range)
    }
}
