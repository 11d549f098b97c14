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
        XCTAssertEqual(work.count, 100 + 40 + 6)
        // Pixels × (steps + 2 at the pass's start): 102·128², 42·256², 8·512² = 1 : 1.65 : 1.25 of 102·128² units.
        let first: Double = 102 * 16_384, second: Double = 42 * 65_536, third: Double = 8 * 262_144
        let total = first + second + third
        XCTAssertEqual(work[0], 3 * 16_384 / total, accuracy: 1e-12, "the first step carries the targets and the initial evaluation")
        XCTAssertEqual(work[1], 4 * 16_384 / total, accuracy: 1e-12)
        XCTAssertEqual(work[99], first / total, accuracy: 1e-12, "the first pass is 1/3.9 of the work")
        XCTAssertEqual(work[100], (first + 3 * 65_536) / total, accuracy: 1e-12)
        XCTAssertEqual(work[139], (first + second) / total, accuracy: 1e-12)
        XCTAssertEqual(work.last!, 1)
        let padded = workSchedule(passes, margin: 16)
        let paddedTotal: Double = 102 * 25_600 + 42 * 82_944 + 8 * 295_936
        XCTAssertEqual(padded[0], 3 * 25_600 / paddedTotal, accuracy: 1e-12)
    }
}
