import StyleCore

/// How the content, Gram and patch terms are scaled before their weights apply.
public enum LossScale: String, Sendable, CaseIterable {
    /// Each layer's term is divided by its target's magnitude (`DistanceMetric.magnitude`: the mean square
    /// of the content features or Gram matrix for mse), so multiplying a network's features by a constant
    /// leaves the optimisation unchanged and one default β (`GramOptions.normalizedStyleWeight`) serves
    /// VGG-19 in either layout (0–1 or Caffe's 0–255 feature scale) and the random network.
    case normalized
    /// The raw distances, as PyTorch's neural-style tutorial: β must suit the network's feature scale
    /// (`FeatureNetwork.suggestedStyleWeight`). For reproducing that tutorial's numbers.
    case tutorial
}

extension LossScale {
    /// What a layer's term D(·, target) is divided by: the target's magnitude, or 1 for `.tutorial`.
    func normalizer(_ metric: DistanceMetric, _ target: Tensor) -> Float {
        self == .normalized ? metric.magnitude(of: target.data, count: target.count) : 1
    }
}

/// Which style term(s) the objective uses.
public enum StyleLossKind: String, Sendable, CaseIterable {
    /// Gatys et al.: Gram matrices (feature correlations) of the style layers.
    case gram
    /// Li & Wand 2016: each 3×3 feature patch of the image pulled towards its best-matching style patch.
    case mrf
    /// Both, each with its own weight (β for Gram, `MRFOptions.weight` for patches).
    case both
}

extension GramOptions {
    /// β of the normalised loss: the style term's relative error weighs this many times the content's.
    /// 1e2 gives the random network about the strokes its tutorial-scale β = 1e5 gave, a little bolder
    /// (compared 1e2/1e3/1e4 on the samples at 256 px).
    public static let normalizedStyleWeight: Float = 1e2

    /// The β that runs: `styleWeight`, else `normalizedStyleWeight` (normalised) or the network's suggestion (tutorial).
    public func resolvedStyleWeight(for network: FeatureNetwork) -> Float {
        styleWeight ?? (lossScale == .normalized ? Self.normalizedStyleWeight : network.suggestedStyleWeight)
    }

    /// The weight of the patch term that runs: `mrf.weight`, else `MRFOptions.defaultWeight`.
    public var resolvedPatchWeight: Float { mrf.weight ?? MRFOptions.defaultWeight }
}

extension DistanceMetric {
    /// The size of a target t (n values) that D(a, t) grows with when features scale by k: mean(t²) for mse
    /// (D ∝ k²), mean|t| for l1, ‖t‖ for frobenius (∝ k); 1 for cosine and kl, which are scale-free already.
    /// 1 for an all-zero target (nothing to scale by).
    func magnitude(of t: UnsafePointer<Float>, count n: Int) -> Float {
        guard n > 0 else { return 1 }
        var s = 0.0
        switch self {
        case .mse: for i in 0..<n { s += Double(t[i]) * Double(t[i]) }; s /= Double(n)
        case .l1: for i in 0..<n { s += Double(abs(t[i])) }; s /= Double(n)
        case .frobenius: for i in 0..<n { s += Double(t[i]) * Double(t[i]) }; s = s.squareRoot()
        case .cosine, .kl: return 1
        }
        return s > 0 && s.isFinite ? Float(s) : 1
    }
}
