import GramStyle
import StyleCore

/// One video frame's result and what the next frame starts from.
public struct StylizedFrame {
    /// The frame's result (3,H,W), as `stylize(content:styles:…)` returns it.
    public let image: Tensor
    /// Gram mode: the optimised image before colour preservation, the next frame's warm start.
    public let warmStart: Tensor?
}

extension Stylizer {
    /// Stylises one frame of a sequence with styles prepared once by `prepareStyle`. Transformer mode: equal
    /// to `stylize(content:styles:…)`. Gram mode: a frame keeps its size unless `options.size` is set (no
    /// 512 px default as for photos); with `warmStart` (the previous frame's `StylizedFrame.warmStart`) one
    /// pass at the frame's size starts from it and runs `warmSteps` steps instead of the whole schedule.
    /// - Throws: as `stylize(content:styles:…)`.
    public func stylizeFrame(_ content: Tensor, styles: [PreparedStyle], warmStart: Tensor?, warmSteps: Int,
                             isCancelled: (() -> Bool)? = nil) throws -> StylizedFrame {
        guard case let .gram(network) = engine else {
            return StylizedFrame(image: try stylize(content: content, styles: styles, isCancelled: isCancelled), warmStart: nil)
        }
        if let blend = options.styleBlend, blend.count != styles.count {
            throw InvalidOption("style_blend", "needs one weight per style image (\(styles.count)), not \(blend.count)")
        }
        let c = options.size.map { resizeLongSide(content, to: $0) } ?? content
        _ = try gramPasses(for: c.imageSize, original: content.imageSize, styles: styles.map(\.image.imageSize), network: network)  // size checks
        var gram = options.gram
        if warmStart != nil {
            gram.scales = []
            gram.steps = warmSteps
        }
        let color = options.preserveColor
        let model = color.prepare(content: c, styles: styles.map(\.image))
        let optimised = try gramStylize(content: model.content, styles: model.styles, weights: options.blendWeights(styleCount: styles.count),
                                        network: network, options: gram, initialImage: warmStart, isCancelled: isCancelled)
        return StylizedFrame(image: color.finish(optimised, content: c), warmStart: optimised)
    }
}
