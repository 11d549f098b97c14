#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import StyleCore
@testable import StyleIO
import PNGTestSupport
import XCTest


/// JPEGs the engine's encoder cannot make, from tools/make_image_fixtures.py (Pillow, quality 95).
/// Each is 16×16 in flat 8×8 blocks: top-left, top-right / bottom-left, bottom-right.
enum JPEGFixtures {
    static let gray = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/wAALCAAQABABAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APz/AK/oAr+f+v6AK//Z"
    static let progressive = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgr/wgARCAAQABADAREAAhEBAxEB/8QAFgABAQEAAAAAAAAAAAAAAAAACAcJ/8QAFwEAAwEAAAAAAAAAAAAAAAAABwgJBv/aAAwDAQACEAMQAAABi4pf5KC2FYNtM1m4iA6r/8QAFBABAAAAAAAAAAAAAAAAAAAAIP/aAAgBAQABBQIf/8QAFBEBAAAAAAAAAAAAAAAAAAAAIP/aAAgBAwEBPwEf/8QAFBEBAAAAAAAAAAAAAAAAAAAAIP/aAAgBAgEBPwEf/8QAFBABAAAAAAAAAAAAAAAAAAAAIP/aAAgBAQAGPwIf/8QAFBABAAAAAAAAAAAAAAAAAAAAIP/aAAgBAQABPyEf/9oADAMBAAIAAwAAABAAD//EABQRAQAAAAAAAAAAAAAAAAAAACD/2gAIAQMBAT8QH//EABQRAQAAAAAAAAAAAAAAAAAAACD/2gAIAQIBAT8QH//EABQQAQAAAAAAAAAAAAAAAAAAACD/2gAIAQEAAT8QH//Z"
    static let cmyk = "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcGBggLCAkKCgoKCgYICwwLCgwJCgoK/8AAFAgAEAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+f+v38r9/K/fyv7/K/gDooor+/wAr+AOiiiv7/K/n/r//2Q=="

    static func bytes(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64)!) }
}

/// JPEG marker surgery for tests.
enum TestJPEG {
    /// An EXIF block (TIFF header, IFD0 with ImageWidth and Orientation), as JPEG's APP1 and PNG's eXIf hold it.
    static func exif(orientation: UInt16, bigEndian: Bool = false) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? TestPNG.be32(v) : TestPNG.be32(v).reversed() }
        var tiff = Array((bigEndian ? "MM" : "II").utf8) + u16(42) + u32(8)
        tiff += u16(2)                                                  // two IFD0 entries
        tiff += u16(0x0100) + u16(4) + u32(1) + u32(32)                 // ImageWidth, LONG
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)  // Orientation, SHORT
        tiff += u32(0)                                                  // no next IFD
        return tiff
    }

    /// Inserts an APP1 Exif segment holding `exif(orientation:bigEndian:)` right after SOI.
    static func withOrientation(_ jpeg: [UInt8], _ orientation: UInt16, bigEndian: Bool = false) -> [UInt8] {
        let payload = Array("Exif".utf8) + [0, 0] + exif(orientation: orientation, bigEndian: bigEndian)
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg[2...]
    }

    /// Offset of the first SOF0/SOF2 marker's 0xFF byte.
    static func sofOffset(_ jpeg: [UInt8]) -> Int? {
        var i = 2
        while i + 4 <= jpeg.count, jpeg[i] == 0xFF {
            let marker = jpeg[i + 1]
            if marker == 0xC0 || marker == 0xC2 { return i }
            i += 2 + (Int(jpeg[i + 2]) << 8 | Int(jpeg[i + 3]))
        }
        return nil
    }
}

final class ImageFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try TestFiles.makeDirectory()
    }

    override func tearDown() {
        TestFiles.removeTree(directory)
    }

    // MARK: - Helpers

    /// A (3,H,W) image with a smooth, non-symmetric pattern.
    private func smoothImage(width: Int, height: Int) -> Tensor {
        let t = Tensor(shape: [3, height, width])
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    let u = Float(x) / Float(width), v = Float(y) / Float(height)
                    t[(c * height + y) * width + x] = 0.5 + 0.4 * sin(3 * u + 2 * v + Float(c))
                }
            }
        }
        return t
    }

    /// The source of every random test input here: seeded, so a failure reproduces (each test starts afresh).
    private var random = SplitMix64(seed: 14)

    /// A (3,H,W) image of uniformly random 8-bit levels.
    private func randomImage(width: Int, height: Int) -> Tensor {
        let t = Tensor(shape: [3, height, width])
        for i in 0..<t.count { t[i] = Float(Int.random(in: 0...255, using: &random)) / 255 }
        return t
    }

    /// The RGB value at (x, y) of a (3,H,W) image.
    private func pixel(_ t: Tensor, _ x: Int, _ y: Int) -> [Float] {
        let h = t.shape[1], w = t.shape[2]
        return (0..<3).map { t[($0 * h + y) * w + x] }
    }

    private func assertClose(_ a: [Float], _ b: [Float], _ tolerance: Float, _ message: String = "",
                             file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) where !(abs(x - y) <= tolerance) {
            return XCTFail("\(a) ≠ \(b) (tolerance \(tolerance)) \(message)", file: file, line: line)
        }
    }

    /// Decodes `png` and checks it against per-pixel RGB values in [0,1].
    private func assertPNG(_ png: [UInt8], width: Int, height: Int, expected: [[Float]], tolerance: Float = 0,
                           _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        do {
            let t = try ImageFile.read(data: png, path: "test.png")
            XCTAssertEqual(t.shape, [3, height, width], message, file: file, line: line)
            for y in 0..<height {
                for x in 0..<width { assertClose(pixel(t, x, y), expected[y * width + x], tolerance, "\(message) at (\(x), \(y))", file: file, line: line) }
            }
        } catch {
            XCTFail("\(message): \(error)", file: file, line: line)
        }
    }

    /// Asserts that `body` throws a StyleError whose description contains every fragment.
    @discardableResult
    private func assertError(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                             _ body: () throws -> Void) -> StyleError? {
        do {
            try body()
            XCTFail("no error; expected one mentioning \(fragments)", file: file, line: line)
        } catch let error as StyleError {
            for fragment in fragments {
                XCTAssertTrue(error.description.contains(fragment), "\"\(error.description)\" lacks \"\(fragment)\"", file: file, line: line)
            }
            return error
        } catch {
            XCTFail("not a StyleError: \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: - PNG

    func testPNGRoundTripIsExact() throws {
        let image = randomImage(width: 37, height: 23)
        let path = directory + "/out.png"
        try ImageFile.write(image, to: path)
        let back = try ImageFile.read(path)
        XCTAssertEqual(back.shape, [3, 23, 37])
        XCTAssertEqual(back.values, image.values)  // k/255 survives encode + decode exactly

        // Arbitrary values: clamped, rounded to the nearest level, NaN → 0.
        let odd = Tensor(shape: [3, 1, 6], values: [-0.5, 1.5, .nan, 0.5, 0.498, 1 / 510 + 1e-4,
                                                    0, 1, 0.25, 0.75, .infinity, -.infinity,
                                                    0.1, 0.2, 0.3, 0.4, 0.6, 0.7])
        let decoded = try ImageFile.read(data: ImageFile.encode(odd, as: .png), path: "odd.png")
        XCTAssertEqual(decoded.values, odd.values.map { v in v.isNaN ? 0 : (min(max(v, 0), 1) * 255).rounded() / 255 })
    }

    func testPNGFileIsRGB8WithTextChunks() throws {
        let path = directory + "/meta.png"
        try ImageFile.write(randomImage(width: 4, height: 3), to: path,
                            metadata: [("Software", "stylize"), ("Style", "Gogh – Sternennacht")])
        let chunks = TestPNG.chunks(TestFiles.read(path)!)
        XCTAssertEqual(chunks.first?.0, "IHDR")
        XCTAssertEqual(Array(chunks[0].1[8...9]), [8, 2], "8-bit RGB")
        XCTAssertTrue(chunks.contains { $0.0 == "tEXt" && $0.1 == Array("Software\0stylize".utf8) })
        // Non-ASCII text goes in iTXt as UTF-8: key, NUL, flag 0, method 0, empty language and translated key.
        XCTAssertTrue(chunks.contains { $0.0 == "iTXt" && $0.1 == Array("Style\0\0\0\0\0Gogh – Sternennacht".utf8) })
        assertError(["metadata key", "1–79"]) {
            _ = try ImageFile.encode(self.randomImage(width: 2, height: 2), as: .png, metadata: [("", "x")])
        }
        assertError(["NUL"]) {
            _ = try ImageFile.encode(self.randomImage(width: 2, height: 2), as: .png, metadata: [("k", "a\0b")])
        }
    }

    func testPNGGrayDepths() {
        // 8-bit.
        assertPNG(TestPNG.make(width: 2, height: 2, colorType: 0, bitDepth: 8, samples: [0, 128, 255, 17]),
                  width: 2, height: 2, expected: [0, 128, 255, 17].map { v in [Float](repeating: Float(v) / 255, count: 3) }, "gray 8")
        // 16-bit keeps full precision.
        let wide = [0, 0x1234, 65535, 40001]
        assertPNG(TestPNG.make(width: 4, height: 1, colorType: 0, bitDepth: 16, samples: wide),
                  width: 4, height: 1, expected: wide.map { v in [Float](repeating: Float(v) / 65535, count: 3) }, "gray 16")
        // 1, 2 and 4 bits, with widths that leave padding bits: levels scale to [0,1].
        for depth in [1, 2, 4] {
            let maxLevel = (1 << depth) - 1
            let samples = (0..<11 * 3).map { $0 * 7 % (maxLevel + 1) }
            assertPNG(TestPNG.make(width: 11, height: 3, colorType: 0, bitDepth: depth, samples: samples),
                      width: 11, height: 3, expected: samples.map { [Float](repeating: Float($0) / Float(maxLevel), count: 3) },
                      tolerance: 1e-6, "gray \(depth)")
        }
    }

    func testPNGColourAndAlpha() {
        let rgb8 = (0..<5 * 4 * 3).map { _ in Int.random(in: 0...255, using: &random) }
        assertPNG(TestPNG.make(width: 5, height: 4, colorType: 2, bitDepth: 8, samples: rgb8), width: 5, height: 4,
                  expected: stride(from: 0, to: rgb8.count, by: 3).map { i in rgb8[i..<i + 3].map { Float($0) / 255 } }, "RGB 8")
        let rgb16 = (0..<3 * 2 * 3).map { _ in Int.random(in: 0...65535, using: &random) }
        assertPNG(TestPNG.make(width: 3, height: 2, colorType: 2, bitDepth: 16, samples: rgb16), width: 3, height: 2,
                  expected: stride(from: 0, to: rgb16.count, by: 3).map { i in rgb16[i..<i + 3].map { Float($0) / 65535 } }, "RGB 16")

        // Alpha is composited over white: c·a + (1 − a).
        func over(_ c: Float, _ a: Float) -> Float { c * a + (1 - a) }
        let ga = [100, 255, 100, 0, 0, 128]  // (gray, alpha) × 3
        assertPNG(TestPNG.make(width: 3, height: 1, colorType: 4, bitDepth: 8, samples: ga), width: 3, height: 1,
                  expected: [[Float](repeating: 100 / 255, count: 3), [1, 1, 1], [Float](repeating: over(0, 128 / 255), count: 3)],
                  tolerance: 1e-6, "gray+alpha 8")
        let rgba8 = [255, 0, 0, 255, 0, 0, 255, 0, 0, 128, 255, 64]
        assertPNG(TestPNG.make(width: 3, height: 1, colorType: 6, bitDepth: 8, samples: rgba8), width: 3, height: 1,
                  expected: [[1, 0, 0], [1, 1, 1], [over(0, 64 / 255), over(128 / 255, 64 / 255), over(1, 64 / 255)]],
                  tolerance: 1e-6, "RGBA 8")
        let rgba16 = [65535, 0, 30000, 65535, 1000, 2000, 3000, 32768]
        assertPNG(TestPNG.make(width: 2, height: 1, colorType: 6, bitDepth: 16, samples: rgba16), width: 2, height: 1,
                  expected: [[1, 0, 30000 / 65535], [1000, 2000, 3000].map { over(Float($0) / 65535, 32768 / 65535) }],
                  tolerance: 1e-6, "RGBA 16")
    }

    func testPNGPaletteAndTRNS() {
        let palette: [UInt8] = [255, 0, 0, 0, 128, 0, 10, 20, 30]
        let colours: [[Float]] = [[1, 0, 0], [0, 128 / 255, 0], [10 / 255, 20 / 255, 30 / 255]]
        let indices = [0, 1, 2, 1, 0, 2, 2, 1, 0, 1]
        for depth in [8, 4, 2] {
            assertPNG(TestPNG.make(width: 5, height: 2, colorType: 3, bitDepth: depth, samples: indices, palette: palette),
                      width: 5, height: 2, expected: indices.map { colours[$0] }, "palette \(depth)-bit")
        }
        // tRNS: entry 0 fully transparent, entry 1 half transparent, entry 2 (no tRNS value) opaque.
        let alpha: Float = 128 / 255
        let withAlpha: [[Float]] = [[1, 1, 1], colours[1].map { $0 * alpha + 1 - alpha }, colours[2]]
        assertPNG(TestPNG.make(width: 5, height: 2, colorType: 3, bitDepth: 2, samples: indices, palette: palette, trns: [0, 128]),
                  width: 5, height: 2, expected: indices.map { withAlpha[$0] }, tolerance: 1e-6, "palette + tRNS")
        // Gray and RGB tRNS: one sample value means "transparent".
        assertPNG(TestPNG.make(width: 3, height: 1, colorType: 0, bitDepth: 8, samples: [128, 0, 127], trns: [0, 128]),
                  width: 3, height: 1, expected: [[1, 1, 1], [0, 0, 0], [Float](repeating: 127 / 255, count: 3)], "gray + tRNS")
        assertPNG(TestPNG.make(width: 2, height: 1, colorType: 2, bitDepth: 16, samples: [0, 0, 0, 1, 2, 3], trns: [0, 1, 0, 2, 0, 3]),
                  width: 2, height: 1, expected: [[0, 0, 0], [1, 1, 1]], "RGB 16 + tRNS")
    }

    func testInterlacedPNG() {
        let (w, h) = (13, 10)
        let samples = (0..<w * h * 3).map { _ in Int.random(in: 0...255, using: &random) }
        let expected = stride(from: 0, to: samples.count, by: 3).map { i in samples[i..<i + 3].map { Float($0) / 255 } }
        assertPNG(TestPNG.make(width: w, height: h, colorType: 2, bitDepth: 8, samples: samples, interlaced: true),
                  width: w, height: h, expected: expected, "Adam7 RGB")
        let gray = (0..<3 * 2).map { $0 % 2 }
        assertPNG(TestPNG.make(width: 3, height: 2, colorType: 0, bitDepth: 1, samples: gray, interlaced: true),
                  width: 3, height: 2, expected: gray.map { [Float](repeating: Float($0), count: 3) }, "Adam7 gray 1-bit")
    }

    func testBrokenPNGs() throws {
        let png = try ImageFile.encode(randomImage(width: 64, height: 64), as: .png)
        let path = directory + "/broken.png"

        TestFiles.write(path, Array(png.prefix(png.count * 6 / 10)))
        assertError([path, "truncated PNG"]) { _ = try ImageFile.read(path) }
        TestFiles.write(path, Array(png.prefix(5)))
        assertError([path, "truncated PNG", "only 5 bytes"]) { _ = try ImageFile.read(path) }
        TestFiles.write(path, Array(png.prefix(30)))  // ends inside IHDR's CRC
        assertError([path, "truncated PNG"]) { _ = try ImageFile.read(path) }

        // Only IEND missing: all the pixels are there, so it decodes.
        XCTAssertNoThrow(try ImageFile.read(data: Array(png.dropLast(12)), path: "noiend.png"))

        var badHeaderCRC = png
        badHeaderCRC[29] ^= 0xFF  // IHDR's CRC: signature 8 + length 4 + type 4 + data 13
        TestFiles.write(path, badHeaderCRC)
        assertError([path, "IHDR", "CRC"]) { _ = try ImageFile.read(path) }

        var badDataCRC = png
        badDataCRC[33 + 8 + 100] ^= 0x01  // a byte inside the first IDAT's data
        assertError(["IDAT", "CRC"]) { _ = try ImageFile.read(data: badDataCRC, path: "crc.png") }

        let zeroWidth = TestPNG.signature + TestPNG.chunk("IHDR", TestPNG.be32(0) + TestPNG.be32(4) + [8, 2, 0, 0, 0])
        assertError(["invalid PNG", "Invalid IHDR data", "width is zero"]) { _ = try ImageFile.read(data: zeroWidth, path: "zero.png") }
    }

    func testHugePNGHeaderIsRefusedBeforeAllocation() throws {
        // A 100000×100000 header with no pixel data: allocating it would take 120 GB.
        let huge = TestPNG.signature
            + TestPNG.chunk("IHDR", TestPNG.be32(100_000) + TestPNG.be32(100_000) + [8, 2, 0, 0, 0])
            + TestPNG.chunk("IDAT", TestPNG.zlibStored([0])) + TestPNG.chunk("IEND", [])
        let path = directory + "/huge.png"
        TestFiles.write(path, huge)
        let error = assertError([path, "100000×100000", "limit"]) { _ = try ImageFile.read(path) }
        XCTAssertEqual(error, .tooLarge(path: path, width: 100_000, height: 100_000, maxPixels: ImageFile.defaultMaxPixels))
        XCTAssertEqual(try ImageFile.probe(path).width, 100_000)

        // Within the pixel limit but over the per-side limit.
        let long = TestPNG.signature + TestPNG.chunk("IHDR", TestPNG.be32(70_000) + TestPNG.be32(2) + [8, 2, 0, 0, 0])
            + TestPNG.chunk("IDAT", TestPNG.zlibStored([0])) + TestPNG.chunk("IEND", [])
        assertError(["70000×2", "at most 65535"]) { _ = try ImageFile.read(data: long, path: "long.png") }

        // A caller's own limit.
        let small = try ImageFile.encode(randomImage(width: 20, height: 10), as: .png)
        XCTAssertEqual(try ImageFile.read(data: small, path: "s.png", maxPixels: 200).shape, [3, 10, 20])
        assertError(["20×10 = 200 pixels", "limit of 199"]) { _ = try ImageFile.read(data: small, path: "s.png", maxPixels: 199) }
    }

    // MARK: - JPEG

    func testJPEGRoundTrip() throws {
        let image = smoothImage(width: 64, height: 48)
        for (quality, maxError, meanError) in [(95, Float(0.03), Float(0.006)), (75, 0.08, 0.015)] {
            let path = directory + "/out\(quality).jpg"
            try ImageFile.write(image, to: path, quality: quality)
            let back = try ImageFile.read(path)
            XCTAssertEqual(back.shape, [3, 48, 64])
            let errors = zip(back.values, image.values).map { abs($0 - $1) }
            XCTAssertLessThan(errors.max()!, maxError, "quality \(quality)")
            XCTAssertLessThan(errors.reduce(0, +) / Float(errors.count), meanError, "quality \(quality)")

            // Chroma subsampling: 4:2:0 (luma 2×2) below 90, 4:4:4 (1×1) from 90.
            let bytes = TestFiles.read(path)!
            let sof = try XCTUnwrap(TestJPEG.sofOffset(bytes))
            XCTAssertEqual(bytes[sof + 1], 0xC0, "baseline")
            XCTAssertEqual(bytes[sof + 11], quality >= 90 ? 0x11 : 0x22, "quality \(quality)")
        }
        // Metadata becomes COM markers.
        let commented = try ImageFile.encode(image, as: .jpeg, metadata: [("Software", "stylize")])
        XCTAssertNotNil(commented.firstRange(of: [0xFF, 0xFE, 0x00, 0x13] + Array("Software: stylize".utf8)))
        // Quality is checked.
        assertError(["quality", "1 and 100", "0"]) { try ImageFile.write(image, to: self.directory + "/q.jpg", quality: 0) }
        assertError(["quality", "101"]) { _ = try ImageFile.encode(image, as: .jpeg, quality: 101) }
    }

    func testJPEGFixtures() throws {
        // Block centres, away from DCT ringing at the block edges.
        func centres(_ t: Tensor) -> [[Float]] { [pixel(t, 3, 3), pixel(t, 12, 3), pixel(t, 3, 12), pixel(t, 12, 12)] }

        let gray = try ImageFile.read(data: JPEGFixtures.bytes(JPEGFixtures.gray), path: "gray.jpg")
        XCTAssertEqual(gray.shape, [3, 16, 16])
        for (got, want) in zip(centres(gray), [64, 192, 64, 192] as [Float]) {
            assertClose(got, [want / 255, want / 255, want / 255], 0.02, "gray")
        }

        let progressive = try ImageFile.read(data: JPEGFixtures.bytes(JPEGFixtures.progressive), path: "p.jpg")
        XCTAssertEqual(progressive.shape, [3, 16, 16])
        for (got, want) in zip(centres(progressive), [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 1]] as [[Float]]) {
            assertClose(got, want, 0.03, "progressive")
        }

        // Adobe (inverted) CMYK: cyan, magenta / yellow, 50% black.
        let cmyk = try ImageFile.read(data: JPEGFixtures.bytes(JPEGFixtures.cmyk), path: "cmyk.jpg")
        XCTAssertEqual(cmyk.shape, [3, 16, 16])
        for (got, want) in zip(centres(cmyk), [[0, 1, 1], [1, 0, 1], [1, 1, 0], [0.5, 0.5, 0.5]] as [[Float]]) {
            assertClose(got, want, 0.03, "CMYK")
        }
    }

    func testEXIFOrientations() throws {
        // A 32×16 image with four flat 16×8 quadrants, at quality 100 (4:4:4) so colours survive.
        let (w, h) = (32, 16)
        let colours: [[Float]] = [[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]]  // TL, TR, BL, BR as stored
        let image = Tensor(shape: [3, h, w])
        for y in 0..<h {
            for x in 0..<w {
                let colour = colours[(y >= h / 2 ? 2 : 0) + (x >= w / 2 ? 1 : 0)]
                for c in 0..<3 { image[(c * h + y) * w + x] = colour[c] }
            }
        }
        let plain = try ImageFile.encode(image, as: .jpeg, quality: 100)

        // Where the stored TL, TR, BL, BR quadrants must appear, from the EXIF definition of each
        // value as (side shown by stored row 0, side shown by stored column 0):
        // 1 top/left, 2 top/right, 3 bottom/right, 4 bottom/left, 5 left/top, 6 right/top,
        // 7 right/bottom, 8 left/bottom.
        let placement: [UInt16: [String]] = [
            1: ["TL", "TR", "BL", "BR"], 2: ["TR", "TL", "BR", "BL"],
            3: ["BR", "BL", "TR", "TL"], 4: ["BL", "BR", "TL", "TR"],
            5: ["TL", "BL", "TR", "BR"], 6: ["TR", "BR", "TL", "BL"],
            7: ["BR", "TR", "BL", "TL"], 8: ["BL", "TL", "BR", "TR"],
        ]
        for orientation in UInt16(1)...8 {
            for bigEndian in [false, true] {
                let jpeg = TestJPEG.withOrientation(plain, orientation, bigEndian: bigEndian)
                let path = directory + "/o\(orientation).jpg"
                TestFiles.write(path, jpeg)
                let t = try ImageFile.read(path)
                let (dw, dh) = orientation >= 5 ? (h, w) : (w, h)
                XCTAssertEqual(t.shape, [3, dh, dw], "orientation \(orientation)")
                XCTAssertTrue(try ImageFile.probe(path) == (dw, dh), "orientation \(orientation)")
                let corners = ["TL": (2, 2), "TR": (dw - 3, 2), "BL": (2, dh - 3), "BR": (dw - 3, dh - 3)]
                for (stored, shown) in zip(colours, placement[orientation]!) {
                    let (x, y) = corners[shown]!
                    assertClose(pixel(t, x, y), stored, 0.02, "orientation \(orientation) (\(bigEndian ? "MM" : "II")) at \(shown)")
                }
            }
        }
        // Out-of-range values are ignored.
        let nine = try ImageFile.read(data: TestJPEG.withOrientation(plain, 9), path: "o9.jpg")
        XCTAssertEqual(nine.shape, [3, h, w])
    }

    /// PNG eXIf orientations 1–8, the chunk before or after the image data, either byte order: every
    /// pixel exactly where the EXIF definition puts it (8-bit levels decode exactly).
    func testPNGEXIFOrientations() throws {
        let (w, h) = (5, 3)
        let samples = (0..<w * h * 3).map { _ in Int.random(in: 0...255, using: &random) }
        let plain = TestPNG.make(width: w, height: h, colorType: 2, bitDepth: 8, samples: samples)
        func stored(_ x: Int, _ y: Int) -> [Float] { (0..<3).map { Float(samples[(y * w + x) * 3 + $0]) / 255 } }
        // The stored pixel shown at (x, y), from each value's definition (where stored row 0 and
        // column 0 are shown): 1 top/left, 2 top/right, 3 bottom/right, 4 bottom/left, 5 left/top,
        // 6 right/top, 7 right/bottom, 8 left/bottom.
        func source(_ orientation: UInt16, _ x: Int, _ y: Int) -> (Int, Int) {
            switch orientation {
            case 2: return (w - 1 - x, y)
            case 3: return (w - 1 - x, h - 1 - y)
            case 4: return (x, h - 1 - y)
            case 5: return (y, x)
            case 6: return (y, h - 1 - x)
            case 7: return (w - 1 - y, h - 1 - x)
            case 8: return (w - 1 - y, x)
            default: return (x, y)
            }
        }
        let chunks = TestPNG.chunks(plain)
        for orientation in UInt16(1)...8 {
            for (position, bigEndian) in [("before IDAT", false), ("after IDAT", true)] {
                let exif = TestPNG.chunk("eXIf", TestJPEG.exif(orientation: orientation, bigEndian: bigEndian))
                var png = TestPNG.signature
                for (type, data) in chunks {
                    if (type == "IDAT" && position == "before IDAT") || (type == "IEND" && position == "after IDAT") { png += exif }
                    png += TestPNG.chunk(type, data)
                }
                let (dw, dh) = orientation >= 5 ? (h, w) : (w, h)
                let expected = (0..<dw * dh).map { i -> [Float] in
                    let (sx, sy) = source(orientation, i % dw, i / dw)
                    return stored(sx, sy)
                }
                assertPNG(png, width: dw, height: dh, expected: expected, "orientation \(orientation), eXIf \(position)")
                let path = directory + "/o\(orientation).png"
                TestFiles.write(path, png)
                XCTAssertTrue(try ImageFile.probe(path) == (dw, dh), "probe, orientation \(orientation)")
            }
        }
        // An eXIf chunk with a wrong CRC is ignored, as libpng ignores damaged ancillary chunks.
        var damaged = TestPNG.chunk("eXIf", TestJPEG.exif(orientation: 6))
        damaged[damaged.count - 1] ^= 0xFF
        let withDamaged = Array(plain[..<33]) + damaged + Array(plain[33...])  // after signature (8) and IHDR (25)
        assertPNG(withDamaged, width: w, height: h, expected: (0..<w * h).map { stored($0 % w, $0 / w) }, "damaged eXIf")
    }

    /// A progressive JPEG with every scan but no final EOI decodes to exactly the pixels of the whole
    /// file; cut anywhere earlier, even between two complete scans, it is refused as truncated.
    func testProgressiveJPEGWithoutEOI() throws {
        let progressive = JPEGFixtures.bytes(JPEGFixtures.progressive)
        XCTAssertEqual(Array(progressive.suffix(2)), [0xFF, 0xD9])
        let whole = try ImageFile.read(data: progressive, path: "p.jpg")
        let withoutEOI = try ImageFile.read(data: Array(progressive.dropLast(2)), path: "noeoi.jpg")
        XCTAssertEqual(withoutEOI.shape, whole.shape)
        XCTAssertEqual(withoutEOI.values, whole.values)

        // Each SOS after the first starts a scan; cutting just before it leaves only complete scans.
        let scanStarts = (3..<progressive.count - 1).filter { progressive[$0] == 0xFF && progressive[$0 + 1] == 0xDA }
        XCTAssertGreaterThan(scanStarts.count, 2, "a progressive file has several scans")
        for start in scanStarts.dropFirst() {
            assertError(["truncated JPEG", "ends after \(start) bytes"]) { _ = try ImageFile.read(data: Array(progressive.prefix(start)), path: "cut.jpg") }
        }
        assertError(["truncated JPEG"]) { _ = try ImageFile.read(data: Array(progressive.dropLast(3)), path: "cut.jpg") }
    }

    func testBrokenJPEGs() throws {
        let jpeg = try ImageFile.encode(randomImage(width: 64, height: 64), as: .jpeg)
        let path = directory + "/broken.jpg"
        TestFiles.write(path, Array(jpeg.prefix(jpeg.count / 2)))
        assertError([path, "truncated JPEG"]) { _ = try ImageFile.read(path) }
        TestFiles.write(path, Array(jpeg.prefix(40)))  // inside the headers
        assertError([path, "truncated JPEG"]) { _ = try ImageFile.read(path) }
        assertError(["truncated JPEG", "only 2 bytes"]) { _ = try ImageFile.read(data: [0xFF, 0xD8], path: "two.jpg") }

        // Only the final EOI marker missing: every pixel is there, so it decodes.
        XCTAssertNoThrow(try ImageFile.read(data: Array(jpeg.dropLast(2)), path: "noeoi.jpg"))

        let progressive = JPEGFixtures.bytes(JPEGFixtures.progressive)
        assertError(["truncated JPEG"]) { _ = try ImageFile.read(data: Array(progressive.prefix(progressive.count - 40)), path: "p.jpg") }

        // A quantisation table numbered 7 (only 0–3 exist).
        let badTable: [UInt8] = [0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x07] + [UInt8](repeating: 1, count: 64) + [0xFF, 0xD9]
        assertError(["invalid JPEG", "DQT"]) { _ = try ImageFile.read(data: badTable, path: "g.jpg") }

        // A header claiming 60000×60000 is refused from the header alone.
        var huge = jpeg
        let sof = try XCTUnwrap(TestJPEG.sofOffset(huge))
        huge.replaceSubrange(sof + 5..<sof + 9, with: [0xEA, 0x60, 0xEA, 0x60])  // height, width = 60000
        TestFiles.write(path, huge)
        let error = assertError([path, "60000×60000", "limit"]) { _ = try ImageFile.read(path) }
        XCTAssertEqual(error, .tooLarge(path: path, width: 60_000, height: 60_000, maxPixels: ImageFile.defaultMaxPixels))
    }

    func testEveryTruncationAndCorruptionIsAnErrorNotACrash() throws {
        let png = try ImageFile.encode(randomImage(width: 9, height: 7), as: .png)
        let jpeg = try ImageFile.encode(smoothImage(width: 24, height: 16), as: .jpeg, quality: 80)
        let progressive = JPEGFixtures.bytes(JPEGFixtures.progressive)
        let iendStart = png.count - 12
        for (name, file, completeFrom) in [("png", png, iendStart), ("jpg", jpeg, jpeg.count - 2), ("progressive.jpg", progressive, progressive.count - 2)] {
            // Cut anywhere before the end of the pixel data: a StyleError; after it: decodes.
            for n in 0..<file.count {
                do {
                    _ = try ImageFile.read(data: Array(file.prefix(n)), path: name)
                    XCTAssertGreaterThanOrEqual(n, completeFrom, "\(name) cut to \(n) of \(file.count) bytes decoded")
                } catch let error as StyleError {
                    XCTAssertLessThan(n, completeFrom, "\(name) cut to \(n) bytes: \(error)")
                    if n >= 8 { XCTAssertTrue(error.description.contains("truncated"), "\(name) cut to \(n): \(error)") }
                }
            }
            // Random damage: any outcome but a crash (or a non-StyleError).
            var generator = SplitMix64(seed: 14)
            for _ in 0..<300 {
                var damaged = file
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    damaged[Int.random(in: 2..<damaged.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                do { _ = try ImageFile.read(data: damaged, path: name) } catch is StyleError {}
            }
        }
    }

    // MARK: - Reading errors and format detection

    func testReadErrors() throws {
        let missing = directory + "/missing.png"
        XCTAssertThrowsError(try ImageFile.read(missing)) { error in
            XCTAssertEqual(error as? StyleError, .io(path: missing, reason: "no such file"))
        }
        assertError([directory, "is a directory"]) { _ = try ImageFile.read(self.directory) }

        let empty = directory + "/empty.png"
        TestFiles.write(empty, [])
        XCTAssertThrowsError(try ImageFile.read(empty)) { error in
            XCTAssertEqual(error as? StyleError, .io(path: empty, reason: "file is empty"))
        }

        let text = directory + "/notes.png"
        TestFiles.write(text, Array("hello, this is not an image\n".utf8))
        assertError([text, "not an image file this reads (PNG, JPEG, WebP, HEIC/HEIF, AVIF, TIFF, GIF, BMP or .npy)", "text file"]) {
            _ = try ImageFile.read(text)
        }
        // A GIF named .png is read as a GIF (this one is cut short).
        assertError(["a.png", "truncated GIF"]) { _ = try ImageFile.read(data: Array("GIF89a\u{1}\u{0}".utf8), path: "a.png") }
        assertError(["not an image file this reads"]) { _ = try ImageFile.read(data: [0, 1, 2, 3, 0xFF, 0xFE], path: "b.png") }

        if getuid() != 0 {  // root can read anything
            let locked = directory + "/locked.png"
            TestFiles.write(locked, try ImageFile.encode(randomImage(width: 2, height: 2), as: .png))
            chmod(locked, 0)
            assertError([locked, "permission denied"]) { _ = try ImageFile.read(locked) }
        }
    }

    func testNPYImages() throws {
        // Detected by content: a .npy file named .png still reads.
        let image = Tensor(shape: [3, 2, 4], values: (0..<24).map { Float($0) * 0.37 - 2 })
        let path = directory + "/image.png"
        TestFiles.write(path, NPY.encode(image))
        let back = try ImageFile.read(path)
        XCTAssertEqual(back.shape, [3, 2, 4])
        XCTAssertEqual(back.values, image.values)
        XCTAssertTrue(try ImageFile.probe(path) == (4, 2))

        // Writing .npy keeps values exactly, unclamped.
        let out = directory + "/out.npy"
        try ImageFile.write(image, to: out)
        XCTAssertEqual(try NPY.read(out).values.map(\.bitPattern), image.values.map(\.bitPattern))

        assertError(["(3, H, W)", "(4, 2, 2)"]) { _ = try ImageFile.read(data: NPY.encode(Tensor(shape: [4, 2, 2])), path: "x.npy") }
        assertError(["(3, H, W)", "(3, 4)"]) { _ = try ImageFile.read(data: NPY.encode(Tensor(shape: [3, 4])), path: "x.npy") }
        assertError(["no pixels"]) { _ = try ImageFile.read(data: NPY.encode(Tensor(shape: [3, 0, 5])), path: "x.npy") }
        // The pixel limit applies before the data is even looked at.
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 9000, 9000), }"
        let header = Array((dict + String(repeating: " ", count: 118 - dict.count - 1) + "\n").utf8)
        let claim = NPY.magic + [1, 0, 118, 0] + header  // and no data at all
        let error = assertError(["9000×9000"]) { _ = try ImageFile.read(data: claim, path: "big.npy") }
        XCTAssertEqual(error, .tooLarge(path: "big.npy", width: 9000, height: 9000, maxPixels: ImageFile.defaultMaxPixels))
    }

    // MARK: - Writing

    func testWriteErrors() throws {
        let image = randomImage(width: 3, height: 2)
        assertError(["unsupported extension '.xcf'", ".png, .jpg, .jpeg, .webp or .npy"]) { try ImageFile.write(image, to: self.directory + "/a.xcf") }
        assertError(["'.bmp' files can be read but not written", ".png, .jpg, .jpeg, .webp or .npy"]) {
            try ImageFile.write(image, to: self.directory + "/a.bmp")
        }
        assertError(["no extension", ".png, .jpg, .jpeg, .webp or .npy"]) { try ImageFile.write(image, to: self.directory + "/a") }
        XCTAssertEqual(try ImageFile.outputFormat(for: "x/Y.JPEG"), .jpeg)
        XCTAssertEqual(try ImageFile.outputFormat(for: "y.Jpg"), .jpeg)

        assertError(["/no/such/dir/a.png", "does not exist"]) { try ImageFile.write(image, to: self.directory + "/no/such/dir/a.png") }
        let sub = directory + "/sub.png"
        mkdir(sub, 0o755)
        assertError([sub, "is a directory"]) { try ImageFile.write(image, to: sub) }
        assertError(["(3, H, W)"]) { try ImageFile.write(Tensor(shape: [1, 2, 2]), to: self.directory + "/one.png") }

        if getuid() != 0 {  // root ignores directory permissions
            let readOnly = directory + "/ro"
            mkdir(readOnly, 0o555)
            assertError([readOnly, "no permission"]) { try ImageFile.write(image, to: readOnly + "/a.png") }
        }
        XCTAssertEqual(TestFiles.entries(directory), ["ro", "sub.png"].filter { getuid() != 0 || $0 != "ro" })
    }

    // MARK: - AtomicFile

    func testAtomicWriteLeavesExistingFileWhenBodyThrows() throws {
        struct Interrupted: Error {}
        let path = directory + "/target.png"
        TestFiles.write(path, Array("old contents".utf8))
        var temporary = ""
        assertError([path, "Interrupted"]) {
            try AtomicFile.write(to: path) { tmp in
                temporary = tmp
                TestFiles.write(tmp, Array("half of the new".utf8))
                throw Interrupted()
            }
        }
        XCTAssertTrue(temporary.hasPrefix(directory + "/.target.png.tmp-"), temporary)
        XCTAssertEqual(TestFiles.read(path), Array("old contents".utf8))
        XCTAssertEqual(TestFiles.entries(directory), ["target.png"], "temporary file removed")

        // A StyleError from the body passes through unchanged.
        XCTAssertThrowsError(try AtomicFile.write(to: path) { _ in throw StyleError.invalidArgument("nope") }) { error in
            XCTAssertEqual(error as? StyleError, .invalidArgument("nope"))
        }
        XCTAssertEqual(TestFiles.read(path), Array("old contents".utf8))
    }

    func testAtomicWritePermissions() throws {
        let path = directory + "/new.npy"
        try AtomicFile.write(Array("fresh".utf8), to: path)
        XCTAssertEqual(TestFiles.read(path), Array("fresh".utf8))
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        let mask = umask(0o022)
        umask(mask)
        XCTAssertEqual(st.st_mode & 0o777, 0o666 & ~mask, "new files get 0666 minus the umask")

        chmod(path, 0o600)
        try AtomicFile.write(Array("replaced".utf8), to: path)
        XCTAssertEqual(TestFiles.read(path), Array("replaced".utf8))
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600, "a replaced file keeps its mode")
        XCTAssertEqual(TestFiles.entries(directory), ["new.npy"])

        // Relative paths work too (the temporary file sits in the current directory).
        let previous = FileManager.default.currentDirectoryPath
        XCTAssertEqual(chdir(directory), 0)
        defer { chdir(previous) }
        try AtomicFile.write(Array("here".utf8), to: "relative.png")
        XCTAssertEqual(TestFiles.read(directory + "/relative.png"), Array("here".utf8))
    }

    func testPendingTemporariesAreRemovedOnRequest() throws {
        let path = directory + "/interrupted.png"
        assertError([path, "rename"]) {
            try AtomicFile.write(to: path) { tmp in
                TestFiles.write(tmp, [1, 2, 3])
                XCTAssertEqual(access(tmp, F_OK), 0)
                // What the CLI's SIGINT handler does before _exit, from a real signal handler.
                let previous = signal(SIGUSR2) { _ in AtomicFile.removePendingTemporaries() }
                raise(SIGUSR2)
                signal(SIGUSR2, previous)
                XCTAssertEqual(access(tmp, F_OK), -1, "temporary file removed")
            }
        }
        XCTAssertEqual(TestFiles.entries(directory), [])
        XCTAssertEqual(AtomicFile.removePendingTemporaries(), 0, "nothing left registered")

        // Direct call, with an existing target that must survive.
        TestFiles.write(path, [4])
        assertError([path]) {
            try AtomicFile.write(to: path) { _ in XCTAssertEqual(AtomicFile.removePendingTemporaries(), 1) }
        }
        XCTAssertEqual(TestFiles.read(path), [4])
        XCTAssertEqual(TestFiles.entries(directory), ["interrupted.png"])
    }
}
