import GramStyle
@testable import StyleTransfer
import XCTest

/// The progress ETA weighs each step by its pass's pixels (with the margin), so a quarter-size step counts 1/16.
final class WorkScheduleTests: XCTestCase {
    func testStepsAreWeightedByTheirPassPixels() throws {
        var g = GramOptions.standard
        g.scales = nil
        let passes = try gramPasses(content: (512, 512), styles: [], options: g)
        XCTAssertEqual(passes.map(\.longSide), [128, 256, 512])
        let work = workSchedule(passes, margin: 0)
        XCTAssertEqual(work.count, 100 + 60 + 20)
        // Pixels × steps per pass: 100·128², 60·256², 20·512² = 1 : 2.4 : 3.2 of 128²·100 units.
        let first: Double = 1_638_400, second: Double = 3_932_160, third: Double = 5_242_880
        XCTAssertEqual(work[99], first / (first + second + third), accuracy: 1e-12, "the first pass is 1/6.6 of the work")
        XCTAssertEqual(work[159], (first + second) / (first + second + third), accuracy: 1e-12)
        XCTAssertEqual(work.last!, 1)
        let padded = workSchedule(passes, margin: 16)
        let paddedTotal: Double = 100 * 25_600 + 60 * 82_944 + 20 * 295_936
        XCTAssertEqual(padded[0], 25_600 / paddedTotal, accuracy: 1e-12)
    }
}
