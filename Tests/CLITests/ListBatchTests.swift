#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import XCTest

/// `--list FILE` batches: content paths with a STYLE argument, or content<TAB>style pairs; sharded and
/// resumed as directory batches are; a malformed line stops the run before anything is written.
final class ListBatchTests: CLITestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeBatchInputs()
        mkdir(path("lists"), 0o755)
        // Relative to the list's directory; not in sorted order (the plan sorts).
        Files.write(path("lists/contents.txt"), Array("../contents/b.jpg\n../contents/a.png\n".utf8))
        Files.write(path("lists/pairs.tsv"), Array("""
            ../contents/b.jpg\t../styles/s3.npy
            ../contents/a.png\t../styles/s1.npy

            ../contents/b.jpg\t../styles/s1.npy
            ../contents/a.png\t../styles/s2.npy
            ../contents/a.png\t../styles/s3.npy

            """.utf8))
    }

    func list(_ arguments: [String], environment: [String: String] = [:]) throws -> RunResult {
        try stylize(arguments + ["--weights", "weights.safetensors"], in: directory, environment: environment)
    }

    func records(_ result: RunResult) throws -> [[String: Any]] {
        try result.stdout.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    func testPathsFormEqualsTheDirectoryBatch() throws {
        XCTAssertEqual(try list(["contents", "styles", "-o", "dir", "--format", "npy", "-q"]).status, 0)
        let listed = try list(["--list", "lists/contents.txt", "styles", "-o", "listed", "--format", "npy"])
        XCTAssertEqual(listed.status, 0, "\(listed)")
        XCTAssertTrue(listed.stderrLines.first?.hasSuffix("; 6 pairs into listed") ?? false, "\(listed)")
        XCTAssertEqual(listed.stderrLines.dropFirst().first, "[1/6] listed/a_stylized_s1.npy")
        for content in ["a", "b"] {
            for style in ["s1", "s2", "s3"] {
                let name = "\(content)_stylized_\(style).npy"
                XCTAssertEqual(Files.read(path("listed/" + name)), Files.read(path("dir/" + name)), name)
            }
        }
    }

    func testShardsOfAPairsListPartitionItAndMatchTheWholeRun() throws {
        XCTAssertEqual(try list(["--list", "lists/pairs.tsv", "-o", "whole", "-q"]).status, 0)
        var union: [String] = []
        for index in [1, 0, 2] {
            let run = try list(["--list", "lists/pairs.tsv", "-o", "sharded", "--shard", "\(index)/3", "--json", "-q"])
            XCTAssertEqual(run.status, 0, "\(run)")
            let outputs = try records(run).map { ($0["output"] as! String).dropFirst("sharded/".count) }
            XCTAssertEqual(outputs.count, index == 2 ? 1 : 2, "5 pairs over 3 shards: \(run)")
            union += outputs.map(String.init)
            if index == 1 {
                // Sorted (content, style): a×s1, a×s2, a×s3, b×s1, b×s3; pair k is shard k mod 3's.
                XCTAssertEqual(outputs, ["a_stylized_s2.png", "b_stylized_s3.png"])
            }
        }
        let all = ["a_stylized_s1.png", "a_stylized_s2.png", "a_stylized_s3.png", "b_stylized_s1.png", "b_stylized_s3.png"]
        XCTAssertEqual(union.sorted(), all)
        for name in all { XCTAssertEqual(Files.read(path("sharded/" + name)), Files.read(path("whole/" + name)), name) }
        let report = try stylize(["batch-report", "sharded"], in: directory)
        XCTAssertEqual(report.stdout.split(separator: "\n").first, "5 of 5 pairs: 5 written, 0 skipped (already current), 0 failed (3 manifests, shards of 3)")
    }

    func testResumeSkipsDonePairsAndReportsThemInJSON() throws {
        let first = try list(["--list", "lists/pairs.tsv", "-o", "out", "--shard", "0/2", "-q"])
        XCTAssertEqual(first.status, 0, "\(first)")
        let again = try list(["--list", "lists/pairs.tsv", "-o", "out", "--shard", "0/2", "--json"])
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.stderrLines.last, "0 of 3 pairs written, 3 skipped (already current)")
        let skipped = try records(again)
        XCTAssertEqual(skipped.map { $0["status"] as? String }, ["skipped", "skipped", "skipped"])
        XCTAssertEqual(skipped.map { $0["output"] as? String }, ["out/a_stylized_s1.png", "out/a_stylized_s3.png", "out/b_stylized_s3.png"])
        XCTAssertEqual(skipped[0]["content"] as? String, "lists/../contents/a.png")
        XCTAssertEqual(skipped[0]["styles"] as? [String], ["lists/../styles/s1.npy"])
        XCTAssertEqual(skipped.map { [$0["width"] as? Int, $0["height"] as? Int] }, [[40, 32], [40, 32], [24, 36]])
        XCTAssertEqual(skipped[0]["mode"] as? String, "transformer")
        XCTAssertEqual((skipped[0]["weights_sha256"] as? String)?.count, 64)
        XCTAssertNil(skipped[0]["error"])
        // The other shard then writes only its own pairs, and says so.
        let rest = try list(["--list", "lists/pairs.tsv", "-o", "out", "--shard", "1/2", "--json", "-q"])
        XCTAssertEqual(try records(rest).map { "\($0["status"]!) \($0["output"]!)" }, ["written out/b_stylized_s1.png", "written out/a_stylized_s2.png"])
    }

    func testAMalformedLineIsOneErrorWithItsNumberAndNothingIsWritten() throws {
        Files.write(path("lists/bad.tsv"), Array("../contents/a.png\t../styles/s1.npy\n\n../contents/b.jpg\t../styles/s1.npy\tx\n".utf8))
        let result = try expectError(["--list", "lists/bad.tsv", "-o", "out", "--weights", "weights.safetensors"], [])
        XCTAssertEqual(result.stderr, "error: lists/bad.tsv:3: 3 tab-separated fields; a line is content<TAB>style, two fields\n")
        try expectError(["--list", "lists/contents.txt", "-o", "out", "--weights", "weights.safetensors"],
                        ["lists/contents.txt:1: no tab: without a STYLE argument each line is content<TAB>style; give a STYLE argument to list content paths only"])
        try expectError(["--list", "lists/missing.txt", "style.png", "-o", "out"], ["lists/missing.txt: cannot read the list: no such file"])
        try expectError(["--list", "lists/contents.txt", "style.png", "-o", "-"], ["a batch writes files: -o names its output directory, not -"])
        let two = try stylize(["--list", "lists/contents.txt", "a.png", "b.png", "-o", "out"], in: directory)
        XCTAssertEqual(two.status, 64, "a usage error: \(two)")
        XCTAssertTrue(two.stderr.contains("--list takes one STYLE argument (the list holds content paths) or none (it holds content<TAB>style lines), not 2"), "\(two)")
    }

    func testAMissingListedFileFailsOnlyItsPair() throws {
        Files.write(path("lists/gone.txt"), Array("../contents/a.png\n../contents/gone.png\n".utf8))
        let result = try list(["--list", "lists/gone.txt", "styles/s1.npy", "-o", "out", "-q", "--json"])
        XCTAssertEqual(result.status, 2, "\(result)")
        XCTAssertEqual(result.stderr, "error: lists/../contents/gone.png with styles/s1.npy: lists/../contents/gone.png: no such file\n")
        XCTAssertEqual(try records(result).map { "\($0["status"]!) \($0["output"]!)" }, ["written out/a_stylized_s1.png", "failed out/gone_stylized_s1.png"])
    }
}
