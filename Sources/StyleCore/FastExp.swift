import CKernels

/// row[j] = exp(row[j] − shift) for j < count; returns Σ row[j]. The softmax inner loop, in C
/// (Sources/CKernels) because Swift's SIMD types do not compile to vector code here; within 2 ulp
/// of expf for arguments ≥ −87.3, ~1e-38 instead of 0 below (harmless in a softmax).
@inline(__always)
public func expShiftedSum(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
    sk_exp_shifted_sum(row, count, shift)
}

/// max of row[0..<count] (−∞ when empty).
@inline(__always)
public func rowMaximum(_ row: UnsafePointer<Float>, count: Int) -> Float {
    sk_row_max(row, count)
}
