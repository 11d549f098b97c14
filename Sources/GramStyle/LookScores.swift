import StyleCore

/// How a Gram-mode result looks next to its style and content, in numbers the optimiser does not
/// minimise: the style's statistics under a network it never saw, edges, colour and layout.
public struct LookScores: Sendable, Equatable {
    /// Mean over the held-out network's branches of ‖G(result) − G(style)‖² / ‖G(style)‖² (Gram matrices
    /// as in the style term); 0 = the style's statistics exactly, the content photo itself scores ~1 or more.
    public var heldOutStyle: Double
    /// Mean luminance gradient magnitude of the result over the style's: below 1, softer edges than the style.
    public var edgeRatio: Double
    /// Mean HSV saturation of the result over the style's: below 1, greyer than the style.
    public var saturationRatio: Double
    /// Pearson correlation of the result's and the content's luminance at 1/8 size: the layout kept (1 = all of it).
    public var contentCorrelation: Double

    /// The scores of `result` (3,H,W) for `content` (resized to the result's size) and `style` (resized as a
    /// run with `styleScale` resizes it: long side styleScale × the result's), all RGB in [0,1].
    /// - Throws: `StyleError.invalidArgument` for an image too small for the held-out network (< 40 px a side).
    public static func score(result: Tensor, content: Tensor, style: Tensor, styleScale: Float = 1) throws -> LookScores {
        let h = result.shape[1], w = result.shape[2]
        let c = (content.shape[1], content.shape[2]) == (h, w) ? content : resizeAntialiased(content, height: h, width: w)
        let s = resizedStyle(style, imageLongSide: max(h, w), scale: styleScale)
        let styleSaturation = meanSaturation(s)
        return LookScores(heldOutStyle: try heldOutStyleDistance(result, s),
                          edgeRatio: meanGradient(luminance(result)) / max(meanGradient(luminance(s)), 1e-12),
                          saturationRatio: meanSaturation(result) / max(styleSaturation, 1e-12),
                          contentCorrelation: correlation(boxDownsample(luminance(result), 8), boxDownsample(luminance(c), 8)))
    }

    /// The random network the scores compare Gram matrices under: another seed and other filters than
    /// `defaultRandomNetwork` (9 px on the image, 3 and 9 px at half size, 3 and 7 px at quarter size:
    /// receptive fields 9, 6, 18, 12 and 28 px against the optimiser's 3, 5, 7, 10, 14 and 20 px).
    public static let heldOutNetwork: RandomFeatureNetwork = {
        var c = RandomFeatureNetwork.Configuration()
        c.branches = [.init(9, filters: 64), .init(3, level: 1, filters: 96), .init(9, level: 1, filters: 64),
                      .init(3, level: 2, filters: 96), .init(7, level: 2, filters: 64)]
        return try! RandomFeatureNetwork(seed: 0x4E1D_0FF, configuration: c)
    }()

    /// Mean over the held-out branches of the relative squared distance between the images' Gram matrices.
    static func heldOutStyleDistance(_ image: Tensor, _ style: Tensor) throws -> Double {
        let net = heldOutNetwork, branches = Set(net.layerNames.filter { $0 != "smooth" })
        let a = try net.features(of: image, layers: branches), b = try net.features(of: style, layers: branches)
        var total = 0.0
        for name in branches {
            let ga = gramForward(a[name]!), gb = gramForward(b[name]!)
            var d = 0.0, n = 0.0
            for i in 0..<ga.count { d += Double(ga[i] - gb[i]) * Double(ga[i] - gb[i]); n += Double(gb[i]) * Double(gb[i]) }
            total += d / max(n, 1e-30)
        }
        return total / Double(branches.count)
    }
}

/// Rec. 601 luminance (1,H,W) of an RGB image (3,H,W).
func luminance(_ x: Tensor) -> Tensor {
    let plane = x.shape[1] * x.shape[2], y = Tensor(shape: [1, x.shape[1], x.shape[2]])
    for i in 0..<plane { y[i] = 0.299 * x[i] + 0.587 * x[plane + i] + 0.114 * x[2 * plane + i] }
    return y
}

/// Mean over pixels of √(dx² + dy²), forward differences of a (1,H,W) map (the last row and column excluded).
func meanGradient(_ y: Tensor) -> Double {
    let h = y.shape[1], w = y.shape[2]
    guard h > 1 && w > 1 else { return 0 }
    var s = 0.0
    for r in 0..<(h - 1) {
        for c in 0..<(w - 1) {
            let v = y[r * w + c], dx = Double(y[r * w + c + 1] - v), dy = Double(y[(r + 1) * w + c] - v)
            s += (dx * dx + dy * dy).squareRoot()
        }
    }
    return s / Double((h - 1) * (w - 1))
}

/// Mean HSV saturation (max − min)/max over pixels (0 where max = 0) of an RGB image (3,H,W).
func meanSaturation(_ x: Tensor) -> Double {
    let plane = x.shape[1] * x.shape[2]
    var s = 0.0
    for i in 0..<plane {
        let r = x[i], g = x[plane + i], b = x[2 * plane + i], hi = max(r, g, b), lo = min(r, g, b)
        if hi > 0 { s += Double((hi - lo) / hi) }
    }
    return s / Double(max(plane, 1))
}

/// (1,H,W) → (1,⌊H/f⌋,⌊W/f⌋): means of f×f boxes.
func boxDownsample(_ y: Tensor, _ f: Int) -> Tensor {
    let h = y.shape[1], w = y.shape[2], oh = max(1, h / f), ow = max(1, w / f), fh = h / oh, fw = w / ow
    let out = Tensor(shape: [1, oh, ow])
    for r in 0..<oh {
        for c in 0..<ow {
            var s: Float = 0
            for i in 0..<fh { for j in 0..<fw { s += y[(r * fh + i) * w + c * fw + j] } }
            out[r * ow + c] = s / Float(fh * fw)
        }
    }
    return out
}

/// Pearson correlation of two maps of one shape (0 if either is constant).
func correlation(_ a: Tensor, _ b: Tensor) -> Double {
    let n = Double(a.count)
    var ma = 0.0, mb = 0.0
    for i in 0..<a.count { ma += Double(a[i]); mb += Double(b[i]) }
    ma /= n; mb /= n
    var ab = 0.0, aa = 0.0, bb = 0.0
    for i in 0..<a.count {
        let x = Double(a[i]) - ma, y = Double(b[i]) - mb
        ab += x * y; aa += x * x; bb += y * y
    }
    return aa > 0 && bb > 0 ? ab / (aa * bb).squareRoot() : 0
}
