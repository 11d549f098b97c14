import Foundation
import StyleCore

/// A single-layer network of random filters at several sizes (Ustyuzhaninov et al. 2016, "Texture
/// synthesis using shallow convolutional networks with random filters"): for each kernel size k a
/// k×k conv 3→`filtersPerSize` with reflection padding k/2, then ReLU. The style term compares the
/// Gram matrices of every branch; large kernels carry strokes and blobs, small ones grain and edges.
///
/// Its content term reads `smooth`: the luminance of the image blurred by a Gaussian of
/// `contentBlurSigma` px (one 3→1 conv, reflection padding). Comparing a smooth, colour-free map
/// keeps the layout and shading of the photo but leaves colour and fine texture to the style, and
/// has no pooling grid, so it leaves no block artefacts. (Content on the random features themselves pins
/// the image: hundreds of random filters per pixel are nearly invertible.)
///
/// Weights are `SeededWeights.generate(name: "k<k>.weight", shape: [F,3,k,k], seed:)`
/// (He-uniform); there are no biases. Input is ImageNet-normalised RGB, as torchvision's VGG.
public final class RandomFeatureNetwork: FeatureNetwork {
    public struct Configuration: Sendable, Equatable {
        /// Kernel sizes of the branches (odd).
        public var kernelSizes = [3, 5, 7, 11, 15, 23]
        /// Random filters per branch.
        public var filtersPerSize = 128
        /// σ in pixels of the Gaussian blur of the content map `smooth`. 4 leaves room for strokes;
        /// 2 keeps more detail but the strokes blur into a murky texture (compared on astronaut + strokes).
        public var contentBlurSigma: Float = 4
        public init() {}
    }

    public let configuration: Configuration
    public let seed: UInt64
    /// "smooth", then "relu3x3", "relu5x5", … one per kernel size.
    public let layerNames: [String]
    public let defaultContentLayers = ["smooth"]
    public var defaultStyleLayers: [(name: String, weight: Float)] { branchNames.map { ($0, 1) } }
    /// β = 1e5 with σ = 4 gave bold stroke colours and marks with a legible layout at 256² (1e4: paler, murkier).
    public let suggestedStyleWeight: Float = 1e5

    let branchNames: [String]
    let branchWeights: [Tensor]
    /// (1,3,K,K): luminance (Rec. 601) × Gaussian, on the normalised input.
    let smoothWeight: Tensor

    public init(seed: UInt64, configuration: Configuration = Configuration()) throws {
        guard !configuration.kernelSizes.isEmpty, configuration.kernelSizes.allSatisfy({ $0 > 0 && $0 % 2 == 1 }),
              configuration.filtersPerSize > 0, configuration.contentBlurSigma > 0 else {
            throw StyleError.invalidArgument("random network: kernel sizes must be odd and positive, filters and σ positive")
        }
        self.configuration = configuration
        self.seed = seed
        branchNames = configuration.kernelSizes.map { "relu\($0)x\($0)" }
        layerNames = ["smooth"] + branchNames
        branchWeights = configuration.kernelSizes.map {
            SeededWeights.generate(name: "k\($0).weight", shape: [configuration.filtersPerSize, 3, $0, $0], seed: seed)
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

    public func forward(_ image: Tensor, layers: Set<String>, tape: BackwardTape?) throws -> [String: Tensor] {
        try checkImage(image)
        try checkLayers(layers)
        let needed = layerNames.filter(layers.contains)
        guard !needed.isEmpty else { return [:] }
        let largest = max(configuration.kernelSizes.max()!, smoothWeight.shape[2]) / 2
        guard image.shape[1] > largest, image.shape[2] > largest else {
            throw StyleError.invalidArgument("image \(image.shape[1])×\(image.shape[2]) is too small for the random network (needs more than \(largest) px)")
        }
        // (3,H,W) RGB [0,1] → (x − mean)/std per channel.
        let x = image.copy()
        affineForward(x, shift: VGG19.imagenetMean, scale: VGG19.imagenetStd.map { 1 / $0 }, tape: tape)
        var out: [String: Tensor] = [:]
        var branchTapes: [BackwardTape] = []
        for name in needed {
            let branchTape = tape.map { _ in BackwardTape() }
            if name == "smooth" {
                // (3,H,W) → (1,H,W): blurred luminance.
                let r = smoothWeight.shape[2] / 2
                out[name] = convForward(x, weight: smoothWeight, bias: nil, padding: .reflect(r), tape: branchTape)
                branchTape?.steps.append(.tap(name: name))
            } else {
                // (3,H,W) → (F,H,W): k×k random filters, reflection padding k/2, ReLU.
                let w = branchWeights[branchNames.firstIndex(of: name)!]
                let y = convForward(x, weight: w, bias: nil, padding: .reflect(w.shape[2] / 2), tape: branchTape)
                reluForward(y, name: name, tape: branchTape)
                out[name] = y
            }
            if let branchTape { branchTapes.append(branchTape) }
        }
        tape?.steps.append(.branches(branchTapes, inputShape: x.shape))
        return out
    }
}
