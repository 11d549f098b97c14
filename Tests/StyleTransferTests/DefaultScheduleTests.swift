import Foundation
import GramStyle
import StyleCore
import StyleIO
import StyleTransfer
import XCTest

/// The no-weights default (issues 18 and 24): its passes, sizes and steps, and that a whole default run on a small
/// image still lowers the final pass's style loss by a set factor.
final class DefaultScheduleTests: XCTestCase {
    func testDefaultPassesSizesAndSteps() throws {
        let standard = StyleOptions().gram
        XCTAssertEqual(try standard.passes(longSide: 512).map(\.longSide), [128, 256, 512])
        XCTAssertEqual(try standard.passes(longSide: 512).map(\.steps), [60, 30, 8])
        XCTAssertEqual(standard.evaluationsPerStep, 3)
        XCTAssertEqual(standard.rangeWeight, 1e3)
        XCTAssertEqual(try standard.passes(longSide: 200).map(\.longSide), [100, 200], "the /4 pass (50 px) is below 64 px")
        XCTAssertEqual(try standard.passes(longSide: 200).map(\.steps), [30, 8])
        XCTAssertEqual(try standard.passes(longSide: 100).map(\.steps), [GramOptions.standardSteps])
        let passes = try gramPasses(content: (384, 512), styles: [(300, 300)], options: standard)
        XCTAssertEqual(passes.map(\.content.height), [96, 192, 384])
        XCTAssertEqual(passes.map(\.content.width), [128, 256, 512])
        XCTAssertEqual(passes.map(\.styles[0].height), [128, 256, 512], "styles at the pass's long side (style scale 1)")

        // The old schedule on request: --multiscale 128:100,256:60 --steps 20.
        var old = StyleOptions()
        try old.set("multiscale", to: "128:100,256:60")
        try old.set("steps", to: "20")
        try old.validate()
        XCTAssertEqual(try old.gram.passes(longSide: 512).map { "\($0.longSide):\($0.steps)" }, ["128:100", "256:60", "512:20"])
        XCTAssertThrowsError(try old.set("multiscale", to: "128:100,256")) {
            XCTAssertEqual($0 as? InvalidOption, InvalidOption("multiscale", "gives steps to some passes only: give N:STEPS for every pass or for none, not '128:100,256'"))
        }
        XCTAssertThrowsError(try old.set("multiscale", to: "128:x")) { XCTAssertEqual(($0 as? InvalidOption)?.field, "multiscale") }
        try old.set("multiscale", to: "128:-1")
        XCTAssertThrowsError(try old.validate()) {
            XCTAssertEqual($0 as? InvalidOption, InvalidOption("multiscale", "needs one step count of 0 or more per coarse pass [128], not [-1]"))
        }
    }

    /// Default options on the seeded random network at 256 px (passes 64 → 128 → 256): the result's style
    /// loss under the final pass's objective is at most a tenth of the content's, where the run starts
    /// (548 → 8.1 measured).
    func testDefaultRunReducesTheStyleLoss() throws {
        var options = StyleOptions()
        options.size = 256
        let stylizer = try Stylizer(options: options, weights: noWeights)
        guard case let .gram(network) = stylizer.engine else { return XCTFail("Gram mode must run without weights") }
        let content = pattern(height: 192, width: 256, stripes: 0), style = pattern(height: 200, width: 200, stripes: 1)
        var steps: [Int] = [], totals: Set<Int> = []
        let result = try stylizer.stylize(content: content, styles: [style]) { steps.append($0.step); totals.insert($0.totalSteps) }
        XCTAssertEqual(result.shape, [3, 192, 256])
        XCTAssertEqual(totals, [60 + 30 + 8])
        XCTAssertEqual(steps, steps.sorted(), "steps count on across passes (a pass that stops early skips to the next)")
        XCTAssertGreaterThan(steps.filter { $0 > 90 }.count, 0, "the final pass ran")
        let before = try finalPassLoss(of: content, content: content, styles: [style], weights: [1], network: network, options: options.gram)
        let after = try finalPassLoss(of: result, content: content, styles: [style], weights: [1], network: network, options: options.gram)
        print("default run at 256 px: final-pass style loss \(before.style) → \(after.style), content loss \(after.content)")
        XCTAssertEqual(before.content, 0, accuracy: 1e-9, "the content itself has no content loss")
        XCTAssertLessThan(after.style, before.style / 10, "style loss \(before.style) → \(after.style)")
    }

    /// The bundled samples, astronaut × strokes, with the default options at 256 px (passes 64 → 128 →
    /// 256): the held-out style score (`LookScores`, a network the optimiser never saw) falls from the
    /// content photo's to under 1/400 of it (measured: 4.60 → 0.0060, a factor 760), and the final pass
    /// runs all its steps and ends at under a quarter of the loss it started from, the upsampled result of
    /// the pass before (measured 14.8 → 2.06, a factor 7.2). That start is what the final pass can improve
    /// on; the loss the pass before ended with (0.81 here) belongs to another objective, whose style and
    /// content targets have a quarter of the pixels, so the two are not comparable.
    func testDefaultRunOnTheSamplesMatchesTheHeldOutStyleAndTheFinalPassImproves() throws {
        let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../tools/samples")
        let photo = try ImageFile.read(samples.appendingPathComponent("astronaut.png").path)
        let style = try ImageFile.read(samples.appendingPathComponent("strokes.png").path)
        var options = StyleOptions()
        options.size = 256
        let stylizer = try Stylizer(options: options, weights: noWeights)
        guard case let .gram(network) = stylizer.engine else { return XCTFail("Gram mode must run without weights") }
        var reports: [(step: Int, total: Double)] = []
        let result = try stylizer.stylize(content: photo, styles: [style]) { reports.append(($0.step, $0.totalLoss)) }
        let content = resizeLongSide(photo, to: 256)
        let before = try LookScores.score(result: content, content: content, style: style)
        let after = try LookScores.score(result: result, content: content, style: style)
        XCTAssertLessThan(after.heldOutStyle, before.heldOutStyle / 400, "held-out style \(before.heldOutStyle) → \(after.heldOutStyle)")

        // The coarse passes alone (final pass of 0 steps): the upsampled image the final pass starts from.
        var coarseOnly = options
        coarseOnly.gram.steps = 0
        let start = try Stylizer(options: coarseOnly, weights: noWeights).stylize(content: photo, styles: [style])
        let startLoss = try finalPassLoss(of: start, content: content, styles: [style], weights: [1], network: network, options: options.gram)
        let endLoss = try finalPassLoss(of: result, content: content, styles: [style], weights: [1], network: network, options: options.gram)
        let coarseEnd = reports.last { $0.step <= 90 }!.total
        print("samples at 256 px: held-out style \(before.heldOutStyle) → \(after.heldOutStyle); final pass \(startLoss.total) → \(endLoss.total) (the pass before ended at \(coarseEnd) under its own objective); look \(after)")
        XCTAssertEqual(reports.last?.step, 98, "the final pass ran its 8 steps")
        XCTAssertLessThan(endLoss.total, startLoss.total / 4, "final pass \(startLoss.total) → \(endLoss.total)")
    }

    /// (3,h,w) in [0,1]: soft colour blobs (stripes 0, a photo-like content) or diagonal coloured stripes (a style).
    func pattern(height: Int, width: Int, stripes: Int) -> Tensor {
        let t = Tensor(shape: [3, height, width]), n = height * width
        for y in 0..<height { for x in 0..<width {
            let u = Float(x) / Float(width), v = Float(y) / Float(height), i = y * width + x
            if stripes == 0 {
                t[i] = 0.5 + 0.4 * sin(6 * u + 2 * v); t[n + i] = 0.5 + 0.4 * cos(5 * v - 3 * u); t[2 * n + i] = 0.4 + 0.3 * sin(9 * u * v)
            } else {
                let band = (x + y) / 6 % 3
                t[i] = band == 0 ? 0.9 : 0.1; t[n + i] = band == 1 ? 0.8 : 0.2; t[2 * n + i] = band == 2 ? 0.9 : 0.3
            }
        } }
        return t
    }
}
