import StyleCore

/// Every knob of Gatys-style transfer by optimisation, with its default.
public struct GramOptions: Sendable {
    /// α, weight of the content term.
    public var contentWeight: Float = 1
    /// β, weight of the style term; nil: the network's `suggestedStyleWeight` (1e6 for torchvision VGG-19,
    /// as PyTorch's tutorial; 1e2 for the normalised layout, not yet calibrated on the real file;
    /// 1e5 for `RandomFeatureNetwork`).
    public var styleWeight: Float? = nil
    /// Weight of the squared total-variation term (see `totalVariation`); 0 = off.
    public var totalVariationWeight: Float = 0

    /// Layers of the content term (each weight 1); nil: the network's default (relu4_2 for VGG-19).
    public var contentLayers: [String]? = nil
    /// Layers and per-layer weights of the style term; nil: the network's default
    /// (relu1_1, relu2_1, relu3_1, relu4_1, relu5_1, each weight 1, for VGG-19).
    public var styleLayers: [StyleLayer]? = nil
    /// Distance between feature maps in the content term.
    public var contentMetric: DistanceMetric = .mse
    /// Distance between Gram matrices in the style term.
    public var styleMetric: DistanceMetric = .mse

    /// The optimiser and its settings.
    public var optimiser: Optimiser = .lbfgs()
    /// Where the optimisation starts.
    public var initialisation: Initialisation = .content
    /// Optimiser steps per pass (L-BFGS iterations or Adam updates). The L-BFGS run stops earlier
    /// once it has converged (PyTorch's tolerances).
    public var steps: Int = 300

    /// Style image size relative to the content: its long side is resized to styleScale × the long side
    /// of the image being optimised (aspect kept). Larger values give larger strokes. 1 = same size.
    public var styleScale: Float = 1
    /// Multi-scale schedule: long sides (pixels, ascending, each smaller than the content's) of
    /// passes run before the final full-size pass; each result, upsampled bilinearly, starts the next
    /// pass. Empty = a single pass at the content's size.
    public var scales: [Int] = []
    /// Seed of the noise initialisation.
    public var seed: UInt64 = 0

    public init() {}

    /// One style layer and its weight in the style term.
    public struct StyleLayer: Sendable, Equatable {
        public var name: String
        public var weight: Float
        public init(_ name: String, weight: Float = 1) { self.name = name; self.weight = weight }
    }

    public enum Initialisation: Sendable, Equatable {
        /// The content image (Gatys et al.'s choice for transfer; keeps the layout).
        case content
        /// Uniform noise in [0,1) from `seed`.
        case noise
        /// The style image resized to the content's size.
        case style
    }

    public enum Optimiser: Sendable, Equatable {
        /// `torch.optim.LBFGS` ported: learning rate, history size, strong-Wolfe line search or fixed steps.
        /// History costs 2·historySize·3·H·W floats (2.4 GB at 1024² for 100).
        case lbfgs(learningRate: Double = 1, historySize: Int = 100, lineSearch: LBFGS.LineSearch = .strongWolfe)
        /// `torch.optim.Adam` (β = 0.9, 0.999, ε = 1e-8) on pixel values in [0,1].
        case adam(learningRate: Float = 0.02)
    }
}
