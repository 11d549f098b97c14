import StyleCore

/// Gatys et al. style transfer by optimisation: the image that minimises `GramObjective` for
/// `content` and `style` (both (3,H,W) RGB in [0,1], any sizes), starting from `options.initialisation`.
///
/// Passes run at the long sides of `options.passes(longSide:)` (coarse to fine, the content's size last)
/// and each result, upsampled, starts the next. Each pass optimises the image extended by `margin` px of
/// reflected content on every side and crops that margin off. `progress(step, content, style, total)` is
/// called after every optimiser step with the weighted terms (step counts on across passes), the latest
/// evaluated: at the new image for L-BFGS (before the move after a fixed-step run's last iteration), at
/// the image the step started from for Adam (no extra evaluation). L-BFGS stops before a pass's steps when
/// it converges or uses up its evaluation budget. Every `options.snapshotEvery` steps (0 = never)
/// `snapshot(step, image)` receives the current image (this pass's size, margin cropped, clamped to [0,1]).
/// `isCancelled` is polled between steps; when it returns true the function throws `CancellationError`.
/// When no pass changed its image by one 8-bit level (e.g. L-BFGS stopped before its first step because
/// the loss is too small for the network's feature scale), `unchanged` receives why and what to change.
///
/// - Returns: the stylised image, the content's size, clamped to [0,1].
/// - Throws: `StyleError.invalidArgument` for bad options or images; `CancellationError`.
public func gramStylize(content: Tensor, style: Tensor, network: FeatureNetwork, options: GramOptions = GramOptions(),
                        progress: ((_ step: Int, _ contentLoss: Double, _ styleLoss: Double, _ totalLoss: Double) -> Void)? = nil,
                        snapshot: ((_ step: Int, _ image: Tensor) throws -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil, unchanged: ((UnchangedImage) -> Void)? = nil) throws -> Tensor {
    try gramStylize(content: content, styles: [style], weights: [1], network: network, options: options,
                    progress: progress, snapshot: snapshot, isCancelled: isCancelled, unchanged: unchanged)
}

/// `gramStylize(content:style:…)` towards a blend of several styles: each style layer's target is
/// Σᵢ wᵢ·Gram(Sᵢ) (see `GramObjective`; `weights` one per style, ≥ 0, summing to 1). Each style is resized
/// for each pass on its own (`options.styleScale`); `.style` initialization starts from the style with
/// the largest weight. `options` must be valid (`GramOptions.validate()`): the caller's boundary checks them.
/// A non-nil `initialImage` (3,h,w), e.g. the previous video frame's result, replaces
/// `options.initialization` for the first pass (resized to that pass's size).
public func gramStylize(content: Tensor, styles: [Tensor], weights blend: [Float], network: FeatureNetwork,
                        options: GramOptions = GramOptions(), initialImage: Tensor? = nil,
                        progress: ((_ step: Int, _ contentLoss: Double, _ styleLoss: Double, _ totalLoss: Double) -> Void)? = nil,
                        snapshot: ((_ step: Int, _ image: Tensor) throws -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil, unchanged: ((UnchangedImage) -> Void)? = nil) throws -> Tensor {
    precondition(content.rank == 3 && content.shape[0] == 3 && styles.allSatisfy { $0.rank == 3 && $0.shape[0] == 3 }, "images must be (3,H,W)")
    precondition(blend.count == styles.count && abs(blend.reduce(0, +) - 1) < 1e-4, "blend weights must be normalised, one per style")
    let requestedMargin = options.margin ?? network.suggestedMargin
    let fullH = content.shape[1], fullW = content.shape[2]
    let passes = try gramPasses(content: (fullH, fullW), styles: styles.map { ($0.shape[1], $0.shape[2]) },
                                options: options, minimumSide: network.minimumSide(for: options))

    var image: Tensor? = nil
    var step = 0
    var outcomes: [PassOutcome] = []
    for pass in passes {
        let (h, w) = pass.content
        // Reflection needs margin < side.
        let margin = min(requestedMargin, min(h, w) - 1)
        let passContent = (h, w) == (fullH, fullW) ? content : resizeAntialiased(content, height: h, width: w)
        let passStyles = zip(styles, pass.styles).map { style, size in
            size == (style.shape[1], style.shape[2]) ? style : resizeAntialiased(style, height: size.height, width: size.width)
        }
        let objective = try GramObjective(network: network, content: reflectPad(passContent, margin),
                                          styles: passStyles, weights: blend, options: options)
        let start: Tensor
        if let previous = image ?? initialImage {
            start = (previous.shape[1], previous.shape[2]) == (h, w) ? previous : resizeBilinear(previous, height: h, width: w)
        } else {
            switch options.initialization {
            case .content: start = passContent
            case .style: start = resizeAntialiased(styles[blend.indices.max { blend[$0] < blend[$1] }!], height: h, width: w)
            case .noise: start = uniformNoise(shape: [3, h, w], seed: options.seed)
            }
        }
        let x = margin > 0 ? reflectPad(start, margin) : start.copy()
        let every = options.snapshotEvery
        let save = snapshot.map { handler in { (i: Int) throws in
            if every > 0 && i % every == 0 { try handler(i, clamped(crop(x, margin))) }
        } }
        var outcome = try optimise(x, steps: pass.steps, objective: objective, options: options, firstStep: step,
                                   progress: progress, snapshot: save, isCancelled: isCancelled)
        step += pass.steps
        image = crop(x, margin)
        outcome.largestChange = UnchangedImage.largestChange(from: start, to: image!)
        outcomes.append(outcome)
    }
    if let unchanged, let notice = UnchangedImage.diagnose(outcomes, options: options, styleWeight: options.resolvedStyleWeight(for: network)) {
        unchanged(notice)
    }
    return clamped(image!)
}

/// x (any shape) with every value clamped to [0,1], a new tensor (x may be the image being optimised).
private func clamped(_ x: Tensor) -> Tensor {
    let y = Tensor(shape: x.shape)
    for i in 0..<x.count { y[i] = min(max(x[i], 0), 1) }
    return y
}

/// Runs `steps` optimiser steps on x in place; returns what they did (`largestChange` left to the caller).
private func optimise(_ x: Tensor, steps: Int, objective: GramObjective, options: GramOptions, firstStep: Int,
                      progress: ((Int, Double, Double, Double) -> Void)?, snapshot: ((Int) throws -> Void)?,
                      isCancelled: (() -> Bool)?) throws -> PassOutcome {
    var outcome = PassOutcome(steps: steps)
    func report(_ i: Int, _ loss: LossTerms) throws {
        outcome.iterations = i
        progress?(firstStep + i, loss.content, loss.style, loss.total)
        try snapshot?(firstStep + i)
    }
    guard steps > 0 else { return outcome }
    switch options.optimizer {
    case .lbfgs:
        // One PyTorch step() of `steps` iterations (evaluation budget ⌊steps·evaluationsPerStep⌋; 1.25 is
        // PyTorch's default), with the history capped to `historyMemory` bytes (2 float32 vectors of x's size per pair).
        let history = max(1, min(options.historySize, options.historyMemory / (2 * MemoryLayout<Float>.size * x.count)))
        let lbfgs = LBFGS(learningRate: options.effectiveLearningRate, maxIterations: steps,
                          maxEvaluations: max(1, Int(Double(steps) * options.evaluationsPerStep)), historySize: history, lineSearch: options.lineSearch)
        outcome.gradientTolerance = lbfgs.toleranceGrad
        if isCancelled?() == true { throw CancellationError() }
        try lbfgs.step(x, onIteration: { i, loss in
            try report(i, loss)
            if isCancelled?() == true { throw CancellationError() }
        }) {
            let loss = try objective.evaluate($0, gradient: $1)
            if outcome.initialGradient == nil { outcome.initialGradient = maxAbs($1) }
            return loss
        }
    case .adam:
        let adam = Adam(learningRate: Float(options.effectiveLearningRate))
        let gradient = Tensor(shape: x.shape)
        for i in 1...steps {
            if isCancelled?() == true { throw CancellationError() }
            let loss = try objective.evaluate(x, gradient: gradient)
            if outcome.initialGradient == nil { outcome.initialGradient = maxAbs(gradient) }
            adam.step(x, gradient: gradient)
            try report(i, loss)
        }
    }
    return outcome
}

/// x (C,H,W) extended by m px of reflection on every side (needs m < H, W).
func reflectPad(_ x: Tensor, _ m: Int) -> Tensor { reflectPad(x, top: m, bottom: m, left: m, right: m) }

/// x (C,H,W) without m px on every side.
func crop(_ x: Tensor, _ m: Int) -> Tensor { crop(x, top: m, left: m, height: x.shape[1] - 2 * m, width: x.shape[2] - 2 * m) }

/// The style image with its long side at scale × the optimised image's long side (aspect kept).
func resizedStyle(_ style: Tensor, imageLongSide: Int, scale: Float) -> Tensor {
    let (h, w) = styleSize((style.shape[1], style.shape[2]), imageLongSide: imageLongSide, scale: scale)
    return (h, w) == (style.shape[1], style.shape[2]) ? style : resizeAntialiased(style, height: h, width: w)
}

/// Uniform noise in [0,1) of `shape`: SplitMix64 from `seed`, the top 24 bits of each output scaled by 2⁻²⁴.
func uniformNoise(shape: [Int], seed: UInt64) -> Tensor {
    let t = Tensor(shape: shape)
    var generator = SplitMix64(seed: seed)
    for i in 0..<t.count { t[i] = generator.nextUnit() }
    return t
}
