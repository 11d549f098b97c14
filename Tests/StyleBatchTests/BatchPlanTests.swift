#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleBatch
import StyleCore
import StyleIO
import XCTest

/// Expanding directories and patterns into the sorted pair list, and the output names.
final class BatchPlanTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = makeTemporaryDirectory("plan")
        mkdir(directory + "/c", 0o755); mkdir(directory + "/s", 0o755)
        for name in ["b.png", "a.jpg", "c.photo.png", ".hidden.png", "notes.txt"] {
            try ImageFile.write(testImage(), to: directory + "/c/" + (name == "notes.txt" ? "x.png" : name))
            if name == "notes.txt" { rename(directory + "/c/x.png", directory + "/c/notes.txt") }
        }
        for name in ["s2.png", "s1.npy"] { try ImageFile.write(testImage(), to: directory + "/s/" + name) }
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func testPairsAreSortedAndNamedByStems() throws {
        let plan = try BatchPlan(content: directory + "/c", style: directory + "/s/*", directory: directory + "/out", format: .jpeg)
        XCTAssertEqual(plan.contents.map { $0.split(separator: "/").last! }, ["a.jpg", "b.png", "c.photo.png"])
        XCTAssertEqual(plan.count, 6)
        XCTAssertEqual(plan.pairs.map { "\($0.content.split(separator: "/").last!)|\($0.style.split(separator: "/").last!)" },
                       ["a.jpg|s1.npy", "a.jpg|s2.png", "b.png|s1.npy", "b.png|s2.png", "c.photo.png|s1.npy", "c.photo.png|s2.png"])
        XCTAssertEqual(plan.pairs[5].output, directory + "/out/c.photo_stylized_s2.jpg")
        XCTAssertTrue(BatchPlan.isBatchInput(directory + "/c"))
        XCTAssertTrue(BatchPlan.isBatchInput("x/*.png"))
        XCTAssertFalse(BatchPlan.isBatchInput(directory + "/c/b.png"))
    }

    func testOneFileIsOneInput() throws {
        let plan = try BatchPlan(content: directory + "/c/b.png", style: directory + "/s", directory: directory + "/out/", format: .npy)
        XCTAssertEqual(plan.pairs.map(\.output), [directory + "/out/b_stylized_s1.npy", directory + "/out/b_stylized_s2.npy"])
    }

    func testCreateDirectoryMakesParents() throws {
        let plan = try BatchPlan(content: directory + "/c/b.png", style: directory + "/s/s1.npy", directory: directory + "/x/y/z", format: .png)
        try plan.createDirectory()
        var info = stat()
        XCTAssertEqual(stat(directory + "/x/y/z", &info), 0)
    }
}
