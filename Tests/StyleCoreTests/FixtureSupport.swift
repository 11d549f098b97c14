import Foundation
import XCTest
@testable import StyleCore
import StyleIO
import TensorTestSupport

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

/// Uniform values in [-scale, scale).
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var g = SplitMix64(seed: seed)
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, values: (0..<n).map { _ in Float.random(in: -scale..<scale, using: &g) })
}

// MARK: - Tolerance

/// `assertClose` (TensorTestSupport) against a double-precision reference.
@discardableResult
func assertClose(_ actual: Tensor, _ expected: Reference, relative: Double = 1e-5, _ label: String,
                 file: StaticString = #filePath, line: UInt = #line) -> Double {
    assertClose(actual, expected: expected.values, shape: expected.shape, relative: relative, label, file: file, line: line)
}

/// Asserts two scalars agree to `relative`·max(1, |expected|).
func assertScalarClose(_ actual: Double, _ expected: Double, relative: Double, _ label: String,
                       file: StaticString = #filePath, line: UInt = #line) {
    let err = abs(actual - expected), tol = relative * max(1, abs(expected))
    print("max-error \(label): \(String(format: "%.3g", err)) (tolerance \(String(format: "%.3g", tol)))")
    XCTAssertLessThanOrEqual(err, tol, "\(label): \(actual) vs \(expected)", file: file, line: line)
}
