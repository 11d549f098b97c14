#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import PNGTestSupport
import XCTest

/// Batch runs: directories and glob patterns as inputs, -o as the output directory.
final class BatchTests: CLITestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeBatchInputs()
        Files.write(path("contents/notes.txt"), Array("not an image\n".utf8))
    }

    func batch(_ arguments: [String]) -> [String] { arguments + ["--weights", "weights.safetensors", "-q"] }

    func testEveryPairEqualsItsSingleRun() throws {
        let result = try stylize(batch(["contents", "styles/s*.npy", "-o", "results/run1", "--format", "npy"]), in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr, "")
        let names = try FileManager.default.contentsOfDirectory(atPath: path("results/run1")).sorted()
        XCTAssertEqual(names, ["a_stylized_s1.npy", "a_stylized_s2.npy", "a_stylized_s3.npy",
                               "b_stylized_s1.npy", "b_stylized_s2.npy", "b_stylized_s3.npy", "stylize-manifest-0-of-1.jsonl"])
        for content in ["a.png", "b.jpg"] {
            for style in ["s1", "s2", "s3"] {
                let single = try stylize(batch(["contents/\(content)", "styles/\(style).npy", "-o", "single.npy"]), in: directory)
                XCTAssertEqual(single.status, 0, "\(single)")
                let name = "results/run1/\(content.prefix(1))_stylized_\(style).npy"
                XCTAssertEqual(Files.read(path(name)), Files.read(path("single.npy")), name)
            }
        }
    }

    func testABrokenFileFailsOnlyItsPairs() throws {
        // The name holds a line break: the error must still be one line.
        Files.write(path("styles/broken\nfile.png"), Array(TestPNG.signature) + [0, 0, 0])
        let result = try stylize(["contents/a.png", "styles", "-o", "results", "--weights", "weights.safetensors"], in: directory)
        XCTAssertEqual(result.status, 2, "\(result)")
        XCTAssertFalse(result.signaled)
        let names = try FileManager.default.contentsOfDirectory(atPath: path("results")).sorted()
        XCTAssertEqual(names, ["a_stylized_s1.png", "a_stylized_s2.png", "a_stylized_s3.png", "stylize-manifest-0-of-1.jsonl"])
        let errors = result.stderrLines.filter { $0.hasPrefix("error: ") }
        XCTAssertEqual(errors.count, 1, "\(result)")
        XCTAssertTrue(errors.first?.hasPrefix(#"error: contents/a.png with styles/broken\nfile.png: styles/broken\nfile.png: cannot decode"#) ?? false, "\(result)")
        // The mode line, three written pairs, the error, the summary.
        XCTAssertEqual(result.stderrLines.count, 6, "\(result)")
        XCTAssertEqual(result.stderrLines.last, "3 of 4 pairs written")
        XCTAssertEqual(try ImageFile.read(path("results/a_stylized_s2.png")).shape, [3, 32, 40])
    }

    func testBadBatchArguments() throws {
        try expectError(batch(["contents", "style.png", "-o", "out.png"]), ["out.png", "it is a file", "output directory"])
        try expectError(batch(["contents/*.gif", "style.png", "-o", "results"]), ["contents/*.gif", "no files match"])
        mkdir(path("empty"), 0o755)
        try expectError(batch(["content.png", "empty", "-o", "results"]), ["empty", "holds no image files (.png, .jpg, .webp, .heic, .avif, .tif, .gif, .bmp or .npy)"])
        let gif = try stylize(["contents", "style.png", "-o", "results", "--format", "gif"], in: directory)
        XCTAssertEqual(gif.status, 64, "a usage error: \(gif)")
        XCTAssertTrue(gif.stderr.contains("Please provide one of 'png', 'jpg', 'webp' or 'npy'."), "\(gif)")
        try expectError(batch(["content.png", "style.png", "-o", "x.png", "--format", "png"]), ["--format is for -o - and batch runs"])
        Files.write(path("contents/a.npy"), NPY.encode(Images.smooth(width: 20, height: 20)))
        try expectError(batch(["contents", "style.png", "-o", "results"]),
                        ["contents/a.npy with style.png and contents/a.png with style.png would both be written to results/a_stylized_style.png"])
        // A rerun that picks up an earlier output as input would overwrite it.
        Files.write(path("contents/a_stylized_style.png"), Images.png(width: 20, height: 20))
        try expectError(batch(["contents/a*.png", "style.png", "-o", "contents"]), ["contents/a_stylized_style.png", "one of the input images"])
    }
}

extension CLITestCase {
    /// Tiny weights, contents/a.png (40×32) and b.jpg (24×36), styles/s1…s3.npy.
    func writeBatchInputs() throws {
        try writeTinyWeights()
        mkdir(path("contents"), 0o755)
        mkdir(path("styles"), 0o755)
        Files.write(path("contents/a.png"), Images.png(width: 40, height: 32))
        Files.write(path("contents/b.jpg"), Images.jpeg(width: 24, height: 36))
        for (name, side) in [("s1", 24), ("s2", 32), ("s3", 20)] {
            Files.write(path("styles/\(name).npy"), NPY.encode(Images.smooth(width: side, height: side + 4)))
        }
    }
}
