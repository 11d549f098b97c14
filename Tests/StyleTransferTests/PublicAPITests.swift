// Only the public surface: what another Swift program that imports the library can do.
import Foundation
import StyleCore
import StyleIO
import StyleTransfer
import XCTest

/// A caller stylises through `Stylizer` with options and a progress callback, blends two styles,
/// keeps colours, reads the reproduction metadata and writes the image with it.
final class PublicAPITests: XCTestCase {
    func testStylizeWithOptionsProgressAndMetadata() throws {
        var options = StyleOptions.fastGram()
        options.styleBlend = [2, 1]
        options.preserveColor = .histogram
        let stylizer = try Stylizer(options: options, weights: noWeights)
        XCTAssertEqual(stylizer.mode, .gram)
        XCTAssertTrue(stylizer.reason.contains("random feature network"), stylizer.reason)

        let content = image(height: 30, width: 40, phase: 0), style1 = image(height: 24, width: 24, phase: 1), style2 = image(height: 28, width: 20, phase: 2)
        var steps: [Int] = [], totals: [Int] = []
        var losses: [Double] = [], work: [Double] = []
        let result = try stylizer.stylize(content: content, styles: [style1, style2]) { p in
            steps.append(p.step); totals.append(p.totalSteps); losses.append(p.totalLoss); work.append(p.workDone)
        }
        XCTAssertEqual(work, [0.6, 0.8, 1], "one pass of 3 steps: the first also carries the targets and the initial evaluation (2 more)")
        XCTAssertEqual(result.shape, [3, 24, 32], "long side resized to options.size")
        XCTAssertEqual(steps, [1, 2, 3])
        XCTAssertEqual(totals, [3, 3, 3])
        XCTAssertLessThan(losses.last!, losses.first!)
        XCTAssertTrue(result.values.allSatisfy { $0 >= 0 && $0 <= 1 })

        let metadata = stylizer.metadata(content: "c.png", styles: ["a.png", "b.png"], result: result).map { ($0.key, $0.value) }
        let records = Dictionary(uniqueKeysWithValues: metadata)
        XCTAssertEqual(records["stylize:mode"], "gram")
        XCTAssertEqual(records["stylize:weights"], "seeded random network, seed 0")
        XCTAssertEqual(records["stylize:styles"], "a.png\nb.png")
        XCTAssertEqual(records["stylize:style-blend"], "\(Float(2) / 3),\(Float(1) / 3)")
        XCTAssertEqual(records["stylize:preserve-color"], "histogram")
        XCTAssertEqual(records["stylize:passes"], "32:3")

        let path = NSTemporaryDirectory() + "/public-api-\(getpid()).png"
        defer { unlink(path) }
        try ImageFile.write(result, to: path, metadata: metadata)
        XCTAssertEqual(try ImageFile.read(path).shape, [3, 24, 32])
    }

    func testOptionErrorsNameTheRange() {
        var options = StyleOptions()
        options.alpha = 1.5
        XCTAssertThrowsError(try Stylizer(options: options, weights: noWeights)) {
            XCTAssertEqual($0 as? InvalidOption, InvalidOption("alpha", "must be between 0 and 1, not 1.5"))
        }
        options = StyleOptions()
        options.mode = .gram
        options.alpha = 0.5
        XCTAssertThrowsError(try Stylizer(options: options, weights: noWeights)) {
            XCTAssertEqual(($0 as? InvalidOption)?.field, "alpha")
            XCTAssertTrue("\($0)".contains("alpha works in transformer mode only, and Gram mode runs (mode gram); weigh style with style_weight instead"), "\($0)")
        }
    }

    /// A smooth colourful image (3,H,W) in [0,1].
    func image(height: Int, width: Int, phase: Float) -> Tensor {
        let t = Tensor(shape: [3, height, width])
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            t[(c * height + y) * width + x] = 0.5 + 0.4 * sin(Float(x) * (0.2 + 0.1 * phase) + Float(c) * 2) * cos(Float(y) * 0.15 * Float(c + 1) + phase)
        } } }
        return t
    }
}
