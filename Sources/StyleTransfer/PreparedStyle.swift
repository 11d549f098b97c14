import StyTr2
import StyleCore

/// A style image made ready once for any number of contents: resized to `options.styleSize` and,
/// in transformer mode, run through StyTr²'s style encoder (a batch then skips that per content).
public struct PreparedStyle {
    /// The style image as Gram mode uses it (3,Hs,Ws).
    let image: Tensor
    /// Transformer mode: the encoded style tokens.
    let encoded: StyTr2.EncodedStyle?
}

extension Stylizer {
    /// Prepares style (3,Hs,Ws), RGB in [0,1], for `stylize(content:style:)`.
    public func prepareStyle(_ style: Tensor) throws -> PreparedStyle {
        guard let transformer else { return PreparedStyle(image: style, encoded: nil) }
        let resized = options.styleSize > 0 ? resizeLongSide(style, to: options.styleSize) : style
        return PreparedStyle(image: resized, encoded: try transformer.encodeStyle(resized))
    }
}
