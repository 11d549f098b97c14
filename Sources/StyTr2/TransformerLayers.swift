import StyleCore

/// Linear weights in PyTorch layout: weight (OUT,IN), bias (OUT).
struct LinearWeights {
    var weight: Tensor
    var bias: Tensor

    init(_ w: WeightProvider, _ prefix: String, out: Int, in inF: Int) throws {
        weight = try w.tensor(prefix + ".weight", shape: [out, inF])
        bias = try w.tensor(prefix + ".bias", shape: [out])
    }

    func callAsFunction(_ x: Tensor, activation: Activation = .none, precision: Precision) -> Tensor {
        linear(x, weight: weight, bias: bias, activation: activation, precision: precision)
    }
}

/// LayerNorm weight and bias (D).
struct NormWeights {
    var weight: Tensor
    var bias: Tensor

    init(_ w: WeightProvider, _ prefix: String, d: Int) throws {
        weight = try w.tensor(prefix + ".weight", shape: [d])
        bias = try w.tensor(prefix + ".bias", shape: [d])
    }

    /// x = LayerNorm(x + residual), in place.
    func addNorm(_ x: Tensor, residual: Tensor) { addLayerNormInPlace(x, residual: residual, weight: weight, bias: bias) }
}

extension AttentionWeights {
    init(_ w: WeightProvider, _ prefix: String, d: Int, heads: Int) throws {
        self.init(inProjWeight: try w.tensor(prefix + ".in_proj_weight", shape: [3 * d, d]),
                  inProjBias: try w.tensor(prefix + ".in_proj_bias", shape: [3 * d]),
                  outProjWeight: try w.tensor(prefix + ".out_proj.weight", shape: [d, d]),
                  outProjBias: try w.tensor(prefix + ".out_proj.bias", shape: [d]), heads: heads)
    }
}

/// Post-norm encoder layer: x = norm1(x + MHA(x+pos, x+pos, x)); x = norm2(x + FFN(x)).
struct EncoderLayer {
    var selfAttention: AttentionWeights
    var linear1, linear2: LinearWeights
    var norm1, norm2: NormWeights

    init(_ w: WeightProvider, _ p: String, _ c: StyTr2Configuration) throws {
        selfAttention = try AttentionWeights(w, p + ".self_attn", d: c.dModel, heads: c.heads)
        linear1 = try LinearWeights(w, p + ".linear1", out: c.ffn, in: c.dModel)
        linear2 = try LinearWeights(w, p + ".linear2", out: c.dModel, in: c.ffn)
        norm1 = try NormWeights(w, p + ".norm1", d: c.dModel)
        norm2 = try NormWeights(w, p + ".norm2", d: c.dModel)
    }

    /// x is (N,D), pos (N,D) or nil; returns the new (N,D). LayerNorms and residuals stay fp32.
    func forward(_ x: Tensor, pos: Tensor?, precision: Precision) -> Tensor {
        let h = multiHeadAttention(query: x, key: x, value: x, weights: selfAttention, queryPos: pos, keyPos: pos,
                                   precision: precision)
        norm1.addNorm(h, residual: x)
        let f = linear2(linear1(h, activation: .relu, precision: precision), precision: precision)
        norm2.addNorm(f, residual: h)
        return f
    }
}

/// StyTr²'s decoder layer. Quirk of the official code: both attention blocks take keys and values
/// from the style memory (no target self-attention); queries carry the content position.
struct DecoderLayer {
    var selfAttention, crossAttention: AttentionWeights
    var linear1, linear2: LinearWeights
    var norm1, norm2, norm3: NormWeights

    init(_ w: WeightProvider, _ p: String, _ c: StyTr2Configuration) throws {
        selfAttention = try AttentionWeights(w, p + ".self_attn", d: c.dModel, heads: c.heads)
        crossAttention = try AttentionWeights(w, p + ".multihead_attn", d: c.dModel, heads: c.heads)
        linear1 = try LinearWeights(w, p + ".linear1", out: c.ffn, in: c.dModel)
        linear2 = try LinearWeights(w, p + ".linear2", out: c.dModel, in: c.ffn)
        norm1 = try NormWeights(w, p + ".norm1", d: c.dModel)
        norm2 = try NormWeights(w, p + ".norm2", d: c.dModel)
        norm3 = try NormWeights(w, p + ".norm3", d: c.dModel)
    }

    /// t is (Nc,D) content tokens, memory (Ns,D) style tokens, queryPos (Nc,D); returns (Nc,D).
    func forward(_ t: Tensor, memory: Tensor, queryPos: Tensor?, precision: Precision) -> Tensor {
        let a = multiHeadAttention(query: t, key: memory, value: memory, weights: selfAttention, queryPos: queryPos,
                                   precision: precision)
        norm1.addNorm(a, residual: t)
        let b = multiHeadAttention(query: a, key: memory, value: memory, weights: crossAttention, queryPos: queryPos,
                                   precision: precision)
        norm2.addNorm(b, residual: a)
        let f = linear2(linear1(b, activation: .relu, precision: precision), precision: precision)
        norm3.addNorm(f, residual: b)
        return f
    }
}
