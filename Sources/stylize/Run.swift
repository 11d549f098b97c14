import ArgumentParser
import GramStyle
import StyleCore
import StyleIO
import StyleTransfer
#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Stylise CONTENT with one or more STYLE images and write OUTPUT (the default command).")

    @Argument(help: "Content image (.png, .jpg or .npy float32 (3,H,W)), or a directory or quoted glob pattern of them (batch).") var content: String
    @Argument(help: "Style image(s) (.png, .jpg or .npy), several blended (see --style-blend); or one directory or quoted glob pattern (batch).") var styles: [String] = []
    @Option(name: .shortAndLong, help: "Output file: .png, .jpg/.jpeg or .npy (exact float32, unclamped). Batch: the output directory.") var output: String
    @Option(help: "Batch: format of the files written, png, jpg or npy (default png).") var format: String?
    @Option(help: "auto (StyTr² if its weights are there, else Gram), transformer or gram.") var mode: String = "auto"
    @Option(help: "Weights directory or .safetensors file (default: $STYLIZE_WEIGHTS, else ./weights).") var weights: String?
    // Numeric options take the next word even if it starts with '-', so `--size -5` reaches the
    // range check below ("--size must be between 16 and 16384 …") instead of a usage error.
    @Option(parsing: .unconditional, help: "Resize the content's long side to N pixels first (transformer default: keep; gram default: 512).") var size: Int?
    @Option(parsing: .unconditional, help: "Resize the style's long side to N pixels (0 keeps it).") var styleSize: Int = 512
    @Option(parsing: .unconditional, help: "JPEG quality, 1–100.") var quality: Int = 92
    @Option(parsing: .unconditional, help: "Refuse images with more pixels than this (checked before decoding).") var maxPixels: Int = ImageFile.defaultMaxPixels
    @Flag(name: .shortAndLong, help: "No messages on stderr except warnings and errors.") var quiet = false
    @Option(parsing: .unconditional, help: "Transformer: style strength in [0,1] (0 = the content's own reconstruction).") var alpha: Float = 1
    @Option(parsing: .unconditional, help: "Weights of the style images, comma-separated, one per style, e.g. 2,1 (default: equal).") var styleBlend: String?
    @Option(help: "Keep the content's colours: none, luminance (stylise luminance only) or histogram (match the style's colours to the content's first).") var preserveColor: String = "none"

    // Gram mode
    @Option(parsing: .unconditional, help: "Gram: optimiser steps at the final size (default \(GramOptions.standardSteps), after the coarse passes).") var steps: Int?
    @Option(parsing: .unconditional, help: "Gram: content weight α.") var contentWeight: Float = 1
    @Option(parsing: .unconditional, help: "Gram: style weight β (default: the network's suggestion).") var styleWeight: Float?
    @Option(parsing: .unconditional, help: "Gram: total-variation weight (0 = off).") var tvWeight: Float = 0
    @Option(help: "Gram: content layers, comma-separated (default relu4_2 for VGG-19).") var contentLayers: String?
    @Option(help: "Gram: style layers with optional weights, e.g. relu1_1:1,relu2_1:0.5 (default relu1_1…relu5_1).") var styleLayers: String?
    @Option(help: "Gram: distance for content and style terms: mse, l1, cosine, frobenius, or kl (style: KL divergence of Gram matrices as distributions; content then mse).") var metric: String = "mse"
    @Option(help: "Gram: lbfgs or adam.") var optimizer: String = "lbfgs"
    @Option(parsing: .unconditional, help: "Gram: learning rate (L-BFGS default 1, Adam default 0.02).") var lr: Double?
    @Option(parsing: .unconditional, help: "Gram: L-BFGS history size.") var history: Int = 100
    @Option(help: "Gram: start from content, noise or style.") var initFrom: String = "content"
    @Option(parsing: .unconditional, help: "Gram: seed of the noise start and of the random network.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Gram: style size relative to the content (1 = same long side).") var styleScale: Float = 1
    @Option(help: "Gram: coarse-to-fine long sides before the final size, e.g. 256,384 (each runs --steps), or off (default: long side /4 and /2, 100 and 60 steps).") var multiscale: String?
    @Option(parsing: .unconditional, help: "Gram: also write the image every K steps, as OUTPUT's name + .stepNNNN.") var saveEvery: Int = 0
    // Gram mode, issue 19 (loss scale, patch term): parsed in gramOptionsIssue19(_:).
    @Option(help: "Gram: normalized (each term divided by its target's size: one --style-weight default for any network) or tutorial (raw, as PyTorch's tutorial).") var lossScale: String = "normalized"
    @Option(help: "Gram: style term: gram (Gatys), mrf (Li & Wand: feature patches matched to the style's) or both.") var styleLoss: String = "gram"
    @Option(parsing: .unconditional, help: "Gram: weight of the patch (mrf) term (default \(MRFOptions.defaultWeight)).") var mrfWeight: Float?
    @Option(help: "Gram: layers of the patch term, comma-separated (default relu3_1,relu4_1 for VGG-19).") var mrfLayers: String?
    @Option(parsing: .unconditional, help: "Gram: take style patches every N feature pixels (default 2; 1 = all, slower).") var mrfStride: Int = 2

    func validate() throws {
        guard !styles.isEmpty else { throw ValidationError("Missing expected argument '<styles> ...': give at least one style image") }
    }

    func run() throws {
        installSignalHandlers()
        do {
            var options = StyleOptions()
            guard let m = StyleMode(rawValue: mode) else {
                throw StyleError.invalidArgument("--mode must be auto, transformer or gram, not '\(mode)'")
            }
            guard (1...100).contains(quality) else { throw StyleError.invalidArgument("--quality must be between 1 and 100, not \(quality)") }
            options.mode = m; options.weights = weights; options.size = size
            options.styleSize = styleSize; options.maxPixels = maxPixels
            options.gram = try gramOptions()
            options.alpha = alpha
            options.styleBlend = try styleBlend.map(Self.parseWeights)
            guard let color = ColorPreservation(rawValue: preserveColor) else {
                throw StyleError.invalidArgument("--preserve-color must be none, luminance or histogram, not '\(preserveColor)'")
            }
            options.preserveColor = color
            try options.validate()
            if BatchPlan.isBatchInput(content) || styles.contains(where: BatchPlan.isBatchInput) {
                guard styles.count == 1, styleBlend == nil else {
                    throw StyleError.invalidArgument("a batch takes one style argument (a file, directory or pattern) and no --style-blend")
                }
                return try runBatch(options)
            }
            guard format == nil else {
                throw StyleError.invalidArgument("--format is for batch runs (a directory or pattern as input); a single run takes the format from -o's extension")
            }
            _ = try normalizedBlendWeights(options.styleBlend, styleCount: styles.count)
            _ = try ImageFile.outputFormat(for: output)
            try refuseOverwritingInputs()
            let contentImage = try ImageFile.read(content, maxPixels: maxPixels)
            let styleImages = try styles.map { try ImageFile.read($0, maxPixels: maxPixels) }
            try AtomicFile.checkWritable(output)  // fail now, not after a minute of optimisation
            let stylizer = try Stylizer(options: options)
            if !quiet { fputs("stylize: \(stylizer.modeDescription)\n", stderr) }
            let bar = ProgressBar(enabled: !quiet)
            var unchanged: UnchangedImage?
            let result = try stylizer.stylize(content: contentImage, styles: styleImages, progress: bar.update, snapshot: { step, image in
                try ImageFile.write(image, to: Self.snapshotPath(output, step: step), quality: quality)
            }, unchanged: { unchanged = $0 })
            bar.finish()
            // Even with -q: exit 0 with the input written back must not pass unnoticed.
            if let unchanged { fputs("warning: \(unchanged)\n", stderr) }
            try ImageFile.write(result, to: output, quality: quality, metadata: try metadata(stylizer, content: content, styles: styles, result: result)
                                + (unchanged.map { [("stylize:warning", "\($0)")] } ?? []))
        } catch {
            fail(error)
        }
    }

    func gramOptions() throws -> GramOptions {
        var g = GramOptions.standard
        if let steps {
            guard steps >= 0 else { throw StyleError.invalidArgument("--steps must be 0 or more, not \(steps)") }
            g.steps = steps
        }
        guard saveEvery >= 0 else { throw StyleError.invalidArgument("--save-every must be 0 (off) or more, not \(saveEvery)") }
        g.snapshotEvery = saveEvery
        guard history >= 1 else { throw StyleError.invalidArgument("--history must be 1 or more, not \(history)") }
        guard styleScale > 0 && styleScale <= 8 else { throw StyleError.invalidArgument("--style-scale must be in (0, 8], not \(styleScale)") }
        for (name, v) in [("--content-weight", contentWeight), ("--tv-weight", tvWeight)] where !(v >= 0 && v.isFinite) {
            throw StyleError.invalidArgument("\(name) must be 0 or more, not \(v)")
        }
        if let styleWeight, !(styleWeight >= 0 && styleWeight.isFinite) {
            throw StyleError.invalidArgument("--style-weight must be 0 or more, not \(styleWeight)")
        }
        g.contentWeight = contentWeight; g.styleWeight = styleWeight; g.totalVariationWeight = tvWeight
        g.seed = seed; g.styleScale = styleScale
        guard let m = DistanceMetric(rawValue: metric) else {
            throw StyleError.invalidArgument("--metric must be one of \(DistanceMetric.allCases.map(\.rawValue).joined(separator: ", ")), not '\(metric)'")
        }
        g.contentMetric = m == .kl ? .mse : m; g.styleMetric = m
        if let contentLayers { g.contentLayers = contentLayers.split(separator: ",").map(String.init) }
        if let styleLayers {
            g.styleLayers = try styleLayers.split(separator: ",").map { item in
                let parts = item.split(separator: ":")
                guard parts.count <= 2, let weight = parts.count == 2 ? Float(parts[1]) : 1, weight >= 0 else {
                    throw StyleError.invalidArgument("--style-layers entries are NAME or NAME:WEIGHT with WEIGHT ≥ 0, not '\(item)'")
                }
                return GramOptions.StyleLayer(String(parts[0]), weight: weight)
            }
        }
        switch optimizer {
        case "lbfgs": g.optimiser = .lbfgs(learningRate: lr ?? 1, historySize: history)
        case "adam": g.optimiser = .adam(learningRate: Float(lr ?? 0.02))
        default: throw StyleError.invalidArgument("--optimizer must be lbfgs or adam, not '\(optimizer)'")
        }
        if let lr, !(lr > 0) { throw StyleError.invalidArgument("--lr must be positive, not \(lr)") }
        switch initFrom {
        case "content": g.initialisation = .content
        case "noise": g.initialisation = .noise
        case "style": g.initialisation = .style
        default: throw StyleError.invalidArgument("--init-from must be content, noise or style, not '\(initFrom)'")
        }
        if multiscale == "off" {
            g.scales = []
        } else if let multiscale {
            let sizes = multiscale.split(separator: ",").map { Int($0) }
            guard sizes.allSatisfy({ $0 != nil && $0! >= 16 }) else {
                throw StyleError.invalidArgument("--multiscale takes off or long sides of at least 16 pixels, e.g. 256,384, not '\(multiscale)'")
            }
            g.scales = sizes.map { $0! }
        }
        try gramOptionsIssue19(&g)
        return g
    }

    /// --loss-scale, --style-loss, --mrf-weight, --mrf-layers, --mrf-stride.
    func gramOptionsIssue19(_ g: inout GramOptions) throws {
        guard let scale = LossScale(rawValue: lossScale) else {
            throw StyleError.invalidArgument("--loss-scale must be normalized or tutorial, not '\(lossScale)'")
        }
        guard let kind = StyleLossKind(rawValue: styleLoss) else {
            throw StyleError.invalidArgument("--style-loss must be gram, mrf or both, not '\(styleLoss)'")
        }
        if let mrfWeight, !(mrfWeight >= 0 && mrfWeight.isFinite) {
            throw StyleError.invalidArgument("--mrf-weight must be 0 or more, not \(mrfWeight)")
        }
        guard mrfStride >= 1 else { throw StyleError.invalidArgument("--mrf-stride must be 1 or more, not \(mrfStride)") }
        g.lossScale = scale; g.styleLoss = kind
        g.mrf.weight = mrfWeight; g.mrf.styleStride = mrfStride
        if let mrfLayers { g.mrf.layers = mrfLayers.split(separator: ",").map(String.init) }
    }

    /// "2,1" → [2, 1]; the range is checked by `normalizedBlendWeights`.
    static func parseWeights(_ text: String) throws -> [Float] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map {
            guard let w = Float($0) else {
                throw StyleError.invalidArgument("--style-blend takes comma-separated numbers, one per style image, e.g. 2,1, not '\(text)'")
            }
            return w
        }
    }

    /// Text written into PNG and JPEG outputs: what reproduces the result.
    func metadata(_ stylizer: Stylizer, content: String, styles: [String], result: Tensor) throws -> [(String, String)] {
        [("Software", "stylize \(Stylize.version)")]
            + (try stylizer.metadata(content: content, styles: styles, result: result)).map { ($0.key, $0.value) }
    }

    /// out.png, step 50 → out.step0050.png (the extension stays last so the format is kept).
    static func snapshotPath(_ output: String, step: Int) -> String {
        let slash = output.lastIndex(of: "/").map { output.index(after: $0) } ?? output.startIndex
        let name = output[slash...]
        let stepName = "step" + String(repeating: "0", count: max(0, 4 - String(step).count)) + String(step)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return output + "." + stepName }
        return String(output[..<dot]) + "." + stepName + String(output[dot...])
    }

    /// An output path that is one of the inputs would destroy it.
    func refuseOverwritingInputs() throws {
        for input in [content] + styles {
            var a = stat(), b = stat()
            if stat(output, &a) == 0, stat(input, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
                throw StyleError.write(path: output, reason: "it is the input image \(input); choose another output path")
            }
        }
    }
}

/// Ctrl-C or SIGTERM mid-run: remove half-written temporary outputs, exit 130/143.
func installSignalHandlers() {
    signal(SIGINT) { sig in
        AtomicFile.removePendingTemporaries()
        _exit(128 + sig)
    }
    signal(SIGTERM) { sig in
        AtomicFile.removePendingTemporaries()
        _exit(128 + sig)
    }
}
