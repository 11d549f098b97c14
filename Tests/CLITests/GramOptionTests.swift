import Foundation
import StyleIO
import XCTest

/// Gram mode's loss scale, KL metric and patch term through the CLI: argument errors, the metadata they
/// leave, and the warning when the optimiser cannot move the image.
final class GramOptionTests: CLITestCase {
    let gram = ["content.png", "style.png", "--mode", "gram", "-q", "--size", "32", "--steps", "2", "--multiscale", "off"]

    func testArgumentErrors() throws {
        try expectError(gram + ["-o", "out.png", "--mrf-stride", "0"], ["--mrf-stride must be 1 or more, not 0"])
        try expectError(gram + ["-o", "out.png", "--mrf-weight", "-1"], ["--mrf-weight must be 0 or more, not -1.0"])
        try expectError(gram + ["-o", "out.png", "--style-loss", "mrf", "--mrf-layers", "relu9_9"], ["unknown layer(s) relu9_9"])
        for (arguments, fragment) in [
            (["--loss-scale", "caffe"], "The value 'caffe' is invalid for '--loss-scale <loss-scale>'. Please provide one of 'normalized' and 'tutorial'."),
            (["--style-loss", "patch"], "The value 'patch' is invalid for '--style-loss <style-loss>'. Please provide one of 'gram', 'mrf' or 'both'."),
        ] {
            let result = try stylize(gram + ["-o", "out.png"] + arguments, in: directory)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result)")
            XCTAssertTrue(result.stderr.contains(fragment), "\(arguments): \(result)")
        }
    }

    /// PNG bytes contain the tEXt chunk body "key\0value".
    func assertTextChunk(_ name: String, _ key: String, _ value: String, file: StaticString = #filePath, line: UInt = #line) {
        let bytes = Files.read(path(name)) ?? [], body = Array(key.utf8) + [0] + Array(value.utf8)
        let found = bytes.count >= body.count && (0...(bytes.count - body.count)).contains { Array(bytes[$0..<$0 + body.count]) == body }
        XCTAssertTrue(found, "\(name) records \(key) = \(value)", file: file, line: line)
    }

    func testKLAndBothStyleLossesRunAndAreRecorded() throws {
        let result = try stylize(gram + ["-o", "both.png", "--steps", "5", "--metric", "kl", "--style-loss", "both", "--mrf-weight", "5", "--mrf-stride", "1"],
                                 in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr, "")
        assertTextChunk("both.png", "stylize:metric", "content mse, style kl")
        assertTextChunk("both.png", "stylize:loss-scale", "normalized")
        assertTextChunk("both.png", "stylize:style-loss", "both")
        assertTextChunk("both.png", "stylize:style-weight", "100.0")
        assertTextChunk("both.png", "stylize:mrf", "weight 5.0 layers relu7x7_d2,relu5x5_d4 style-stride 1")
    }

    /// Style weight 0 from the content: the gradient is exactly 0, so L-BFGS cannot take a step.
    func testUnchangedImageIsAWarningAndInTheMetadata() throws {
        let result = try stylize(gram + ["-o", "same.png", "--style-weight", "0"], in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
        let message = "the image is unchanged: L-BFGS stopped before its first step: the largest gradient component, 0.0, "
            + "is under its tolerance 1e-07; raise the style weight (now 0.0) or the content weight (now 1.0)"
        XCTAssertEqual(result.stderr, "warning: \(message)\n")
        assertTextChunk("same.png", "stylize:warning", message)
        // A run that moves the image says nothing.
        let moved = try stylize(gram + ["-o", "moved.png", "--steps", "5"], in: directory)
        XCTAssertEqual(moved.status, 0, "\(moved)")
        XCTAssertEqual(moved.stderr, "")
    }
}
