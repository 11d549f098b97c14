import GramStyle
import StyTr2
import StyleCore
import StyleIO

/// The engine's public entry point: validates the options, chooses the engine and loads its weights once,
/// then stylises any number of images; safe to call from several threads at once.
///
///     let stylizer = try Stylizer(options: options, weights: .directory("weights"))
///     print(stylizer.reason)
///     let image = try stylizer.stylize(content: try ImageFile.read("photo.jpg"), styles: [try ImageFile.read("style.png")])
public final class Stylizer: @unchecked Sendable {
    /// The options it runs with (valid).
    public let options: StyleOptions
    /// The model that runs.
    public let engine: Engine
    /// One line: which engine runs and why (front ends show it).
    public let reason: String
    /// The weight file loaded; nil for the seeded random network.
    public let weights: WeightsFile?
    let fallback: String?

    /// Validates `options` (with `styleCount`, also that `styleBlend` has one weight per style), chooses the
    /// engine (`options.mode`) and loads its weights from `weights`.
    /// - Throws: `InvalidOption` for a bad option (also α ≠ 1 when Gram mode runs, or an unknown layer);
    ///   `StyleError` for missing or corrupt weights.
    public convenience init(options: StyleOptions, weights: WeightsLocation, styleCount: Int? = nil) throws {
        try options.validate(styleCount: styleCount)
        _ = try BLAS.load()
        try self.init(options: options, choice: EngineChoice(mode: options.mode, weights: weights, seed: options.gram.seed))
    }

    init(options: StyleOptions, choice: EngineChoice) throws {
        self.options = options
        engine = choice.engine
        reason = choice.reason
        weights = choice.weights
        fallback = choice.fallback
        try checkOptionsForEngine()
    }

    /// The same engine with other options (validated): weights load once, each request brings its options.
    /// - Throws: `InvalidOption` for a bad option or a `mode` this engine does not run.
    public func with(_ options: StyleOptions) throws -> Stylizer {
        try options.validate()
        guard options.mode == .auto || options.mode == mode else {
            throw InvalidOption("mode", "\(options.mode.rawValue) is not available here: this engine runs \(mode.rawValue) mode")
        }
        var choice = EngineChoice(engine: engine, reason: reason, weights: weights, fallback: fallback)
        if case .gram = engine, weights == nil, options.gram.seed != self.options.gram.seed {
            choice = EngineChoice(engine: .gram(defaultRandomNetwork(seed: options.gram.seed)), reason: reason, weights: nil, fallback: fallback)
        }
        return try Stylizer(options: options, choice: choice)
    }

    /// The mode that runs: `.transformer` or `.gram`, never `.auto`.
    public var mode: StyleMode {
        if case .transformer = engine { return .transformer }
        return .gram
    }

    /// The options that depend on the engine: α only in transformer mode, layers the network has.
    func checkOptionsForEngine() throws {
        guard case let .gram(network) = engine else { return }
        guard options.alpha == 1 else {
            let why = fallback.map { $0 + "; " } ?? ""
            throw InvalidOption("alpha", "works in transformer mode only, and Gram mode runs (\(why){mode} \(options.mode.rawValue)); weigh style with {style_weight} instead")
        }
        for (field, names) in [("content_layers", options.gram.contentLayers ?? []), ("style_layers", options.gram.styleLayers?.map(\.name) ?? [])] {
            let unknown = names.filter { !network.layerNames.contains($0) }
            if !unknown.isEmpty {
                throw InvalidOption(field, "names unknown layer(s) \(unknown.joined(separator: ", ")); this network has \(network.layerNames.joined(separator: ", "))")
            }
        }
    }

    /// Progress of a Gram-mode optimisation, after every step.
    public typealias Progress = (GramProgress) -> Void

    /// Stylises content (3,H,W) with a blend of styles (each (3,Hs,Ws)), all RGB in [0,1], weighted by
    /// `options.styleBlend`; returns (3,H',W') where H'×W' is the content's size after `options.size`
    /// (Gram mode: long side 512 by default). Values are not clamped in transformer mode, clamped to
    /// [0,1] in Gram mode (unless `options.preserveColor` is `.luminance`). Gram mode hands `snapshot`
    /// the current image every `options.gram.snapshotEvery` steps and calls `progress` after every step;
    /// `isCancelled` returning true stops it with `CancellationError`; `unchanged` hears when Gram mode
    /// could not move the image (why, and what to change).
    /// - Throws: `ImageTooSmall`; `InvalidOption` ("style_blend") when the weights do not match the styles;
    ///   `CancellationError`.
    public func stylize(content: Tensor, styles: [Tensor], progress: Progress? = nil,
                        snapshot: ((_ step: Int, _ image: Tensor) throws -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil, unchanged: ((UnchangedImage) -> Void)? = nil) throws -> Tensor {
        let prepared = try styles.enumerated().map { try prepareStyle($0.element, index: $0.offset) }
        return try stylize(content: content, styles: prepared, progress: progress, snapshot: snapshot, isCancelled: isCancelled,
                           unchanged: unchanged)
    }

    /// `stylize(content:styles:…)` with styles prepared once by `prepareStyle` (a batch or a service reuses them).
    public func stylize(content: Tensor, styles: [PreparedStyle], progress: Progress? = nil,
                        snapshot: ((_ step: Int, _ image: Tensor) throws -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil, unchanged: ((UnchangedImage) -> Void)? = nil) throws -> Tensor {
        if let blend = options.styleBlend, blend.count != styles.count {
            throw InvalidOption("style_blend", "needs one weight per style image (\(styles.count)), not \(blend.count)")
        }
        precondition(!styles.isEmpty, "at least one style")
        let blend = options.blendWeights(styleCount: styles.count)
        let color = options.preserveColor
        switch engine {
        case let .transformer(model):
            let c = options.size.map { resizeLongSide(content, to: $0) } ?? content
            try checkTransformerContent(content.imageSize, used: c.imageSize, model: model)
            if color == .none, case let encoded = styles.compactMap(\.encoded), encoded.count == styles.count {
                return try model.stylize(content: c, styles: encoded, weights: blend, alpha: options.alpha, precision: options.precision)
            }
            let recolored = color.prepare(content: c, styles: styles.map(\.image))
            return color.finish(try model.stylize(content: recolored.content, styles: recolored.styles, weights: blend, alpha: options.alpha,
                                                  precision: options.precision), content: c)
        case let .gram(network):
            let c = resizeLongSide(content, to: options.size ?? StyleOptions.defaultGramSize)
            let passes = try gramPasses(for: c.imageSize, original: content.imageSize, styles: styles.map(\.image.imageSize), network: network)
            let work = workSchedule(passes, margin: options.gram.margin ?? network.suggestedMargin)
            let model = color.prepare(content: c, styles: styles.map(\.image))
            return color.finish(try gramStylize(content: model.content, styles: model.styles, weights: blend, network: network, options: options.gram,
                                                progress: progress.map { p in { step, content, style, sum in
                                                    p(GramProgress(step: step, totalSteps: work.count, contentLoss: content, styleLoss: style, totalLoss: sum,
                                                                   workDone: work[min(step, work.count) - 1]))
                                                } },
                                                snapshot: snapshot.map { s in { step, image in try s(step, color.finish(image, content: c)) } },
                                                isCancelled: isCancelled, unchanged: unchanged), content: c)
        }
    }
}

/// image (3,H,W) scaled so that max(H,W) = side, aspect kept; antialiased when shrinking.
public func resizeLongSide(_ image: Tensor, to side: Int) -> Tensor {
    let (nh, nw) = longSideSize(image.imageSize, to: side)
    if (nh, nw) == image.imageSize { return image }
    return side < max(image.shape[1], image.shape[2]) ? resizeAntialiased(image, height: nh, width: nw) : resizeBilinear(image, height: nh, width: nw)
}
