import StyleCore

extension StyTr2 {
    /// Stylises content (3,H,W) with a weighted blend of style images at strength α; returns (3,H,W),
    /// values not clamped:
    ///
    ///     output = CNN( α · Σᵢ wᵢ · hs(c, sᵢ) + (1 − α) · hs(c, c) )
    ///
    /// where hs(c, s) is the transformer decoder's output (Nc,D, after its final LayerNorm) for content c
    /// against the memory of style s, hs(c, c) the content's own reconstruction (the content image as its
    /// own style), wᵢ the weights normalised to sum 1, and CNN the upsampling decoder. The blend happens
    /// there because every hs lies on the same content token grid in the space the CNN decoder reads,
    /// whatever each style's size, so one convex combination covers both α and several styles (AdaIN's α
    /// blends the same place); mixing the style memories instead would need equal token counts and the
    /// attention is not linear in them. α = 1 with one style is `stylize(content:style:)`; α = 0 is
    /// `stylize(content: c, style: c)`. Each style with a weight above 0 costs one style encoder and one
    /// decoder pass; 0 < α < 1 adds one of each for hs(c, c); the content encoder and the CNN run once.
    /// - Throws: `StyleError.invalidArgument` for α outside [0,1], bad weights or images.
    public func stylize(content: Tensor, styles: [Tensor], weights: [Float]? = nil, alpha: Float = 1) throws -> Tensor {
        for style in styles { try check(style, "style") }
        return try blend(content: content, memories: styles.map { style in { self.styleMemory(embedding: self.embed(style)) } },
                         weights: weights, alpha: alpha)
    }

    /// `stylize(content:styles:weights:alpha:)` with styles encoded by `encodeStyle` (a batch encodes each once).
    public func stylize(content: Tensor, styles: [EncodedStyle], weights: [Float]? = nil, alpha: Float = 1) throws -> Tensor {
        try blend(content: content, memories: styles.map { style in { style.tokens } }, weights: weights, alpha: alpha)
    }

    /// The blend above; each style memory is computed only if its coefficient is above 0.
    func blend(content: Tensor, memories: [() -> Tensor], weights: [Float]?, alpha: Float) throws -> Tensor {
        guard alpha >= 0 && alpha <= 1 else { throw StyleError.invalidArgument("--alpha must be between 0 and 1, not \(alpha)") }
        let w = try normalizedBlendWeights(weights, styleCount: memories.count)
        try check(content, "content")
        let encoded = encodeContent(content)
        var terms: [(memory: () -> Tensor, coefficient: Float)] = zip(memories, w).map { ($0, alpha * $1) }
        terms.append(({ self.styleMemory(embedding: encoded.embedding) }, 1 - alpha))
        let blended = Tensor(shape: encoded.tokens.shape)
        for term in terms where term.coefficient > 0 {
            addScaledInPlace(blended, decode(encoded, memory: term.memory()), scale: term.coefficient)
        }
        return render(blended, encoded)
    }
}
