import Foundation
import StyleCore
import StyleIO
import XCTest

/// Per-image controls through the CLI: --alpha, --style-blend, --preserve-color and the reproduction
/// metadata in PNG text chunks. Argument errors come before any file is read; successful runs use the
/// tiny StyTr² weights and compare `.npy` outputs (exact float32) with the runs the controls must equal.
final class ControlTests: CLITestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        Files.write(path("style2.png"), try ImageFile.encode(Images.smooth(width: 20, height: 28), as: .png))
    }

    func run(_ extra: [String]) -> [String] { ["missing.png", "missing-too.png", "-o", "out.png"] + extra }

    func testArgumentErrors() throws {
        try expectError(run(["--alpha", "1.5"]), ["--alpha must be between 0 and 1, not 1.5"])
        try expectError(run(["--alpha", "-0.1"]), ["--alpha must be between 0 and 1, not -0.1"])
        try expectError(["missing.png", "a.png", "b.png", "-o", "out.png", "--style-blend", "1,2,3"],
                        ["--style-blend needs one weight per style image (2), not 3"])
        try expectError(run(["--style-blend", "1,x"]), ["--style-blend takes comma-separated numbers", "'1,x'"])
        try expectError(["missing.png", "a.png", "b.png", "-o", "out.png", "--style-blend", "-1,1"],
                        ["--style-blend weights must be 0 or more with at least one above 0, not -1.0,1.0"])
        // bf16 needs AVX512-BF16: elsewhere refused, naming what is missing and the way out.
        if let missing = Precision.bf16.unavailability(on: .current) {
            try expectError(run(["--precision", "bf16"]), ["--precision bf16 \(missing); use --precision fp32"])
        }
        // Gram mode has no α: an error, not a silent no-op.
        try expectError(["content.png", "style.png", "-o", "out.png", "--mode", "gram", "--alpha", "0.5"],
                        ["--alpha works in transformer mode only", "--style-weight"])
    }

    /// stylize ARGS -o NAME.npy with the tiny weights; the output tensor.
    func output(_ arguments: [String], _ name: String, file: StaticString = #filePath, line: UInt = #line) throws -> Tensor {
        let result = try stylize(arguments + ["-o", name, "--weights", "weights.safetensors", "-q", "--style-size", "0"], in: directory)
        XCTAssertEqual(result.status, 0, "\(result)", file: file, line: line)
        XCTAssertEqual(result.stderr, "", file: file, line: line)
        return try NPY.read(path(name))
    }

    func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
        XCTAssertEqual(a.shape, b.shape)
        return zip(a.values, b.values).map { abs($0 - $1) }.max() ?? .infinity
    }

    func testAlphaEndsAreThePlainAndContentSelfOutputs() throws {
        try writeTinyWeights()
        let plain = try output(["content.png", "style.png"], "plain.npy")
        let own = try output(["content.png", "content.png"], "own.npy")
        XCTAssertGreaterThan(maxDifference(plain, own), 0.01)
        XCTAssertLessThanOrEqual(maxDifference(try output(["content.png", "style.png", "--alpha", "0"], "a0.npy"), own), 1e-6)
        let half = try output(["content.png", "style.png", "--alpha", "0.5"], "a05.npy")
        XCTAssertGreaterThan(maxDifference(half, plain), 1e-3)
        XCTAssertGreaterThan(maxDifference(half, own), 1e-3)
    }

    /// --precision bf16 stays near the fp32 result (bf16 operands: ~3 significant digits) yet is not it, and says so in the metadata.
    func testBF16IsCloseToFP32() throws {
        guard Precision.bf16.unavailability(on: .current) == nil else { throw XCTSkip("this CPU lacks AVX512-BF16 (\(CPUFeatures.current.flagSummary))") }
        try writeTinyWeights()
        let fp32 = try output(["content.png", "style.png"], "fp32.npy")
        let bf16 = try output(["content.png", "style.png", "--precision", "bf16"], "bf16.npy")
        XCTAssertLessThanOrEqual(maxDifference(bf16, fp32), 2e-2 * fp32.maxAbs)
        XCTAssertGreaterThan(maxDifference(bf16, fp32), 0, "bf16 rounding must change some value")
        let run = try stylize(["content.png", "style.png", "-o", "bf16.png", "--weights", "weights.safetensors", "-q", "--precision", "bf16"], in: directory)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(textChunks("bf16.png")["stylize:precision"], "bf16")
    }

    func testStyleBlendOneZeroIsTheFirstStyle() throws {
        try writeTinyWeights()
        let single = try output(["content.png", "style.png"], "single.npy")
        XCTAssertLessThanOrEqual(maxDifference(try output(["content.png", "style.png", "style2.png", "--style-blend", "1,0"], "b10.npy"), single), 1e-6)
        XCTAssertGreaterThan(maxDifference(try output(["content.png", "style.png", "style2.png"], "equal.npy"), single), 1e-3)
    }

    func testPreserveColor() throws {
        try writeTinyWeights()
        let content = try ImageFile.read(path("content.png"))
        let luminance = try output(["content.png", "style.png", "--preserve-color", "luminance"], "lum.npy")
        // I and Q of YIQ (FCC): the content's chroma must survive unchanged.
        let n = 32 * 40
        var chromaError: Float = 0
        for i in 0..<n {
            for row in [[0.595716, -0.274453, -0.321263], [0.211456, -0.522591, 0.311135]] as [[Float]] {
                let ours = row[0] * luminance[i] + row[1] * luminance[n + i] + row[2] * luminance[2 * n + i]
                let theirs = row[0] * content[i] + row[1] * content[n + i] + row[2] * content[2 * n + i]
                chromaError = max(chromaError, abs(ours - theirs))
            }
        }
        XCTAssertLessThanOrEqual(chromaError, 1e-5)
        let plain = try output(["content.png", "style.png"], "plain.npy")
        XCTAssertGreaterThan(maxDifference(try output(["content.png", "style.png", "--preserve-color", "histogram"], "hist.npy"), plain), 1e-3)
    }

    /// tEXt chunks of a PNG file as key → value.
    func textChunks(_ name: String) -> [String: String] {
        let bytes = Files.read(path(name)) ?? []
        var chunks: [String: String] = [:]
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            let body = bytes[offset + 8..<min(bytes.count, offset + 8 + length)]
            if type == "tEXt", let zero = body.firstIndex(of: 0) {
                chunks[String(decoding: body[..<zero], as: UTF8.self)] = String(decoding: body[(zero + 1)...], as: UTF8.self)
            }
            offset += 12 + length
        }
        return chunks
    }

    func testMetadataRecordsWhatReproducesTheResult() throws {
        try writeTinyWeights()
        let run = try stylize(["content.png", "style.png", "style2.png", "-o", "meta.png", "--weights", "weights.safetensors", "-q",
                               "--alpha", "0.5", "--style-blend", "2,1", "--preserve-color", "histogram", "--size", "48"], in: directory)
        XCTAssertEqual(run.status, 0, "\(run)")
        let sha = Process()
        sha.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        sha.arguments = [path("weights.safetensors")]
        let pipe = Pipe()
        sha.standardOutput = pipe
        try sha.run()
        let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        sha.waitUntilExit()
        let text = textChunks("meta.png")
        XCTAssertEqual(text["stylize:mode"], "transformer")
        XCTAssertEqual(text["stylize:weights"], "weights.safetensors sha256 \(digest)")
        XCTAssertEqual(text["stylize:content"], "content.png")
        XCTAssertEqual(text["stylize:styles"], "style.png\nstyle2.png")
        XCTAssertEqual(text["stylize:size"], "48x38")
        XCTAssertEqual(text["stylize:style-size"], "512")
        XCTAssertEqual(text["stylize:alpha"], "0.5")
        XCTAssertEqual(text["stylize:style-blend"], "\(Float(2) / 3),\(Float(1) / 3)")
        XCTAssertEqual(text["stylize:preserve-color"], "histogram")

        let gram = try stylize(["content.png", "style.png", "-o", "gram.png", "--mode", "gram", "-q", "--size", "32", "--steps", "2",
                                "--multiscale", "off", "--optimizer", "adam", "--lr", "0.05", "--seed", "7", "--style-layers", "relu3x3:0.5"], in: directory)
        XCTAssertEqual(gram.status, 0, "\(gram)")
        let g = textChunks("gram.png")
        XCTAssertEqual(g["stylize:mode"], "gram")
        XCTAssertEqual(g["stylize:weights"], "seeded random network, seed 7")
        XCTAssertEqual(g["stylize:passes"], "32:2")
        XCTAssertEqual(g["stylize:optimizer"], "adam lr 0.05")
        XCTAssertEqual(g["stylize:seed"], "7")
        XCTAssertEqual(g["stylize:style-layers"], "relu3x3:0.5")
        XCTAssertEqual(g["stylize:content-weight"], "1.0")
        XCTAssertEqual(g["stylize:preserve-color"], "none")
    }
}
