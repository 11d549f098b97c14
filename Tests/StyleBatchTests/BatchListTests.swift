#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleBatch
import StyleCore
import StyleIO
import XCTest

/// `--list` files: the two forms, path resolution, each malformed line's error, and the plan built from them.
final class BatchListTests: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = makeTemporaryDirectory("list")
        mkdir(directory + "/lists", 0o755)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// Writes `text` to lists/NAME; returns its path.
    func list(_ text: String, _ name: String = "l.txt") throws -> String {
        let path = directory + "/lists/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testPathsResolveAgainstTheListsDirectoryAndBlankLinesAndCRsAreSkipped() throws {
        let path = try list("\u{FEFF}a.png\r\n\n../photos/b.jpg\n/abs/c.png\n\n")
        let entries = try BatchList.read(path, pairs: false)
        XCTAssertEqual(entries.map(\.content), [directory + "/lists/a.png", directory + "/lists/../photos/b.jpg", "/abs/c.png"])
        XCTAssertEqual(entries.map(\.line), [1, 3, 4])
        XCTAssertEqual(entries.map(\.style), [nil, nil, nil])
    }

    func testAListInTheWorkingDirectoryKeepsItsPathsAsWritten() throws {
        _ = try list("x/a.png\tstyles/s.png\n")
        let cwd = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(cwd) }
        FileManager.default.changeCurrentDirectoryPath(directory + "/lists")
        let entries = try BatchList.read("l.txt", pairs: true)
        XCTAssertEqual(entries.map { [$0.content, $0.style, "\($0.line)"] }, [["x/a.png", "styles/s.png", "1"]])
    }

    func testEachMalformedLineIsNamedWithItsNumber() throws {
        let cases: [(String, Bool, String)] = [
            ("a.png\tb.png\n", false, "l.txt:1: a tab in a content path: with a STYLE argument each line is one content path; give no STYLE argument to list content<TAB>style pairs"),
            ("a.png\ts.png\nb.png\n", true, "l.txt:2: no tab: without a STYLE argument each line is content<TAB>style; give a STYLE argument to list content paths only"),
            ("a.png\ts.png\n\nb.png\ts.png\tx\n", true, "l.txt:3: 3 tab-separated fields; a line is content<TAB>style, two fields"),
            ("\ts.png\n", true, "l.txt:1: empty content path; write one, or delete the line"),
            ("a.png\t\n", true, "l.txt:1: empty style path; write one, or delete the line"),
            ("a.png\ns.png \n", false, "l.txt:2: the content path 's.png ' begins or ends with a space; remove it (list paths cannot begin or end with spaces)"),
            ("a\0.png\n", false, "l.txt:1: a NUL byte in the content path"),
        ]
        for (text, pairs, message) in cases {
            let path = try list(text)
            XCTAssertThrowsError(try BatchList.read(path, pairs: pairs), text.debugDescription) { error in
                XCTAssertEqual("\(error)", directory + "/lists/" + message)
            }
        }
        let latin1 = directory + "/lists/latin1.txt"
        try Data([0x61, 0xE9, 0x2E, 0x70, 0x6E, 0x67, 0x0A]).write(to: URL(fileURLWithPath: latin1))
        XCTAssertThrowsError(try BatchList.read(latin1, pairs: false)) { XCTAssertEqual("\($0)", latin1 + ":1: the content path is not UTF-8 text") }
        let empty = try list("\n\n")
        XCTAssertThrowsError(try BatchList.read(empty, pairs: false)) { XCTAssertEqual("\($0)", empty + ": the list holds no content paths") }
        XCTAssertThrowsError(try BatchList.read(directory + "/none.txt", pairs: true)) {
            XCTAssertEqual("\($0)", directory + "/none.txt: cannot read the list: no such file")
        }
    }

    func testAPlanFromAListIsSortedAndStatsNoListedFile() throws {
        // None of these files exists: planning does not look, a missing one fails its pair when it runs.
        let path = try list("c/z.png\tstyles/s2.png\nc/a.png\tstyles/s2.png\nc/a.png\tstyles/s1.png\n")
        let plan = try BatchPlan(list: path, style: nil, directory: directory + "/out", format: .png)
        let base = directory + "/lists/"
        XCTAssertEqual(plan.pairs.map { "\($0.content.dropFirst(base.count)) \($0.style.dropFirst(base.count))" },
                       ["c/a.png styles/s1.png", "c/a.png styles/s2.png", "c/z.png styles/s2.png"])
        XCTAssertEqual(plan.pairs.map(\.output), ["a_stylized_s1", "a_stylized_s2", "z_stylized_s2"].map { directory + "/out/" + $0 + ".png" })
        XCTAssertEqual(plan.contents, [base + "c/a.png", base + "c/z.png"])
        XCTAssertEqual(plan.styles, [base + "styles/s1.png", base + "styles/s2.png"])
        // Shards cut the sorted list: pair k is shard k mod 2's.
        XCTAssertEqual(Shard(index: 1, count: 2, source: "test").pairs(of: plan).map(\.output), [directory + "/out/a_stylized_s2.png"])
    }

    func testAListOfContentsTakesEachStyleOfTheStyleArgument() throws {
        mkdir(directory + "/styles", 0o755)
        for name in ["t.png", "s.png"] { try ImageFile.write(testImage(), to: directory + "/styles/" + name) }
        let path = try list("b.png\na.png\n")
        let plan = try BatchPlan(list: path, style: directory + "/styles", directory: directory + "/out", format: .jpeg)
        XCTAssertEqual(plan.pairs.map { $0.output.split(separator: "/").last! }, ["a_stylized_s.jpg", "a_stylized_t.jpg", "b_stylized_s.jpg", "b_stylized_t.jpg"])
    }

    func testRepeatedPairsAndClashingOutputsNameBothLines() throws {
        let repeated = try list("a.png\ts.png\nb.png\ts.png\na.png\ts.png\n")
        XCTAssertThrowsError(try BatchPlan(list: repeated, style: nil, directory: directory + "/out", format: .png)) {
            let base = directory + "/lists/"
            XCTAssertEqual("\($0)", repeated + ":3: repeats line 1 (\(base)a.png with \(base)s.png); list each pair once")
        }
        let clash = try list("x/a.png\n\ny/a.jpg\n")
        XCTAssertThrowsError(try BatchPlan(list: clash, style: "s.png", directory: directory + "/out", format: .png)) {
            let base = directory + "/lists/", out = directory + "/out/a_stylized_s.png"
            XCTAssertEqual("\($0)", clash + ":3: \(base)y/a.jpg with s.png would be written to \(out), as line 1's \(base)x/a.png with s.png is; rename one of the inputs")
        }
    }

    func testAListedInputThatIsAnOutputIsRefused() throws {
        mkdir(directory + "/out", 0o755)
        try ImageFile.write(testImage(), to: directory + "/out/a_stylized_s.png")
        let path = try list("../out/a_stylized_s.png\na.png\n")
        XCTAssertThrowsError(try BatchPlan(list: path, style: "s.png", directory: directory + "/out", format: .png)) {
            XCTAssertEqual("\($0)", directory + "/out/a_stylized_s.png: cannot write: it is one of the input images; choose another output directory")
        }
    }
}
