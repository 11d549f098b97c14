#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ImageFixtures
import StyleIO
import XCTest

/// The CLI with WebP, HEIC, AVIF, TIFF, GIF and BMP inputs and WebP outputs; damaged files of each
/// format fail with one error line naming the file, exit 1, and the directory left as it was.
final class ImageFormatCLITests: CLITestCase {
    func run(_ content: String, _ style: String = "style.png", _ extra: [String] = []) -> [String] {
        [content, style, "-o", "out.png", "--weights", "weights.safetensors", "-q", "--size", "24", "--style-size", "24"] + extra
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeTinyWeights()
    }

    private let labels = ["webp": "WebP", "heic": "HEIF", "avif": "AVIF", "tif": "TIFF", "gif": "GIF", "bmp": "BMP"]

    func testEveryFormatIsReadAsContentAndStyle() throws {
        for name in ImageFixtures.oneOfEach {
            Files.write(path(name), ImageFixtures.bytes(name))
            let result = try stylize([name, name, "-o", "result.npy", "--weights", "weights.safetensors", "-q", "--size", "24"], in: directory)
            XCTAssertEqual(result.status, 0, "\(name): \(result)")
            XCTAssertEqual(try ImageFile.read(path("result.npy")).shape, [3, 16, 24], name)
        }
    }

    func testTruncatedAndCorruptFilesOfEachFormat() throws {
        for name in ImageFixtures.oneOfEach {
            let file = ImageFixtures.bytes(name)
            let ext = String(name.split(separator: ".").last!)
            let label = labels[ext]!
            Files.write(path("cut.\(ext)"), Array(file.prefix(file.count / 2)))
            try expectError(run("cut.\(ext)"), ["error: cut.\(ext): cannot decode: ", label])
            try expectError(run("content.png", "cut.\(ext)"), ["cut.\(ext)", label])
            Files.write(path("head.\(ext)"), Array(file.prefix(24)))
            try expectError(run("head.\(ext)"), ["head.\(ext)", "truncated \(label)"])
            // The pixel data overwritten: a decoder error, or (where the bytes still decode) a run; never a crash.
            var corrupt = file
            for i in stride(from: 30, to: corrupt.count, by: 7) { corrupt[i] ^= 0x5A }
            Files.write(path("bad.\(ext)"), corrupt)
            let result = try stylize(run("bad.\(ext)"), in: directory)
            XCTAssertFalse(result.signaled, "\(name): \(result)")
            if result.status != 0 { assertOneLineError(result, ["bad.\(ext)", "cannot decode"]) }
            Files.write(path("out.png"), previousOutput)
            for removed in ["cut.\(ext)", "head.\(ext)", "bad.\(ext)"] { unlink(path(removed)) }
        }
    }

    func testWebPOutputWithQualityAndRecords() throws {
        Files.write(path("photo.heic"), ImageFixtures.bytes("heic-irot.heic"))
        let lossless = try stylize(["photo.heic", "style.png", "-o", "out.webp", "--weights", "weights.safetensors", "-q", "--quality", "100",
                                    "--size", "24", "--style-size", "24"],
                                   in: directory)
        XCTAssertEqual(lossless.status, 0, "\(lossless)")
        let bytes = Files.read(path("out.webp")) ?? []
        XCTAssertEqual(try ImageFile.detectFormat(bytes, path: "out.webp"), .webp)
        // The HEIC's irot displays its 12×8 pixels as 8×12: 16×24 at --size 24.
        XCTAssertEqual(try ImageFile.read(path("out.webp")).shape, [3, 24, 16])
        let records = try ImageFile.readMetadata(path("out.webp"))
        XCTAssertEqual(records.first { $0.key == "stylize:content" }?.value, "photo.heic")
        XCTAssertEqual(records.first { $0.key == "stylize:mode" }?.value, "transformer")

        let standardOutput = try stylize(["photo.heic", "style.png", "-o", "-", "--format", "webp", "--weights", "weights.safetensors", "-q",
                                          "--quality", "60", "--size", "24", "--style-size", "24"], in: directory)
        XCTAssertEqual(standardOutput.status, 0, "\(standardOutput)")
        XCTAssertEqual(try ImageFile.detectFormat(standardOutput.stdoutBytes, path: "-"), .webp)
        XCTAssertLessThan(standardOutput.stdoutBytes.count, bytes.count, "quality 60 is lossy, smaller than lossless")

        try expectError(run("content.png", "style.png", ["-o", "out.heic"]), ["out.heic", "'.heic' files can be read but not written"])
    }

    func testBatchAndVideoFramesPickUpTheNewFormats() throws {
        mkdir(path("photos"), 0o755)
        for name in ImageFixtures.oneOfEach { Files.write(path("photos/" + name), ImageFixtures.bytes(name)) }
        let batch = try stylize(["photos", "style.png", "-o", "results", "--format", "webp", "--weights", "weights.safetensors", "-q",
                                 "--size", "24"],
                                in: directory)
        XCTAssertEqual(batch.status, 0, "\(batch)")
        let written = (try? FileManager.default.contentsOfDirectory(atPath: path("results")))?.filter { $0.hasSuffix(".webp") } ?? []
        XCTAssertEqual(Set(written), Set(ImageFixtures.oneOfEach.map { String($0.split(separator: ".")[0]) + "_stylized_style.webp" }))

        // Video frames: a directory of WebP, TIFF and BMP frames of one size in, WebP frames out.
        mkdir(path("frames"), 0o755)
        for (index, name) in ["webp-lossless.webp", "tiff-rgb8-lzw.tif", "bmp-24.bmp"].enumerated() {
            Files.write(path("frames/\(index + 1)." + name.split(separator: ".")[1]), ImageFixtures.bytes(name))
        }
        let video = try stylize(["video", "frames", "style.png", "-o", "styled/f%02d.webp", "--fps", "10", "--weights", "weights.safetensors", "-q",
                                 "--size", "24"],
                                in: directory)
        XCTAssertEqual(video.status, 0, "\(video)")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("styled")).sorted(), ["f01.webp", "f02.webp", "f03.webp"])
        XCTAssertEqual(try ImageFile.read(path("styled/f02.webp")).shape, [3, 16, 24])
    }
}
