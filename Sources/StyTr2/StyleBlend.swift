import StyleCore

extension StyTr2Model {
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
    /// α must be in [0,1] and the weights (nil = equal) one per style, ≥ 0, not all 0: the caller's boundary
    /// (`StyleOptions.validate`) checks them.
    /// - Throws: `StyleError.invalidArgument` for images too small for the model.
    public func stylize(content: Tensor, styles: [Tensor], weights: [Float]? = nil, alpha: Float = 1,
                        precision: Precision = .fp32) throws -> Tensor {
        for style in styles { try check(style, "style") }
        return try blend(content: content, memories: styles.map { style in { self.styleMemory(embedding: self.embed(style), precision: precision) } },
                         weights: weights, alpha: alpha, precision: precision)
    }

    /// `stylize(content:styles:weights:alpha:precision:)` with styles encoded by `encodeStyle` in the same
    /// precision (a batch encodes each once).
    public func stylize(content: Tensor, styles: [EncodedStyle], weights: [Float]? = nil, alpha: Float = 1,
                        precision: Precision = .fp32) throws -> Tensor {
        try blend(content: content, memories: styles.map { style in { style.tokens } }, weights: weights, alpha: alpha,
                  precision: precision)
    }

    /// The blend above; each style memory is computed only if its coefficient is above 0.
    func blend(content: Tensor, memories: [() -> Tensor], weights: [Float]?, alpha: Float, precision: Precision) throws -> Tensor {
        precondition(alpha >= 0 && alpha <= 1, "alpha must be in [0,1]")
        let w = weights ?? Array(repeating: 1, count: memories.count)
        precondition(w.count == memories.count && w.allSatisfy { $0 >= 0 } && w.contains { $0 > 0 }, "one blend weight ≥ 0 per style, not all 0")
        let sum = w.reduce(0, +)
        try check(content, "content")
        let encoded = encodeContent(content, precision: precision)
        var terms: [(memory: () -> Tensor, coefficient: Float)] = zip(memories, w).map { ($0, alpha * $1 / sum) }
        terms.append(({ self.styleMemory(embedding: encoded.embedding, precision: precision) }, 1 - alpha))
        let blended = Tensor(shape: encoded.tokens.shape)
        for term in terms where term.coefficient > 0 {
            addScaledInPlace(blended, decode(encoded, memory: term.memory(), precision: precision), scale: term.coefficient)
        }
        return render(blended, encoded, precision: precision)
    }
}
