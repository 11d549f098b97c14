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
    /// Stylises one frame of a sequence with styles prepared once by `prepareStyle` (blended by
    /// `options.styleBlend`). Transformer mode: equal to `stylize(content:styles:…)`, without re-encoding
    /// the styles. Gram mode: with `warmStart` (the previous frame's `StylizedFrame.warmStart`) one pass
    /// at the frame's size starts from it and runs `warmSteps` steps instead of the whole schedule; a frame
    /// keeps its size unless `options.size` is set (no 512 px default as for photos).
    /// - Throws: `StyleError` for bad images or options; `CancellationError`.
    public func stylizeFrame(_ content: Tensor, styles: [PreparedStyle], warmStart: Tensor?, warmSteps: Int,
                             isCancelled: (() -> Bool)? = nil) throws -> StylizedFrame {
        if let transformer {
            let encoded = styles.compactMap(\.encoded)
            guard encoded.count == styles.count else {  // colour preservation recolours the styles per frame
                return StylizedFrame(image: try stylize(content: content, styles: styles.map(\.image), isCancelled: isCancelled), warmStart: nil)
            }
            let c = options.size.map { resizeLongSide(content, to: $0) } ?? content
            return StylizedFrame(image: try transformer.stylize(content: c, styles: encoded, weights: options.styleBlend, alpha: options.alpha),
                                 warmStart: nil)
        }
        guard let network else { preconditionFailure("no model for mode \(mode)") }
        let color = options.preserveColor
        let c = options.size.map { resizeLongSide(content, to: $0) } ?? content
        let model = color.prepare(content: c, styles: styles.map(\.image))
        var gram = options.gram
        if warmStart != nil {
            gram.scales = []
            gram.steps = warmSteps
        }
        let optimised = try gramStylize(content: model.content, styles: model.styles, weights: options.styleBlend, network: network,
                                        options: gram, initialImage: warmStart, isCancelled: isCancelled)
        return StylizedFrame(image: color.finish(optimised, content: c), warmStart: optimised)
    }
}
