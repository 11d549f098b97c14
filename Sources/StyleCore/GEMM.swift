import CBLAS

/// C = alpha·op(A)·op(B) + beta·C, row-major; op(A) is (M,K), op(B) is (K,N), C is (M,N).
/// Leading dimensions are in elements, so strided sub-matrices (one attention head) need no copy.
@inline(__always)
public func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        else if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        return
    }
    BLAS.ensureLoaded()
    sb_sgemm(Int32(transA ? SB_TRANS : SB_NO_TRANS), Int32(transB ? SB_TRANS : SB_NO_TRANS),
             Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Tensor form: returns op(A)·op(B) for 2-D tensors.
public func matmul(_ a: Tensor, _ b: Tensor, transA: Bool = false, transB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul needs 2-D tensors, got \(a.shape) and \(b.shape)")
    let (m, k) = transA ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
    let (k2, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
    precondition(k == k2, "matmul inner dimensions differ: \(a.shape)\(transA ? "ᵀ" : "") · \(b.shape)\(transB ? "ᵀ" : "")")
    let c = Tensor(shape: [m, n])
    gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a.data, lda: a.shape[1], b: b.data, ldb: b.shape[1],
         c: c.data, ldc: n)
    return c
}
