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

/// Query and key rows per block of the streaming attention: scores never exceed this tile.
public struct AttentionBlocking: Sendable {
    public var queryBlock = 512
    public var keyBlock = 2048
    public init(queryBlock: Int = 512, keyBlock: Int = 2048) { self.queryBlock = queryBlock; self.keyBlock = keyBlock }
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
/// Heads run in parallel, one per core at a time, each on single-threaded GEMMs and its own scratch.
func streamingAttention(q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
                        out: UnsafeMutablePointer<Float>, nq: Int, nk: Int, d: Int, heads: Int,
                        blocking: AttentionBlocking) {
    let dh = d / heads
    let bq = min(blocking.queryBlock, nq), bk = min(blocking.keyBlock, nk)
    let scale = 1 / Float(dh).squareRoot()
    DispatchQueue.concurrentPerform(iterations: heads) { h in
        let scores = UnsafeMutablePointer<Float>.allocate(capacity: bq * bk)   // (bq, bk)
        let acc = UnsafeMutablePointer<Float>.allocate(capacity: bq * dh)      // (bq, dh)
        let rowMax = UnsafeMutablePointer<Float>.allocate(capacity: bq)
        let rowSum = UnsafeMutablePointer<Float>.allocate(capacity: bq)
        defer { scores.deallocate(); acc.deallocate(); rowMax.deallocate(); rowSum.deallocate() }
        var q0 = 0
        while q0 < nq {
            let rows = min(bq, nq - q0)
            acc.update(repeating: 0, count: rows * dh)
            rowMax.update(repeating: -.infinity, count: rows)
            rowSum.update(repeating: 0, count: rows)
            var k0 = 0
            while k0 < nk {
                let cols = min(bk, nk - k0)
                // scores (rows, cols) = scale · Qh[q0..] · Kh[k0..]ᵀ
                gemm(transB: true, m: rows, n: cols, k: dh, alpha: scale, a: q + q0 * d + h * dh, lda: d,
                     b: k + k0 * d + h * dh, ldb: d, c: scores, ldc: cols, parallel: false)
                // Online softmax: rescale what was accumulated under the old row maximum.
                for i in 0..<rows {
                    let s = scores + i * cols
                    let m = max(rowMax[i], rowMaximum(s, count: cols))
                    let correction = expf(rowMax[i] - m)
                    rowSum[i] = rowSum[i] * correction + expShiftedSum(s, count: cols, shift: m)
                    rowMax[i] = m
                    if correction != 1 { let a = acc + i * dh; for j in 0..<dh { a[j] *= correction } }
                }
                // acc (rows, dh) += P (rows, cols) · Vh[k0..] (cols, dh)
                gemm(m: rows, n: dh, k: cols, a: scores, lda: cols, b: v + k0 * d + h * dh, ldb: d,
                     beta: 1, c: acc, ldc: dh, parallel: false)
                k0 += cols
            }
            for i in 0..<rows {
                let inv = 1 / rowSum[i], o = out + (q0 + i) * d + h * dh, a = acc + i * dh
                for j in 0..<dh { o[j] = a[j] * inv }
            }
            q0 += rows
        }
    }
}
