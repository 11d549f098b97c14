import StyleCore

/// Squared total variation of x (C,H,W): mean over (C,H−1,W) of vertical differences² plus mean over
/// (C,H,W−1) of horizontal differences². Smooth (unlike the L1 form), so L-BFGS handles it well.
/// Adds scale·∂TV/∂x to `gradient` if given.
func totalVariation(_ x: Tensor, gradient: Tensor?, scale: Float) -> Double {
    let c = x.shape[0], h = x.shape[1], w = x.shape[2], p = x.data
    let nv = c * (h - 1) * w, nh = c * h * (w - 1)
    var sv = 0.0, sh = 0.0
    let kv = nv > 0 ? 2 * scale / Float(nv) : 0, kh = nh > 0 ? 2 * scale / Float(nh) : 0
    let g = gradient?.data
    for ch in 0..<c {
        let plane = p + ch * h * w, gp = g.map { $0 + ch * h * w }
        for y in 0..<h {
            for xx in 0..<w {
                let i = y * w + xx
                if y + 1 < h {
                    let d = plane[i + w] - plane[i]
                    sv += Double(d * d)
                    if let gp { gp[i + w] += kv * d; gp[i] -= kv * d }
                }
                if xx + 1 < w {
                    let d = plane[i + 1] - plane[i]
                    sh += Double(d * d)
                    if let gp { gp[i + 1] += kh * d; gp[i] -= kh * d }
                }
            }
        }
    }
    return (nv > 0 ? sv / Double(nv) : 0) + (nh > 0 ? sh / Double(nh) : 0)
}
