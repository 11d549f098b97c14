import StyleCore

/// gram forward: F (C,H,W) → G (C,C) = F·Fᵀ / (C·H·W), F seen as (C, H·W). One GEMM.
func gramForward(_ f: Tensor) -> Tensor {
    let c = f.shape[0], hw = f.count / c
    let g = Tensor(shape: [c, c])
    gemm(transB: true, m: c, n: c, k: hw, alpha: 1 / Float(f.count), a: f.data, lda: hw, b: f.data, ldb: hw, c: g.data, ldc: c)
    return g
}

/// gram backward: dG (C,C) → dF (C,H,W) += (dG + dGᵀ)·F / (C·H·W), accumulated into `df`.
func gramBackward(_ dG: Tensor, features f: Tensor, into df: Tensor) {
    let c = f.shape[0], hw = f.count / c
    let sym = Tensor(shape: [c, c])
    for i in 0..<c { for j in 0..<c { sym[i * c + j] = dG[i * c + j] + dG[j * c + i] } }
    gemm(m: c, n: hw, k: c, alpha: 1 / Float(f.count), a: sym.data, lda: c, b: f.data, ldb: hw, beta: 1, c: df.data, ldc: hw)
}
