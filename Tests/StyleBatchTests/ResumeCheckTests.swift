#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleBatch
import StyleCore
import StyleIO
import XCTest

/// An output is kept only when it is complete and records exactly what this run would write.
final class ResumeCheckTests: XCTestCase {
    var directory = ""
    let records: [(key: String, value: String)] = [("Software", "stylize 0.1.0"), ("stylize:alpha", "1.0"), ("stylize:size", "12x10")]

    override func setUpWithError() throws { directory = makeTemporaryDirectory("resume") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func state(_ name: String, _ expected: [(key: String, value: String)]) -> ResumeCheck.State {
        ResumeCheck.state(of: directory + "/" + name) { stored in
            XCTAssertEqual(stored["stylize:size"], "12x10")  // the stored records are handed over
            return expected
        }
    }

    func testCurrentStaleAndMissing() throws {
        XCTAssertEqual(state("none.png", records), .missing)
        for name in ["out.png", "out.jpg"] {
            try ImageFile.write(testImage(), to: directory + "/" + name, metadata: records.map { ($0.key, $0.value) })
            XCTAssertEqual(state(name, records), .current, name)
            var changed = records
            changed[1].value = "0.5"
            XCTAssertEqual(state(name, changed), .stale("stylize:alpha was '1.0', now '0.5'"), name)
            XCTAssertEqual(state(name, records + [("stylize:content-sha256", "ab")]), .stale("no stylize:content-sha256 record"), name)
            XCTAssertEqual(state(name, Array(records.dropFirst())), .stale("Software record not written by this run"), name)
        }
    }

    func testIncompleteAndNPYOutputsAreRedone() throws {
        var bytes = try ImageFile.encode(testImage(), as: .png, metadata: records.map { ($0.key, $0.value) })
        bytes.removeLast(1)
        try AtomicFile.write(bytes, to: directory + "/cut.png")
        XCTAssertEqual(state("cut.png", records), .stale("\(directory)/cut.png: cannot decode: incomplete PNG (no IEND chunk at the end)"))
        try ImageFile.write(testImage(), to: directory + "/out.npy")
        XCTAssertEqual(ResumeCheck.state(of: directory + "/out.npy") { _ in self.records }, .stale(".npy outputs record no inputs or options"))
    }

    func testInputDigestsHashEachFileOnce() throws {
        let path = directory + "/input.bin"
        try AtomicFile.write(Array("abc".utf8), to: path)
        let digests = InputDigests()
        XCTAssertEqual(try digests.digest(of: path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        try AtomicFile.write(Array("abd".utf8), to: path)
        XCTAssertEqual(try digests.digest(of: path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "cached for the run")
        XCTAssertNotEqual(try InputDigests().digest(of: path), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testStaleTemporariesOfOwnOutputsOnly() throws {
        for name in [".a_stylized_s.png.tmp-Ab12Cd", ".b_stylized_s.png.tmp-Xy34Zw", ".a_stylized_s.png.tmp-short", "a_stylized_s.png"] {
            try AtomicFile.write([1], to: directory + "/" + name)
        }
        let removed = try StaleTemporaries.remove(for: [directory + "/a_stylized_s.png"], in: directory)
        XCTAssertEqual(removed, [directory + "/.a_stylized_s.png.tmp-Ab12Cd"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
                       [".a_stylized_s.png.tmp-short", ".b_stylized_s.png.tmp-Xy34Zw", "a_stylized_s.png"])
    }
}
