import GramStyle
import StyleCore
import StyleIO

/// Which method stylises.
public enum StyleMode: String, CaseIterable, Sendable {
    /// StyTr² when its weights are there, otherwise Gram mode.
    case auto
    /// StyTr²: one forward pass; needs stytr2.safetensors.
    case transformer
    /// Gatys et al.: optimise the image against VGG-19 Gram matrices (or a seeded random network).
    case gram
}

/// Everything that decides a stylisation, with the defaults a user gets from `stylize`: the library's
/// one validated boundary. Front ends fill it (the CLI from flags, the service from form fields named
/// like `fieldNames`), and `validate` names the first bad field; nothing below it checks options again.
public struct StyleOptions: Sendable {
    /// Which method stylises.
    public var mode: StyleMode = .auto
    /// Resize the content so its long side is this many pixels; nil keeps the content's size in
    /// transformer mode and uses 512 in Gram mode.
    public var size: Int?
    /// Resize the style image so its long side is this many pixels (0 keeps it as it is).
    /// StyTr² was trained on 512² style crops, so 512 keeps strokes at the scale it learnt.
    public var styleSize = 512
    /// Images with more pixels than this are refused before decoding.
    public var maxPixels = ImageFile.defaultMaxPixels
    /// Gram mode: weights, layers, optimizer, steps, initialization, multi-scale schedule
    /// (default: `GramOptions.standard`, coarse to fine, most steps at 1/4 and 1/2 of the size).
    public var gram = GramOptions.standard
    /// Transformer mode: style strength α in [0,1]; 1 = full style, 0 = the content's own
    /// reconstruction, between them the blend `StyTr2Model.stylize(content:styles:weights:alpha:)` documents.
    /// Gram mode accepts only 1: weigh style there with `gram.styleWeight`.
    public var alpha: Float = 1
    /// Weights of several style images, one per style passed to `Stylizer.stylize`, each ≥ 0, not all 0
    /// (normalised to sum 1); nil = equal. Transformer mode blends the decoder outputs, Gram mode the Gram targets.
    public var styleBlend: [Float]? = nil
    /// Whose colours the result keeps (both modes).
    public var preserveColor: ColorPreservation = .none
    /// JPEG and WebP quality of the written result, 1–100 (WebP at 100 is lossless).
    public var quality = 92
    /// Arithmetic of the matrix products; bf16 is refused where it cannot run (`Precision.unavailability`).
    public var precision = Precision.fp32

    /// The defaults of the `stylize` command.
    public init() {}

    /// The Gram long side when `size` is nil.
    public static let defaultGramSize = 512

    /// Throws `InvalidOption` for the first field outside its allowed values; with `styleCount`, also
    /// checks that `styleBlend` has one weight per style.
    public func validate(styleCount: Int? = nil) throws {
        if let size, !(16...16384).contains(size) {
            throw InvalidOption("size", "must be between 16 and 16384 pixels, not \(size)")
        }
        if styleSize != 0 && !(16...16384).contains(styleSize) {
            throw InvalidOption("style_size", "must be 0 (keep) or between 16 and 16384 pixels, not \(styleSize)")
        }
        if !(1...100).contains(quality) { throw InvalidOption("quality", "must be between 1 and 100, not \(quality)") }
        if maxPixels < 1 { throw InvalidOption("max_pixels", "must be positive, not \(maxPixels)") }
        guard alpha >= 0 && alpha <= 1 else { throw InvalidOption("alpha", "must be between 0 and 1, not \(alpha)") }
        if let styleBlend {
            guard styleBlend.allSatisfy({ $0 >= 0 && $0.isFinite }), styleBlend.contains(where: { $0 > 0 }) else {
                throw InvalidOption("style_blend", "weights must be 0 or more with at least one above 0, not \(styleBlend.map { "\($0)" }.joined(separator: ","))")
            }
            if let styleCount, styleBlend.count != styleCount {
                throw InvalidOption("style_blend", "needs one weight per style image (\(styleCount)), not \(styleBlend.count)")
            }
        }
        if styleCount == 0 { throw InvalidOption("style", "needs at least one style image") }
        try precision.check()
        try gram.validate()
    }

    /// The blend weights for `styleCount` styles, normalised to sum 1 (the options must be valid for that count).
    public func blendWeights(styleCount: Int) -> [Float] {
        let w = styleBlend ?? Array(repeating: 1, count: styleCount)
        let sum = w.reduce(0, +)
        return w.map { $0 / sum }
    }
}
