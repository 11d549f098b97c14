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
    /// ρ, weight of the out-of-range penalty (`rangePenalty`: mean squared distance of the image's values
    /// outside [0,1]); 0 = off, as Gatys et al. `standard` keeps the image inside the range it is clamped to.
    public var rangeWeight: Float = 0

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

    /// The optimizer.
    public var optimizer: Optimizer = .lbfgs
    /// Step size; nil: 1 for L-BFGS (PyTorch's default), 0.02 for Adam (on pixel values in [0,1]).
    public var learningRate: Double? = nil
    /// L-BFGS history size (pairs of vectors kept), capped by `historyMemory`.
    public var historySize = 100
    /// L-BFGS line search.
    public var lineSearch: LBFGS.LineSearch = .strongWolfe
    /// L-BFGS evaluation budget of a pass, in evaluations per step asked for (⌊steps × this⌋): 1.25 is
    /// PyTorch's max_eval = max_iter·5/4, which a pass that starts from an upsampled image spends in
    /// about half its steps (its first line searches take 2–3 evaluations each) and then stops.
    public var evaluationsPerStep: Double = 1.25
    /// Where the optimisation starts.
    public var initialization: Initialization = .content
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
    /// /2, full) with `standardSteps` steps in the final pass, `standardEvaluationsPerStep` and
    /// `standardRangeWeight`; otherwise as `GramOptions()`.
    public static var standard: GramOptions {
        var o = GramOptions()
        o.scales = nil
        o.steps = standardSteps
        o.evaluationsPerStep = standardEvaluationsPerStep
        o.rangeWeight = standardRangeWeight
        return o
    }

    /// Final-pass steps of `standard`: at 512² after the coarse passes, the first L-BFGS steps restore the
    /// sharp edges the upsampling softened. Issue 24 measured schedules on the samples (astronaut ×
    /// strokes, coffee × mosaic): 60, 30 and 8 steps reach the final-pass loss of 100, 40 and 6 steps
    /// (0.616 against 0.611, 0.639 against 0.684) in 81 % of the time. Before issue 24: 100, 40 and 6
    /// steps at PyTorch's evaluation budget, which stopped the final pass after 3 of its 6 steps; before
    /// issue 18: 100, 60 and 20 (`scales` [128, 256], `scaleSteps` [100, 60], `steps` 20 at 512²).
    public static let standardSteps = 8

    /// Evaluations per step of `standard`: L-BFGS's line search takes 2–3 evaluations per step right
    /// after upsampling and ~1 afterwards, so 3 lets every pass run the steps it asks for (6 final steps took
    /// 11 evaluations at 512²; PyTorch's 1.25 stopped them at 3).
    public static let standardEvaluationsPerStep = 3.0

    /// ρ of `standard`: 1e3 keeps 1.5 % of the values outside [0,1] at 512² (4 % without), and the clamped
    /// result's final-pass loss at 0.60 against 8.8 without (held-out style score 0.001 against 0.014, issue 24).
    public static let standardRangeWeight: Float = 1e3

    /// Coarse passes of the automatic schedule for a final long side: /4 and /2, each kept if ≥ 64 px
    /// (the random network needs ≥ 24 px; VGG-19's relu5_1 needs ≥ 32 px).
    public static func automaticScales(longSide: Int) -> [Int] {
        [longSide / 4, longSide / 2].filter { $0 >= 64 && $0 < longSide }
    }

    /// Steps of the automatic coarse passes (the /4 pass first): the image gets its strokes and palette at
    /// 1/16 and 1/4 of the final pass's cost per step, so most steps run there (issue 24: 60 and 30, see `standardSteps`).
    public static let automaticScaleSteps = [60, 30]

    /// The step size that runs: `learningRate`, or the optimizer's default.
    public var effectiveLearningRate: Double { learningRate ?? (optimizer == .lbfgs ? 1 : 0.02) }

    /// Throws the first option outside its allowed values, named as the `stylize` option it comes from.
    public func validate() throws {
        func require(_ ok: Bool, _ field: String, _ problem: @autoclosure () -> String) throws {
            if !ok { throw InvalidOption(field, problem()) }
        }
        try require(steps >= 0, "steps", "must be 0 or more, not \(steps)")
        try require(snapshotEvery >= 0, "save_every", "must be 0 (off) or more, not \(snapshotEvery)")
        try require(historySize >= 1, "history", "must be 1 or more, not \(historySize)")
        try require(historyMemory > 0, "history_memory", "must be positive, not \(historyMemory)")
        try require(styleScale > 0 && styleScale <= 8, "style_scale", "must be in (0, 8], not \(styleScale)")
        for (field, value) in [("content_weight", contentWeight), ("style_weight", styleWeight ?? 0), ("tv_weight", totalVariationWeight), ("range_weight", rangeWeight)] {
            try require(value >= 0 && value.isFinite, field, "must be 0 or more, not \(value)")
        }
        if let learningRate { try require(learningRate > 0 && learningRate.isFinite, "lr", "must be positive, not \(learningRate)") }
        if let margin { try require(margin >= 0, "margin", "must be 0 or more, not \(margin)") }
        try require(evaluationsPerStep >= 1 && evaluationsPerStep.isFinite, "evaluations_per_step", "must be 1 or more, not \(evaluationsPerStep)")
        try mrf.validate()
        if let layer = styleLayers?.first(where: { !($0.weight >= 0 && $0.weight.isFinite) }) {
            throw InvalidOption("style_layers", "weights must be 0 or more, not \(layer.weight) for \(layer.name)")
        }
        if let scales {
            try require(scales.allSatisfy { $0 >= 16 } && scales == scales.sorted(), "multiscale",
                        "takes off or long sides of at least 16 pixels in ascending order, e.g. 256,384, not '\(scales.map(String.init).joined(separator: ","))'")
            let counts = scaleSteps ?? Array(repeating: steps, count: scales.count)
            try require(counts.count == scales.count && counts.allSatisfy { $0 >= 0 }, "multiscale",
                        "needs one step count of 0 or more per coarse pass \(scales), not \(counts)")
        }
    }

    /// The passes that will run for a content with this long side: (long side, steps), the final pass last.
    /// The options must be valid (`validate()`).
    /// - Throws: `InvalidOption` ("multiscale") when a coarse pass is not below `longSide`.
    public func passes(longSide: Int) throws -> [(longSide: Int, steps: Int)] {
        let coarse: [(Int, Int)]
        if let scales {
            if let big = scales.first(where: { $0 >= longSide }) {
                throw InvalidOption("multiscale", "passes must be smaller than the image's long side \(longSide), not \(big); lower them or use off")
            }
            coarse = Array(zip(scales, scaleSteps ?? Array(repeating: steps, count: scales.count)))
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

    public enum Initialization: String, CaseIterable, Sendable {
        /// The content image (Gatys et al.'s choice for transfer; keeps the layout).
        case content
        /// Uniform noise in [0,1) from `seed`.
        case noise
        /// The style image resized to the content's size.
        case style
    }

    public enum Optimizer: String, CaseIterable, Sendable {
        /// `torch.optim.LBFGS` ported: `learningRate`, `historySize`, `lineSearch` (strong Wolfe or fixed steps).
        /// History costs 2·historySize·3·H·W floats (2.4 GB at 1024² for 100), capped by `historyMemory`.
        case lbfgs
        /// `torch.optim.Adam` (β = 0.9, 0.999, ε = 1e-8) on pixel values in [0,1].
        case adam
    }
}
