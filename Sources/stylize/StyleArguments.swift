import ArgumentParser
import GramStyle
import StyleCore
import StyleIO
import StyleTransfer
#if canImport(Glibc)
import Glibc
#endif

/// The options of a stylisation, shared by `stylize run` and `stylize video`: each becomes one field of
/// `StyleOptions` (flag `--x-y` = field `x_y`), which validates them all in one place.
struct StyleArguments: ParsableArguments {
    @Option(help: "Which method stylises: auto = StyTr² if its weights are there, else Gram.") var mode: StyleMode = .auto
    @Option(help: "Weights directory or .safetensors file (default: $STYLIZE_WEIGHTS, else ./weights).") var weights: String?
    // Numeric options take the next word even if it starts with '-', so `--size -5` reaches the range
    // check ("--size must be between 16 and 16384 …") instead of a usage error.
    @Option(parsing: .unconditional, help: "Resize the content's long side to N pixels first (transformer default: keep; gram default: 512).") var size: Int?
    @Option(parsing: .unconditional, help: "Resize the style's long side to N pixels (0 keeps it).") var styleSize: Int = 512
    @Option(parsing: .unconditional, help: "JPEG and WebP quality, 1–100 (WebP: 100 is lossless).") var quality: Int = 92
    @Option(parsing: .unconditional, help: "Refuse images with more pixels than this (checked before decoding).") var maxPixels: Int = ImageFile.defaultMaxPixels
    @Option(parsing: .unconditional, help: "Transformer: style strength in [0,1] (0 = the content's own reconstruction).") var alpha: Float = 1
    @Option(parsing: .unconditional, help: "Weights of the style images, comma-separated, one per style, e.g. 2,1 (default: equal).") var styleBlend: String?
    @Option(help: "Arithmetic of the matrix products: fp32, or bf16 (needs a CPU with AVX512-BF16; see stylize info).") var precision: Precision = .fp32
    @Option(help: "Keep the content's colours: luminance stylises luminance only, histogram matches the style's colours to the content's first. (Transparent images are composited on white.)") var preserveColor: ColorPreservation = .none

    // Gram mode
    @Option(parsing: .unconditional, help: "Gram: optimizer steps at the final size (default \(GramOptions.standardSteps), after the coarse passes).") var steps: Int?
    @Option(parsing: .unconditional, help: "Gram: content weight α.") var contentWeight: Float = 1
    @Option(parsing: .unconditional, help: "Gram: style weight β (default: the network's suggestion).") var styleWeight: Float?
    @Option(parsing: .unconditional, help: "Gram: total-variation weight (0 = off).") var tvWeight: Float = 0
    @Option(help: "Gram: content layers, comma-separated (default relu4_2 for VGG-19).") var contentLayers: String?
    @Option(help: "Gram: style layers with optional weights, e.g. relu1_1:1,relu2_1:0.5 (default relu1_1…relu5_1).") var styleLayers: String?
    @Option(help: "Gram: distance for content and style terms (kl: style only, KL divergence of Gram matrices as distributions; content then mse).") var metric: DistanceMetric = .mse
    @Option(help: "Gram: optimizer.") var optimizer: GramOptions.Optimizer = .lbfgs
    @Option(parsing: .unconditional, help: "Gram: learning rate (L-BFGS default 1, Adam default 0.02).") var lr: Double?
    @Option(parsing: .unconditional, help: "Gram: L-BFGS history size.") var history: Int = 100
    @Option(help: "Gram: where the optimisation starts.") var initFrom: GramOptions.Initialization = .content
    @Option(parsing: .unconditional, help: "Gram: seed of the noise start and of the random network.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Gram: style size relative to the content (1 = same long side).") var styleScale: Float = 1
    @Option(help: "Gram: coarse-to-fine long sides before the final size, e.g. 256,384 (each runs --steps) or 128:100,256:60 (steps each), or off (default: long side /4 and /2, \(GramOptions.automaticScaleSteps.map(String.init).joined(separator: " and ")) steps).") var multiscale: String?
    @Option(parsing: .unconditional, help: "Gram: also write the image every K steps, as OUTPUT's name + .stepNNNN.") var saveEvery: Int = 0
    // Gram mode: loss scale and the patch (MRF) term (issue 19).
    @Option(help: "Gram: normalized divides each term by its target's size (one --style-weight default for any network); tutorial is raw, as PyTorch's tutorial.") var lossScale: LossScale = .normalized
    @Option(help: "Gram: style term: gram (Gatys), mrf (Li & Wand: feature patches matched to the style's) or both.") var styleLoss: StyleLossKind = .gram
    @Option(parsing: .unconditional, help: "Gram: weight of the patch (mrf) term (default \(MRFOptions.defaultWeight)).") var mrfWeight: Float?
    @Option(help: "Gram: layers of the patch term, comma-separated (default relu3_1,relu4_1 for VGG-19).") var mrfLayers: String?
    @Option(parsing: .unconditional, help: "Gram: take style patches every N feature pixels (1 = all, 4× slower than 2).") var mrfStride: Int = 2

    /// The options as the library takes them; `Stylizer` validates them (errors name the field, `cliMessage`
    /// turns them into flags). Throws only for list text that does not parse.
    func styleOptions() throws -> StyleOptions {
        var o = StyleOptions()
        o.mode = mode; o.size = size; o.styleSize = styleSize; o.quality = quality; o.maxPixels = maxPixels
        o.alpha = alpha; o.preserveColor = preserveColor; o.precision = precision
        if let steps { o.gram.steps = steps }
        o.gram.contentWeight = contentWeight; o.gram.styleWeight = styleWeight; o.gram.totalVariationWeight = tvWeight
        try o.set("metric", to: metric.rawValue)
        o.gram.lossScale = lossScale; o.gram.styleLoss = styleLoss; o.gram.mrf.weight = mrfWeight; o.gram.mrf.styleStride = mrfStride
        o.gram.optimizer = optimizer; o.gram.learningRate = lr; o.gram.historySize = history
        o.gram.initialization = initFrom; o.gram.seed = seed; o.gram.styleScale = styleScale; o.gram.snapshotEvery = saveEvery
        // Lists go through the library's text form, the one the HTTP service reads too.
        for (field, text) in [("style_blend", styleBlend), ("content_layers", contentLayers), ("style_layers", styleLayers), ("multiscale", multiscale), ("mrf_layers", mrfLayers)] {
            if let text { try o.set(field, to: text) }
        }
        return o
    }

    var weightsLocation: WeightsLocation { resolveWeights(weights) }
}

/// --weights, else $STYLIZE_WEIGHTS, else ./weights.
func resolveWeights(_ flag: String?) -> WeightsLocation {
    if let flag { return WeightsLocation(path: flag) }
    if let env = getenv("STYLIZE_WEIGHTS"), env.pointee != 0 { return WeightsLocation(path: String(cString: env)) }
    return .directory("weights")
}

extension StyleMode: ExpressibleByArgument {}
extension Precision: ExpressibleByArgument {}
extension ColorPreservation: ExpressibleByArgument {}
extension DistanceMetric: ExpressibleByArgument {}
extension GramOptions.Optimizer: ExpressibleByArgument {}
extension GramOptions.Initialization: ExpressibleByArgument {}
extension LossScale: ExpressibleByArgument {}
extension StyleLossKind: ExpressibleByArgument {}
