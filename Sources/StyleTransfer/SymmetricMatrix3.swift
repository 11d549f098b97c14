#if canImport(Glibc)
import Glibc
#endif

// Powers of 3×3 symmetric matrices (row-major, 9 values) in Double, for colour covariances.

/// m^p for symmetric positive semi-definite m: V·diag(λᵖ)·Vᵀ from the eigendecomposition. Eigenvalues
/// are floored at `floor` first, so a negative power of a singular covariance (a flat or grey style
/// image) stays finite.
func symmetricPower(_ m: [Double], _ p: Double, floor: Double = 1e-10) -> [Double] {
    let (values, vectors) = symmetricEigen(m)
    let d = values.map { pow(max($0, floor), p) }
    var out = [Double](repeating: 0, count: 9)
    for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { out[i * 3 + j] += vectors[i * 3 + k] * d[k] * vectors[j * 3 + k] } } }
    return out
}

/// a·b for 3×3 matrices.
func multiply3(_ a: [Double], _ b: [Double]) -> [Double] {
    var out = [Double](repeating: 0, count: 9)
    for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j] } } }
    return out
}

/// Eigenvalues and eigenvectors (columns of V) of a symmetric 3×3 matrix by cyclic Jacobi rotations,
/// which converge to machine precision in a handful of sweeps at this size.
func symmetricEigen(_ m: [Double]) -> (values: [Double], vectors: [Double]) {
    var a = m
    var v: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    for _ in 0..<50 {
        let off = a[1] * a[1] + a[2] * a[2] + a[5] * a[5]
        if off <= 1e-30 * (a[0] * a[0] + a[4] * a[4] + a[8] * a[8]) || off == 0 { break }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] where a[p * 3 + q] != 0 {
            // Rotation in the (p,q) plane that zeroes a[p][q].
            let theta = (a[q * 3 + q] - a[p * 3 + p]) / (2 * a[p * 3 + q])
            let t = (theta >= 0 ? 1 : -1) / (abs(theta) + (theta * theta + 1).squareRoot())
            let c = 1 / (t * t + 1).squareRoot(), s = t * c
            for k in 0..<3 {
                let akp = a[k * 3 + p], akq = a[k * 3 + q]
                a[k * 3 + p] = c * akp - s * akq
                a[k * 3 + q] = s * akp + c * akq
            }
            for k in 0..<3 {
                let apk = a[p * 3 + k], aqk = a[q * 3 + k]
                a[p * 3 + k] = c * apk - s * aqk
                a[q * 3 + k] = s * apk + c * aqk
            }
            for k in 0..<3 {
                let vkp = v[k * 3 + p], vkq = v[k * 3 + q]
                v[k * 3 + p] = c * vkp - s * vkq
                v[k * 3 + q] = s * vkp + c * vkq
            }
        }
    }
    return ([a[0], a[4], a[8]], v)
}
