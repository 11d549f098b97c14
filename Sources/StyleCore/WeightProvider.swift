/// Where a model gets its named tensors: a weight file, or a seeded generator in tests.
public protocol WeightProvider {
    /// The shape stored under `name`, or nil if there is none.
    func shape(of name: String) -> [Int]?
    /// The tensor `name`, which must have exactly `shape` (otherwise a `StyleError.weights` naming both).
    func tensor(_ name: String, shape: [Int]) throws -> Tensor
}

/// Deterministic pseudo-random weights from a seed and each tensor's name, identical to
/// `seeded_tensor` in tools/stytr2_reference.py, so full-size models need no weight file in tests.
///
/// Each tensor draws from SplitMix64 seeded with seed ⊕ FNV-1a(name); u = (x>>40)·2⁻²⁴·2−1 ∈ [−1,1).
/// LayerNorm weights are 1+0.1u, other 1-D tensors 0.1u, spatial conv weights u·√(6/fan_in), other weights u·√(3/fan_in).
public struct SeededWeights: WeightProvider {
    public var seed: UInt64
    public var shapes: [String: [Int]]

    public init(seed: UInt64, shapes: [String: [Int]]) { self.seed = seed; self.shapes = shapes }

    public func shape(of name: String) -> [Int]? { shapes[name] }

    public func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        guard let stored = shapes[name] else { throw StyleError.weights(path: "seeded", reason: "missing tensor '\(name)'") }
        guard stored == shape else {
            throw StyleError.weights(path: "seeded", reason: "tensor '\(name)' has shape \(stored), expected \(shape)")
        }
        return Self.generate(name: name, shape: shape, seed: seed)
    }

    public static func generate(name: String, shape: [Int], seed: UInt64) -> Tensor {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var generator = SplitMix64(seed: seed ^ hash)
        func next() -> Float { generator.nextUnit() * 2 - 1 }
        let t = Tensor(shape: shape)
        let isNormWeight = name.hasSuffix(".weight") && name.split(separator: ".").dropLast().last?.hasPrefix("norm") == true
        if isNormWeight {
            for i in 0..<t.count { t[i] = 1 + 0.1 * next() }
        } else if shape.count == 1 {
            for i in 0..<t.count { t[i] = 0.1 * next() }
        } else {
            let fanIn = shape.dropFirst().reduce(1, *)
            // Unit-variance gain for linear maps, He gain for the convs that feed ReLUs.
            let gain = shape.count == 4 && shape[3] > 1 ? 6.0 : 3.0
            let scale = Float((gain / Double(fanIn)).squareRoot())
            for i in 0..<t.count { t[i] = next() * scale }
        }
        return t
    }
}
