import CKernels
import Dispatch

/// Weights of PyTorch's nn.MultiheadAttention (batch_first irrelevant: one sequence at a time).
public struct AttentionWeights: Sendable {
    /// (3D, D): rows 0..<D are Wq, D..<2D Wk, 2D..<3D Wv.
    public var inProjWeight: Tensor
    /// (3D)
    public var inProjBias: Tensor
    /// (D, D)
    public var outProjWeight: Tensor
    /// (D)
    public var outProjBias: Tensor
    public var heads: Int

    public init(inProjWeight: Tensor, inProjBias: Tensor, outProjWeight: Tensor, outProjBias: Tensor, heads: Int) {
        let d = outProjWeight.shape[0]
        precondition(inProjWeight.shape == [3 * d, d] && inProjBias.count == 3 * d && outProjBias.count == d,
                     "attention weights: in_proj \(inProjWeight.shape), out_proj \(outProjWeight.shape)")
        precondition(heads > 0 && d % heads == 0, "\(heads) heads do not divide d_model \(d)")
        self.inProjWeight = inProjWeight; self.inProjBias = inProjBias
        self.outProjWeight = outProjWeight; self.outProjBias = outProjBias; self.heads = heads
    }

    public var dModel: Int { outProjWeight.shape[0] }
}

/// Query rows and keys per block of the streaming attention: scores never exceed this tile.
/// The fused kernel rounds them up to its register tile (6 rows, 16 keys); 48 × 256 floats keep
/// the scores in L2 while each 16-key panel and the query block stay in L1.
public struct AttentionBlocking: Sendable {
    public var queryBlock = 48
    public var keyBlock = 256
    public init(queryBlock: Int = 48, keyBlock: Int = 256) { self.queryBlock = queryBlock; self.keyBlock = keyBlock }
}

/// out (Nq,D) = MultiheadAttention(q = query + queryPos, k = key + keyPos, v = value).
/// query is (Nq,D); key and value are (Nk,D); positions, when given, match their sources.
/// Scores are computed per head in (queryBlock × keyBlock) tiles with an online softmax, so memory
/// is linear in Nq + Nk (never an Nq×Nk matrix). In `.bf16` the projections, QKᵀ and PV take bf16
/// operands with fp32 accumulation; the softmax stays fp32.
public func multiHeadAttention(query: Tensor, key: Tensor, value: Tensor, weights w: AttentionWeights,
                               queryPos: Tensor? = nil, keyPos: Tensor? = nil,
                               blocking: AttentionBlocking = AttentionBlocking(), precision: Precision = .fp32) -> Tensor {
    let d = w.dModel, nq = query.shape[0], nk = key.shape[0]
    precondition(query.shape == [nq, d] && key.shape == [nk, d] && value.shape == [nk, d],
                 "attention: query \(query.shape), key \(key.shape), value \(value.shape), d_model \(d)")
    let wIn = w.inProjWeight.data, bIn = w.inProjBias.data
    // K (Nk,D) and V (Nk,D) live only until packed for the kernel (at 4096×2304 each is 302 MB).
    let packed: Tensor = {
        let kIn = keyPos.map { adding(key, $0) } ?? key
        let k = Tensor(shape: [nk, d]), v = Tensor(shape: [nk, d])
        linear(kIn.data, n: nk, inFeatures: d, weight: wIn + d * d, bias: bIn + d, outFeatures: d, into: k.data, ldo: d,
               precision: precision)
        linear(value.data, n: nk, inFeatures: d, weight: wIn + 2 * d * d, bias: bIn + 2 * d, outFeatures: d, into: v.data, ldo: d,
               precision: precision)
        return packKeysValues(k: k.data, v: v.data, nk: nk, d: d, heads: w.heads, precision: precision)
    }()
    // Q (Nq,D)
    let qIn = queryPos.map { adding(query, $0) } ?? query
    let q = Tensor(shape: [nq, d])
    linear(qIn.data, n: nq, inFeatures: d, weight: wIn, bias: bIn, outFeatures: d, into: q.data, ldo: d, precision: precision)
    let attended = Tensor(shape: [nq, d])
    streamingAttention(q: q.data, packed: packed, out: attended.data, nq: nq, nk: nk, d: d, heads: w.heads,
                       blocking: blocking, precision: precision)
    return linear(attended, weight: w.outProjWeight, bias: w.outProjBias, precision: precision)
}

/// Each head's K and V (Nk,D; heads in column slices) in the fused kernel's layout (CKernels/attention.c),
/// packed once per attention call: (heads, `packedFloats(nk:dh:precision:)`). bf16 packs two values
/// into each float's 4 bytes, so one tensor type holds either layout.
public func packKeysValues(k: UnsafePointer<Float>, v: UnsafePointer<Float>, nk: Int, d: Int, heads: Int,
                           precision: Precision = .fp32) -> Tensor {
    let dh = d / heads, perHead = packedFloats(nk: nk, dh: dh, precision: precision)
    let packed = Tensor(shape: [heads, perHead]), p = packed.data
    parallelFor(iterations: heads) { h in
        switch precision {
        case .fp32: sk_attention_pack(k + h * dh, d, v + h * dh, d, nk, dh, p + h * perHead)
        case .bf16: sk_attention_bf16_pack(k + h * dh, d, v + h * dh, d, nk, dh, bf16Elements(p + h * perHead))
        }
    }
    return packed
}

/// Floats of packed keys and values per head, a multiple of 16 so every head's start stays 64-byte aligned.
func packedFloats(nk: Int, dh: Int, precision: Precision) -> Int {
    switch precision {
    case .fp32: return sk_attention_packed_count(nk, dh)
    case .bf16: return (sk_attention_bf16_packed_count(nk, dh) + 31) / 32 * 16
    }
}

/// The bf16 elements stored in a float buffer's memory (two per float).
@inline(__always) func bf16Elements(_ p: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<UInt16> {
    UnsafeMutableRawPointer(p).assumingMemoryBound(to: UInt16.self)
}

/// out (Nq,D) = concat over heads of softmax(Qh·Khᵀ/√dh)·Vh; Q (Nq,D) already projected, heads in column
/// slices; K and V from `packKeysValues`. (head, query chunk) pairs run in parallel, single-threaded each.
public func streamingAttention(q: UnsafePointer<Float>, packed: Tensor, out: UnsafeMutablePointer<Float>,
                               nq: Int, nk: Int, d: Int, heads: Int, blocking: AttentionBlocking,
                               precision: Precision = .fp32) {
    let dh = d / heads, scale = 1 / Float(dh).squareRoot(), perHead = packedFloats(nk: nk, dh: dh, precision: precision)
    precondition(packed.shape == [heads, perHead], "attention: packed keys/values \(packed.shape) for \(heads) heads of \(nk) keys")
    let p = packed.data
    // Chunks of whole query blocks, a few per core and head, so both cores stay busy to the end.
    let block = max(1, blocking.queryBlock)
    let chunk = max(block, (nq + 4 * BLAS.cores - 1) / (4 * BLAS.cores) / block * block)
    let chunks = (nq + chunk - 1) / chunk
    parallelFor(iterations: heads * chunks) { item in
        let h = item / chunks, q0 = (item % chunks) * chunk, rows = min(chunk, nq - q0)
        switch precision {
        case .fp32:
            sk_attention_rows(q + q0 * d + h * dh, d, rows, p + h * perHead, nk, dh, scale,
                              out + q0 * d + h * dh, d, block, blocking.keyBlock)
        case .bf16:
            sk_attention_bf16_rows(q + q0 * d + h * dh, d, rows, bf16Elements(p + h * perHead), nk, dh, scale,
                                   out + q0 * d + h * dh, d, block, blocking.keyBlock)
        }
    }
}
