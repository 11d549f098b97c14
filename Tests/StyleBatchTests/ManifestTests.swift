#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleBatch
import XCTest

/// Manifest lines round-trip; the report merges shards, reruns and failures.
final class ManifestTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = makeTemporaryDirectory("manifest") }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    func entry(_ c: String, _ status: ManifestEntry.Status, _ seconds: Double, shard: Int, of count: Int = 2, pairs: Int = 2, error: String? = nil) -> ManifestEntry {
        ManifestEntry(pair: .init(content: c, style: "s.png", output: "out/\(c)_s.png"), status: status, seconds: seconds,
                      error: error, shard: Shard(index: shard, count: count, source: ""), shardPairs: pairs)
    }

    func testLinesRoundTripAndAPartialLineIsCounted() throws {
        let path = directory + "/" + Manifest.defaultName(for: Shard(index: 1, count: 4, source: ""))
        XCTAssertTrue(path.hasSuffix("/stylize-manifest-1-of-4.jsonl"))
        let entries = [entry("a", .written, 1.23456, shard: 1), entry("b", .failed, 0.5, shard: 1, error: "b: cannot decode")]
        do {
            let writer = try ManifestWriter(path: path)
            for e in entries { try writer.append(e) }
        }
        let text = String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self)
        XCTAssertEqual(text.split(separator: "\n").first,
                       #"{"content":"a","output":"out/a_s.png","seconds":1.235,"shard":"1/2","shard_pairs":2,"status":"written","style":"s.png"}"#)
        let appended = try ManifestWriter(path: path)  // a rerun appends
        try appended.append(entry("b", .written, 2, shard: 1))
        let fd = open(path, O_WRONLY | O_APPEND)
        _ = write(fd, "{\"content\":\"c", 13)
        close(fd)
        let read = try Manifest.read(path)
        XCTAssertEqual(read.entries, entries + [entry("b", .written, 2, shard: 1)])
        XCTAssertEqual(read.unreadableLines, 1)
    }

    func testReportMergesShardsRerunsAndFailures() {
        let shard0 = [entry("a", .written, 1, shard: 0), entry("c", .failed, 0.1, shard: 0, error: "c: no such file")]
        // Shard 1 was killed after its first pair and run again: d was written by the first run, skipped by the second.
        let shard1 = [entry("d", .written, 3, shard: 1), entry("d", .skipped, 0.01, shard: 1), entry("f", .written, 2, shard: 1)]
        let report = BatchReport(manifests: [("m1", shard1, 0), ("m0", shard0, 0)], slowestCount: 2)
        XCTAssertEqual(report.files, ["m0", "m1"])
        XCTAssertEqual([report.pairs, report.expectedPairs, report.written, report.skipped, report.failed, report.writes], [4, 4, 2, 1, 1, 3])
        XCTAssertEqual(report.slowest.map(\.content), ["f", "a"])
        XCTAssertEqual(report.failures.map(\.error), ["c: no such file"])
        XCTAssertEqual(report.missingShards, [])
        XCTAssertEqual(report.writtenMoreThanOnce, [])
        XCTAssertFalse(report.isComplete)
        XCTAssertEqual(report.text, """
            4 of 4 pairs: 2 written, 1 skipped (already current), 1 failed (2 manifests, shards of 2)
            slowest:
                 2.000 s  f × s.png → out/f_s.png
                 1.000 s  a × s.png → out/a_s.png
            failures:
              c × s.png: c: no such file

            """)
        let partial = BatchReport(manifests: [("m1", [entry("d", .written, 3, shard: 1, of: 3)], 0)])
        XCTAssertEqual(partial.missingShards, [0, 2])
        XCTAssertEqual([partial.pairs, partial.expectedPairs], [1, 2])
        XCTAssertFalse(partial.isComplete)
        let done = BatchReport(manifests: [("m0", [entry("a", .written, 1, shard: 0, of: 1, pairs: 1), entry("a", .written, 1, shard: 0, of: 1, pairs: 1)], 0)])
        XCTAssertTrue(done.isComplete)
        XCTAssertEqual(done.writtenMoreThanOnce, ["out/a_s.png"])
    }
}
