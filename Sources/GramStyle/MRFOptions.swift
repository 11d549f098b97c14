import StyleCore

/// Settings of the patch (MRF) style term (Li & Wand 2016), used when `GramOptions.styleLoss` is `.mrf` or `.both`.
public struct MRFOptions: Sendable, Equatable {
    /// Weight of the patch term; nil: `defaultWeight`.
    public var weight: Float? = nil
    /// Layers whose 3×3 feature patches are matched; nil: the network's `defaultPatchLayers`
    /// (relu3_1 and relu4_1 for VGG-19).
    public var layers: [String]? = nil
    /// Style patches are taken every `styleStride` positions in each direction (image patches at every
    /// position): stride 2 keeps a quarter of them, which at 512² cuts the matching GEMM 4× and still
    /// offers each image patch a neighbour within one feature pixel.
    public var styleStride = 2

    public init() {}

    /// Throws `InvalidOption` ("mrf_weight", "mrf_stride") for a value outside its range.
    func validate() throws {
        if let weight, !(weight >= 0 && weight.isFinite) { throw InvalidOption("mrf_weight", "must be 0 or more, not \(weight)") }
        if styleStride < 1 { throw InvalidOption("mrf_stride", "must be 1 or more, not \(styleStride)") }
    }

    /// With the normalised loss scale the patch term is a relative error like the content term. On the random
    /// network, 0.1 kept the layout in the style's colours and marks, 0.2 (at 192 px) and 1 lost it, and 10
    /// made the image one flat colour (every patch matched to the same flat style patch).
    public static let defaultWeight: Float = 0.1
}
