import CKernels
import XCTest
@testable import StyleCore

/// The bf16 kernels against a scalar reference (operands rounded to bf16 to nearest even, sums in float64):
/// every tile and tail of the GEMM (both transposes, α, β, strided rows) and of the fused attention, on the
/// emulated variant (any CPU) and on AVX512-BF16 (skipped, saying so, on a CPU without it).
final class BF16KernelTests: XCTestCase {
    /// Runs body on one bf16 variant, restoring the default after.
    func on(_ variant: sk_bf16_variant, _ body: () throws -> Void) throws {
        guard sk_bf16_select(variant) != 0 else {
            throw XCTSkip("this CPU lacks AVX512-BF16 (it has: \(CPUFeatures.current.flagSummary)), so the native bf16 kernels did not run")
        }
        defer { sk_bf16_select(sk_bf16_native_supported() != 0 ? SK_BF16_NATIVE : SK_BF16_EMULATED) }
        try body()
    }

    func testRoundingIsToNearestEven() {
        func bits(_ x: Float) -> UInt16 { sk_bf16_bits(x) }
        XCTAssertEqual(bits(1), 0x3F80)
        XCTAssertEqual(bits(1 + 0x1p-8), 0x3F80, "a tie rounds to the even mantissa")
        XCTAssertEqual(bits(1 + 3 * 0x1p-8), 0x3F82, "a tie rounds to the even mantissa")
        XCTAssertEqual(bits(1 + 0x1p-8 + 0x1p-20), 0x3F81, "above the tie rounds up")
        XCTAssertEqual(bits(-2.5), 0xC020)
        XCTAssertEqual(bits(.infinity), 0x7F80)
        XCTAssertEqual(bits(.greatestFiniteMagnitude), 0x7F80, "rounds up to infinity")
        XCTAssertTrue(Float(bitPattern: UInt32(bits(.nan)) << 16).isNaN)
        XCTAssertEqual(sk_bf16_round(0.1), Float(bitPattern: 0x3DCD_0000))
    }

    func testGEMMEmulated() throws { try on(SK_BF16_EMULATED) { try checkGEMM() } }
    func testGEMMNative() throws { try on(SK_BF16_NATIVE) { try checkGEMM() } }
    func testAttentionEmulated() throws { try on(SK_BF16_EMULATED) { try checkAttention() } }
    func testAttentionNative() throws { try on(SK_BF16_NATIVE) { try checkAttention() } }

    /// Both variants give the same bits: the emulation adds the odd then the even product as vdpbf16ps does.
    func testNativeEqualsEmulated() throws {
        let a = randomTensor([70, 300], seed: 5), b = randomTensor([45, 300], seed: 6)
        func product() -> [Float] { matmulBF16(a, b, transB: true).values }
        var emulated: [Float] = []
        try on(SK_BF16_EMULATED) { emulated = product() }
        try on(SK_BF16_NATIVE) { XCTAssertEqual(product(), emulated) }
    }

    func matmulBF16(_ a: Tensor, _ b: Tensor, transB: Bool) -> Tensor {
        let c = Tensor(shape: [a.shape[0], transB ? b.shape[0] : b.shape[1]])
        gemm(transB: transB, m: c.shape[0], n: c.shape[1], k: a.shape[1], a: a.data, lda: a.shape[1], b: b.data, ldb: b.shape[1],
             c: c.data, ldc: c.shape[1], precision: .bf16)
        return c
    }

    /// C = α·op(A)·op(B) + β·C through `gemm(precision: .bf16)` (so also its split over cores), within fp32
    /// accumulation's bound of the float64 sum of bf16-rounded products.
    func checkGEMM() throws {
        let sizes = [1, 2, 11, 12, 13, 31, 32, 33, 100, 257]
        var cases: [(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, alpha: Float, beta: Float)] = []
        for (i, m) in sizes.enumerated() {
            for t in 0..<4 {
                cases.append((m, sizes[(i + 3 * t + 1) % sizes.count], sizes[(i * 7 + t) % sizes.count], t & 1 == 1, t >> 1 == 1,
                              t == 2 ? 0.5 : 1, [0, 1, 0, 0.25][t]))
            }
        }
        cases.append((130, 1100, 600, false, true, 1, 0))   // several M, N and K blocks, split over cores
        cases.append((250, 40, 513, true, false, 1, 1))
        for (m, n, k, ta, tb, alpha, beta) in cases {
            let lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2
            let a = randomTensor([(ta ? k : m) * lda], seed: UInt64(m * 31 + k)), b = randomTensor([(tb ? n : k) * ldb], seed: UInt64(n * 7 + k))
            let c0 = randomTensor([m * ldc], seed: UInt64(m + n + k)), c = c0.copy()
            if beta == 0 { c.fill(.nan) }   // β = 0 must not read C
            gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: a.data, lda: lda, b: b.data, ldb: ldb, beta: beta,
                 c: c.data, ldc: ldc, precision: .bf16)
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0, magnitude = 0.0
                    for p in 0..<k {
                        let x = Double(sk_bf16_round(ta ? a[p * lda + i] : a[i * lda + p]))
                        let y = Double(sk_bf16_round(tb ? b[j * ldb + p] : b[p * ldb + j]))
                        sum += x * y; magnitude += abs(x * y)
                    }
                    let old = beta == 0 ? 0 : Double(beta) * Double(c0[i * ldc + j])
                    let reference = Double(alpha) * sum + old
                    let bound = 1.2e-7 * Double(k + 2) * (Double(abs(alpha)) * magnitude + abs(old))
                    worst = max(worst, abs(Double(c[i * ldc + j]) - reference) / bound)
                }
            }
            XCTAssertLessThanOrEqual(worst, 1, "m \(m) n \(n) k \(k) transA \(ta) transB \(tb) α \(alpha) β \(beta): error / bound")
        }
    }

    /// softmax(scale·q·kᵀ)·v per head against float64 with q·scale, k, v rounded to bf16; P's own rounding
    /// (2⁻⁹ relative per weight) keeps the error under 8e-3 of max |v| = 1.
    func checkAttention() throws {
        for (nq, nk, dh, block) in [(1, 1, 1, AttentionBlocking(queryBlock: 1, keyBlock: 1)), (5, 17, 3, AttentionBlocking(queryBlock: 12, keyBlock: 32)),
                                    (30, 100, 64, AttentionBlocking()), (13, 300, 33, AttentionBlocking(queryBlock: 12, keyBlock: 64)),
                                    (50, 47, 16, AttentionBlocking(queryBlock: 24, keyBlock: 32))] {
            let heads = 2, d = heads * dh
            let q = randomTensor([nq, d], seed: 11, scale: 2), k = randomTensor([nk, d], seed: 12, scale: 2), v = randomTensor([nk, d], seed: 13)
            let out = Tensor(shape: [nq, d])
            let packed = packKeysValues(k: k.data, v: v.data, nk: nk, d: d, heads: heads, precision: .bf16)
            streamingAttention(q: q.data, packed: packed, out: out.data, nq: nq, nk: nk, d: d, heads: heads, blocking: block, precision: .bf16)
            let scale = 1 / Float(dh).squareRoot() * 1.4426950408889634
            var worst = 0.0
            for h in 0..<heads {
                for i in 0..<nq {
                    let s = (0..<nk).map { j in (0..<dh).reduce(0.0) { $0 + Double(sk_bf16_round(q[i * d + h * dh + $1] * scale)) * Double(sk_bf16_round(k[j * d + h * dh + $1])) } }
                    let top = s.max()!, w = s.map { exp2($0 - top) }, total = w.reduce(0, +)
                    for f in 0..<dh {
                        let r = (0..<nk).reduce(0.0) { $0 + w[$1] * Double(sk_bf16_round(v[$1 * d + h * dh + f])) } / total
                        worst = max(worst, abs(Double(out[i * d + h * dh + f]) - r))
                    }
                }
            }
            XCTAssertLessThanOrEqual(worst, 8e-3, "nq \(nq) nk \(nk) dh \(dh)")
        }
    }
}
