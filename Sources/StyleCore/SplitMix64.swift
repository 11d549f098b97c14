/// SplitMix64 (Steele, Lea & Flood 2014): the engine's one seeded generator — seeded weights, the
/// noise start of Gram mode, reproducible test inputs. Same sequence as tools/stytr2_reference.py.
public struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// The top 24 bits of the next output scaled by 2⁻²⁴: uniform in [0,1), exact in Float.
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) * 0x1p-24
    }
}
