import Foundation
import XCTest
@testable import StyleCore

final class FastExpTests: XCTestCase {
    /// exp8 against libm over the range softmax uses (x ≤ 0) and beyond: relative error ≤ 4e-7.
    func testExp8MatchesLibm() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.001 })
            let e = exp8(lanes)
            for i in 0..<8 {
                let ref = Float(Foundation.exp(Double(lanes[i])))
                worst = max(worst, abs(e[i] - ref) / ref)
            }
            x += 0.0137
        }
        XCTAssertLessThan(worst, 4e-7)
        XCTAssertLessThan(exp8(SIMD8(repeating: -1000))[0], 1e-37)
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
