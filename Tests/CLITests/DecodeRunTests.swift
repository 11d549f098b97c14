#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import PNGTestSupport
import XCTest

/// Unusual but valid inputs run through the whole CLI (the decoders' numbers are checked by
/// Tests/StyleIOTests; here: exit 0, no stderr with -q, output of the right size and format).
final class DecodeRunTests: CLITestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeTinyWeights()
    }

    /// Runs CONTENT with style.png into out.npy and returns the output tensor.
    func stylizeToNPY(_ content: String, style: String = "style.png", file: StaticString = #filePath, line: UInt = #line) throws -> Tensor? {
        let result = try stylize([content, style, "-o", "result.npy", "--weights", "weights.safetensors", "-q"], in: directory)
        XCTAssertEqual(result.status, 0, "\(content): \(result)", file: file, line: line)
        XCTAssertEqual(result.stderr, "", file: file, line: line)
        XCTAssertEqual(Files.temporaries(in: directory), [], file: file, line: line)
        guard result.status == 0 else { return nil }
        let out = try NPY.read(path("result.npy"))
        XCTAssertTrue(out.values.allSatisfy { $0.isFinite }, "\(content): finite output", file: file, line: line)
        try? FileManager.default.removeItem(atPath: path("result.npy"))
        return out
    }

    func testPNGVariants() throws {
        let w = 36, h = 20
        var palette: [UInt8] = []
        for i in 0..<16 { palette += [UInt8(i * 16), UInt8(255 - i * 16), UInt8(i * 8)] }
        let rgb16 = TestPNG.make(width: w, height: h, colorType: 2, bitDepth: 16) { x, y, c -> Int in (x * 1800 + y * 900 + c * 7000) % 65536 }
        let gray8 = TestPNG.make(width: w, height: h, colorType: 0, bitDepth: 8) { x, y, _ -> Int in (x * 7 + y * 3) % 256 }
        let gray16 = TestPNG.make(width: w, height: h, colorType: 0, bitDepth: 16) { x, y, _ -> Int in (x * 1500 + y * 700) % 65536 }
        let indexed = TestPNG.make(width: w, height: h, colorType: 3, bitDepth: 8, palette: palette, trns: [0, 128]) { x, y, _ -> Int in (x + y) % 16 }
        let rgba = TestPNG.make(width: w, height: h, colorType: 6, bitDepth: 8) { x, y, c -> Int in
            c == 3 ? (x * 7) % 256 : (x * 5 + y * 11 + c * 40) % 256
        }
        let grayAlpha16 = TestPNG.make(width: w, height: h, colorType: 4, bitDepth: 16) { x, y, c -> Int in
            c == 1 ? 40000 : (x * 1000 + y * 2000) % 65536
        }
        let variants: [(String, [UInt8])] = [("rgb16.png", rgb16), ("gray8.png", gray8), ("gray16.png", gray16),
                                             ("palette.png", indexed), ("rgba.png", rgba), ("grayalpha16.png", grayAlpha16)]
        for (name, bytes) in variants {
            Files.write(path(name), bytes)
            let out = try stylizeToNPY(name)
            XCTAssertEqual(out?.shape, [3, h, w], name)
        }
        // As the style image too.
        XCTAssertEqual(try stylizeToNPY("content.png", style: "rgb16.png")?.shape, [3, 32, 40])
        XCTAssertEqual(try stylizeToNPY("content.png", style: "palette.png")?.shape, [3, 32, 40])
    }

    func testCMYKJPEG() throws {
        Files.write(path("cmyk.jpg"), Images.cmykJPEG)
        XCTAssertEqual(try stylizeToNPY("cmyk.jpg")?.shape, [3, 16, 16])
        XCTAssertEqual(try stylizeToNPY("content.png", style: "cmyk.jpg")?.shape, [3, 32, 40])
    }

    func testEXIFRotatedJPEG() throws {
        let jpeg = Images.jpeg(width: 48, height: 32)
        Files.write(path("upright.jpg"), jpeg)
        XCTAssertEqual(try stylizeToNPY("upright.jpg")?.shape, [3, 32, 48])
        for orientation: UInt16 in [3, 6, 8] {
            let name = "rotated\(orientation).jpg"
            Files.write(path(name), Images.withOrientation(jpeg, orientation))
            // Orientations 5–8 turn the stored 48×32 into a displayed 32×48 image.
            XCTAssertEqual(try stylizeToNPY(name)?.shape, orientation >= 5 ? [3, 48, 32] : [3, 32, 48], name)
        }
    }

    func testNPYInputAndFormatDetectedFromContent() throws {
        let image = Images.smooth(width: 24, height: 16)
        Files.write(path("image.npy"), NPY.encode(image))
        XCTAssertEqual(try stylizeToNPY("image.npy")?.shape, [3, 16, 24])
        // A JPEG named .png is read by its content.
        Files.write(path("actually-jpeg.png"), Images.jpeg(width: 24, height: 16))
        XCTAssertEqual(try stylizeToNPY("actually-jpeg.png")?.shape, [3, 16, 24])
    }

    func testOutputFormats() throws {
        for (name, format) in [("o.png", ImageFile.Format.png), ("o.jpg", .jpeg), ("o.JPEG", .jpeg), ("o.webp", .webp), ("o.npy", .npy)] {
            let result = try stylize(["content.png", "style.png", "-o", name, "--weights", "weights.safetensors",
                                      "--quality", "75"], in: directory)
            XCTAssertEqual(result.status, 0, "\(name): \(result)")
            XCTAssertTrue(result.stderr.hasPrefix("stylize: transformer mode"), "one progress line without -q: \(result)")
            XCTAssertEqual(result.stderrLines.count, 1, "\(result)")
            let bytes = Files.read(path(name)) ?? []
            XCTAssertEqual(try ImageFile.detectFormat(bytes, path: name), format)
            XCTAssertEqual(try ImageFile.read(path(name)).shape, [3, 32, 40])
        }
        XCTAssertEqual(Files.temporaries(in: directory), [])
    }

    func testGramModeRuns() throws {
        // No weights in the directory: Gram mode with the seeded random network, a few steps (2 L-BFGS
        // steps move no pixel by one 8-bit level, which is a warning on stderr).
        let result = try stylize(["content.png", "style.png", "-o", "gram.png", "--mode", "gram", "--steps", "5",
                                  "--size", "32", "-q"], in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(try ImageFile.read(path("gram.png")).shape, [3, 26, 32])
        XCTAssertEqual(Files.temporaries(in: directory), [])
    }

    func testWeightsFromDirectoryAndEnvironment() throws {
        mkdir(path("models"), 0o755)
        try writeTinyWeights("models/stytr2.safetensors")
        var result = try stylize(["content.png", "style.png", "-o", "a.png", "--weights", "models"], in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
        result = try stylize(["content.png", "style.png", "-o", "b.png", "-q"], in: directory,
                             environment: ["STYLIZE_WEIGHTS": path("models")])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(Files.exists(path("b.png")))
        result = try stylize(["content.png", "style.png", "-o", "c.png", "-q", "--size", "64"], in: directory,
                             environment: ["STYLIZE_WEIGHTS": path("models/stytr2.safetensors")])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(try ImageFile.read(path("c.png")).shape, [3, 51, 64], "--size resizes the long side")
    }
}
