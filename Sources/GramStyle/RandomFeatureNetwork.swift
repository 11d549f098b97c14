import Foundation
import StyleCore

/// A single layer of random filters at several sizes (Ustyuzhaninov et al. 2016, "Texture synthesis
/// using shallow convolutional networks with random filters"), applied to an image pyramid: each branch is
/// a k×k conv 3→F (no bias) on the image downsampled 2× (binomial [1,3,3,1]/8) `level` times, then ReLU. The style term
/// compares the Gram matrices of every branch; large receptive fields carry strokes and blobs, small
/// ones grain and edges. A 5×5 filter on the half/quarter image sees 10/20 px of the full image at 1/4
/// and 1/16 of the cost of a 11×11/23×23 filter there (a k×k conv costs F·3·k² per pixel).
///
/// Its content term reads `smooth`: the luminance of the image (at pyramid level `contentLevel`)
/// blurred by a Gaussian of `contentBlurSigma` px of that level. Comparing a smooth, colour-free map
/// keeps the layout and shading of the photo but leaves colour and fine texture to the style, and has
/// no pooling grid of its own, so it leaves no block artefacts. (Content on the random features
/// themselves pins the image: hundreds of random filters per pixel are nearly invertible.)
///
/// Weights are `SeededWeights.generate(name: "k<k>.weight" (level 0) or "k<k>_d<2^level>.weight",
/// shape: [F,3,k,k], seed:)` (He-uniform). Input is ImageNet-normalised RGB, as torchvision's VGG.
public final class RandomFeatureNetwork: FeatureNetwork {
    /// One conv branch: k×k filters on pyramid level `level` (0 = the image, 1 = half size, …).
    public struct Branch: Sendable, Equatable {
        public var kernelSize: Int
        public var level: Int
        public var filters: Int
        public init(_ kernelSize: Int, level: Int = 0, filters: Int = 128) {
            self.kernelSize = kernelSize; self.level = level; self.filters = filters
        }
        /// relu5x5 at level 0, relu5x5_d2 at level 1, relu5x5_d4 at level 2, …
        public var name: String { "relu\(kernelSize)x\(kernelSize)" + (level == 0 ? "" : "_d\(1 << level)") }
        var weightName: String { "k\(kernelSize)" + (level == 0 ? "" : "_d\(1 << level)") + ".weight" }
        /// Receptive field in pixels of the full image.
        public var receptiveField: Int { kernelSize << level }
    }

    /// How the branches treat the image border.
    public enum BorderMode: String, Sendable, CaseIterable {
        /// Reflection padding k/2: every pixel is a window centre, but mirrored windows at the border
        /// have their own statistics, which the optimiser paints in as streaks along the edges.
        case reflect
        /// No padding: only windows inside the image count (output (H−k+1)×(W−k+1)), so no mirrored
        /// or zero-padded content reaches the Gram matrices.
        case valid
    }

    public struct Configuration: Sendable, Equatable {
        /// Default: 3/5/7 px at full size, 5/7 px at half size (10/14 px receptive fields), 5 px at
        /// quarter size (20 px); receptive fields like the original single-resolution 3…23 px network at 1/9 of its conv cost.
        public var branches: [Branch] = [Branch(3, filters: 64), Branch(5, filters: 64), Branch(7, filters: 64),
                                         Branch(5, level: 1), Branch(7, level: 1), Branch(5, level: 2)]
        /// Pyramid level of the content map `smooth`: 2 (quarter size) with σ = 1 ≈ σ = 4 px at full
        /// size, at 1/16 of the pixels and a 7×7 instead of a 25×25 kernel.
        public var contentLevel = 2
        /// σ in pixels (of `contentLevel`) of the Gaussian blur of the content map `smooth`. σ = 4 px at
        /// full size leaves room for strokes; 2 keeps more detail but the strokes blur into a murky texture.
        public var contentBlurSigma: Float = 1
        /// Border handling of the branches (the content map always uses reflection padding).
        public var border: BorderMode = .valid
        /// `suggestedMargin`: pixels of reflected content added around the optimised image and cropped off.
        public var margin = 16
        public init() {}

        /// The original single-resolution network: 128 filters at 3,5,7,11,15,23 px, reflection padding,
        /// content blur σ = 4 at full size (for comparisons).
        public static var singleResolution: Configuration {
            var c = Configuration()
            c.branches = [3, 5, 7, 11, 15, 23].map { Branch($0) }
            c.contentLevel = 0; c.contentBlurSigma = 4; c.border = .reflect; c.margin = 0
            return c
        }
    }

    public let configuration: Configuration
    public let seed: UInt64
    /// "smooth", then one per branch in configuration order ("relu3x3", …, "relu5x5_d4").
    public let layerNames: [String]
    public let defaultContentLayers = ["smooth"]
    public var defaultStyleLayers: [(name: String, weight: Float)] { branchNames.map { ($0, 1) } }
    /// β = 1e5: bold stroke colours and marks with a legible layout (1e4: paler, murkier).
    public let suggestedStyleWeight: Float = 1e5
    public var suggestedMargin: Int { configuration.margin }

    let branchNames: [String]
    let branchWeights: [Tensor]
    /// (1,3,K,K): luminance (Rec. 601) × Gaussian, on the normalised input.
    let smoothWeight: Tensor

    public init(seed: UInt64, configuration: Configuration = Configuration()) throws {
        let branches = configuration.branches
        guard !branches.isEmpty, branches.allSatisfy({ $0.kernelSize > 0 && $0.kernelSize % 2 == 1 && $0.filters > 0 && (0...8).contains($0.level) }),
              (0...8).contains(configuration.contentLevel), configuration.contentBlurSigma > 0 else {
            throw StyleError.invalidArgument("random network: kernel sizes must be odd and positive, filters and σ positive, levels 0…8")
        }
        guard Set(branches.map(\.name)).count == branches.count else {
            throw StyleError.invalidArgument("random network: two branches with the same kernel size and level")
        }
        self.configuration = configuration
        self.seed = seed
        branchNames = branches.map(\.name)
        layerNames = ["smooth"] + branchNames
        branchWeights = branches.map {
            SeededWeights.generate(name: $0.weightName, shape: [$0.filters, 3, $0.kernelSize, $0.kernelSize], seed: seed)
        }
        smoothWeight = Self.luminanceGaussian(sigma: configuration.contentBlurSigma)
    }

    /// (1,3,K,K) with K = 2⌈3σ⌉+1: Rec. 601 luminance weights × the normalised 2-D Gaussian. The input is
    /// ImageNet-normalised, so each channel's weight is divided back by its 1/std to act on RGB [0,1].
    static func luminanceGaussian(sigma: Float) -> Tensor {
        let r = Int((3 * sigma).rounded(.up)), k = 2 * r + 1
        var g = [Float](repeating: 0, count: k)
        for i in 0..<k {
            let d = Double(i - r)
            g[i] = Float(exp(-d * d / (2 * Double(sigma) * Double(sigma))))
        }
        let total = g.reduce(0, +)
        g = g.map { $0 / total }
        let luma: [Float] = [0.299, 0.587, 0.114]
        let w = Tensor(shape: [1, 3, k, k])
        for c in 0..<3 {
            let channelWeight = luma[c] * VGG19.imagenetStd[c]
            for y in 0..<k { for x in 0..<k { w[(c * k + y) * k + x] = channelWeight * g[y] * g[x] } }
        }
        return w
    }

    /// One requested output: its name, pyramid level, weight, padding and whether a ReLU follows.
    struct Layer {
        let name: String, level: Int, weight: Tensor, padding: Padding, relu: Bool
    }

    /// The layers of `layers` in `layerNames` order.
    func plan(_ layers: Set<String>) -> [Layer] {
        layerNames.filter(layers.contains).map { name in
            if name == "smooth" {
                return Layer(name: name, level: configuration.contentLevel, weight: smoothWeight,
                             padding: .reflect(smoothWeight.shape[2] / 2), relu: false)
            }
            let i = branchNames.firstIndex(of: name)!, b = configuration.branches[i]
            return Layer(name: name, level: b.level, weight: branchWeights[i],
                         padding: configuration.border == .reflect ? .reflect(b.kernelSize / 2) : .zero(0), relu: true)
        }
    }

    public func fits(height: Int, width: Int, layers: Set<String>) -> Bool {
        fits(height: height, width: width, plan: plan(layers.intersection(layerNames)))
    }

    /// Every layer's filter window fits its pyramid level (each level ⌈half⌉ the one above).
    func fits(height: Int, width: Int, plan: [Layer]) -> Bool {
        guard let deepest = plan.map(\.level).max() else { return height > 0 && width > 0 }
        var h = height, w = width
        for level in 0...deepest {
            for layer in plan where layer.level == level {
                let fits = layer.padding.size > 0 ? min(h, w) > layer.padding.size : min(h, w) >= layer.weight.shape[2]
                if !fits { return false }
            }
            h = (h + 1) / 2; w = (w + 1) / 2
        }
        return true
    }

    /// Normalised image and its 2× binomial-downsampled levels up to the deepest layer of `plan`;
    /// throws if a level is too small for one of its layers. With a tape, records the normalisation only.
    func pyramid(_ image: Tensor, for plan: [Layer], tape: BackwardTape?) throws -> [Tensor] {
        guard fits(height: image.shape[1], width: image.shape[2], plan: plan) else {
            throw StyleError.invalidArgument("image \(image.shape[2])×\(image.shape[1]) is too small for the random network (at least \(minimumSide(layers: Set(plan.map(\.name)))) px on each side)")
        }
        let deepest = plan.map(\.level).max()!
        // (3,H,W) RGB [0,1] → (x − mean)/std per channel, then (3,⌈H/2⌉,⌈W/2⌉) per level.
        let x = image.copy()
        affineForward(x, shift: VGG19.imagenetMean, scale: VGG19.imagenetStd.map { 1 / $0 }, tape: tape)
        var levels = [x]
        while levels.count <= deepest { levels.append(downsampleForward(levels.last!, tape: nil)) }
        return levels
    }

    /// (3,h,w) → (F,h',w'): conv (reflection-padded or valid), then ReLU for branches; (1,h,w) blurred luminance for `smooth`.
    func apply(_ layer: Layer, to x: Tensor, tape: BackwardTape?) -> Tensor {
        let y = convForward(x, weight: layer.weight, bias: nil, padding: layer.padding, tape: tape)
        if layer.relu { reluForward(y, name: layer.name, tape: tape) } else { tape?.steps.append(.tap(name: layer.name)) }
        return y
    }

    public func forward(_ image: Tensor, layers: Set<String>, tape: BackwardTape?) throws -> [String: Tensor] {
        try checkImage(image)
        try checkLayers(layers)
        let plan = plan(layers)
        guard !plan.isEmpty else { return [:] }
        let levels = try pyramid(image, for: plan, tape: tape)
        var out: [String: Tensor] = [:]
        // Level l's tape: branches on its input (each layer at l, and [avgpool, level l+1's tape]).
        func record(_ level: Int) -> BackwardTape.Step {
            var tapes: [BackwardTape] = []
            for layer in plan where layer.level == level {
                let t = tape.map { _ in BackwardTape() }
                out[layer.name] = apply(layer, to: levels[level], tape: t)
                if let t { tapes.append(t) }
            }
            if level + 1 < levels.count {
                let below = record(level + 1)
                if tape != nil {
                    let deeper = BackwardTape()
                    deeper.steps = [.downsample(inputShape: levels[level].shape), below]
                    tapes.append(deeper)
                }
            }
            return .branches(tapes, inputShape: levels[level].shape)
        }
        let root = record(0)
        tape?.steps.append(root)
        return out
    }

    /// Streams: one layer's activations (and their gradient) alive at a time. Each branch is run, handed
    /// to `loss`, backpropagated to its pyramid level and released; level gradients then flow back
    /// through the downsampling and the normalisation.
    public func evaluate(_ image: Tensor, layers: Set<String>, imageGradient: Tensor?,
                         loss: (_ layer: String, _ activations: Tensor, _ gradient: Tensor?) throws -> Void) throws {
        try evaluate(image, layers: layers, gramLayers: [], buffers: EvaluationBuffers(), imageGradient: imageGradient,
                     loss: loss, gramLoss: { _, _, _ in })
    }

    /// As `evaluate(_:layers:imageGradient:loss:)`; the branches of `gramLayers` with valid borders run
    /// in pixel blocks (`blockedGram`), the others whole.
    public func evaluate(_ image: Tensor, layers: Set<String>, gramLayers: Set<String>, buffers: EvaluationBuffers,
                         imageGradient: Tensor?,
                         loss: (_ layer: String, _ activations: Tensor, _ gradient: Tensor?) throws -> Void,
                         gramLoss: (_ layer: String, _ gram: Tensor, _ gramGradient: Tensor?) throws -> Void) throws {
        try checkImage(image)
        try checkLayers(layers.union(gramLayers))
        let plan = plan(layers.union(gramLayers))
        guard !plan.isEmpty else { imageGradient?.fill(0); return }
        let levels = try pyramid(image, for: plan, tape: nil)
        var levelGradients = [Tensor?](repeating: nil, count: levels.count)
        for layer in plan {
            let x = levels[layer.level]
            if gramLayers.contains(layer.name), !layers.contains(layer.name), layer.relu, layer.padding == .zero(0) {
                if imageGradient != nil && levelGradients[layer.level] == nil { levelGradients[layer.level] = Tensor(shape: x.shape) }
                try blockedGram(layer, input: x, buffers: buffers, gramLoss: gramLoss,
                                addingGradientTo: imageGradient == nil ? nil : levelGradients[layer.level])
                continue
            }
            let y = apply(layer, to: x, tape: nil)
            guard imageGradient != nil else {
                try wholeLayerLoss(layer.name, y, nil, gramLayers: gramLayers, loss: loss, gramLoss: gramLoss)
                continue
            }
            let g = Tensor(shape: y.shape)
            try wholeLayerLoss(layer.name, y, g, gramLayers: gramLayers, loss: loss, gramLoss: gramLoss)
            if layer.relu { reluBackwardInPlace(g, output: y) }
            let dx = convBackward(g, weight: layer.weight, inputShape: x.shape, padding: layer.padding)
            if let sum = levelGradients[layer.level] { addInPlace(sum, dx) } else { levelGradients[layer.level] = dx }
        }
        guard let imageGradient else { return }
        var grad: Tensor? = nil
        for level in stride(from: levels.count - 1, through: 0, by: -1) {
            if let g = grad, level < levels.count - 1 { grad = downsampleBackward(g, inputShape: levels[level].shape) }
            if let own = levelGradients[level] { if let g = grad { addInPlace(g, own) } else { grad = own } }
        }
        guard let grad else { imageGradient.fill(0); return }
        affineBackward(grad, scale: VGG19.imagenetStd.map { 1 / $0 })
        imageGradient.data.update(from: grad.data, count: imageGradient.count)
    }
}
