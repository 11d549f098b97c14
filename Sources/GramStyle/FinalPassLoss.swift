import StyleCore

/// The loss terms of `image` under the objective of a run's final pass: `content` and `styles` at the
/// image's size (styles resized by `options.styleScale`), both extended by the margin `gramStylize` uses.
/// Compares results of different schedules (or of the same schedule before and after a change) by what
/// they minimise. `image` and `content` are (3,H,W) RGB in [0,1] of the same size.
/// - Throws: `StyleError.invalidArgument` for an image too small for the network or of another size than the content.
public func finalPassLoss(of image: Tensor, content: Tensor, styles: [Tensor], weights blend: [Float],
                          network: FeatureNetwork, options: GramOptions) throws -> LossTerms {
    guard image.shape == content.shape else {
        throw StyleError.invalidArgument("image \(image.shape) and content \(content.shape) differ in size")
    }
    let h = content.shape[1], w = content.shape[2]
    let margin = min(options.margin ?? network.suggestedMargin, min(h, w) - 1)
    let sized = styles.map { resizedStyle($0, imageLongSide: max(h, w), scale: options.styleScale) }
    let objective = try GramObjective(network: network, content: reflectPad(content, margin), styles: sized, weights: blend, options: options)
    return try objective.evaluate(margin > 0 ? reflectPad(image, margin) : image)
}
