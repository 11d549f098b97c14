import StyleCore

/// Whose colours the result has (Gatys et al. 2017, "Controlling perceptual factors in neural style
/// transfer", section 5); the same in both modes.
public enum ColorPreservation: String, CaseIterable, Sendable {
    /// The style's colours: plain style transfer.
    case none
    /// Transfer on luminance only: content and styles are stylised as grey images (each style's
    /// luminance first shifted and scaled to the content's mean and standard deviation) and the result
    /// takes the stylised luminance Y with the content's chroma I and Q (YIQ). Its values can leave
    /// [0,1] slightly where content colours are saturated; image files clamp them.
    case luminance
    /// Before stylising, each style image's colours are mapped so that their mean and covariance are
    /// the content's: x' = A(x − μs) + μc with A = Σc^½ Σs^−½ (symmetric square roots, the Image
    /// Analogies variant: unlike the Cholesky one it does not depend on the order of R, G and B).
    /// The mapped style is not clamped, which would change its statistics.
    case histogram

    /// The content and styles the model sees.
    func prepare(content: Tensor, styles: [Tensor]) -> (content: Tensor, styles: [Tensor]) {
        switch self {
        case .none: return (content, styles)
        case .histogram: return (content, styles.map { matchColorStatistics($0, to: content) })
        case .luminance:
            let grey = greyFromLuminance(content)
            return (grey, styles.map { matchLuminance(greyFromLuminance($0), to: grey) })
        }
    }

    /// The model's output made into the result: for `.luminance`, its Y with the content's I and Q (the
    /// content resized to the output's size if it differs, as for coarse-pass snapshots).
    func finish(_ output: Tensor, content: Tensor) -> Tensor {
        guard self == .luminance else { return output }
        let h = output.shape[1], w = output.shape[2]
        let chroma = transformColors(content.shape == output.shape ? content : resizeAntialiased(content, height: h, width: w), yiqFromRGB)
        let y = transformColors(output, yiqFromRGB)
        chroma.data.update(from: y.data, count: h * w)
        return transformColors(chroma, rgbFromYIQ)
    }
}

/// RGB → YIQ (FCC NTSC); the rows of I and Q sum to 0, so a grey pixel has no chroma.
let yiqFromRGB: [Double] = [0.299, 0.587, 0.114,
                            0.595716, -0.274453, -0.321263,
                            0.211456, -0.522591, 0.311135]
/// YIQ → RGB: the exact inverse of `yiqFromRGB` (not the rounded textbook one), so chroma round-trips.
let rgbFromYIQ: [Double] = inverse3(yiqFromRGB)

/// The inverse of a 3×3 matrix by cofactors.
func inverse3(_ m: [Double]) -> [Double] {
    let c: [Double] = [m[4] * m[8] - m[5] * m[7], m[2] * m[7] - m[1] * m[8], m[1] * m[5] - m[2] * m[4],
                       m[5] * m[6] - m[3] * m[8], m[0] * m[8] - m[2] * m[6], m[2] * m[3] - m[0] * m[5],
                       m[3] * m[7] - m[4] * m[6], m[1] * m[6] - m[0] * m[7], m[0] * m[4] - m[1] * m[3]]
    let det = m[0] * c[0] + m[1] * c[3] + m[2] * c[6]
    return c.map { $0 / det }
}

/// x (3,H,W) with every pixel p replaced by m·p + offset (m row-major 3×3), as a new tensor.
func transformColors(_ x: Tensor, _ m: [Double], offset: [Double] = [0, 0, 0]) -> Tensor {
    let n = x.shape[1] * x.shape[2]
    let out = Tensor(shape: x.shape)
    let src = x.data, dst = out.data
    let f = m.map(Float.init), o = offset.map(Float.init)
    parallelChunks(n, minChunk: 1 << 14) { r in
        for i in r {
            let p0 = src[i], p1 = src[n + i], p2 = src[2 * n + i]
            for k in 0..<3 { dst[k * n + i] = f[3 * k] * p0 + f[3 * k + 1] * p1 + f[3 * k + 2] * p2 + o[k] }
        }
    }
    return out
}

/// A grey image (3,H,W), R = G = B = the luminance Y of x (3,H,W).
func greyFromLuminance(_ x: Tensor) -> Tensor {
    let y = yiqFromRGB
    return transformColors(x, [y[0], y[1], y[2], y[0], y[1], y[2], y[0], y[1], y[2]])
}

/// Grey style (3,H,W) shifted and scaled so its mean and standard deviation are the grey content's:
/// L' = σc/σs·(L − μs) + μc.
func matchLuminance(_ style: Tensor, to content: Tensor) -> Tensor {
    let s = colorMoments(style), c = colorMoments(content)
    let scale = (c.covariance[0] / max(s.covariance[0], 1e-10)).squareRoot()
    let k = [scale, 0, 0, 0, scale, 0, 0, 0, scale]
    return transformColors(style, k, offset: (0..<3).map { c.mean[$0] - scale * s.mean[$0] })
}

/// style (3,H,W) with x' = A(x − μs) + μc for every pixel, A = Σc^½ Σs^−½, so that its colour mean and
/// covariance become the content's (exactly, unless Σs is singular).
func matchColorStatistics(_ style: Tensor, to content: Tensor) -> Tensor {
    let s = colorMoments(style), c = colorMoments(content)
    let a = multiply3(symmetricPower(c.covariance, 0.5), symmetricPower(s.covariance, -0.5))
    let shifted = (0..<3).map { k in c.mean[k] - a[3 * k] * s.mean[0] - a[3 * k + 1] * s.mean[1] - a[3 * k + 2] * s.mean[2] }
    return transformColors(style, a, offset: shifted)
}

/// Mean (3) and population covariance (3×3) of the pixels of x (3,H,W), in Double.
func colorMoments(_ x: Tensor) -> (mean: [Double], covariance: [Double]) {
    let n = x.shape[1] * x.shape[2]
    let r = x.data, g = x.data + n, b = x.data + 2 * n
    var m0 = 0.0, m1 = 0.0, m2 = 0.0
    for i in 0..<n { m0 += Double(r[i]); m1 += Double(g[i]); m2 += Double(b[i]) }
    m0 /= Double(n); m1 /= Double(n); m2 /= Double(n)
    var c00 = 0.0, c01 = 0.0, c02 = 0.0, c11 = 0.0, c12 = 0.0, c22 = 0.0
    for i in 0..<n {
        let d0 = Double(r[i]) - m0, d1 = Double(g[i]) - m1, d2 = Double(b[i]) - m2
        c00 += d0 * d0; c01 += d0 * d1; c02 += d0 * d2; c11 += d1 * d1; c12 += d1 * d2; c22 += d2 * d2
    }
    return ([m0, m1, m2], [c00, c01, c02, c01, c11, c12, c02, c12, c22].map { $0 / Double(n) })
}
