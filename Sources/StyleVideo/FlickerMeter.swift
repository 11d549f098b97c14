import StyleCore

/// The clip's flicker figure: how much the output changes between consecutive frames relative to how
/// much the input changes,
///
///     flicker = Σₜ Σₚ |outₜ(p) − outₜ₋₁(p)|  /  Σₜ Σₚ |inₜ(p) − inₜ₋₁(p)|
///
/// over every pair of consecutive frames t−1, t and every sample p (3·H·W, values in [0,1]), with
/// `in` the frames as stylised (after --size) and `out` the frames written (after stabilisation,
/// before 8-bit rounding). 1 means the output moves as much as the input; a per-frame stylisation that
/// repaints strokes anew on every frame of a still scene scores far above 1.
public struct FlickerMeter: Sendable {
    private var previousInput: [Float]? = nil
    private var previousOutput: [Float]? = nil
    /// Σ |Δout| and Σ |Δin| so far (Double: hundreds of frames of millions of samples).
    public private(set) var outputChange = 0.0
    public private(set) var inputChange = 0.0
    /// Consecutive pairs measured, and the samples compared over them.
    public private(set) var pairs = 0
    public private(set) var samplesCompared = 0

    /// Below this mean input change per sample (half an 8-bit level) the input counts as still: the ratio
    /// would divide by noise (a near-still clip scored 104 with a stable output).
    public static let stillInput = 0.5 / 255

    public init() {}

    /// Adds frame t: its input and output (same (3,H,W) shapes as the previous call's).
    public mutating func add(input: Tensor, output: Tensor) {
        precondition(input.count == output.count, "input \(input.shape) and output \(output.shape) differ in size")
        if let pi = previousInput, let po = previousOutput, pi.count == input.count {
            inputChange += sumAbsDifference(input.data, pi)
            outputChange += sumAbsDifference(output.data, po)
            pairs += 1
            samplesCompared += input.count
        }
        previousInput = input.values
        previousOutput = output.values
    }

    /// The figure; nil before two frames, or when the input (nearly) never changes (nothing to compare with).
    public var flicker: Double? {
        guard pairs > 0, inputChange > 0, inputChange / Double(samplesCompared) >= Self.stillInput else { return nil }
        return outputChange / inputChange
    }

    private func sumAbsDifference(_ a: UnsafeMutablePointer<Float>, _ b: [Float]) -> Double {
        b.withUnsafeBufferPointer { b in
            var total = 0.0
            var row: Float = 0
            for i in 0..<b.count {
                row += abs(a[i] - b[i])
                if i & 4095 == 4095 { total += Double(row); row = 0 }  // float partial sums, flushed often
            }
            return total + Double(row)
        }
    }
}
