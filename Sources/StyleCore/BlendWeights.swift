/// Weights of a blend of several style images, normalised to sum 1.
///
/// - Parameter weights: one per style image, each finite and ≥ 0, at least one > 0; nil: equal weights.
/// - Throws: `StyleError.invalidArgument` naming the rule that `weights` breaks.
public func normalizedBlendWeights(_ weights: [Float]?, styleCount: Int) throws -> [Float] {
    guard styleCount >= 1 else { throw StyleError.invalidArgument("at least one style image is needed") }
    let w = weights ?? Array(repeating: 1, count: styleCount)
    guard w.count == styleCount else {
        throw StyleError.invalidArgument("--style-blend needs one weight per style image (\(styleCount)), not \(w.count)")
    }
    guard w.allSatisfy({ $0 >= 0 && $0.isFinite }), w.contains(where: { $0 > 0 }) else {
        throw StyleError.invalidArgument("--style-blend weights must be 0 or more with at least one above 0, not \(w.map { "\($0)" }.joined(separator: ","))")
    }
    let sum = w.reduce(0, +)
    return w.map { $0 / sum }
}
