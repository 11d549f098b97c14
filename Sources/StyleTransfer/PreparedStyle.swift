import StyTr2
import StyleCore

/// A style image made ready once for any number of contents: resized to `options.styleSize` and,
/// in transformer mode without colour preservation (which recolours the style for each content),
/// run through StyTr²'s style encoder (in `options.precision`), so a batch or a service skips that per content.
public struct PreparedStyle: @unchecked Sendable {
    /// The style image as the mode uses it (transformer: resized; Gram: as given, each pass resizes it).
    let image: Tensor
    /// Transformer mode: the encoded style tokens.
    let encoded: StyTr2Model.EncodedStyle?
}

extension Stylizer {
    /// Prepares style (3,Hs,Ws), RGB in [0,1], the `index`-th of the styles it will be used with.
    /// - Throws: `ImageTooSmall` when transformer mode would shrink it below the model's smallest side.
    public func prepareStyle(_ style: Tensor, index: Int = 0) throws -> PreparedStyle {
        guard case let .transformer(model) = engine else { return PreparedStyle(image: style, encoded: nil) }
        let resized = options.styleSize > 0 ? resizeLongSide(style, to: options.styleSize) : style
        try checkTransformerStyle(style.imageSize, index: index, model: model)
        let encoded = options.preserveColor == .none ? try model.encodeStyle(resized, precision: options.precision) : nil
        return PreparedStyle(image: resized, encoded: encoded)
    }
}
