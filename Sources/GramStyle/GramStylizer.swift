import StyleCore

/// Gatys et al. style transfer by optimisation: the image that minimises `GramObjective` for
/// `content` and `style` (both (3,H,W) RGB in [0,1], any sizes), starting from `options.initialisation`.
///
/// With `options.scales`, passes run at increasing sizes and each result, upsampled, starts the next.
/// `progress(step, content, style, total)` is called after every optimiser step with the weighted terms
/// (step counts on across passes), the latest evaluated: at the new image for L-BFGS (before the
/// move after a fixed-step run's last iteration), at the image the step started from for Adam (no extra
/// evaluation). L-BFGS stops before `steps` iterations when it converges or uses up its evaluation budget. `isCancelled` is polled between steps; when it
/// returns true the function throws `CancellationError`.
///
/// - Returns: the stylised image, the content's size, clamped to [0,1].
/// - Throws: `StyleError.invalidArgument` for bad options or images; `CancellationError`.
public func gramStylize(content: Tensor, style: Tensor, network: FeatureNetwork, options: GramOptions = GramOptions(),
                        progress: ((_ step: Int, _ contentLoss: Double, _ styleLoss: Double, _ totalLoss: Double) -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil) throws -> Tensor {
    for (name, image) in [("content", content), ("style", style)] where image.rank != 3 || image.shape[0] != 3 {
        throw StyleError.invalidArgument("\(name) image must be (3,H,W) RGB, got \(image.shape)")
    }
    guard options.steps >= 0 else { throw StyleError.invalidArgument("steps must be ≥ 0, got \(options.steps)") }
    guard options.styleScale > 0 else { throw StyleError.invalidArgument("style scale must be > 0, got \(options.styleScale)") }
    let fullH = content.shape[1], fullW = content.shape[2], fullLong = max(fullH, fullW)
    guard options.scales.allSatisfy({ $0 > 0 && $0 < fullLong }), options.scales == options.scales.sorted() else {
        throw StyleError.invalidArgument("scales must ascend and stay below the content's long side \(fullLong), got \(options.scales)")
    }
    let passSizes: [(h: Int, w: Int)] = options.scales.map { long in
        (max(1, Int((Double(fullH) * Double(long) / Double(fullLong)).rounded())),
         max(1, Int((Double(fullW) * Double(long) / Double(fullLong)).rounded())))
    } + [(fullH, fullW)]

    var image: Tensor? = nil
    var step = 0
    for (h, w) in passSizes {
        let passContent = (h, w) == (fullH, fullW) ? content : resizeAntialiased(content, height: h, width: w)
        let passStyle = resizedStyle(style, imageLongSide: max(h, w), scale: options.styleScale)
        let objective = try GramObjective(network: network, content: passContent, style: passStyle, options: options)
        let x: Tensor
        if let previous = image {
            x = resizeBilinear(previous, height: h, width: w)
        } else {
            switch options.initialisation {
            case .content: x = passContent.copy()
            case .style: x = resizeAntialiased(style, height: h, width: w)
            case .noise: x = uniformNoise(shape: [3, h, w], seed: options.seed)
            }
        }
        try optimise(x, objective: objective, options: options, firstStep: step, progress: progress, isCancelled: isCancelled)
        step += options.steps
        image = x
    }
    let result = image!
    for i in 0..<result.count { result[i] = min(max(result[i], 0), 1) }
    return result
}

/// Runs `options.steps` optimiser steps on x in place.
private func optimise(_ x: Tensor, objective: GramObjective, options: GramOptions, firstStep: Int,
                      progress: ((Int, Double, Double, Double) -> Void)?, isCancelled: (() -> Bool)?) throws {
    let gradient = Tensor(shape: x.shape)
    func report(_ i: Int, _ loss: LossTerms) { progress?(firstStep + i, loss.content, loss.style, loss.total) }
    switch options.optimiser {
    case let .lbfgs(learningRate, historySize, lineSearch):
        // One PyTorch step() of `steps` iterations (evaluation budget steps·5/4, PyTorch's default).
        let lbfgs = LBFGS(learningRate: learningRate, maxIterations: options.steps, historySize: historySize,
                          lineSearch: lineSearch)
        guard options.steps > 0 else { return }
        if isCancelled?() == true { throw CancellationError() }
        try lbfgs.step(x, onIteration: { i, loss in
            report(i, loss)
            if isCancelled?() == true { throw CancellationError() }
        }) { try objective.evaluate($0, gradient: $1) }
    case let .adam(learningRate):
        let adam = Adam(learningRate: learningRate)
        for i in 1...max(1, options.steps) where options.steps > 0 {
            if isCancelled?() == true { throw CancellationError() }
            let loss = try objective.evaluate(x, gradient: gradient)
            adam.step(x, gradient: gradient)
            report(i, loss)
        }
    }
}

/// The style image with its long side at scale × the optimised image's long side (aspect kept).
func resizedStyle(_ style: Tensor, imageLongSide: Int, scale: Float) -> Tensor {
    let h = style.shape[1], w = style.shape[2]
    let target = Double(imageLongSide) * Double(scale) / Double(max(h, w))
    let nh = max(1, Int((Double(h) * target).rounded())), nw = max(1, Int((Double(w) * target).rounded()))
    return (nh, nw) == (h, w) ? style : resizeAntialiased(style, height: nh, width: nw)
}

/// Uniform noise in [0,1) of `shape`: SplitMix64 from `seed`, the top 24 bits of each output scaled by 2⁻²⁴.
func uniformNoise(shape: [Int], seed: UInt64) -> Tensor {
    let t = Tensor(shape: shape)
    var state = seed
    for i in 0..<t.count {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        z ^= z >> 31
        t[i] = Float(z >> 40) * 0x1p-24
    }
    return t
}
