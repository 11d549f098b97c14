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

    /// The default band of the official decoder keeps its largest activation map (the last conv's 64
    /// channels at full resolution) within the 128 MB budget, and is the tallest band that does.
    func testDefaultBandsFitTheBudget() throws {
        let c = StyTr2Configuration.official
        let cnn = try CNNDecoder(SeededWeights(seed: 3, shapes: c.tensorShapes(cnnChannels: [256, 256, 256, 256, 128, 128, 64, 64, 3])), c, path: "seeded")
        XCTAssertEqual(4 * CNNDecoder.bandBudget, 128 << 20, "128 MB of float32 per activation map")
        for w in [64, 256, 512, 1024] {  // token grids 64…1024 wide: outputs 512…8192 px wide
            // 64 channels × 8w px at full resolution: e.g. 262 144 floats per output row at w = 512.
            XCTAssertEqual(cnn.floatsPerOutputRow(width: w), 64 * 8 * w)
            let rows = cnn.defaultBandRows(width: w)
            XCTAssertLessThanOrEqual(rows * 64 * 8 * w, CNNDecoder.bandBudget, "grid width \(w): \(rows)-row bands fit")
            XCTAssertGreaterThan((rows + 1) * 64 * 8 * w, CNNDecoder.bandBudget, "grid width \(w): no taller band fits")
        }
        XCTAssertEqual(cnn.defaultBandRows(width: 512), 128)
    }
}
