import CBLAS

/// The upper triangle of C = alpha·A·Aᵀ + beta·C, row-major: A is (N,K) with row stride lda, C (N,N).
/// OpenBLAS's ssyrk (half of sgemm's multiply-adds; sgemm where the library has no ssyrk), one call on
/// the calling thread: callers split the K dimension (pixels) themselves, in blocks fixed by the shape.
/// Entries below the diagonal are not to be read.
@inline(__always)
public func syrkUpper(n: Int, k: Int, alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                      beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if n == 0 { return }
    if k == 0 {
        for i in 0..<n { for j in i..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    BLAS.ensureLoaded()
    sb_ssyrk_upper(Int32(n), Int32(k), alpha, a, Int32(lda), beta, c, Int32(ldc))
}
