import StyleCore
import XCTest
@testable import StyTr2

/// The banded CNN decoder (bounded memory at high resolution) against the unbanded one.
final class CNNDecoderBandTests: XCTestCase {
    func testBandsEqualTheWholeImage() throws {
        var c = StyTr2Configuration()
        c.dModel = 16
        let cnn = try CNNDecoder(SeededWeights(seed: 3, shapes: c.tensorShapes(cnnChannels: [8, 8, 8, 8, 8, 8, 8, 8, 3])), c, path: "seeded")
        let x = Tensor(shape: [16, 7, 5])  // x is (D,h,w): output 56×40
        for i in 0..<x.count { x[i] = Float(sin(Double(i) * 0.37)) }
        let whole = cnn.forward(x, bandRows: 56)
        XCTAssertEqual(whole.shape, [3, 56, 40])
        XCTAssertGreaterThan(whole.maxAbs, 0.01)
        // 1 row, bands that do not divide 56, one band smaller than a token, bands at token boundaries.
        for rows in [1, 3, 5, 8, 13, 21, 55] {
            let banded = cnn.forward(x, bandRows: rows)
            XCTAssertEqual(banded.shape, whole.shape)
            var err: Float = 0
            for i in 0..<whole.count { err = max(err, abs(banded[i] - whole[i])) }
            // Equal up to rounding: Winograd's 4×4 tiles (first conv, 16 channels) start at each band's
            // first row, so the same output sums its terms in another order (~1e-6 relative).
            XCTAssertLessThanOrEqual(err, 1e-5 * whole.maxAbs, "bands of \(rows) rows")
        }
    }

    func testDefaultBandsFitTheBudget() throws {
        let c = StyTr2Configuration.official
        let cnn = try CNNDecoder(SeededWeights(seed: 3, shapes: c.tensorShapes(cnnChannels: [256, 256, 256, 256, 128, 128, 64, 64, 3])), c, path: "seeded")
        // 64 channels × 4096 px wide at full resolution: 262 144 floats per output row.
        XCTAssertEqual(cnn.floatsPerOutputRow(width: 512), 64 * 4096)
    }
}
