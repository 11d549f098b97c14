import StyleCore

/// A frozen image network whose named ReLU outputs the Gram objective compares.
///
/// Images are (3,H,W) RGB in [0,1]; each network applies its own input normalisation.
public protocol FeatureNetwork: AnyObject {
    /// Every layer a loss may read, in forward order.
    var layerNames: [String] { get }
    /// The layers the content term reads unless `GramOptions.contentLayers` says otherwise.
    var defaultContentLayers: [String] { get }
    /// The layers (and weights) the style term reads unless `GramOptions.styleLayers` says otherwise.
    var defaultStyleLayers: [(name: String, weight: Float)] { get }
    /// A style weight β that balances this network's Gram term against its content term for α = 1
    /// with `LossScale.tutorial` (the normalised scale needs none: `GramOptions.normalizedStyleWeight`).
    var suggestedStyleWeight: Float { get }
    /// The layers the patch (MRF) style term matches unless `MRFOptions.layers` says otherwise; by default
    /// the last two style layers.
    var defaultPatchLayers: [String] { get }

    /// Pixels to add around the optimised image (and crop off) so its border sits inside full filter
    /// windows (`GramOptions.margin`); 0 by default.
    var suggestedMargin: Int { get }

    /// Whether an image of height×width is large enough for every layer of `layers` (filter windows,
    /// padding and pooling on the way down); `forward` throws for images that do not fit.
    func fits(height: Int, width: Int, layers: Set<String>) -> Bool

    /// The activations of `layers` for `image`; computes only as deep as the deepest of them.
    /// With a `tape`, records what `BackwardTape.backward` needs to return d(loss)/d(image).
    func forward(_ image: Tensor, layers: Set<String>, tape: BackwardTape?) throws -> [String: Tensor]

    /// Runs the network on `image` and hands each layer of `layers` to `loss(name, activations, gradient)`,
    /// which returns nothing and, when `gradient` (a zeroed tensor of the activations' shape) is given, adds
    /// d(loss)/d(activations) to it; then writes d(Σ losses)/d(image) into `imageGradient` if given.
    /// The default forwards with a tape, calls `loss` in `layerNames` order and backpropagates once;
    /// a network may instead stream (one layer's activations alive at a time), in any layer order.
    func evaluate(_ image: Tensor, layers: Set<String>, imageGradient: Tensor?,
                  loss: (_ layer: String, _ activations: Tensor, _ gradient: Tensor?) throws -> Void) throws

    /// `evaluate(_:layers:imageGradient:loss:)`, and the layers of `gramLayers` (none of `layers`) handed
    /// to `gramLoss(name, G, dG)` as their Gram matrix G = F·Fᵀ / (C·H·W) (C,C) rather than as
    /// activations; when dG (zeroed, (C,C)) is given, `gramLoss` adds d(loss)/dG to it. A network may
    /// then run those layers in pixel blocks, never holding their activations' gradient, with its
    /// scratch memory in `buffers` (reused from call to call). The default runs the layers whole.
    func evaluate(_ image: Tensor, layers: Set<String>, gramLayers: Set<String>, buffers: EvaluationBuffers,
                  imageGradient: Tensor?,
                  loss: (_ layer: String, _ activations: Tensor, _ gradient: Tensor?) throws -> Void,
                  gramLoss: (_ layer: String, _ gram: Tensor, _ gramGradient: Tensor?) throws -> Void) throws
}

extension FeatureNetwork {
    public var suggestedMargin: Int { 0 }
    public var defaultPatchLayers: [String] { defaultStyleLayers.suffix(2).map(\.name) }

    /// The smallest side s such that an s×s image fits `layers`: a smaller side never fits, a larger always does.
    public func minimumSide(layers: Set<String>) -> Int {
        var side = 1
        while !fits(height: side, width: side, layers: layers) { side += 1 }
        return side
    }

    /// The activations of `layers` for `image` (no backward pass).
    public func features(of image: Tensor, layers: Set<String>) throws -> [String: Tensor] {
        try forward(image, layers: layers, tape: nil)
    }

    public func evaluate(_ image: Tensor, layers: Set<String>, imageGradient: Tensor?,
                         loss: (_ layer: String, _ activations: Tensor, _ gradient: Tensor?) throws -> Void) throws {
        let tape = imageGradient == nil ? nil : BackwardTape()
        var features = try forward(image, layers: layers, tape: tape)
        // d(loss)/d(activations) per layer; each feature map is released once its gradient exists.
        var featureGradients: [String: Tensor] = [:]
        for layer in layerNames where layers.contains(layer) {
            let f = features.removeValue(forKey: layer)!
            let g = tape == nil ? nil : Tensor(shape: f.shape)
            try loss(layer, f, g)
            featureGradients[layer] = g
        }
        if let tape, let imageGradient {
            let dImage = tape.backward(gradients: featureGradients, inputShape: image.shape)
            imageGradient.data.update(from: dImage.data, count: imageGradient.count)
        }
    }

    public func evaluate(_ image: Tensor, layers: Set<String>, gramLayers: Set<String>, buffers: EvaluationBuffers,
                         imageGradient: Tensor?,
                         loss: (_ layer: String, _ activations: Tensor, _ gradient: Tensor?) throws -> Void,
                         gramLoss: (_ layer: String, _ gram: Tensor, _ gramGradient: Tensor?) throws -> Void) throws {
        try evaluate(image, layers: layers.union(gramLayers), imageGradient: imageGradient) { layer, f, g in
            try wholeLayerLoss(layer, f, g, gramLayers: gramLayers, loss: loss, gramLoss: gramLoss)
        }
    }

    /// One layer's losses from its whole activations f (and their gradient g): `gramLoss` on its Gram
    /// matrix when `gramLayers` holds it, else `loss`.
    func wholeLayerLoss(_ layer: String, _ f: Tensor, _ g: Tensor?, gramLayers: Set<String>,
                        loss: (_ layer: String, _ activations: Tensor, _ gradient: Tensor?) throws -> Void,
                        gramLoss: (_ layer: String, _ gram: Tensor, _ gramGradient: Tensor?) throws -> Void) throws {
        guard gramLayers.contains(layer) else { try loss(layer, f, g); return }
        let gram = gramForward(f)
        let dG = g.map { _ in Tensor(shape: gram.shape) }
        try gramLoss(layer, gram, dG)
        if let g, let dG { gramBackward(dG, features: f, into: g) }
    }

    /// Throws unless every name in `layers` is one of `layerNames`.
    func checkLayers(_ layers: Set<String>) throws {
        let unknown = layers.subtracting(layerNames)
        guard unknown.isEmpty else {
            throw StyleError.invalidArgument(
                "unknown layer(s) \(unknown.sorted().joined(separator: ", ")); this network has \(layerNames.joined(separator: ", "))")
        }
    }

    /// Throws unless `image` is a (3,H,W) tensor.
    func checkImage(_ image: Tensor) throws {
        guard image.rank == 3, image.shape[0] == 3, image.shape[1] > 0, image.shape[2] > 0 else {
            throw StyleError.invalidArgument("expected an RGB image of shape (3,H,W), got \(image.shape)")
        }
    }
}

/// The network to use when there is no VGG-19 weight file: the random multi-scale single-layer network
/// (`RandomFeatureNetwork`, kernel sizes 3…23, 128 filters each), which carries a style's strokes and
/// palette far better than a random VGG-19 (which mostly shifts colours and adds grain). Deterministic for a seed.
public func defaultRandomNetwork(seed: UInt64 = 0) -> FeatureNetwork {
    try! RandomFeatureNetwork(seed: seed)
}
