import StyleCore

/// The StyTr² model (Deng et al., CVPR 2022) for inference: one forward pass from a content and a
/// style image to the stylised image, equal to the official PyTorch code (see
/// shared/design/stytr2-architecture.md), generalised to any sizes:
/// - Token grids need not be square, and content and style sizes may differ: CAPE is resized to
///   the content grid (the official rule when both grids are equal).
/// - A side that is not a multiple of the patch size is reflect-padded at the bottom/right up to
///   the next multiple; the output is cropped back to the content's size.
public final class StyTr2 {
    public let configuration: StyTr2Configuration
    let embedWeight: Tensor      // (D,3,P,P)
    let embedBias: Tensor        // (D)
    let capeWeight: Tensor       // (D,D,1,1)
    let capeBias: Tensor         // (D)
    let encoderC: [EncoderLayer]
    let encoderS: [EncoderLayer]
    let decoder: [DecoderLayer]
    let decoderNorm: NormWeights
    let cnn: CNNDecoder

    /// Builds the model, checking every tensor's shape against `configuration`.
    public init(configuration c: StyTr2Configuration, weights w: WeightProvider, path: String = "weights") throws {
        configuration = c
        let d = c.dModel
        guard c.cnnScale == c.patchSize else {
            throw StyleError.weights(path: path, reason: "the CNN decoder upsamples ×\(c.cnnScale) but patches are \(c.patchSize) px")
        }
        embedWeight = try w.tensor("embedding.proj.weight", shape: [d, 3, c.patchSize, c.patchSize])
        embedBias = try w.tensor("embedding.proj.bias", shape: [d])
        capeWeight = try w.tensor("transformer.new_ps.weight", shape: [d, d, 1, 1])
        capeBias = try w.tensor("transformer.new_ps.bias", shape: [d])
        encoderC = try (0..<c.encoderCLayers).map { try EncoderLayer(w, "transformer.encoder_c.layers.\($0)", c) }
        encoderS = try (0..<c.encoderSLayers).map { try EncoderLayer(w, "transformer.encoder_s.layers.\($0)", c) }
        decoder = try (0..<c.decoderLayers).map { try DecoderLayer(w, "transformer.decoder.layers.\($0)", c) }
        decoderNorm = try NormWeights(w, "transformer.decoder.norm", d: c.dModel)
        cnn = try CNNDecoder(w, c, path: path)
    }

    /// Every intermediate of one forward pass, for per-stage parity tests.
    public struct Stages {
        /// (D,hc,wc): the content's patch embedding.
        public var contentEmbedding: Tensor
        /// (Nc,D): CAPE resized to the content grid, flattened.
        public var contentPosition: Tensor
        /// (Nc,D) and (Ns,D): encoder outputs.
        public var encodedContent, encodedStyle: Tensor
        /// (Nc,D): after the decoder's final LayerNorm.
        public var decoded: Tensor
        /// (3,H,W): the CNN output, cropped to the content size, not clamped.
        public var output: Tensor
    }

    /// The smallest side accepted: the CNN's reflection padding needs a token grid of 2×2.
    public var minimumSide: Int { 2 * configuration.patchSize }

    /// Stylises content (3,H,W) with style (3,Hs,Ws); returns (3,H,W), values not clamped.
    public func stylize(content: Tensor, style: Tensor) throws -> Tensor {
        try forward(content: content, style: style).output
    }

    /// A style image run through the patch embedding and the style encoder: what every content
    /// stylised with that style shares, so a batch computes it once per style.
    public struct EncodedStyle {
        /// (Ns,D): the style encoder's output, the decoder's memory.
        public let tokens: Tensor
    }

    /// Encodes style (3,Hs,Ws) for `stylize(content:style:)`.
    public func encodeStyle(_ style: Tensor) throws -> EncodedStyle {
        try checkImage(style, "style")
        var s = channelsToTokens(embed(style))
        for layer in encoderS { s = layer.forward(s, pos: nil) }
        return EncodedStyle(tokens: s)
    }

    /// Stylises content (3,H,W) with an encoded style; returns (3,H,W), values not clamped.
    public func stylize(content: Tensor, style: EncodedStyle) throws -> Tensor {
        try forward(content: content, style: style).output
    }

    /// One forward pass keeping every intermediate (for parity tests; `stylize` returns the output).
    public func forward(content: Tensor, style: Tensor) throws -> Stages {
        try checkImage(content, "content")
        return try forward(content: content, style: encodeStyle(style))
    }

    /// One forward pass from an encoded style, keeping every intermediate.
    public func forward(content: Tensor, style: EncodedStyle) throws -> Stages {
        try checkImage(content, "content")
        let c = configuration
        let contentEmbedding = embed(content)
        let hc = contentEmbedding.shape[1], wc = contentEmbedding.shape[2]

        // CAPE: pool the content embedding to capePool², 1×1 conv, resize to the content grid.
        let pooled = adaptiveAvgPool2d(contentEmbedding, outHeight: c.capePool, outWidth: c.capePool)
        let cape = conv2d(pooled, weight: capeWeight, bias: capeBias)
        let pos = channelsToTokens(resizeBilinear(cape, height: hc, width: wc))

        var t = channelsToTokens(contentEmbedding)
        for layer in encoderC { t = layer.forward(t, pos: pos) }
        let encodedContent = t
        for layer in decoder { t = layer.forward(t, memory: style.tokens, queryPos: pos) }
        decoderNorm.addNormWithoutResidual(t)

        let image = cnn.forward(tokensToChannels(t, height: hc, width: wc))
        return Stages(contentEmbedding: contentEmbedding, contentPosition: pos,
                      encodedContent: encodedContent, encodedStyle: style.tokens, decoded: t,
                      output: crop(image, height: content.shape[1], width: content.shape[2]))
    }

    /// Throws unless image is (3,H,W) with both sides at least `minimumSide`.
    func checkImage(_ image: Tensor, _ name: String) throws {
        guard image.rank == 3, image.shape[0] == 3 else {
            throw StyleError.invalidArgument("\(name) image must be (3,H,W), got \(image.shape)")
        }
        guard image.shape[1] >= minimumSide, image.shape[2] >= minimumSide else {
            throw StyleError.invalidArgument("\(name) image is \(image.shape[2])×\(image.shape[1]); StyTr² needs at least \(minimumSide)×\(minimumSide)")
        }
    }

    /// image (3,H,W) → patch embedding (D, ⌈H/P⌉, ⌈W/P⌉), reflect-padding to whole patches.
    func embed(_ image: Tensor) -> Tensor {
        let p = configuration.patchSize
        let padded = reflectPadBottomRight(image, height: (image.shape[1] + p - 1) / p * p, width: (image.shape[2] + p - 1) / p * p)
        return conv2d(padded, weight: embedWeight, bias: embedBias, stride: p)
    }
}

extension NormWeights {
    func addNormWithoutResidual(_ x: Tensor) { addLayerNormInPlace(x, residual: nil, weight: weight, bias: bias) }
}

/// x (C,H,W) reflect-padded at the bottom and right to (C,height,width); x itself when no padding is needed.
func reflectPadBottomRight(_ x: Tensor, height: Int, width: Int) -> Tensor {
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    if h == height && w == width { return x }
    precondition(height - h < h && width - w < w, "reflection padding larger than the image")
    let out = Tensor(shape: [c, height, width])
    for ch in 0..<c {
        for y in 0..<height {
            let sy = y < h ? y : 2 * h - 2 - y
            let src = x.data + (ch * h + sy) * w, dst = out.data + (ch * height + y) * width
            dst.update(from: src, count: w)
            for xx in w..<width { dst[xx] = src[2 * w - 2 - xx] }
        }
    }
    return out
}

/// The top-left (C,height,width) of x (C,H,W); x itself when the sizes match.
func crop(_ x: Tensor, height: Int, width: Int) -> Tensor {
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    if h == height && w == width { return x }
    let out = Tensor(shape: [c, height, width])
    for ch in 0..<c {
        for y in 0..<height {
            (out.data + (ch * height + y) * width).update(from: x.data + (ch * h + y) * w, count: width)
        }
    }
    return out
}
