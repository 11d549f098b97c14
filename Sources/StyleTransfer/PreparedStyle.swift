import StyTr2
import StyleCore

/// A style image made ready once for any number of contents: resized to `options.styleSize` and,
/// in transformer mode without colour preservation (which recolours the style for each content),
/// run through StyTr²'s style encoder, so a batch skips that per content.
public struct PreparedStyle {
    /// The style image, resized as the mode uses it (3,Hs,Ws).
    let image: Tensor
    /// Transformer mode: the encoded style tokens.
    let encoded: StyTr2.EncodedStyle?
}

extension Stylizer {
    /// Prepares style (3,Hs,Ws), RGB in [0,1], for `stylize(content:style:…)` with a `PreparedStyle`.
    public func prepareStyle(_ style: Tensor) throws -> PreparedStyle {
        guard let transformer else { return PreparedStyle(image: style, encoded: nil) }
        let resized = options.styleSize > 0 ? resizeLongSide(style, to: options.styleSize) : style
        let encoded = options.preserveColor == .none ? try transformer.encodeStyle(resized) : nil
        return PreparedStyle(image: resized, encoded: encoded)
    }

    /// Stylises content with a style prepared by `prepareStyle`: the same result as passing the
    /// style image itself.
    public func stylize(content: Tensor, style: PreparedStyle, progress: Progress? = nil,
                        snapshot: ((_ step: Int, _ image: Tensor) throws -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil) throws -> Tensor {
        guard let transformer, let encoded = style.encoded else {
            return try stylize(content: content, styles: [style.image], progress: progress, snapshot: snapshot, isCancelled: isCancelled)
        }
        let c = options.size.map { resizeLongSide(content, to: $0) } ?? content
        return try transformer.stylize(content: c, styles: [encoded], alpha: options.alpha)
    }
}
