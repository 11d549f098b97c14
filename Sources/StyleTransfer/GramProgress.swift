import GramStyle

/// One Gram-mode optimizer step, as reported to `Stylizer.stylize`'s progress handler.
public struct GramProgress: Sendable {
    /// The step, from 1, counting on across passes.
    public let step: Int
    /// Steps of the whole run (L-BFGS may finish a pass early; the count then jumps to the next pass).
    public let totalSteps: Int
    /// The weighted loss terms at this step.
    public let contentLoss: Double, styleLoss: Double, totalLoss: Double
    /// Share of the run's work done, in [0,1]: steps weighted by their pass's pixel count (a step at a
    /// quarter of the size costs about a sixteenth), so elapsed·(1 − w)/w estimates the time left from
    /// the first pass on, as a plain step count cannot.
    public let workDone: Double
}

/// Cumulative work after each step of `passes`, normalised to end at 1; `margin` pixels pad each side.
/// A step costs its pass's padded pixel count (one evaluation of the objective, linear in pixels); the first
/// step of a pass also carries `passStartEvaluations` more: the targets (content and style features)
/// and the optimiser's initial evaluation, which it reports together with its own.
func workSchedule(_ passes: [GramPass], margin: Int) -> [Double] {
    var done: [Double] = [], total = 0.0
    for pass in passes {
        let pixels = Double((pass.content.height + 2 * margin) * (pass.content.width + 2 * margin))
        for step in 0..<pass.steps {
            total += pixels * (step == 0 ? 1 + passStartEvaluations : 1)
            done.append(total)
        }
    }
    return done.map { $0 / max(total, 1) }
}

/// Evaluations' worth of work at the start of each pass: the features of the content and the style (about
/// one evaluation together, forward only) and L-BFGS's evaluation at the starting image.
let passStartEvaluations = 2.0
