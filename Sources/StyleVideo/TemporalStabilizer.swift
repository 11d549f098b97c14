import StyleCore

/// How frame t's output is tied to frame t−1's.
public enum Stabilization: String, CaseIterable, Sendable {
    /// Every frame as stylised on its own.
    case none
    /// Where the input did not change, blend in the previous output:
    /// outₜ = m·outₜ₋₁ + (1 − m)·stylisedₜ with m = strength·max(0, 1 − d/threshold) per pixel, d the
    /// largest per-channel |inₜ − inₜ₋₁| within `radius` px. Moving pixels (d ≥ threshold) keep their own
    /// stylisation, so motion is not smeared; still ones stop flickering.
    case mask
    /// m = strength everywhere (an exponential moving average over time): less flicker everywhere, but
    /// moving objects leave trails. For comparison and for near-static shots.
    case blend
}

/// Applies a `Stabilization` frame after frame; keeps the previous input and output.
public final class TemporalStabilizer {
    public let mode: Stabilization
    /// Weight of the previous output where the input is still, in [0,1).
    public let strength: Float
    /// Input change (per channel, in [0,1]) at and above which a pixel counts as moving.
    public let threshold: Float
    /// The change map is dilated by this many pixels: a moving edge also changes the strokes around it.
    public let radius: Int
    private var previousInput: Tensor?
    private var previousOutput: Tensor?

    public init(mode: Stabilization, strength: Float = 0.8, threshold: Float = 0.1, radius: Int = 4) {
        precondition(strength >= 0 && strength < 1 && threshold > 0 && radius >= 0)
        self.mode = mode; self.strength = strength; self.threshold = threshold; self.radius = radius
    }

    /// Frame t's output from its stylisation (3,H,W) and its input (3,H,W), same size.
    public func apply(stylized: Tensor, input: Tensor) -> Tensor {
        defer { previousInput = input }
        guard mode != .none, let pin = previousInput, let pout = previousOutput, pout.shape == stylized.shape else {
            previousOutput = stylized
            return stylized
        }
        let h = stylized.shape[1], w = stylized.shape[2], plane = h * w
        let weight: [Float]
        switch mode {
        case .none: preconditionFailure()
        case .blend: weight = [Float](repeating: strength, count: plane)
        case .mask:
            let change = dilated(channelMaxChange(input, pin, plane: plane), height: h, width: w)
            weight = change.map { strength * max(0, 1 - $0 / threshold) }
        }
        let out = Tensor(shape: stylized.shape)
        let s = stylized.data, p = pout.data, o = out.data
        weight.withUnsafeBufferPointer { m in
            for c in 0..<3 {
                let base = c * plane
                for i in 0..<plane { o[base + i] = s[base + i] + m[i] * (p[base + i] - s[base + i]) }
            }
        }
        previousOutput = out
        return out
    }

    /// max over channels of |a − b| per pixel.
    private func channelMaxChange(_ a: Tensor, _ b: Tensor, plane: Int) -> [Float] {
        var d = [Float](repeating: 0, count: plane)
        let x = a.data, y = b.data
        d.withUnsafeMutableBufferPointer { d in
            for c in 0..<3 {
                for i in 0..<plane { d[i] = max(d[i], abs(x[c * plane + i] - y[c * plane + i])) }
            }
        }
        return d
    }

    /// Max filter over a (2·radius+1)² square, separable: along rows, then along columns.
    private func dilated(_ map: [Float], height h: Int, width w: Int) -> [Float] {
        guard radius > 0 else { return map }
        let rows = maxFilter(map, lines: h, length: w, step: 1, lineStride: w)
        return maxFilter(rows, lines: w, length: h, step: w, lineStride: 1)
    }

    /// Each of `lines` lines of `length` samples (`step` apart, lines `lineStride` apart) replaced by its
    /// running maximum over ±radius samples.
    private func maxFilter(_ map: [Float], lines: Int, length: Int, step: Int, lineStride: Int) -> [Float] {
        var out = map
        map.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for line in 0..<lines {
                    let base = line * lineStride
                    for i in 0..<length {
                        var m: Float = 0
                        for k in max(0, i - radius)...min(length - 1, i + radius) { m = max(m, src[base + k * step]) }
                        dst[base + i * step] = m
                    }
                }
            }
        }
        return out
    }
}
