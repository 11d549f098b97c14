import XCTest
@testable import StyleCore

/// reluInPlace / reluBackwardInPlace, addInPlace, and the (C,H,W) ↔ (H·W,C) token layout.
final class ElementwiseTests: XCTestCase {
    func testReluAndBackward() {
        let x = randomTensor([3, 5, 7], seed: 600)
        x[0] = 0
        let y = x.copy()
        reluInPlace(y)
        XCTAssertEqual(y.values, x.values.map { max(0, $0) })
        let g = randomTensor(x.shape, seed: 601)
        let dx = g.copy()
        reluBackwardInPlace(dx, output: y)
        XCTAssertEqual(dx.values, zip(g.values, y.values).map { $1 > 0 ? $0 : 0 })
        XCTAssertEqual(dx[0], 0, "the gradient at 0 is 0, as PyTorch's threshold_backward")
    }

    /// relu on a tensor large enough to be split across threads.
    func testReluOnParallelChunks() {
        let x = randomTensor([1 << 18], seed: 602)
        let y = x.copy()
        reluInPlace(y)
        XCTAssertEqual(y.values, x.values.map { max(0, $0) })
    }

    func testAddInPlace() {
        let x = randomTensor([4, 9], seed: 610), y = randomTensor([4, 9], seed: 611)
        XCTAssertEqual(adding(x, y).values, zip(x.values, y.values).map { $0 + $1 })
        XCTAssertEqual(x.values, randomTensor([4, 9], seed: 610).values, "adding does not modify its input")
    }

    /// Sizes beyond the 32×32 transpose block, with partial blocks on both axes.
    func testTokensLayoutRoundTrip() {
        for shape in [[37, 5, 9], [3, 1, 1], [1, 7, 11], [64, 8, 8]] {
            let x = randomTensor(shape, seed: 620)
            let c = shape[0], h = shape[1], w = shape[2]
            let tokens = channelsToTokens(x)
            XCTAssertEqual(tokens.shape, [h * w, c])
            var ok = true
            for ch in 0..<c { for p in 0..<(h * w) where tokens[p * c + ch] != x[ch * h * w + p] { ok = false } }
            XCTAssertTrue(ok, "channelsToTokens \(shape): token p, channel c = x[c, p]")
            let back = tokensToChannels(tokens, height: h, width: w)
            XCTAssertEqual(back.shape, shape)
            XCTAssertEqual(back.values, x.values, "tokensToChannels ∘ channelsToTokens \(shape)")
        }
    }
}
