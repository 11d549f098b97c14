import StyleCore
import XCTest
@testable import GramStyle

/// gramStylize end to end on tiny images: progress, cancellation, multi-scale, optimisers, initialisations.
final class StylizerTests: XCTestCase {
    let content = testTensor([3, 32, 40], seed: 21, lo: 0, hi: 1)
    let style = testTensor([3, 36, 28], seed: 22, lo: 0, hi: 1)
    let network = VGG19.random(seed: 3, widths: [4, 8, 8, 16, 16])

    func testLBFGSLowersTheLossAndReportsEveryStep() throws {
        var options = GramOptions()
        options.steps = 8
        var reports: [(Int, Double, Double, Double)] = []
        let result = try gramStylize(content: content, style: style, network: network, options: options) { reports.append(($0, $1, $2, $3)) }
        XCTAssertEqual(result.shape, content.shape)
        XCTAssertTrue(result.values.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertFalse(reports.isEmpty)
        XCTAssertEqual(reports.map(\.0), Array(1...reports.count))
        for r in reports { XCTAssertEqual(r.3, r.1 + r.2, accuracy: 1e-9 * r.3) }
        let objective = try GramObjective(network: network, content: content, style: style, options: options)
        XCTAssertLessThan(reports.last!.3, try objective.evaluate(content).total)
    }

    func testCancellationStopsWithCancellationError() {
        var options = GramOptions()
        options.steps = 50
        var calls = 0
        XCTAssertThrowsError(try gramStylize(content: content, style: style, network: network, options: options,
                                             progress: { _, _, _, _ in calls += 1 }, isCancelled: { calls >= 2 })) {
            XCTAssertTrue($0 is CancellationError, "\($0)")
        }
        XCTAssertEqual(calls, 2)
    }

    func testMultiScaleAdamNoiseAndStyleScale() throws {
        var options = GramOptions()
        options.steps = 3
        options.scales = [24]
        options.optimiser = .adam(learningRate: 0.02)
        options.initialisation = .noise
        options.styleScale = 1.2
        options.totalVariationWeight = 1
        var steps: [Int] = []
        let a = try gramStylize(content: content, style: style, network: network, options: options) { s, _, _, _ in steps.append(s) }
        XCTAssertEqual(steps, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(a.shape, content.shape)
        let b = try gramStylize(content: content, style: style, network: network, options: options)
        XCTAssertEqual(a.values, b.values, "noise initialisation is deterministic for a seed")
        XCTAssertEqual(resizedStyle(style, imageLongSide: 40, scale: 0.5).shape, [3, 20, 16])
    }

    func testBadOptionsAreRejected() {
        var options = GramOptions()
        options.scales = [64]
        XCTAssertThrowsError(try gramStylize(content: content, style: style, network: network, options: options))
        options = GramOptions()
        options.contentLayers = ["nope"]
        XCTAssertThrowsError(try gramStylize(content: content, style: style, network: network, options: options)) {
            XCTAssertTrue("\($0)".contains("nope"), "\($0)")
        }
    }
}
