import StyleCore
import XCTest

/// The tensor comparison every numeric test target uses (StyleCoreTests, StyTr2Tests, GramStyleTests).
///
/// Asserts equal shapes and max |actual − expected| ≤ relative · max(minimumScale, max |expected|),
/// prints the measured error and returns it (NaN counts as an infinite error). `minimumScale` 1 makes
/// the bound absolute for small references (kernel checks); 0 keeps it relative to the reference's
/// own scale (model parity), which must then be non-zero.
@discardableResult
public func assertClose(_ actual: Tensor, expected values: [Double], shape: [Int], relative: Double = 1e-5,
                        minimumScale: Double = 1, _ label: String,
                        file: StaticString = #filePath, line: UInt = #line) -> Double {
    XCTAssertEqual(actual.shape, shape, "\(label): shape", file: file, line: line)
    guard actual.shape == shape else { return .infinity }
    var err = 0.0, scale = 0.0
    for i in 0..<actual.count {
        let e = abs(Double(actual[i]) - values[i])
        err = e.isNaN ? .infinity : max(err, e)
        scale = max(scale, abs(values[i]))
    }
    if minimumScale == 0 { XCTAssertGreaterThan(scale, 0, "\(label): the reference is all zeros", file: file, line: line) }
    let tolerance = relative * max(minimumScale, scale)
    print("max-error \(label): \(String(format: "%.3g", err)) (tolerance \(String(format: "%.3g", tolerance)))")
    XCTAssertLessThanOrEqual(err, tolerance, "\(label): max abs error (reference scale \(scale))", file: file, line: line)
    return err
}

/// `assertClose` against a float32 reference tensor.
@discardableResult
public func assertClose(_ actual: Tensor, _ expected: Tensor, relative: Double = 1e-5, minimumScale: Double = 1,
                        _ label: String, file: StaticString = #filePath, line: UInt = #line) -> Double {
    assertClose(actual, expected: (0..<expected.count).map { Double(expected[$0]) }, shape: expected.shape,
                relative: relative, minimumScale: minimumScale, label, file: file, line: line)
}
