import GramStyle
@testable import StyleTransfer
import XCTest

/// The progress ETA weighs each step by its pass's pixels (with the margin), so a quarter-size step counts
/// 1/16, and each pass's first step also carries the targets and the optimiser's initial evaluation.
final class WorkScheduleTests: XCTestCase {
    func testStepsAreWeightedByTheirPassPixels() throws {
        let passes = try gramPasses(content: (512, 512), styles: [], options: GramOptions.standard)
        XCTAssertEqual(passes.map(\.longSide), [128, 256, 512])
        let work = workSchedule(passes, margin: 0)
        XCTAssertEqual(work.count, 60 + 30 + 8)
        // Pixels × (steps + 2 at the pass's start): 62·128², 32·256², 10·512² = 1 : 2.06 : 2.58 of 62·128² units.
        let first: Double = 62 * 16_384, second: Double = 32 * 65_536, third: Double = 10 * 262_144
        let total = first + second + third
        XCTAssertEqual(work[0], 3 * 16_384 / total, accuracy: 1e-12, "the first step carries the targets and the initial evaluation")
        XCTAssertEqual(work[1], 4 * 16_384 / total, accuracy: 1e-12)
        XCTAssertEqual(work[59], first / total, accuracy: 1e-12, "the first pass is 1/5.6 of the work")
        XCTAssertEqual(work[60], (first + 3 * 65_536) / total, accuracy: 1e-12)
        XCTAssertEqual(work[89], (first + second) / total, accuracy: 1e-12)
        XCTAssertEqual(work.last!, 1)
        let padded = workSchedule(passes, margin: 16)
        let paddedTotal: Double = 62 * 25_600 + 32 * 82_944 + 10 * 295_936
        XCTAssertEqual(padded[0], 3 * 25_600 / paddedTotal, accuracy: 1e-12)
    }
}
