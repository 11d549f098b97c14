/// out (N,OUT) = x (N,IN) · weightᵀ (OUT,IN) + bias (OUT), PyTorch's nn.Linear.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: Activation = .none,
                   precision: Precision = .fp32) -> Tensor {
    precondition(x.rank == 2 && weight.rank == 2 && weight.shape[1] == x.shape[1],
                 "linear: x \(x.shape) does not fit weight \(weight.shape)")
    let n = x.shape[0], inF = x.shape[1], outF = weight.shape[0]
    let out = Tensor(shape: [n, outF])
    linear(x.data, n: n, inFeatures: inF, weight: weight.data, bias: bias?.data, outFeatures: outF, into: out.data, ldo: outF,
           precision: precision)
    if activation == .relu { reluInPlace(out) }
    return out
}

/// Pointer form: rows of `out` (stride ldo) = x·Wᵀ + b, for projections into column slices.
public func linear(_ x: UnsafePointer<Float>, n: Int, inFeatures: Int, weight: UnsafePointer<Float>,
                   bias: UnsafePointer<Float>?, outFeatures: Int, into out: UnsafeMutablePointer<Float>, ldo: Int,
                   precision: Precision = .fp32) {
    if let bias { for i in 0..<n { (out + i * ldo).update(from: bias, count: outFeatures) } }
    gemm(transB: true, m: n, n: outFeatures, k: inFeatures, a: x, lda: inFeatures, b: weight, ldb: inFeatures,
         beta: bias == nil ? 0 : 1, c: out, ldc: ldo, precision: precision)
}
