import Foundation
import XCTest
@testable import StyleCore

final class FastExpTests: XCTestCase {
    /// The vectorised exp against libm over the range softmax uses (x ≤ 0) and beyond: relative error ≤ 4e-7.
    func testExpMatchesLibm() {
        let xs = Array(stride(from: Float(-87), to: 88, by: 0.00731)) + [-1000]
        var row = xs
        _ = row.withUnsafeMutableBufferPointer { expShiftedSum($0.baseAddress!, count: $0.count, shift: 0) }
        var worst: Float = 0
        for (x, e) in zip(xs.dropLast(), row.dropLast()) {
            let ref = Float(Foundation.exp(Double(x)))
            worst = max(worst, abs(e - ref) / ref)
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertLessThan(row.last!, 1e-37)
    }

    func testExpShiftedSumHandlesTailsAndReturnsTheSum() {
        for count in [0, 1, 7, 8, 9, 23] {
            let row = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            defer { row.deallocate() }
            var expected: [Float] = []
            for j in 0..<count { row[j] = Float(j) * 0.3 - 2; expected.append(Foundation.exp(row[j] - 1.5)) }
            XCTAssertEqual(rowMaximum(row, count: count), count == 0 ? -.infinity : Float(count - 1) * 0.3 - 2)
            let sum = expShiftedSum(row, count: count, shift: 1.5)
            for j in 0..<count { XCTAssertEqual(row[j], expected[j], accuracy: 1e-6 * expected[j]) }
            XCTAssertEqual(sum, expected.reduce(0, +), accuracy: 1e-5 * max(1, sum))
        }
    }
}
