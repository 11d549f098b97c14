import StyleCore

/// Why a Gram-mode run returned its starting image: the optimizer stopped before its first step, or its
/// steps moved no pixel by one 8-bit level. `gramStylize` hands it to its `unchanged` callback.
public struct UnchangedImage: Sendable, Equatable, CustomStringConvertible {
    /// What happened, e.g. "L-BFGS stopped before its first step: …".
    public var reason: String
    /// What to change, in option terms (weights, steps, loss scale).
    public var remedy: String
    /// "the image is unchanged: <reason>; <remedy>".
    public var description: String { "the image is unchanged: \(reason); \(remedy)" }

    public init(reason: String, remedy: String) { self.reason = reason; self.remedy = remedy }
}

/// What one optimisation pass did.
struct PassOutcome {
    /// Steps requested.
    var steps: Int
    /// Optimiser iterations actually taken (L-BFGS stops at 0 when the first gradient is under its tolerance).
    var iterations = 0
    /// max |∂loss/∂pixel| at the pass's start (nil if nothing was evaluated).
    var initialGradient: Double? = nil
    /// The L-BFGS gradient tolerance, when L-BFGS ran.
    var gradientTolerance: Double? = nil
    /// max |end − start| over the pass's pixels, both clamped to [0,1].
    var largestChange: Float = 0
}

extension UnchangedImage {
    /// nil unless every pass changed its image by less than one 8-bit level (1/255); otherwise why, and
    /// what to change: `styleWeight` is the β that ran.
    static func diagnose(_ passes: [PassOutcome], options: GramOptions, styleWeight: Float) -> UnchangedImage? {
        guard passes.allSatisfy({ $0.largestChange < 1 / 255 }) else { return nil }
        let weights = "the style weight (now \(styleWeight)) or the content weight (now \(options.contentWeight))"
        let ran = passes.filter { $0.steps > 0 }
        if ran.isEmpty {
            return UnchangedImage(reason: "no optimizer step was requested (0 steps in every pass)", remedy: "set steps above 0")
        }
        if ran.allSatisfy({ $0.iterations == 0 }) {
            let gradient = ran.compactMap(\.initialGradient).max() ?? 0
            let tolerance = ran.compactMap(\.gradientTolerance).max() ?? 0
            let remedy = options.lossScale == .tutorial
                ? "raise \(weights) to suit this network's feature scale, or use the normalized loss scale"
                : "raise \(weights)"
            return UnchangedImage(
                reason: "L-BFGS stopped before its first step: the largest gradient component, \(gradient), is under its tolerance \(tolerance)",
                remedy: remedy)
        }
        let steps = ran.reduce(0) { $0 + $1.iterations }
        let change = passes.map(\.largestChange).max()! * 255
        return UnchangedImage(
            reason: "\(steps) optimizer step\(steps == 1 ? "" : "s") moved no pixel by one 8-bit level (largest change \(change) levels)",
            remedy: "raise \(weights), the learning rate or the steps")
    }

    /// max |b − a| with both clamped to [0,1] (same shape).
    static func largestChange(from a: Tensor, to b: Tensor) -> Float {
        var m: Float = 0
        for i in 0..<a.count { m = max(m, abs(min(max(b[i], 0), 1) - min(max(a[i], 0), 1))) }
        return m
    }
}
