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
    }
}
