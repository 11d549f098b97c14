import GramStyle
import StyleCore

/// Which method stylises.
public enum StyleMode: String, CaseIterable, Sendable {
    /// StyTr² when its weights are there and valid, otherwise Gram mode.
    case auto
    /// StyTr²: one forward pass; needs weights/stytr2.safetensors.
    case transformer
    /// Gatys et al.: optimise the image against VGG-19 Gram matrices (or a seeded random network).
    case gram
}

/// Everything that decides a stylisation, with the defaults a user gets from `stylize`.
public struct StyleOptions: Sendable {
    /// Which method stylises.
    public var mode: StyleMode = .auto
    /// A weights directory (holding stytr2.safetensors / vgg19.safetensors) or a .safetensors file;
    /// nil: $STYLIZE_WEIGHTS, else ./weights.
    public var weights: String?
    /// Resize the content so its long side is this many pixels; nil keeps the content's size in
    /// transformer mode and uses 512 in Gram mode.
    public var size: Int?
    /// Resize the style image so its long side is this many pixels (0 keeps it as it is).
    /// StyTr² was trained on 512² style crops, so 512 keeps strokes at the scale it learnt.
    public var styleSize = 512
    /// Images with more pixels than this are refused before decoding.
    public var maxPixels = 64 * 1024 * 1024
    /// Gram mode: weights, layers, optimiser, steps, initialisation, multi-scale schedule
    /// (default: `GramOptions.standard`, coarse to fine in about a minute at 512²).
    public var gram = GramOptions.standard
    /// Transformer mode: style strength α in [0,1]; 1 = full style, 0 = the content's own
    /// reconstruction, between them the blend `StyTr2.stylize(content:styles:weights:alpha:)` documents.
    /// Gram mode accepts only 1 (`Stylizer.init` throws otherwise): weigh style there with `gram.styleWeight`.
    public var alpha: Float = 1
    /// Weights of several style images, one per style passed to `Stylizer.stylize`, each ≥ 0 (normalised
    /// to sum 1); nil = equal. Transformer mode blends the decoder outputs, Gram mode the Gram targets.
    public var styleBlend: [Float]? = nil
    /// Whose colours the result keeps (both modes).
    public var preserveColor: ColorPreservation = .none

    /// The defaults of the `stylize` command.
    public init() {}

    /// Throws `StyleError.invalidArgument` naming the allowed range of the first bad value.
    public func validate() throws {
        if let size, !(16...16384).contains(size) {
            throw StyleError.invalidArgument("--size must be between 16 and 16384 pixels, not \(size)")
        }
        if styleSize != 0 && !(16...16384).contains(styleSize) {
            throw StyleError.invalidArgument("--style-size must be 0 (keep) or between 16 and 16384 pixels, not \(styleSize)")
        }
        if maxPixels < 1 { throw StyleError.invalidArgument("--max-pixels must be positive, not \(maxPixels)") }
        guard alpha >= 0 && alpha <= 1 else { throw StyleError.invalidArgument("--alpha must be between 0 and 1, not \(alpha)") }
        if let styleBlend { _ = try normalizedBlendWeights(styleBlend, styleCount: styleBlend.count) }
    }
}
