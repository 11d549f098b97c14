#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import XCTest

/// ImageFile.readMetadata reads back what write(metadata:) stored, and refuses incomplete files.
final class ImageMetadataTests: XCTestCase {
    let records = [("Software", "stylize 0.1.0"), ("stylize:styles", "a.png\nb.png"), ("stylize:content", "Gogh – Sternennacht.png"),
                   ("stylize:note", "key: value with colon")]

    func image() -> Tensor {
        let t = Tensor(shape: [3, 9, 13])
        for i in 0..<t.count { t[i] = Float(i % 17) / 16 }
        return t
    }

    func temporary(_ name: String) -> String { NSTemporaryDirectory() + "/image-metadata-\(getpid())-" + name }

    func testPNGJPEGAndWebPRoundTripInOrder() throws {
        for name in ["m.png", "m.jpg", "m.webp"] {
            let path = temporary(name)
            defer { unlink(path) }
            try ImageFile.write(image(), to: path, metadata: records)
            let read = try ImageFile.readMetadata(path)
            XCTAssertEqual(read.map(\.key), records.map(\.0), name)
            XCTAssertEqual(read.map(\.value), records.map(\.1), name)
        }
    }

    func testNoRecords() throws {
        let path = temporary("plain.png")
        defer { unlink(path) }
        try ImageFile.write(image(), to: path)
        XCTAssertEqual(try ImageFile.readMetadata(path).count, 0)
    }

    func testIncompleteOrForeignFilesAreRefused() throws {
        let webpSize = try ImageFile.encode(image(), as: .webp, metadata: records).count
        for (name, reason) in [("cut.png", "incomplete PNG (no IEND chunk at the end)"), ("cut.jpg", "incomplete JPEG (no EOI marker at the end)"),
                               ("cut.webp", "incomplete WebP (its RIFF header announces \(webpSize) bytes, the file has \(webpSize - 5))")] {
            let path = temporary(name)
            defer { unlink(path) }
            let format: ImageFile.Format = name.hasSuffix("png") ? .png : name.hasSuffix("jpg") ? .jpeg : .webp
            var bytes = try ImageFile.encode(image(), as: format, metadata: records)
            bytes.removeLast(5)
            try AtomicFile.write(bytes, to: path)
            XCTAssertThrowsError(try ImageFile.readMetadata(path)) { error in
                XCTAssertEqual(error as? StyleError, .decode(path: path, reason: reason))
            }
        }
        let npy = temporary("x.npy")
        defer { unlink(npy) }
        try ImageFile.write(image(), to: npy)
        XCTAssertThrowsError(try ImageFile.readMetadata(npy)) { error in
            XCTAssertEqual(error as? StyleError, .decode(path: npy, reason: "not a PNG, JPEG or WebP file, so it holds no stylize records"))
        }
        XCTAssertThrowsError(try ImageFile.readMetadata(temporary("missing.png"))) { error in
            guard case .io = error as? StyleError else { return XCTFail("\(error)") }
        }
    }
}
