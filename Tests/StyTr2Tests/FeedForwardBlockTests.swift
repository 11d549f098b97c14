import StyleCore
import XCTest
@testable import StyTr2

/// The transformer's feed-forward network computed in blocks of tokens (bounded memory at high
/// resolution) against one block holding every token.
final class FeedForwardBlockTests: XCTestCase {
    func testBlocksEqualOneBlock() throws {
        let shapes = ["l1.weight": [32, 16], "l1.bias": [32], "l2.weight": [16, 32], "l2.bias": [16]]
        let w = SeededWeights(seed: 5, shapes: shapes)
        let linear1 = try LinearWeights(w, "l1", out: 32, in: 16), linear2 = try LinearWeights(w, "l2", out: 16, in: 32)
        let x = Tensor(shape: [23, 16])  // x is (N,D)
        for i in 0..<x.count { x[i] = Float(cos(Double(i) * 0.61)) }
        let whole = feedForward(x, linear1, linear2, rows: 23)
        XCTAssertGreaterThan(whole.maxAbs, 0.01)
        for rows in [1, 4, 7, 22] {
            let blocked = feedForward(x, linear1, linear2, rows: rows)
            var err: Float = 0
            for i in 0..<whole.count { err = max(err, abs(blocked[i] - whole[i])) }
            XCTAssertLessThanOrEqual(err, 1e-6 * whole.maxAbs, "blocks of \(rows) tokens")
        }
    }
}
