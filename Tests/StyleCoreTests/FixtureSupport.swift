import Foundation
import XCTest
@testable import StyleCore
import StyleIO

// Shared helpers of the kernel tests: the PyTorch fixtures (written by tools/make_kernel_fixtures.py),
// a double-precision reference array for the naive implementations, seeded random inputs and the
// tolerance check every test uses.

// MARK: - Fixtures

enum Fixtures {
    /// The float32 array `Fixtures/kernels/<name>.npy`, read with StyleIO's `NPY`.
    static func kernel(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        let path = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/kernels/\(name).npy").path
        do {
            return try NPY.read(path)
        } catch {
            XCTFail("fixture \(name): \(error) (regenerate with python3 tools/make_kernel_fixtures.py)", file: file, line: line)
            throw error
        }
    }
}

// MARK: - Double-precision reference arrays

/// Row-major float64 array for the naive reference implementations.
struct Reference {
    var shape: [Int]
    var values: [Double]

    init(shape: [Int], values: [Double]? = nil) {
        self.shape = shape
        self.values = values ?? [Double](repeating: 0, count: shape.reduce(1, *))
        precondition(self.values.count == shape.reduce(1, *))
    }

    init(_ t: Tensor) { self.init(shape: t.shape, values: t.values.map(Double.init)) }

    var count: Int { values.count }
    var tensor: Tensor { Tensor(shape: shape, values: values.map(Float.init)) }

    /// Element (i, j) of a 2-D array, (c, y, x) of a 3-D one, (a, b, c, d) of a 4-D one.
    subscript(_ i: Int...) -> Double {
        get { values[offset(i)] }
        set { values[offset(i)] = newValue }
    }

    private func offset(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) into shape \(shape)")
        var o = 0
        for (i, n) in zip(index, shape) { precondition(i >= 0 && i < n, "index \(index) into shape \(shape)"); o = o * n + i }
        return o
    }

    func dot(_ other: Reference) -> Double {
        precondition(count == other.count)
        return zip(values, other.values).reduce(0) { $0 + $1.0 * $1.1 }
    }
}

extension Tensor {
    /// <self, other> accumulated in double.
    func dot(_ other: Tensor) -> Double {
        precondition(count == other.count)
        var s = 0.0
        for i in 0..<count { s += Double(self[i]) * Double(other[i]) }
        return s
    }
}

// MARK: - Random inputs

/// SplitMix64: a tiny seeded generator, so every random test input is reproducible.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Uniform values in [-scale, scale).
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var g = SeededGenerator(seed: seed)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, values: (0..<n).map { _ in Float.random(in: -scale..<scale, using: &g) })
}

// MARK: - Tolerance

/// The tolerance of every kernel check: 1e-5 relative to the reference's magnitude (at least 1).
func tolerance(for reference: [Double], relative: Double = 1e-5) -> Double {
    relative * max(1, reference.map(abs).max() ?? 0)
}

/// Asserts max |actual − expected| ≤ relative·max(1, max|expected|), prints the measured error and returns it.
@discardableResult
func assertClose(_ actual: Tensor, _ expected: Reference, relative: Double = 1e-5, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    XCTAssertEqual(actual.shape, expected.shape, "\(label): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return .infinity }
    var err = 0.0
    for i in 0..<actual.count {
        let e = abs(Double(actual[i]) - expected.values[i])
        err = e.isNaN ? .infinity : max(err, e)
    }
    let tol = tolerance(for: expected.values, relative: relative)
    print("max-error \(label): \(String(format: "%.3g", err)) (tolerance \(String(format: "%.3g", tol)))")
    XCTAssertLessThanOrEqual(err, tol, "\(label): max abs error", file: file, line: line)
    return err
}

@discardableResult
func assertClose(_ actual: Tensor, _ expected: Tensor, relative: Double = 1e-5, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    assertClose(actual, Reference(expected), relative: relative, label, file: file, line: line)
}

/// Asserts two scalars agree to `relative`·max(1, |expected|).
func assertScalarClose(_ actual: Double, _ expected: Double, relative: Double, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    let err = abs(actual - expected), tol = relative * max(1, abs(expected))
    print("max-error \(label): \(String(format: "%.3g", err)) (tolerance \(String(format: "%.3g", tol)))")
    XCTAssertLessThanOrEqual(err, tol, "\(label): \(actual) vs \(expected)", file: file, line: line)
}
