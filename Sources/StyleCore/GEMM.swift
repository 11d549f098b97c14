import CBLAS
import CKernels
import Dispatch

/// C = alpha·op(A)·op(B) + beta·C, row-major; op(A) is (M,K), op(B) is (K,N), C is (M,N).
/// Leading dimensions are in elements, so strided sub-matrices (one attention head) need no copy.
/// OpenBLAS runs single-threaded (see `BLAS`); a large product is split here into one block of
/// rows or columns per core unless `parallel` is false (callers already running one per core).
/// `.bf16` rounds both operands to bf16 and accumulates in fp32 (`sk_bf16_gemm`, AVX512-BF16).
@inline(__always)
public func gemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                 alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int, parallel: Bool = true,
                 precision: Precision = .fp32) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        if beta == 0 { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
        else if beta != 1 { for i in 0..<m { for j in 0..<n { c[i * ldc + j] *= beta } } }
        return
    }
    BLAS.ensureLoaded()
    let ta = Int32(transA ? SB_TRANS : SB_NO_TRANS), tb = Int32(transB ? SB_TRANS : SB_NO_TRANS)
    // One block (rows × columns) of C, from the matching rows of op(A) and columns of op(B).
    func product(_ rows: Int, _ cols: Int, _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>) {
        switch precision {
        case .fp32:
            sb_sgemm(ta, tb, Int32(rows), Int32(cols), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        case .bf16:
            sk_bf16_gemm(transA ? 1 : 0, transB ? 1 : 0, rows, cols, k, alpha, a, lda, b, ldb, beta, c, ldc)
        }
    }
    let parts = parallel && m * n * k >= 1 << 21 ? BLAS.cores : 1
    if parts == 1 { return product(m, n, a, b, c) }
    // Split the longer side of C into `parts` blocks (multiples of 16 for the kernels' tiles).
    let splitRows = m >= n
    let total = splitRows ? m : n
    let step = ((total + parts - 1) / parts + 15) / 16 * 16
    DispatchQueue.concurrentPerform(iterations: (total + step - 1) / step) { p in
        let lo = p * step, len = min(step, total - lo)
        if splitRows {
            product(len, n, transA ? a + lo : a + lo * lda, b, c + lo * ldc)
        } else {
            product(m, len, a, transB ? b + lo * ldb : b + lo, c + lo)
        }
    }
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
