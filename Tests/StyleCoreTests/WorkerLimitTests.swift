import Foundation
import StyleCore
import XCTest

/// parallelFor runs every iteration once and, with a cap, never more than the cap at a time.
final class WorkerLimitTests: XCTestCase {
    override func tearDown() { WorkerLimit.set(nil) }

    /// Iterations each run once; the most running at once, observed by a counter (each iteration
    /// sleeps 1 ms so that lanes overlap when they can).
    func run(iterations: Int) -> (counts: [Int], peak: Int) {
        let lock = NSLock()
        var counts = [Int](repeating: 0, count: iterations), running = 0, peak = 0
        parallelFor(iterations: iterations) { i in
            lock.lock(); counts[i] += 1; running += 1; peak = max(peak, running); lock.unlock()
            usleep(1000)
            lock.lock(); running -= 1; lock.unlock()
        }
        return (counts, peak)
    }

    func testCapBoundsConcurrencyAndCoversEveryIteration() {
        for cap in [1, 2, 3] {
            WorkerLimit.set(cap)
            let (counts, peak) = run(iterations: 37)
            XCTAssertEqual(counts, [Int](repeating: 1, count: 37), "cap \(cap)")
            XCTAssertLessThanOrEqual(peak, cap, "cap \(cap)")
        }
        WorkerLimit.set(1)
        XCTAssertEqual(WorkerLimit.capped(8), 1)
        WorkerLimit.set(nil)
        XCTAssertEqual(WorkerLimit.capped(8), 8)
        XCTAssertEqual(run(iterations: 5).counts, [1, 1, 1, 1, 1])
    }

    /// Capped and uncapped products both match a double-precision reference (the bits may differ:
    /// the rows are split into as many blocks as there are workers).
    func testCappedGEMMIsCorrect() {
        let m = 160, n = 144, k = 128
        let a = Tensor(shape: [m, k]), b = Tensor(shape: [k, n])
        for i in 0..<a.count { a[i] = Float((i * 37) % 101) / 50 - 1 }
        for i in 0..<b.count { b[i] = Float((i * 53) % 97) / 48 - 1 }
        var reference = [Double](repeating: 0, count: m * n)
        for i in 0..<m { for p in 0..<k { for j in 0..<n { reference[i * n + j] += Double(a[i * k + p]) * Double(b[p * n + j]) } } }
        for cap in [nil, 1] as [Int?] {
            WorkerLimit.set(cap)
            let c = matmul(a, b)
            let worst = (0..<c.count).map { abs(Double(c[$0]) - reference[$0]) }.max()!
            XCTAssertLessThan(worst, 1e-4, "cap \(String(describing: cap))")
        }
    }
}
