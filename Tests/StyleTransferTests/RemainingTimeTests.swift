import GramStyle
@testable import StyleTransfer
import XCTest

/// The ETA from work units and timestamps (fake clocks: no timing in tests).
final class RemainingTimeTests: XCTestCase {
    func testRateIsMeasuredFromTheFirstReport() {
        var eta = RemainingTime()
        XCTAssertNil(eta.update(workDone: 0.1, now: 5), "no rate at the first report (it also built the targets)")
        // 0.1 → 0.3 of the work in 4 s: 20 s per unit of work, 0.7 left → 14 s.
        XCTAssertEqual(eta.update(workDone: 0.3, now: 9)!, 14, accuracy: 1e-12)
        // Still from the first report: 0.1 → 0.6 in 15 s = 30 s per unit, 0.4 left → 12 s.
        XCTAssertEqual(eta.update(workDone: 0.6, now: 20)!, 12, accuracy: 1e-12)
        XCTAssertNil(eta.update(workDone: 0.1, now: 21), "no work since the baseline: no rate")
        XCTAssertEqual(eta.update(workDone: 1, now: 30), 0)
    }

    func testDoneAtTheFirstReport() {
        var eta = RemainingTime()
        XCTAssertEqual(eta.update(workDone: 1, now: 3), 0)
    }

    /// A run whose steps take exactly the time the work units say (each pass's first step with its
    /// targets and initial evaluation): the ETA is exact from the second report on, whatever the pass.
    func testExactOnARunThatFollowsTheCostModel() throws {
        var options = GramOptions.standard
        options.scales = [64, 128]; options.scaleSteps = [6, 4]; options.steps = 3
        let passes = try gramPasses(content: (200, 256), styles: [], options: options)
        let work = workSchedule(passes, margin: 16)
        XCTAssertEqual(work.count, 13)
        let secondsPerPixel = 2e-6
        var clock = 0.0, previous = 0.0
        var times: [Double] = []
        for pass in passes {
            let pixels = Double((pass.content.height + 32) * (pass.content.width + 32))
            for step in 0..<pass.steps {
                clock += secondsPerPixel * pixels * (step == 0 ? 3 : 1)
                times.append(clock)
            }
        }
        var eta = RemainingTime()
        for (i, (w, t)) in zip(work, times).enumerated() {
            let predicted = eta.update(workDone: w, now: t)
            if i == 0 { XCTAssertNil(predicted); continue }
            XCTAssertEqual(predicted!, times.last! - t, accuracy: 1e-9 * times.last!, "step \(i + 1)")
            XCTAssertGreaterThan(w, previous)
            previous = w
        }
    }
}
