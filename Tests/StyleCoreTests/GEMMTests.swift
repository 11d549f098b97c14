import TensorTestSupport
import XCTest
@testable import StyleCore

/// gemm (row-major, all transposes, leading dimensions wider than the matrices) and matmul.
final class GEMMTests: XCTestCase {
    /// A (rows, cols) matrix stored with leading dimension ld ≥ cols; the padding holds a sentinel.
    struct Strided {
        var rows, cols, ld: Int
        var storage: [Float]
        init(rows: Int, cols: Int, ld: Int, seed: UInt64, sentinel: Float = 1e30) {
            self.rows = rows; self.cols = cols; self.ld = ld
            let values = randomTensor([rows, cols], seed: seed).values
            storage = [Float](repeating: sentinel, count: rows * ld)
            for i in 0..<rows { for j in 0..<cols { storage[i * ld + j] = values[i * cols + j] } }
        }
        subscript(i: Int, j: Int) -> Float { storage[i * ld + j] }
    }

    /// C = alpha·op(A)·op(B) + beta·C in double.
    static func naiveGemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: Strided, b: Strided,
                          beta: Double, c: Strided) -> Reference {
        var out = Reference(shape: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += Double(transA ? a[p, i] : a[i, p]) * Double(transB ? b[j, p] : b[p, j]) }
                out[i, j] = alpha * s + (beta == 0 ? 0 : beta * Double(c[i, j]))
            }
        }
        return out
    }

    func testAllTransposesWithWideLeadingDimensions() {
        let m = 5, n = 7, k = 3
        var seed: UInt64 = 1000
        for transA in [false, true] {
            for transB in [false, true] {
                for (alpha, beta) in [(Float(1), Float(0)), (Float(0.5), Float(-2))] {
                    seed += 10
                    let (ar, ac) = transA ? (k, m) : (m, k), (br, bc) = transB ? (n, k) : (k, n)
                    let a = Strided(rows: ar, cols: ac, ld: ac + 3, seed: seed)
                    let b = Strided(rows: br, cols: bc, ld: bc + 2, seed: seed + 1)
                    // With beta = 0, C's old contents (here NaN) must be ignored, as BLAS specifies.
                    var c = Strided(rows: m, cols: n, ld: n + 4, seed: seed + 2, sentinel: -3)
                    if beta == 0 { for i in 0..<m { for j in 0..<n { c.storage[i * c.ld + j] = .nan } } }
                    let expected = Self.naiveGemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: Double(alpha),
                                                  a: a, b: b, beta: Double(beta), c: c)
                    var result = c.storage
                    a.storage.withUnsafeBufferPointer { pa in
                        b.storage.withUnsafeBufferPointer { pb in
                            result.withUnsafeMutableBufferPointer { pc in
                                gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!,
                                     lda: a.ld, b: pb.baseAddress!, ldb: b.ld, beta: beta, c: pc.baseAddress!, ldc: c.ld)
                            }
                        }
                    }
                    var got = Reference(shape: [m, n])
                    for i in 0..<m {
                        for j in 0..<c.ld {
                            if j < n { got[i, j] = Double(result[i * c.ld + j]) }
                            else { XCTAssertEqual(result[i * c.ld + j], -3, "C padding (\(i),\(j)) written") }
                        }
                    }
                    assertClose(got.tensor, expected, "gemm transA=\(transA) transB=\(transB) alpha=\(alpha) beta=\(beta) vs naive")
                }
            }
        }
    }

    /// Sizes past OpenBLAS's small-matrix paths and its blocking, non-square.
    func testLargerNonSquare() {
        let m = 67, n = 131, k = 259
        let a = Strided(rows: m, cols: k, ld: k, seed: 1100), b = Strided(rows: n, cols: k, ld: k + 1, seed: 1101)
        let c = Strided(rows: m, cols: n, ld: n, seed: 1102)
        let expected = Self.naiveGemm(transA: false, transB: true, m: m, n: n, k: k, alpha: 1, a: a, b: b, beta: 0, c: c)
        let out = Tensor(shape: [m, n])
        gemm(transB: true, m: m, n: n, k: k, a: a.storage, lda: a.ld, b: b.storage, ldb: b.ld, c: out.data, ldc: n)
        assertClose(out, expected, "gemm 67×259·(131×259)ᵀ vs naive")
    }

    func testZeroInnerDimensionScalesC() {
        let c = Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        let empty: [Float] = [0]
        gemm(m: 2, n: 3, k: 0, a: empty, lda: 1, b: empty, ldb: 3, beta: 2, c: c.data, ldc: 3)
        XCTAssertEqual(c.values, [2, 4, 6, 8, 10, 12])
        gemm(m: 2, n: 3, k: 0, a: empty, lda: 1, b: empty, ldb: 3, beta: 0, c: c.data, ldc: 3)
        XCTAssertEqual(c.values, [0, 0, 0, 0, 0, 0])
    }

    func testMatmulTransposes() {
        let a = randomTensor([4, 6], seed: 1200), b = randomTensor([6, 5], seed: 1201)
        var atr = Reference(shape: [6, 4]), btr = Reference(shape: [5, 6])
        for i in 0..<4 { for j in 0..<6 { atr[j, i] = Double(a[i * 6 + j]) } }
        for i in 0..<6 { for j in 0..<5 { btr[j, i] = Double(b[i * 5 + j]) } }
        let expected = LinearTests.naiveLinear(Reference(a), btr, nil)  // a·b = a·(bᵀ)ᵀ
        assertClose(matmul(a, b), expected, "matmul a·b")
        assertClose(matmul(atr.tensor, b, transA: true), expected, "matmul (aᵀ)ᵀ·b")
        assertClose(matmul(a, btr.tensor, transB: true), expected, "matmul a·(bᵀ)ᵀ")
        assertClose(matmul(atr.tensor, btr.tensor, transA: true, transB: true), expected, "matmul (aᵀ)ᵀ·(bᵀ)ᵀ")
    }
}
