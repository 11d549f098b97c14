import StyleCore

/// Every knob of Gatys-style transfer by optimisation, with its default.
public struct GramOptions: Sendable {
    /// α, weight of the content term.
    public var contentWeight: Float = 1
    /// β, weight of the style term; nil: `normalizedStyleWeight` with the normalised loss scale, else the
    /// network's `suggestedStyleWeight` (1e6 for torchvision VGG-19, as PyTorch's tutorial; 1e2 for the
    /// normalised layout, not calibrated; 1e5 for `RandomFeatureNetwork`). See `resolvedStyleWeight(for:)`.
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
    /// How each layer's term is scaled: by its target's magnitude (any network's feature scale works with
    /// the default β) or raw, as PyTorch's tutorial (β must suit the network).
    public var lossScale: LossScale = .normalized
    /// Which style term runs: Gram matrices, patch matching (MRF, Li & Wand 2016) or both.
    public var styleLoss: StyleLossKind = .gram
    /// Weight, layers and style stride of the patch term.
    public var mrf = MRFOptions()

    /// The optimiser and its settings.
    public var optimiser: Optimiser = .lbfgs()
    /// Where the optimisation starts.
    public var initialisation: Initialisation = .content
    /// Optimiser steps (L-BFGS iterations or Adam updates) of the final, full-size pass, and of each
    /// coarse pass that `scaleSteps` gives no count for. L-BFGS stops earlier once it has converged
    /// (PyTorch's tolerances). 300: Gatys et al.'s single pass; `standard` uses a multi-scale schedule.
    public var steps: Int = 300

    /// Style image size relative to the content: its long side is resized to styleScale × the long side
    /// of the image being optimised (aspect kept). Larger values give larger strokes. 1 = same size.
    public var styleScale: Float = 1
    /// Multi-scale schedule: long sides (pixels, ascending, each smaller than the content's) of
    /// passes run before the final full-size pass; each result, upsampled bilinearly, starts the next
    /// pass. Empty = a single pass at the content's size; nil = `automaticScales(longSide:)` with
    /// `automaticScaleSteps` (`scaleSteps` is then ignored).
    public var scales: [Int]? = []
    /// Steps of each pass in `scales` (same count, each ≥ 0); nil = `steps` each.
    public var scaleSteps: [Int]? = nil
    /// Pixels added on every side of the optimised image (reflection of the content) and cropped off at
    /// the end, so that border pixels of the result sit inside full filter windows; nil = the network's
    /// `suggestedMargin` (0 for VGG-19).
    public var margin: Int? = nil
    /// Memory cap in bytes of the L-BFGS history: at most ⌊historyMemory / (2·4·pixels·3)⌋ (s, y) pairs are
    /// kept, whatever the optimiser's `historySize`, so memory stays bounded for large images.
    /// 256 MiB: the full 100 pairs up to ~330², 42 at 512², 10 at 1024² (history 100 at 1024² would be 2.4 GB).
    public var historyMemory: Int = 256 << 20
    /// `gramStylize` hands the current image to its `snapshot` callback every this many steps (0 = never).
    public var snapshotEvery = 0
    /// Seed of the noise initialisation.
    public var seed: UInt64 = 0

    public init() {}

    /// The defaults of `stylize` (`StyleOptions.gram`): the automatic multi-scale schedule (long side /4,
    /// /2, full) with `standardSteps` steps in the final pass; otherwise as `GramOptions()`.
    public static var standard: GramOptions {
        var o = GramOptions()
        o.scales = nil
        o.steps = standardSteps
        return o
    }

    /// Final-pass steps of `standard`: at 512² after the coarse passes, 20 L-BFGS steps sharpen the strokes;
    /// more change little that is visible (compared 20/40/80 on the samples) at ~1.3 s per evaluation.
    public static let standardSteps = 20

    /// Coarse passes of the automatic schedule for a final long side: /4 and /2, each kept if ≥ 64 px
    /// (the random network needs ≥ 24 px; VGG-19's relu5_1 needs ≥ 32 px).
    public static func automaticScales(longSide: Int) -> [Int] {
        [longSide / 4, longSide / 2].filter { $0 >= 64 && $0 < longSide }
    }

    /// Steps of the automatic coarse passes (the /4 pass first): the image gets its strokes and palette at
    /// 1/16 and 1/4 of the final pass's cost per step.
    public static let automaticScaleSteps = [100, 60]

    /// The passes that will run for a content with this long side: (long side, steps), the final pass last.
    /// - Throws: `StyleError.invalidArgument` for scales not ascending, not below `longSide`, or step counts not matching.
    public func passes(longSide: Int) throws -> [(longSide: Int, steps: Int)] {
        guard steps >= 0 else { throw StyleError.invalidArgument("steps must be ≥ 0, got \(steps)") }
        let coarse: [(Int, Int)]
        if let scales {
            guard scales.allSatisfy({ $0 > 0 && $0 < longSide }), scales == scales.sorted() else {
                throw StyleError.invalidArgument("scales must ascend and stay below the content's long side \(longSide), got \(scales)")
            }
            let counts = scaleSteps ?? Array(repeating: steps, count: scales.count)
            guard counts.count == scales.count, counts.allSatisfy({ $0 >= 0 }) else {
                throw StyleError.invalidArgument("scale steps must be one count ≥ 0 per scale \(scales), got \(counts)")
            }
            coarse = Array(zip(scales, counts))
        } else {
            let auto = Self.automaticScales(longSide: longSide)
            coarse = Array(zip(auto, Self.automaticScaleSteps.suffix(auto.count)))
        }
        return coarse.map { (longSide: $0.0, steps: $0.1) } + [(longSide: longSide, steps: steps)]
    }

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
        /// History costs 2·historySize·3·H·W floats (2.4 GB at 1024² for 100), capped by `historyMemory`.
        case lbfgs(learningRate: Double = 1, historySize: Int = 100, lineSearch: LBFGS.LineSearch = .strongWolfe)
        /// `torch.optim.Adam` (β = 0.9, 0.999, ε = 1e-8) on pixel values in [0,1].
        case adam(learningRate: Float = 0.02)
    }
}
