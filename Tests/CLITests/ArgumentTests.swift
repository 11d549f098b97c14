import Foundation
import XCTest

/// Option values outside their allowed range: one `error: …` line that states the range, exit 1,
/// before any file is read or written.
///
/// Gram mode's weights α/β are "0 or more" (not [0, 1]) in this CLI; unknown layer names are
/// checked once the network is known, so that test runs on real images.
final class ArgumentTests: CLITestCase {
    /// Inputs that do not exist: a range error must come first, before any file is touched.
    func run(_ extra: [String]) -> [String] { ["missing.png", "missing-too.png", "-o", "out.png"] + extra }

    func testSizeOutOfRange() throws {
        try expectError(run(["--size", "0"]), ["--size must be between 16 and 16384 pixels, not 0"])
        try expectError(run(["--size=-5"]), ["--size must be between 16 and 16384 pixels, not -5"])
        try expectError(run(["--size", "-5"]), ["--size must be between 16 and 16384 pixels, not -5"])
        try expectError(run(["--size", "15"]), ["between 16 and 16384", "not 15"])
        try expectError(run(["--size", "16385"]), ["between 16 and 16384", "not 16385"])
    }

    func testStyleSizeOutOfRange() throws {
        try expectError(run(["--style-size", "8"]), ["--style-size must be 0 (keep) or between 16 and 16384 pixels, not 8"])
        try expectError(run(["--style-size", "-1"]), ["--style-size", "not -1"])
    }

    func testQualityOutOfRange() throws {
        try expectError(run(["--quality", "0"]), ["--quality must be between 1 and 100, not 0"])
        try expectError(run(["--quality", "101"]), ["--quality must be between 1 and 100, not 101"])
        try expectError(run(["--quality", "-3"]), ["--quality must be between 1 and 100, not -3"])
    }


    func testMaxPixelsOutOfRange() throws {
        try expectError(run(["--max-pixels", "0"]), ["--max-pixels must be positive, not 0"])
        try expectError(run(["--max-pixels", "-1"]), ["--max-pixels must be positive, not -1"])
    }

    func testGramOptionsOutOfRange() throws {
        try expectError(run(["--steps", "-5"]), ["--steps must be 0 or more, not -5"])
        try expectError(run(["--content-weight", "-0.5"]), ["--content-weight must be 0 or more, not -0.5"])
        try expectError(run(["--style-weight", "-1"]), ["--style-weight must be 0 or more, not -1"])
        try expectError(run(["--style-weight", "nan"]), ["--style-weight must be 0 or more"])
        try expectError(run(["--tv-weight", "-2"]), ["--tv-weight must be 0 or more, not -2"])
        try expectError(run(["--lr", "0"]), ["--lr must be positive"])
        try expectError(run(["--history", "0"]), ["--history must be 1 or more, not 0"])
        try expectError(run(["--style-scale", "0"]), ["--style-scale must be in (0, 8]"])
        try expectError(run(["--style-scale", "9"]), ["--style-scale must be in (0, 8]"])
        try expectError(run(["--style-layers", "relu1_1:-1"]), ["--style-layers weights must be 0 or more, not -1.0 for relu1_1"])
        try expectError(run(["--style-layers", "relu1_1:x"]), ["--style-layers takes entries NAME or NAME:WEIGHT with WEIGHT ≥ 0"])
        try expectError(run(["--style-blend", "1,x"]), ["--style-blend takes comma-separated numbers, one per style image, e.g. 2,1, not '1,x'"])
        try expectError(run(["--multiscale", "8"]), ["--multiscale takes off or long sides of at least 16 pixels"])
    }

    func testUnknownLayerName() throws {
        // Real inputs, no weights in the directory: Gram mode with the seeded random network.
        let base = ["content.png", "style.png", "-o", "out.png", "--mode", "gram", "--steps", "1", "--size", "32", "-q"]
        try expectError(base + ["--style-layers", "relu9_9"], ["unknown layer", "relu9_9"])
        try expectError(base + ["--content-layers", "conv_bogus"], ["unknown layer", "conv_bogus"])
    }

    /// Malformed command lines are ArgumentParser's usage errors: status 64, a message naming the
    /// problem (ArgumentParser adds help and usage lines), no file touched.
    func testUsageErrors() throws {
        for (arguments, fragment) in [
            (["content.png", "style.png"], "--output"),
            (["content.png", "style.png", "-o", "out.png", "--size", "big"], "'big' is invalid for '--size"),
            // Named values are typed options: ArgumentParser lists the choices.
            (["content.png", "style.png", "-o", "out.png", "--mode", "bogus"], "The value 'bogus' is invalid for '--mode <mode>'. Please provide one of 'auto', 'transformer' or 'gram'."),
            (["content.png", "style.png", "-o", "out.png", "--metric", "bogus"], "Please provide one of 'mse', 'l1', 'cosine', 'frobenius' or 'kl'."),
            (["content.png", "style.png", "-o", "out.png", "--optimizer", "sgd"], "The value 'sgd' is invalid for '--optimizer <optimizer>'. Please provide one of 'lbfgs' and 'adam'."),
            (["content.png", "style.png", "-o", "out.png", "--init-from", "void"], "Please provide one of 'content', 'noise' or 'style'."),
            (["content.png", "style.png", "-o", "out.png", "--preserve-color", "sepia"], "Please provide one of 'none', 'luminance' or 'histogram'."),
            (["content.png", "style.png", "-o", "out.png", "--frobnicate"], "--frobnicate"),
            (["content.png"], "style"),
        ] {
            let before = Files.snapshot(directory)
            let result = try stylize(arguments, in: directory)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result)")
            XCTAssertTrue(result.stderr.contains(fragment), "\(arguments): \(result)")
            XCTAssertEqual(Files.snapshot(directory), before)
        }
    }
}
