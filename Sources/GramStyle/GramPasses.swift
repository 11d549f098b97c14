/// One pass of a Gram run: the image sizes it optimises and compares at.
public struct GramPass: Sendable {
    /// The long side of the optimised image and the optimizer steps of this pass.
    public let longSide: Int, steps: Int
    /// The content's size at this pass (the optimised image's, before any margin).
    public let content: (height: Int, width: Int)
    /// Each style's size at this pass (`GramOptions.styleScale` × `longSide` on its long side).
    public let styles: [(height: Int, width: Int)]
}

/// The passes of a Gram run, coarse to fine, the content's own size last: `options.passes(longSide:)`
/// with every image's size. An automatic schedule (`options.scales == nil`) drops coarse passes whose
/// content is smaller than `minimumSide` on a side (the network's `minimumSide(layers:)`).
/// - Throws: `InvalidOption` ("multiscale") when a pass given in `options.scales` is not below the content's long side.
public func gramPasses(content: (height: Int, width: Int), styles: [(height: Int, width: Int)],
                       options: GramOptions, minimumSide: Int = 1) throws -> [GramPass] {
    let long = max(content.height, content.width)
    return try options.passes(longSide: long).compactMap { pass in
        let size = pass.longSide == long ? content
            : (height: max(1, Int((Double(content.height) * Double(pass.longSide) / Double(long)).rounded())),
               width: max(1, Int((Double(content.width) * Double(pass.longSide) / Double(long)).rounded())))
        if options.scales == nil, pass.longSide != long, min(size.height, size.width) < minimumSide { return nil }
        return GramPass(longSide: pass.longSide, steps: pass.steps, content: size,
                        styles: styles.map { styleSize($0, imageLongSide: pass.longSide, scale: options.styleScale) })
    }
}

/// A style's size with its long side at scale × the optimised image's long side (aspect kept).
func styleSize(_ style: (height: Int, width: Int), imageLongSide: Int, scale: Float) -> (height: Int, width: Int) {
    let target = Double(imageLongSide) * Double(scale) / Double(max(style.height, style.width))
    return (max(1, Int((Double(style.height) * target).rounded())), max(1, Int((Double(style.width) * target).rounded())))
}

extension FeatureNetwork {
    /// The smallest image side for the layers `options` reads (its content and style layers, or the network's defaults).
    public func minimumSide(for options: GramOptions) -> Int {
        let gramLayers = options.styleLoss == .mrf ? [] : options.styleLayers?.map(\.name) ?? defaultStyleLayers.map(\.name)
        let patchLayers = options.styleLoss == .gram ? [] : options.mrf.layers ?? defaultPatchLayers
        return minimumSide(layers: Set(options.contentLayers ?? defaultContentLayers).union(gramLayers).union(patchLayers))
    }
}
