#if canImport(Glibc)
import Glibc
#endif
import Foundation
import ImageFixtures
import StyleCore
@testable import StyleIO
import XCTest

/// The WebP, HEIC/AVIF, TIFF, GIF and BMP decoders against Pillow's decoding of the same files
/// (Tests/ImageFixtures, made by tools/make_image_fixtures.py), their errors on damaged files, and
/// WebP output.
final class ImageFormatTests: XCTestCase {
    /// Every fixture decodes to its reference's shape and pixels, within the manifest's tolerance.
    func testDecodersMatchPillow() throws {
        let fixtures = try ImageFixtures.all()
        XCTAssertEqual(fixtures.count, 32)
        var report: [String] = []
        for fixture in fixtures {
            let image = try ImageFile.read(ImageFixtures.path(fixture.file))
            let reference = try NPY.read(ImageFixtures.path(fixture.reference))
            XCTAssertEqual(image.shape, reference.shape, fixture.file)
            guard image.shape == reference.shape else { continue }
            let worst = zip(image.values, reference.values).map { abs($0 - $1) }.max() ?? .infinity
            XCTAssertLessThanOrEqual(Double(worst), fixture.tolerance / 255 + 1e-6, "\(fixture.file): \(fixture.why)")
            XCTAssertTrue(try ImageFile.probe(ImageFixtures.path(fixture.file)) == (image.shape[2], image.shape[1]), fixture.file)
            report.append(String(format: "%@ %.2f/%g", fixture.file, Double(worst) * 255, fixture.tolerance))
        }
        print("largest difference from Pillow, in 8-bit levels (found/allowed): " + report.joined(separator: ", "))
    }

    /// What each fixture covers, checked on the decoded pixels themselves (not only against Pillow).
    func testOrientationAlphaDepthAndPages() throws {
        func read(_ name: String) throws -> Tensor { try ImageFile.read(ImageFixtures.path(name)) }
        func pixel(_ t: Tensor, _ x: Int, _ y: Int) -> [Float] {
            (0..<3).map { t[($0 * t.shape[1] + y) * t.shape[2] + x] }
        }
        // The sources are 12×8; orientation 6 and irot 90° display them 8×12, and must do it once only.
        for name in ["webp-exif6.webp", "tiff-orient6.tif", "tiff-rgb16-orient6.tif", "heic-irot.heic"] {
            XCTAssertEqual(try read(name).shape, [3, 12, 8], name)
        }
        for name in ["webp-lossless.webp", "tiff-palette-orient3.tif", "bmp-24-top-down.bmp", "gif-plain.gif", "avif-plain.avif"] {
            XCTAssertEqual(try read(name).shape, [3, 8, 12], name)
        }
        // Orientation 6 puts the stored top-left pixel (red 0, green 0) at the top right.
        let rotated = try read("tiff-orient6.tif"), plain = try read("tiff-rgb8-lzw.tif")
        XCTAssertEqual(pixel(rotated, 7, 0), pixel(plain, 0, 0))
        XCTAssertEqual(pixel(rotated, 0, 11), pixel(plain, 11, 7))
        // Top-down and bottom-up BMPs of the same pixels decode alike.
        XCTAssertEqual(try read("bmp-24-top-down.bmp").values, try read("bmp-24.bmp").values)
        // Alpha: the right column is fully transparent, so white.
        for name in ["webp-alpha.webp", "tiff-rgba8.tif", "bmp-v5-alpha.bmp"] {
            let t = try read(name)
            XCTAssertEqual(pixel(t, 11, 3), [1, 1, 1], name)
            XCTAssertNotEqual(pixel(t, 0, 3), [1, 1, 1], name)
        }
        // 16 bits are kept: levels that differ only in their low byte stay apart.
        let levels = try read("tiff-gray16.tif").values.map { Int(($0 * 65535).rounded()) }
        XCTAssertTrue(levels.contains { $0 % 257 != 0 }, "16-bit levels that are not 8-bit ones")
        // First page / first frame: the second is the first inverted.
        XCTAssertEqual(try read("tiff-two-pages.tif").values, plain.values)
        XCTAssertEqual(try read("webp-animated.webp").values, try read("webp-lossless.webp").values)
    }

    /// Files are told apart by their bytes: each fixture renamed .png reads the same.
    func testFormatComesFromTheBytesNotTheName() throws {
        let directory = try TestFiles.makeDirectory()
        defer { TestFiles.removeTree(directory) }
        let expected: [String: ImageFile.Format] = ["webp": .webp, "heic": .heif, "avif": .avif, "tif": .tiff, "gif": .gif, "bmp": .bmp]
        for name in ImageFixtures.oneOfEach {
            let bytes = ImageFixtures.bytes(name)
            let ext = String(name.split(separator: ".").last!)
            XCTAssertEqual(try ImageFile.detectFormat(bytes, path: name), expected[ext], name)
            TestFiles.write(directory + "/renamed.png", bytes)
            XCTAssertEqual(try ImageFile.read(directory + "/renamed.png").values, try ImageFile.read(ImageFixtures.path(name)).values, name)
        }
        func reason(_ bytes: [UInt8]) -> String {
            do { _ = try ImageFile.detectFormat(bytes, path: "x"); return "detected" } catch { return "\(error)" }
        }
        let mp4 = [0, 0, 0, 0x18] + Array("ftypisom\u{0}\u{0}\u{2}\u{0}isomiso2".utf8)
        XCTAssertTrue(reason(mp4).contains("a video, not a still image"), reason(mp4))
        let wave = Array("RIFF\u{24}\u{0}\u{0}\u{0}WAVEfmt ".utf8)
        XCTAssertTrue(reason(wave).contains("RIFF file, but not WebP"), reason(wave))
        XCTAssertTrue(reason(Array("GIF8".utf8)).contains("truncated GIF: the file is only 4 bytes"), reason(Array("GIF8".utf8)))
        XCTAssertTrue(reason(Array("BMP notes, not an image\n".utf8)).contains("text file"))
        XCTAssertTrue(reason(Array("BM\u{1}\u{2}".utf8)).contains("truncated BMP"))
        XCTAssertTrue(reason([0x49, 0x49, 0x2A]).contains("truncated TIFF"))
        XCTAssertTrue(reason(Array("II".utf8)).contains("not an image file this reads (PNG, JPEG, WebP, HEIC/HEIF, AVIF, TIFF, GIF, BMP or .npy)"))
    }

    /// Every cut of a file is a "truncated …" or "invalid …" StyleError naming the format (never a
    /// crash or a picture from half the data), and random damage is a StyleError or a valid image.
    func testTruncatedAndCorruptFiles() throws {
        let names: [String: String] = ["webp": "WebP", "heic": "HEIF", "avif": "AVIF", "tif": "TIFF", "gif": "GIF", "bmp": "BMP"]
        var random = SplitMix64(seed: 26)
        for name in ImageFixtures.oneOfEach + ["heic-irot.heic", "tiff-planar.tif", "tiff-tiled.tif", "gif-interlaced-transparent.gif",
                                                "bmp-rle8.bmp", "webp-animated.webp", "tiff-rgb16-orient6.tif"] {
            let file = ImageFixtures.bytes(name)
            let label = names[String(name.split(separator: ".").last!)]!
            for n in Set([1, 2, 3, 8, 12, 20, 40, file.count / 3, file.count / 2, file.count * 3 / 4, file.count - 8, file.count - 1])
                where n > 0 && n < file.count {
                do {
                    _ = try ImageFile.read(data: Array(file.prefix(n)), path: name)
                    // A few formats keep no length (TIFF strips, BMP padding, GIF trailer): a cut there loses only
                    // bytes the image does not need, and the pixels must then be the whole file's.
                    XCTAssertEqual(try ImageFile.read(data: Array(file.prefix(n)), path: name).values,
                                   try ImageFile.read(data: file, path: name).values, "\(name) cut to \(n) bytes decoded differently")
                } catch let error as StyleError {
                    let text = error.description
                    XCTAssertTrue(text.contains(name), text)
                    XCTAssertTrue(text.contains("truncated") || text.contains("invalid") || text.contains("not an image"), "\(name) cut to \(n): \(text)")
                    if n >= 12 { XCTAssertTrue(text.contains(label), "\(name) cut to \(n): \(text)") }
                    XCTAssertFalse(text.contains("\n"), text)
                }
            }
            for _ in 0..<200 {
                var damaged = file
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    damaged[Int.random(in: 4..<damaged.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
                }
                do {
                    let image = try ImageFile.read(data: damaged, path: name)
                    XCTAssertTrue(image.values.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(name): samples outside [0,1]")
                } catch let error as StyleError {
                    XCTAssertFalse(error.description.contains("\n"), error.description)
                }
            }
        }
    }

    /// The cut points above that decode must be ones whose missing bytes held nothing: a file cut in
    /// its pixel data is refused in every format.
    func testCutInsideThePixelsIsRefused() throws {
        for name in ImageFixtures.oneOfEach {
            let file = ImageFixtures.bytes(name)
            XCTAssertThrowsError(try ImageFile.read(data: Array(file.prefix(file.count * 2 / 3)), path: name), name) { error in
                XCTAssertTrue("\(error)".contains("truncated") || "\(error)".contains("invalid"), "\(name): \(error)")
            }
        }
    }

    // MARK: - WebP output

    private func randomImage(width: Int, height: Int, seed: UInt64) -> Tensor {
        var random = SplitMix64(seed: seed)
        let t = Tensor(shape: [3, height, width])
        for i in 0..<t.count { t[i] = Float(Int.random(in: 0...255, using: &random)) / 255 }
        return t
    }

    func testLosslessWebPRoundTripsPixelsAndMetadata() throws {
        let directory = try TestFiles.makeDirectory()
        defer { TestFiles.removeTree(directory) }
        let image = randomImage(width: 37, height: 23, seed: 5)
        let records = [("stylize:mode", "gram"), ("stylize:styles", "a & b <1>.png\nc.png"), ("stylize:content", "Gogh – Nacht\r\n.png"),
                       ("stylize:empty", ""), ("stylize:note", "tab\tand \u{1} control")]
        let path = directory + "/out.webp"
        try ImageFile.write(image, to: path, quality: 100, metadata: records)
        XCTAssertEqual(try ImageFile.detectFormat(ImageFixtures.bytesOf(path), path: path), .webp)
        XCTAssertEqual(try ImageFile.read(path).values, image.values, "lossless WebP keeps every 8-bit level")
        let back = try ImageFile.readMetadata(path)
        XCTAssertEqual(back.map(\.key), records.map(\.0))
        XCTAssertEqual(back.map(\.value), records.map(\.1))
        // The packet is an XMP chunk a generic reader finds.
        let bytes = ImageFixtures.bytesOf(path)
        XCTAssertNotNil(String(decoding: bytes, as: UTF8.self).range(of: "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"))
        XCTAssertNotNil(bytes.firstRange(of: Array("XMP ".utf8)))
    }

    func testLossyWebPQuality() throws {
        let image = Tensor(shape: [3, 32, 48])
        for c in 0..<3 { for y in 0..<32 { for x in 0..<48 { image[(c * 32 + y) * 48 + x] = 0.5 + 0.4 * sin(Float(x) / 7 + Float(y) / 5 + Float(c)) } } }
        var sizes: [Int] = [], means: [Float] = []
        for quality in [30, 90] {
            let bytes = try ImageFile.encode(image, as: .webp, quality: quality)
            sizes.append(bytes.count)
            let back = try ImageFile.read(data: bytes, path: "q.webp")
            let errors = zip(back.values, image.values).map { abs($0 - $1) }
            let mean = errors.reduce(0, +) / Float(errors.count)
            print("WebP quality \(quality): \(bytes.count) bytes, mean error \(mean * 255) levels, largest \(errors.max()! * 255)")
            XCTAssertLessThan(mean, quality == 90 ? 4 / 255 : 10 / 255, "quality \(quality)")  // measured 2.8 and 6.8 levels
            XCTAssertGreaterThan(errors.max()!, 0, "lossy below 100")
            means.append(mean)
        }
        XCTAssertLessThan(sizes[0], sizes[1], "lower quality, smaller file")
        XCTAssertGreaterThan(means[0], means[1], "lower quality, larger error")
        XCTAssertEqual(try ImageFile.readMetadata(temporaryWebP(image)).count, 0, "no metadata, no XMP chunk")
    }

    private func temporaryWebP(_ image: Tensor) throws -> String {
        let path = NSTemporaryDirectory() + "/plain-\(getpid()).webp"
        try ImageFile.write(image, to: path, quality: 80)
        addTeardownBlock { unlink(path) }
        return path
    }

    func testWebPOutputLimits() throws {
        XCTAssertThrowsError(try ImageFile.encode(Tensor(shape: [3, 2, 16384]), as: .webp)) { error in
            XCTAssertTrue("\(error)".contains("WebP cannot store a 16384×2 image (each side must be at most 16383)"), "\(error)")
        }
        XCTAssertThrowsError(try ImageFile.encode(Tensor(shape: [3, 2, 2]), as: .webp, quality: 0)) { error in
            XCTAssertTrue("\(error)".contains("WebP quality must be between 1 and 100, not 0"), "\(error)")
        }
        XCTAssertThrowsError(try ImageFile.encode(Tensor(shape: [3, 2, 2]), as: .tiff)) { error in
            XCTAssertTrue("\(error)".contains("TIFF files can be read but not written"), "\(error)")
        }
        XCTAssertThrowsError(try ImageFile.outputFormat(for: "/tmp/out.heic")) { error in
            XCTAssertTrue("\(error)".contains("'.heic' files can be read but not written (use .png, .jpg, .jpeg, .webp or .npy)"), "\(error)")
        }
        XCTAssertEqual(try ImageFile.outputFormat(for: "/tmp/x.WebP"), .webp)
    }

    func testXMPEscaping() {
        let value = "a&b <c> \"d\" 'e' \r\n\u{7F}\u{0B} é 😀 &amp;"
        let packet = XMPRecords.packet([("k&<>", value)])
        XCTAssertFalse(String(decoding: packet, as: UTF8.self).contains("\r"))
        let back = XMPRecords.records(in: packet)
        XCTAssertEqual(back.map(\.key), ["k&<>"])
        XCTAssertEqual(back.map(\.value), [value])
    }
}

extension ImageFixtures {
    /// The bytes of any file (a test's own output).
    static func bytesOf(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }
}
