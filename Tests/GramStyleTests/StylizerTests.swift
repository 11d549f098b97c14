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
        options.optimizer = .adam
        options.initialization = .noise
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
        XCTAssertThrowsError(try gramStylize(content: content, style: style, network: network, options: options)) {
            XCTAssertEqual(($0 as? InvalidOption)?.field, "multiscale", "\($0)")
        }
        for (change, field) in [({ (o: inout GramOptions) in o.steps = -1 }, "steps"), ({ o in o.historySize = 0 }, "history"),
                                ({ o in o.styleScale = 0 }, "style_scale"), ({ o in o.learningRate = 0 }, "lr"),
                                ({ o in o.scales = [32, 16] }, "multiscale"), ({ o in o.styleWeight = .nan }, "style_weight"),
                                ({ o in o.styleLayers = [.init("relu1_1", weight: -1)] }, "style_layers")] {
            var bad = GramOptions()
            change(&bad)
            XCTAssertThrowsError(try bad.validate()) { XCTAssertEqual(($0 as? InvalidOption)?.field, field, "\($0)") }
        }
        XCTAssertNoThrow(try GramOptions.standard.validate())
        options = GramOptions()
        options.contentLayers = ["nope"]
        XCTAssertThrowsError(try gramStylize(content: content, style: style, network: network, options: options)) {
            XCTAssertTrue("\($0)".contains("nope"), "\($0)")
        }
    }

    func testAutomaticScheduleMarginAndSnapshots() throws {
        let standard = GramOptions.standard
        XCTAssertEqual(try standard.passes(longSide: 512).map(\.longSide), [128, 256, 512])
        XCTAssertEqual(try standard.passes(longSide: 512).map(\.steps), GramOptions.automaticScaleSteps + [GramOptions.standardSteps])
        XCTAssertEqual(try standard.passes(longSide: 200).map(\.longSide), [100, 200], "coarse passes below 64 px are dropped")
        XCTAssertEqual(try standard.passes(longSide: 200).map(\.steps), [GramOptions.automaticScaleSteps[1], GramOptions.standardSteps])
        var bad = GramOptions(); bad.scales = [100]; bad.scaleSteps = [1, 2]
        XCTAssertThrowsError(try bad.validate()) { XCTAssertEqual(($0 as? InvalidOption)?.field, "multiscale") }

        // Reflection margin: pad then crop is the identity; (−2,−2) mirrors (2,2) as ReflectionPad2d.
        let x = testTensor([2, 5, 6], seed: 3), padded = reflectPad(x, 2)
        XCTAssertEqual(padded.shape, [2, 9, 10])
        XCTAssertEqual(crop(padded, 2).values, x.values)
        XCTAssertEqual(padded[0], x[2 * 6 + 2])

        // The default random network (fewer filters) with its 16 px margin on a 40×30 image, two passes;
        // snapshots come every 2 steps at each pass's size, clamped.
        var c = RandomFeatureNetwork.Configuration()
        c.branches = c.branches.map { var b = $0; b.filters = 4; return b }
        let random = try RandomFeatureNetwork(seed: 1, configuration: c)
        var options = GramOptions(); options.scales = [30]; options.scaleSteps = [3]; options.steps = 2
        options.optimizer = .adam  // exactly the requested steps (L-BFGS may converge sooner)
        options.snapshotEvery = 2
        let image = testTensor([3, 30, 40], seed: 8, lo: 0, hi: 1), styleImage = testTensor([3, 32, 32], seed: 9, lo: 0, hi: 1)
        var snapshots: [(Int, [Int])] = []
        let result = try gramStylize(content: image, style: styleImage, network: random, options: options, snapshot: { step, s in
            XCTAssertTrue(s.values.allSatisfy { $0 >= 0 && $0 <= 1 })
            snapshots.append((step, s.shape))
        })
        XCTAssertEqual(result.shape, image.shape)
        XCTAssertEqual(snapshots.map(\.0), [2, 4])
        XCTAssertEqual(snapshots.map(\.1), [[3, 23, 30], [3, 30, 40]])
    }

    func testHistoryIsCappedByMemory() throws {
        // 2 vectors of 3·32·40 floats per pair = 30720 B: a 100 kB cap keeps 3 pairs, which changes the path.
        var options = GramOptions(); options.steps = 6
        let a = try gramStylize(content: content, style: style, network: network, options: options)
        options.historyMemory = 100_000
        let b = try gramStylize(content: content, style: style, network: network, options: options)
        XCTAssertEqual(a.shape, b.shape)
        XCTAssertNotEqual(a.values, b.values)
    }
}
