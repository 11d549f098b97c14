import CKernels
import Dispatch
import Foundation

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
/// is linear in Nq + Nk (never an Nq×Nk matrix).
public func multiHeadAttention(query: Tensor, key: Tensor, value: Tensor, weights w: AttentionWeights,
                               queryPos: Tensor? = nil, keyPos: Tensor? = nil,
                               blocking: AttentionBlocking = AttentionBlocking()) -> Tensor {
    let d = w.dModel, nq = query.shape[0], nk = key.shape[0]
    precondition(query.shape == [nq, d] && key.shape == [nk, d] && value.shape == [nk, d],
                 "attention: query \(query.shape), key \(key.shape), value \(value.shape), d_model \(d)")
    let qIn = queryPos.map { adding(query, $0) } ?? query
    let kIn = keyPos.map { adding(key, $0) } ?? key
    // Projections: Q (Nq,D), K (Nk,D), V (Nk,D).
    let q = Tensor(shape: [nq, d]), k = Tensor(shape: [nk, d]), v = Tensor(shape: [nk, d])
    let wIn = w.inProjWeight.data, bIn = w.inProjBias.data
    linear(qIn.data, n: nq, inFeatures: d, weight: wIn, bias: bIn, outFeatures: d, into: q.data, ldo: d)
    linear(kIn.data, n: nk, inFeatures: d, weight: wIn + d * d, bias: bIn + d, outFeatures: d, into: k.data, ldo: d)
    linear(value.data, n: nk, inFeatures: d, weight: wIn + 2 * d * d, bias: bIn + 2 * d, outFeatures: d, into: v.data, ldo: d)
    let attended = Tensor(shape: [nq, d])
    streamingAttention(q: q.data, k: k.data, v: v.data, out: attended.data, nq: nq, nk: nk, d: d, heads: w.heads,
                       blocking: blocking)
    return linear(attended, weight: w.outProjWeight, bias: w.outProjBias)
}

/// out (Nq,D) = concat over heads of softmax(Qh·Khᵀ/√dh)·Vh, Q/K/V already projected, heads in column slices.
/// Each head's K and V are packed once for the fused kernel (CKernels/attention.c); then (head,
/// query chunk) pairs run in parallel, single-threaded each.
public func streamingAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, nq: Int, nk: Int, d: Int, heads: Int,
                        blocking: AttentionBlocking) {
    let dh = d / heads, scale = 1 / Float(dh).squareRoot()
    let perHead = sk_attention_packed_count(nk, dh)
    let packed = UnsafeMutableRawPointer.allocate(byteCount: heads * perHead * 4, alignment: 64)
        .bindMemory(to: Float.self, capacity: heads * perHead)
    defer { packed.deallocate() }
    DispatchQueue.concurrentPerform(iterations: heads) { h in
        sk_attention_pack(k + h * dh, d, v + h * dh, d, nk, dh, packed + h * perHead)
    }
    // Chunks of whole query blocks, a few per core and head, so both cores stay busy to the end.
    let block = max(1, blocking.queryBlock)
    let chunk = max(block, (nq + 4 * BLAS.cores - 1) / (4 * BLAS.cores) / block * block)
    let chunks = (nq + chunk - 1) / chunk
    DispatchQueue.concurrentPerform(iterations: heads * chunks) { item in
        let h = item / chunks, q0 = (item % chunks) * chunk, rows = min(chunk, nq - q0)
        sk_attention_rows(q + q0 * d + h * dh, d, rows, packed + h * perHead, nk, dh, scale,
                          out + q0 * d + h * dh, d, block, blocking.keyBlock)
    }
}
