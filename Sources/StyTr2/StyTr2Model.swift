import StyleCore

/// The StyTr² model (Deng et al., CVPR 2022) for inference: one forward pass from a content and a
/// style image to the stylised image, equal to the official PyTorch code (see
/// shared/design/stytr2-architecture.md), generalised to any sizes:
/// - Token grids need not be square, and content and style sizes may differ: CAPE is resized to
///   the content grid (the official rule when both grids are equal).
/// - A side that is not a multiple of the patch size is reflect-padded at the bottom/right up to
///   the next multiple; the output is cropped back to the content's size.
public final class StyTr2Model {
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
        /// (D,hc,wc) and (D,hs,ws): patch embeddings.
        public var contentEmbedding, styleEmbedding: Tensor
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
    /// `.bf16` runs the transformer's matrix products and the CNN decoder's convolutions with bf16
    /// operands and fp32 accumulation; the patch embedding, CAPE, LayerNorms and softmax stay fp32.
    public func stylize(content: Tensor, style: Tensor, precision: Precision = .fp32) throws -> Tensor {
        try forward(content: content, style: style, precision: precision).output
    }

    public func forward(content: Tensor, style: Tensor, precision: Precision = .fp32) throws -> Stages {
        try check(content, "content")
        try check(style, "style")
        let encoded = encodeContent(content, precision: precision)
        let styleEmbedding = embed(style)
        let memory = styleMemory(embedding: styleEmbedding, precision: precision)
        let decoded = decode(encoded, memory: memory, precision: precision)
        return Stages(contentEmbedding: encoded.embedding, styleEmbedding: styleEmbedding, contentPosition: encoded.position,
                      encodedContent: encoded.tokens, encodedStyle: memory, decoded: decoded,
                      output: render(decoded, encoded, precision: precision))
    }

    /// Throws `StyleError.invalidArgument` unless image is (3,H,W) with H, W ≥ `minimumSide`.
    func check(_ image: Tensor, _ name: String) throws {
        guard image.rank == 3, image.shape[0] == 3 else {
            throw StyleError.invalidArgument("\(name) image must be (3,H,W), got \(image.shape)")
        }
        guard image.shape[1] >= minimumSide, image.shape[2] >= minimumSide else {
            throw StyleError.invalidArgument("\(name) image is \(image.shape[2])×\(image.shape[1]); StyTr² needs at least \(minimumSide)×\(minimumSide)")
        }
    }

    /// The content half of a forward pass, shared by every style decoded against it.
    struct EncodedContent {
        /// (D,hc,wc) patch embedding.
        var embedding: Tensor
        /// (Nc,D) CAPE on the content grid.
        var position: Tensor
        /// (Nc,D) content encoder output.
        var tokens: Tensor
        /// The content image's height and width (the output is cropped to them).
        var imageHeight, imageWidth: Int
    }

    func encodeContent(_ content: Tensor, precision: Precision) -> EncodedContent {
        let c = configuration
        let embedding = embed(content)
        let hc = embedding.shape[1], wc = embedding.shape[2]
        // CAPE: pool the content embedding to capePool², 1×1 conv, resize to the content grid.
        let pooled = adaptiveAvgPool2d(embedding, outHeight: c.capePool, outWidth: c.capePool)
        let cape = conv2d(pooled, weight: capeWeight, bias: capeBias)
        let pos = channelsToTokens(resizeBilinear(cape, height: hc, width: wc))
        var t = channelsToTokens(embedding)
        for layer in encoderC { t = layer.forward(t, pos: pos, precision: precision) }
        return EncodedContent(embedding: embedding, position: pos, tokens: t, imageHeight: content.shape[1], imageWidth: content.shape[2])
    }

    /// A style image run through the patch embedding and the style encoder: what every content
    /// stylised with that style shares, so a batch computes it once per style.
    public struct EncodedStyle {
        /// (Ns,D): the style encoder's output, the decoder's memory.
        public let tokens: Tensor
    }

    /// Encodes style (3,Hs,Ws) for `stylize(content:styles:weights:alpha:precision:)`, in that precision.
    public func encodeStyle(_ style: Tensor, precision: Precision = .fp32) throws -> EncodedStyle {
        try check(style, "style")
        return EncodedStyle(tokens: styleMemory(embedding: embed(style), precision: precision))
    }

    /// Style patch embedding (D,hs,ws) → style memory (Ns,D).
    func styleMemory(embedding: Tensor, precision: Precision) -> Tensor {
        var s = channelsToTokens(embedding)
        for layer in encoderS { s = layer.forward(s, pos: nil, precision: precision) }
        return s
    }

    /// The decoder output hs (Nc,D), after its final LayerNorm, for the content against a style memory.
    func decode(_ content: EncodedContent, memory: Tensor, precision: Precision) -> Tensor {
        // The final norm works in place: never on the shared content tokens.
        var t = decoder.isEmpty ? content.tokens.copy() : content.tokens
        for layer in decoder { t = layer.forward(t, memory: memory, queryPos: content.position, precision: precision) }
        decoderNorm.addNormWithoutResidual(t)
        return t
    }

    /// Decoder tokens (Nc,D) → image (3,H,W) by the CNN decoder, cropped to the content's size.
    func render(_ decoded: Tensor, _ content: EncodedContent, precision: Precision) -> Tensor {
        let image = cnn.forward(tokensToChannels(decoded, height: content.embedding.shape[1], width: content.embedding.shape[2]),
                                precision: precision)
        return crop(image, height: content.imageHeight, width: content.imageWidth)
    }

    /// image (3,H,W) → patch embedding (D, ⌈H/P⌉, ⌈W/P⌉), reflect-padding to whole patches.
    func embed(_ image: Tensor) -> Tensor {
        let p = configuration.patchSize
        let padded = reflectPad(image, bottom: (p - image.shape[1] % p) % p, right: (p - image.shape[2] % p) % p)
        return conv2d(padded, weight: embedWeight, bias: embedBias, stride: p)
    }
}

extension NormWeights {
    func addNormWithoutResidual(_ x: Tensor) { addLayerNormInPlace(x, residual: nil, weight: weight, bias: bias) }
}
