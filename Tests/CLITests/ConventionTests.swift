import Foundation
import StyleIO
import XCTest

/// Conventions users of other style-transfer CLIs rely on: `-` for stdin/stdout, `--json` records,
/// the main job's options in the top-level help, and inputs too small for the engine named with the fix.
final class ConventionTests: CLITestCase {
    // 5 steps: 1 or 2 L-BFGS steps move no pixel by one 8-bit level, which is a warning on stderr.
    let gram = ["--mode", "gram", "--steps", "5", "--size", "32", "--multiscale", "off", "-q"]

    func testStdinToStdoutEqualsTheFileRun() throws {
        let piped = try stylize(["-", "style.png", "-o", "-"] + gram, in: directory, standardInput: path("content.png"))
        XCTAssertEqual(piped.status, 0, "\(piped)")
        XCTAssertEqual(piped.stderr, "", "-q: nothing on stderr")
        XCTAssertEqual(Array(piped.stdoutBytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "PNG by default")
        let filed = try stylize(["-", "style.png", "-o", "piped.png"] + gram, in: directory, standardInput: path("content.png"))
        XCTAssertEqual(filed.status, 0, "\(filed)")
        XCTAssertEqual(Files.read(path("piped.png")), piped.stdoutBytes, "the same bytes, metadata included")
        XCTAssertEqual(try ImageFile.read(path("piped.png")).shape, [3, 26, 32])

        let jpeg = try stylize(["-", "style.png", "-o", "-", "--format", "jpg"] + gram, in: directory, standardInput: path("content.png"))
        XCTAssertEqual(Array(jpeg.stdoutBytes.prefix(3)), [0xFF, 0xD8, 0xFF], "\(jpeg)")

        try expectError(["-", "style.png", "-o", "x.png"] + gram, ["stdin: no image on standard input"])
        try expectError(["content.png", "style.png", "-o", "-", "--json"] + gram, ["--json prints to stdout, and so does -o -: choose one"])
        try expectError(["content.png", "style.png", "-o", "-", "--save-every", "1"] + gram, ["--save-every writes files next to the output"])
    }

    func testJSONRecordForSuccessAndFailure() throws {
        let ok = try stylize(["content.png", "style.png", "-o", "new.png", "--json"] + gram, in: directory)
        XCTAssertEqual(ok.status, 0, "\(ok)")
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(ok.stdoutBytes)) as? [String: Any], ok.stdout)
        XCTAssertEqual(record["content"] as? String, "content.png")
        XCTAssertEqual(record["styles"] as? [String], ["style.png"])
        XCTAssertEqual(record["output"] as? String, "new.png")
        XCTAssertEqual(record["width"] as? Int, 32)
        XCTAssertEqual(record["height"] as? Int, 26)
        XCTAssertEqual(record["mode"] as? String, "gram")
        XCTAssertEqual(record["seed"] as? Int, 0)
        XCTAssertNil(record["weights_sha256"], "the seeded random network has no weight file")
        XCTAssertGreaterThan(record["seconds"] as? Double ?? 0, 0)
        XCTAssertNil(record["error"])
        XCTAssertEqual(ok.stdout.filter { $0 == "\n" }.count, 1, "one line")

        let weights = try writeTinyWeights()
        let transformer = try stylize(["content.png", "style.png", "-o", "t.png", "--json", "-q", "--weights", weights], in: directory)
        let t = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(transformer.stdoutBytes)) as? [String: Any], "\(transformer)")
        XCTAssertEqual(t["mode"] as? String, "transformer")
        XCTAssertEqual((t["weights_sha256"] as? String)?.count, 64)

        let bad = try stylize(["content.png", "style.png", "-o", "x.png", "--json", "--alpha", "2"], in: directory)
        XCTAssertEqual(bad.status, 1)
        let failure = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bad.stdoutBytes)) as? [String: Any], bad.stdout)
        XCTAssertEqual(failure["error"] as? String, "--alpha must be between 0 and 1, not 2.0")
        XCTAssertEqual(bad.stderr, "error: --alpha must be between 0 and 1, not 2.0\n")
    }

    func testTopLevelHelpShowsTheMainJobWithin80Columns() throws {
        for arguments in [["--help"], ["-h"]] {
            let help = try stylize(arguments, in: directory)
            XCTAssertEqual(help.status, 0)
            for option in ["--output", "--style-blend", "--alpha", "--preserve-color", "--steps", "--json", "composited on white"] {
                XCTAssertTrue(help.stdout.contains(option), "\(option) missing: \(help.stdout)")
            }
            XCTAssertTrue(help.stdout.contains("OTHER COMMANDS:"), help.stdout)
            XCTAssertTrue(help.stdout.contains("  info "), help.stdout)
            for line in help.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
        }
        let full = try stylize(["help"], in: directory)
        for line in full.stdout.split(separator: "\n") { XCTAssertLessThanOrEqual(line.count, 80, String(line)) }
    }

    /// Each message names the image as the user knows it (its file and W×H), the size it was used at and the option that fixes it.
    func testImagesTooSmallNameTheImageAndTheFix() throws {
        Files.write(path("wide.png"), Images.png(width: 300, height: 10))
        Files.write(path("strip.png"), Images.png(width: 4000, height: 16))
        Files.write(path("thin.png"), Images.png(width: 400, height: 10))
        try expectError(["wide.png", "style.png", "-o", "x.png", "-q", "--mode", "gram", "--size", "96", "--steps", "1"],
                        ["content image wide.png is 300×10, used at 96×3: too small, each side must be at least 17 px there; set --size to at least 510"])
        try expectError(["content.png", "wide.png", "-o", "x.png", "-q", "--mode", "gram", "--size", "96", "--steps", "1"],
                        ["style image wide.png is 300×10, used at 96×3: too small, each side must be at least 17 px there; set --style-scale to at least 5.32"])
        try expectError(["content.png", "wide.png", "-o", "x.png", "-q", "--mode", "gram", "--size", "32", "--steps", "1"],
                        ["style image wide.png is 300×10, used at 32×1: too small", "use a style image with a less extreme aspect ratio"])
        let weights = try writeTinyWeights()
        try expectError(["content.png", "strip.png", "-o", "x.png", "-q", "--weights", weights],
                        ["style image strip.png is 4000×16, used at 512×2: too small, each side must be at least 16 px there; keep its size with --style-size 0"])
        try expectError(["content.png", "thin.png", "-o", "x.png", "-q", "--weights", weights],
                        ["style image thin.png is 400×10, used at 512×13: too small, each side must be at least 16 px there; set --style-size to at least 640"])
        try expectError(["wide.png", "style.png", "-o", "x.png", "-q", "--weights", weights, "--size", "100"],
                        ["content image wide.png is 300×10, used at 100×3: too small, each side must be at least 16 px there; set --size to at least 480"])
    }
}
