#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import PNGTestSupport
import XCTest

/// Sharded, resumable batches: --shard, the resume check, manifests, exit codes, batch-report.
final class ShardedBatchTests: CLITestCase {
    let outputs = ["a_stylized_s1.png", "a_stylized_s2.png", "a_stylized_s3.png",
                   "b_stylized_s1.png", "b_stylized_s2.png", "b_stylized_s3.png"]

    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeBatchInputs()
    }

    func batch(_ out: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> RunResult {
        try stylize(["contents", "styles", "-o", out, "--weights", "weights.safetensors"] + extra, in: directory, environment: environment)
    }

    func manifest(_ file: String) throws -> [[String: Any]] {
        let text = String(decoding: Files.read(path(file)) ?? [], as: UTF8.self)
        return try text.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
    }

    func statuses(_ file: String) throws -> [String] { try manifest(file).map { "\($0["status"]!) \(($0["output"] as! String).split(separator: "/").last!)" } }

    func testShardsInAnyOrderCoverEveryPairOnceWithTheSameBytes() throws {
        let whole = try batch("whole", ["-q"])
        XCTAssertEqual(whole.status, 0, "\(whole)")
        for index in [2, 0, 1] {
            let run = try batch("sharded", ["--shard", "\(index)/3"])
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertTrue(run.stderrLines.first?.hasSuffix("shard \(index)/3 (given as \(index)/3): 2 of 6 pairs into sharded") ?? false, "\(run)")
        }
        var written: [String] = []
        for index in 0..<3 {
            let lines = try statuses("sharded/stylize-manifest-\(index)-of-3.jsonl")
            XCTAssertEqual(lines.count, 2)
            written += lines.map { String($0.dropFirst("written ".count)) }
        }
        XCTAssertEqual(written.sorted(), outputs)
        // Pair k of the sorted list is shard k mod 3's.
        XCTAssertEqual(try statuses("sharded/stylize-manifest-1-of-3.jsonl"), ["written a_stylized_s2.png", "written b_stylized_s2.png"])
        for name in outputs { XCTAssertEqual(Files.read(path("sharded/" + name)), Files.read(path("whole/" + name)), name) }
    }

    func testResumeSkipsCurrentOutputsAndRedoesStaleOnes() throws {
        XCTAssertEqual(try batch("out", ["-q"]).status, 0)
        let first = Files.snapshot(path("out"))
        let again = try batch("out")
        XCTAssertEqual(again.status, 0, "\(again)")
        XCTAssertEqual(again.stderrLines.last, "0 of 6 pairs written, 6 skipped (already current)")
        for name in outputs { XCTAssertEqual(Files.snapshot(path("out"))[name], first[name], name) }
        XCTAssertEqual(try statuses("out/stylize-manifest-0-of-1.jsonl").suffix(6).sorted(), outputs.map { "skipped " + $0 })

        // Another option: every output is stale.
        let alpha = try batch("out", ["--alpha", "0.5"])
        XCTAssertEqual(alpha.stderrLines.last, "6 of 6 pairs written", "\(alpha)")
        XCTAssertTrue(alpha.stderr.contains("out/a_stylized_s1.png: redoing it (stylize:alpha was '1.0', now '0.5')"), "\(alpha)")
        // Another style image under the same name: only its pairs are redone.
        Files.write(path("styles/s2.npy"), NPY.encode(Images.smooth(width: 30, height: 30)))
        let replaced = try batch("out", ["--alpha", "0.5"])
        XCTAssertEqual(replaced.stderrLines.last, "2 of 6 pairs written, 4 skipped (already current)", "\(replaced)")
        XCTAssertTrue(replaced.stderr.contains("out/b_stylized_s2.png: redoing it (stylize:style-sha256 was '"), "\(replaced)")
        // A damaged output (cut short) is redone; a temporary file a killed run left for it is removed.
        let cut = Files.read(path("out/a_stylized_s3.png"))!
        Files.write(path("out/a_stylized_s3.png"), Array(cut.dropLast(4)))
        Files.write(path("out/.a_stylized_s3.png.tmp-Ab12Cd"), [1, 2, 3])
        let repaired = try batch("out", ["--alpha", "0.5", "-q"])
        XCTAssertEqual(repaired.status, 0, "\(repaired)")
        XCTAssertEqual(try statuses("out/stylize-manifest-0-of-1.jsonl").suffix(6).filter { $0.hasPrefix("written") }, ["written a_stylized_s3.png"])
        XCTAssertEqual(Files.temporaries(in: path("out")), [])
        XCTAssertEqual(try ImageFile.readMetadata(path("out/a_stylized_s3.png")).first { $0.key == "stylize:content-sha256" }?.value,
                       try sha256Hex(file: path("contents/a.png")))
        // .npy outputs record nothing, so they are always redone.
        XCTAssertEqual(try batch("npy", ["--format", "npy", "-q"]).status, 0)
        XCTAssertEqual(try batch("npy", ["--format", "npy"]).stderrLines.last, "6 of 6 pairs written")
    }

    func testManifestLinesAndExitCodes() throws {
        Files.write(path("styles/s4.png"), Array(TestPNG.signature) + [0, 0, 0])
        let result = try batch("out", ["--manifest", "run.jsonl", "-q"])
        XCTAssertEqual(result.status, 2, "\(result)")
        XCTAssertEqual(result.stderrLines.count, 2, "one error line per failed pair: \(result)")
        let lines = try manifest("run.jsonl")
        XCTAssertEqual(lines.count, 8)
        let failed = lines.filter { $0["status"] as? String == "failed" }
        XCTAssertEqual(failed.map { $0["content"] as! String }, ["contents/a.png", "contents/b.jpg"])
        XCTAssertEqual(result.stderrLines[0], "error: contents/a.png with styles/s4.png: " + (failed[0]["error"] as! String))
        XCTAssertTrue((failed[0]["error"] as! String).hasPrefix("styles/s4.png: cannot decode: "))
        let first = lines[0]
        XCTAssertEqual(first["content"] as? String, "contents/a.png")
        XCTAssertEqual(first["style"] as? String, "styles/s1.npy")
        XCTAssertEqual(first["output"] as? String, "out/a_stylized_s1.png")
        XCTAssertEqual(first["status"] as? String, "written")
        XCTAssertEqual(first["shard"] as? String, "0/1")
        XCTAssertEqual(first["shard_pairs"] as? Int, 8)
        XCTAssertGreaterThan(first["seconds"] as! Double, 0)
        XCTAssertNil(first["error"])
        XCTAssertFalse(Files.exists(path("out/stylize-manifest-0-of-1.jsonl")), "--manifest replaces the default")

        let unwritable = try stylize(["contents", "styles", "-o", "out2", "--weights", "weights.safetensors", "--manifest", "contents"], in: directory)
        assertOneLineError(unwritable, ["contents: cannot write: cannot open the manifest: Is a directory"])
        try expectError(["contents", "styles", "-o", "out2", "--weights", "weights.safetensors", "--shard", "3/3"],
                        ["--shard takes I/N with 0 ≤ I < N (e.g. 0/4) or auto, not '3/3'"])
        try expectError(["contents", "styles", "-o", "out2", "--weights", "missing.safetensors", "--shard", "0/2"], ["missing.safetensors"])
        try expectError(["content.png", "style.png", "-o", "single.png", "--shard", "0/2"], ["--shard is for batch runs"])
    }

    func testShardAutoFromSlurmVariables() throws {
        let result = try batch("out", ["--shard", "auto"], environment: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4",
                                                                         "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_CPUS_PER_TASK": "1"])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderrLines[0].hasSuffix(
            "shard 1/2 (SLURM_ARRAY_TASK_ID=5 − SLURM_ARRAY_TASK_MIN=4 of SLURM_ARRAY_TASK_COUNT=2): 3 of 6 pairs into out; 1 thread (SLURM_CPUS_PER_TASK=1)"), "\(result)")
        XCTAssertEqual(try statuses("out/stylize-manifest-1-of-2.jsonl"), ["written b_stylized_s1.png", "written a_stylized_s2.png", "written b_stylized_s3.png"])
        try expectError(["contents", "styles", "-o", "out", "--weights", "weights.safetensors", "--shard", "auto"],
                        ["--shard auto: found neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX"])
    }

    func testBatchReportMergesTheShards() throws {
        Files.write(path("styles/s4.png"), Array(TestPNG.signature) + [0, 0, 0])
        for index in [0, 1] { _ = try batch("out", ["--shard", "\(index)/3", "-q"]) }
        let report = try stylize(["batch-report", "out"], in: directory)
        XCTAssertEqual(report.status, 2, "\(report)")
        let lines = report.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "6 of 6 pairs: 4 written, 0 skipped (already current), 2 failed (2 manifests, shards of 3)")
        XCTAssertEqual(lines[1], "shards with no manifest: 2 (not run yet, or killed before their first pair)")
        XCTAssertTrue(lines.contains("failures:"), report.stdout)
        XCTAssertTrue(lines.last!.hasPrefix("  contents/b.jpg × styles/s4.png: styles/s4.png: cannot decode"), report.stdout)
        _ = try batch("out", ["--shard", "2/3", "-q"])
        let json = try stylize(["batch-report", "out", "--json"], in: directory)
        let totals = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(totals["pairs"] as? Int, 8)
        XCTAssertEqual(totals["written"] as? Int, 6)
        XCTAssertEqual(totals["failed"] as? Int, 2)
        XCTAssertEqual(totals["missing_shards"] as? [Int], [])
        XCTAssertEqual(json.status, 2)
        mkdir(path("empty"), 0o755)
        let none = try stylize(["batch-report", "empty"], in: directory)
        assertOneLineError(none, ["empty: holds no stylize-manifest-*.jsonl files"])
    }
}
