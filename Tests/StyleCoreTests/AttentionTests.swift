import TensorTestSupport
import XCTest
@testable import StyleCore

/// multiHeadAttention: nn.MultiheadAttention(d, heads) called as mha(q + qpos, k + kpos, v), with
/// separate query/key/value sources and Nq ≠ Nk, for several blockings of the online softmax, on each
/// variant of the fused kernel this CPU can run (AVX-512 in its own test, skipped without it).
final class AttentionTests: XCTestCase {
    struct Inputs {
        var query, key, value: Tensor
        var queryPos, keyPos: Tensor?
        var weights: AttentionWeights
    }

    static func randomInputs(d: Int, heads: Int, nq: Int, nk: Int, positions: Bool, seed: UInt64,
                             scoreScale: Float = 1) -> Inputs {
        let s = 1 / Float(d).squareRoot()
        let inW = randomTensor([3 * d, d], seed: seed, scale: s)
        for i in 0..<(2 * d * d) { inW[i] *= scoreScale }  // Wq and Wk: scores grow by scoreScale²
        let w = AttentionWeights(inProjWeight: inW, inProjBias: randomTensor([3 * d], seed: seed + 1, scale: 0.1),
                                 outProjWeight: randomTensor([d, d], seed: seed + 2, scale: s),
                                 outProjBias: randomTensor([d], seed: seed + 3, scale: 0.1), heads: heads)
        return Inputs(query: randomTensor([nq, d], seed: seed + 4), key: randomTensor([nk, d], seed: seed + 5),
                      value: randomTensor([nk, d], seed: seed + 6),
                      queryPos: positions ? randomTensor([nq, d], seed: seed + 7, scale: 0.5) : nil,
                      keyPos: positions ? randomTensor([nk, d], seed: seed + 8, scale: 0.5) : nil, weights: w)
    }

    static func run(_ i: Inputs, _ blocking: AttentionBlocking = AttentionBlocking()) -> Tensor {
        multiHeadAttention(query: i.query, key: i.key, value: i.value, weights: i.weights, queryPos: i.queryPos,
                           keyPos: i.keyPos, blocking: blocking)
    }

    /// Rows [r) of a 2-D reference array.
    static func rows(_ a: Reference, _ r: Range<Int>) -> Reference {
        let w = a.shape[1]
        return Reference(shape: [r.count, w], values: Array(a.values[(r.lowerBound * w)..<(r.upperBound * w)]))
    }

    /// Textbook attention in float64: full Nq×Nk score matrix per head, plain softmax.
    static func naiveAttention(_ i: Inputs) -> Reference {
        let d = i.weights.dModel, heads = i.weights.heads, dh = d / heads
        let nq = i.query.shape[0], nk = i.key.shape[0]
        let inW = Reference(i.weights.inProjWeight), inB = Reference(i.weights.inProjBias)
        func plus(_ x: Tensor, _ pos: Tensor?) -> Reference {
            var r = Reference(x)
            if let pos { for j in 0..<r.count { r.values[j] += Double(pos[j]) } }
            return r
        }
        func project(_ x: Reference, _ part: Int) -> Reference {
            let r = (part * d)..<((part + 1) * d)
            return LinearTests.naiveLinear(x, rows(inW, r), Reference(shape: [d], values: Array(inB.values[r])))
        }
        let q = project(plus(i.query, i.queryPos), 0), k = project(plus(i.key, i.keyPos), 1)
        let v = project(Reference(i.value), 2)
        var attended = Reference(shape: [nq, d])
        for h in 0..<heads {
            let cols = (h * dh)..<((h + 1) * dh)
            for a in 0..<nq {
                var scores = (0..<nk).map { b in cols.reduce(0.0) { $0 + q[a, $1] * k[b, $1] } / Double(dh).squareRoot() }
                let m = scores.max()!
                scores = scores.map { exp($0 - m) }
                let total = scores.reduce(0, +)
                for c in cols { attended[a, c] = (0..<nk).reduce(0.0) { $0 + scores[$1] / total * v[$1, c] } }
            }
        }
        return LinearTests.naiveLinear(attended, Reference(i.weights.outProjWeight), Reference(i.weights.outProjBias))
    }

    /// The kernel rounds blocks up to its 6-row × 16-key register tile, so "1×1" runs as 6×16: with
    /// the shapes below that means several key blocks (online rescaling) and partial row groups.
    static let blockings: [(String, AttentionBlocking)] = [
        ("default", AttentionBlocking()), ("3×5", AttentionBlocking(queryBlock: 3, keyBlock: 5)),
        ("1×1", AttentionBlocking(queryBlock: 1, keyBlock: 1)), ("4×100", AttentionBlocking(queryBlock: 4, keyBlock: 100)),
        ("100×2", AttentionBlocking(queryBlock: 100, keyBlock: 2)), ("12×32", AttentionBlocking(queryBlock: 12, keyBlock: 32)),
    ]

    func testMatchesPyTorch() throws {
        try forEachKernelVariant { try checkPyTorch($0.rawValue) }
    }

    func testMatchesNaiveFullSoftmax() {
        forEachKernelVariant { checkNaiveFullSoftmax($0.rawValue) }
    }

    func testOnlineSoftmaxWithLargeScores() {
        forEachKernelVariant { checkLargeScores($0.rawValue) }
    }

    func testAVX512Kernel() throws {
        try onAVX512("attention kernel") {
            try checkPyTorch("avx512"); checkNaiveFullSoftmax("avx512"); checkLargeScores("avx512")
        }
    }

    func checkPyTorch(_ variant: String) throws {
        let weights = AttentionWeights(inProjWeight: try Fixtures.kernel("mha_in_proj_weight"),
                                       inProjBias: try Fixtures.kernel("mha_in_proj_bias"),
                                       outProjWeight: try Fixtures.kernel("mha_out_proj_weight"),
                                       outProjBias: try Fixtures.kernel("mha_out_proj_bias"), heads: 4)
        let inputs = Inputs(query: try Fixtures.kernel("mha_query"), key: try Fixtures.kernel("mha_key"),
                            value: try Fixtures.kernel("mha_value"), queryPos: try Fixtures.kernel("mha_query_pos"),
                            keyPos: try Fixtures.kernel("mha_key_pos"), weights: weights)
        XCTAssertNotEqual(inputs.query.shape[0], inputs.key.shape[0], "Nq ≠ Nk is part of the test")
        let expected = try Fixtures.kernel("mha_out")
        for (name, blocking) in Self.blockings.prefix(2) {
            assertClose(Self.run(inputs, blocking), expected, "multiHeadAttention \(variant) blocking \(name) vs PyTorch")
        }
        assertClose(Reference(expected).tensor, Self.naiveAttention(inputs), "PyTorch fixture vs naive attention")
    }

    func checkNaiveFullSoftmax(_ variant: String) {
        // Head widths 1…64 (16 and 64 fill the kernel's 16-column slices exactly, 4, 20 and 8 pad them);
        // key counts below, at and past 16-key panels, odd panel and slice counts (the AVX-512 tiles take two).
        let shapes: [(d: Int, heads: Int, nq: Int, nk: Int)] = [(16, 4, 11, 13), (12, 3, 17, 6), (8, 1, 1, 9), (8, 8, 7, 3),
                                                                (40, 2, 37, 53), (32, 2, 13, 32), (128, 2, 25, 70)]
        for (n, s) in shapes.enumerated() {
            for positions in [true, false] {
                let inputs = Self.randomInputs(d: s.d, heads: s.heads, nq: s.nq, nk: s.nk, positions: positions,
                                               seed: UInt64(700 + 20 * n))
                let expected = Self.naiveAttention(inputs)
                for (name, blocking) in Self.blockings {
                    assertClose(Self.run(inputs, blocking), expected,
                                "multiHeadAttention \(variant) d=\(s.d) h=\(s.heads) Nq=\(s.nq) Nk=\(s.nk) pos=\(positions) blocking \(name) vs naive")
                }
            }
        }
    }

    /// Scores of a few hundred: the running max keeps every block's exponentials finite, and the
    /// rescaling of earlier blocks when the max grows keeps the result equal to the full softmax.
    func checkLargeScores(_ variant: String) {
        let inputs = Self.randomInputs(d: 16, heads: 2, nq: 9, nk: 61, positions: true, seed: 800, scoreScale: 30)
        let expected = Self.naiveAttention(inputs)
        for (name, blocking) in Self.blockings {
            let out = Self.run(inputs, blocking)
            XCTAssertFalse(out.values.contains { !$0.isFinite }, "\(variant) blocking \(name): non-finite output")
            // Scores ~1e2 carry float32 rounding of ~1e-5 into the softmax weights, hence 1e-4.
            assertClose(out, expected, relative: 1e-4, "multiHeadAttention \(variant) large scores blocking \(name) vs naive")
        }
    }
}
