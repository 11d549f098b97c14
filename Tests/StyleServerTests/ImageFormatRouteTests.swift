import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import ImageFixtures
import StyleIO
import XCTest
@testable import StyleServer

/// POST /v1/stylize with the read-only formats as uploads and WebP as the result.
final class ImageFormatRouteTests: XCTestCase {
    func post(_ service: StyleService, content: (String, [UInt8]), style: (String, [UInt8]), _ options: [(String, String)] = []) async throws -> TestResponse {
        var form = Form()
        form.file("content", content.0, content.1)
        form.file("style", style.0, style.1)
        for (name, value) in options { form.text(name, value) }
        let body = form.body
        let app = service.makeApplication()
        return try await app.test(.router) { client in
            try await client.execute(uri: "/v1/stylize", method: .post, headers: Form.headers, body: body)
        }
    }

    func testHEICAndWebPUploadsGiveAWebPResultWithItsRecords() async throws {
        let service = try makeService()
        let response = try await post(service, content: ("photo.heic", ImageFixtures.bytes("heic-irot.heic")),
                                      style: ("style.webp", ImageFixtures.bytes("webp-lossy.webp")),
                                      [("format", "webp"), ("quality", "100"), ("size", "24"), ("style_size", "24")])
        XCTAssertEqual(response.status, .ok, String(decoding: response.bytes, as: UTF8.self))
        XCTAssertEqual(response.headers[.contentType], "image/webp")
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Content")!], "photo.heic")
        // The HEIC's irot turns its 12×8 pixels to 8×12: the result is 16×24 at size 24.
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Size")!], "16x24")
        XCTAssertEqual(try ImageFile.detectFormat(response.bytes, path: "r"), .webp)
        XCTAssertEqual(try ImageFile.read(data: response.bytes, path: "r.webp").shape, [3, 24, 16])
        let path = NSTemporaryDirectory() + "/route-\(getpid()).webp"
        defer { unlink(path) }
        try AtomicFile.write(response.bytes, to: path)
        let records = try ImageFile.readMetadata(path)
        XCTAssertEqual(records.first { $0.key == "stylize:content" }?.value, "photo.heic")
        XCTAssertEqual(records.first { $0.key == "stylize:styles" }?.value, "style.webp")
    }

    func testEveryFormatUploads() async throws {
        let service = try makeService()
        for name in ImageFixtures.oneOfEach {
            let response = try await post(service, content: (name, ImageFixtures.bytes(name)), style: (name, ImageFixtures.bytes(name)),
                                          [("size", "24"), ("style_size", "24")])
            XCTAssertEqual(response.status, .ok, "\(name): \(String(decoding: response.bytes, as: UTF8.self))")
            XCTAssertEqual(response.headers[.contentType], "image/png", name)
        }
    }

    func testTruncatedAndCorruptUploadsGive400NamingThePart() async throws {
        let service = try makeService()
        let labels = ["webp": "WebP", "heic": "HEIF", "avif": "AVIF", "tif": "TIFF", "gif": "GIF", "bmp": "BMP"]
        for name in ImageFixtures.oneOfEach {
            let file = ImageFixtures.bytes(name)
            let label = labels[String(name.split(separator: ".").last!)]!
            var corrupt = file
            for i in stride(from: corrupt.count / 2, to: corrupt.count, by: 1) { corrupt[i] = 0xFF }
            for (kind, bytes) in [("truncated", Array(file.prefix(file.count / 2))), ("corrupt", Array(corrupt.prefix(file.count * 3 / 4)))] {
                let photo = try await post(service, content: (name, bytes), style: ("style.gif", ImageFixtures.bytes("gif-plain.gif")),
                                           [("size", "24"), ("style_size", "24")])
                XCTAssertEqual(photo.status, .badRequest, "\(kind) \(name)")
                XCTAssertEqual(photo.error?.field, "content", "\(kind) \(name)")
                let message = photo.error?.error ?? ""
                XCTAssertTrue(message.hasPrefix("\(name): cannot decode: ") && message.contains(label), "\(kind) \(name): \(message)")
                let style = try await post(service, content: ("photo.bmp", ImageFixtures.bytes("bmp-24.bmp")), style: (name, bytes),
                                           [("size", "24"), ("style_size", "24")])
                XCTAssertEqual(style.status, .badRequest, "\(kind) \(name) as style")
                XCTAssertEqual(style.error?.field, "style", "\(kind) \(name) as style")
            }
        }
    }
}
