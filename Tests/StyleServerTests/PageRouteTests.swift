import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PNGTestSupport
import StyleIO
import XCTest
@testable import StyleServer

/// The routes the page needs besides the stylize API: the bundled styles and POST /v1/decode.
final class PageRouteTests: XCTestCase {
    static let bundledNames = ["strokes", "mosaic", "waves", "dots", "marble", "shards"]

    func get(_ service: StyleService, _ uris: [String], headers: HTTPFields = [:]) async throws -> [TestResponse] {
        try await service.makeApplication().test(.router) { client in
            var responses: [TestResponse] = []
            for uri in uris { responses.append(try await client.execute(uri: uri, method: .get, headers: headers)) }
            return responses
        }
    }

    func decode(_ service: StyleService, _ form: Form, headers: HTTPFields = Form.headers) async throws -> TestResponse {
        try await service.makeApplication().test(.router) { client in
            try await client.execute(uri: "/v1/decode", method: .post, headers: headers, body: form.body)
        }
    }

    func testStylesAreListedAndEachImageAndThumbnailDecodesAtItsListedSize() async throws {
        let service = try makeService()
        let list = try await get(service, ["/v1/styles"])[0]
        XCTAssertEqual(list.status, .ok)
        XCTAssertEqual(list.headers[.contentType], "application/json")
        let listing = try JSONDecoder().decode(BundledStyles.Listing.self, from: Data(list.body.readableBytesView))
        XCTAssertEqual(listing.styles.map(\.name), Self.bundledNames)
        for style in listing.styles {
            XCTAssertEqual(style.image, "/v1/styles/\(style.name)")
            XCTAssertEqual(style.thumbnail, "/v1/styles/\(style.name)/thumbnail")
            XCTAssertEqual(style.file, "\(style.name).jpg")
            let responses = try await get(service, [style.image, style.thumbnail])
            for response in responses {
                XCTAssertEqual(response.status, .ok, style.name)
                XCTAssertEqual(response.headers[.contentType], "image/jpeg", style.name)
            }
            XCTAssertEqual(responses[0].headers[.contentDisposition], "inline; filename=\"\(style.file)\"")
            let image = try ImageFile.read(data: responses[0].bytes, path: style.file)
            XCTAssertEqual(image.shape, [3, style.height, style.width], style.name)
            let thumbnail = try ImageFile.read(data: responses[1].bytes, path: style.name)
            XCTAssertEqual(max(thumbnail.shape[1], thumbnail.shape[2]), 128, style.name)
        }
    }

    func testUnknownStyleIs404NamingTheBundledStyles() async throws {
        let responses = try await get(try makeService(), ["/v1/styles/nope", "/v1/styles/nope/thumbnail", "/v1/styles/%C3%A9%0A"])
        for response in responses { XCTAssertEqual(response.status, .notFound) }
        XCTAssertEqual(responses[0].error, .init(error: "no bundled style 'nope'; the bundled styles are \(Self.bundledNames.joined(separator: ", ")) (GET /v1/styles)", field: "name"))
        XCTAssertEqual(responses[1].error?.error, responses[0].error?.error)
        XCTAssertTrue(responses[2].error?.error.hasPrefix("no bundled style '%C3%A9, '") ?? false, "\(String(describing: responses[2].error))")
    }

    func testABundledStyleUploadedAsAStylePartStylises() async throws {
        let service = try makeService { $0.maxPixels = 384 * 384 }
        let style = try await get(service, ["/v1/styles/mosaic"])[0]
        var form = Form()
        form.file("content", "photo.png", try pngImage(width: 40, height: 24, seed: 1))
        form.file("style", "mosaic.jpg", style.bytes)
        form.text("style_size", "32")
        let body = form.body
        let response = try await service.makeApplication().test(.router) { client in
            try await client.execute(uri: "/v1/stylize", method: .post, headers: Form.headers, body: body)
        }
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Styles")!], "mosaic.jpg")
        XCTAssertEqual(try ImageFile.read(data: response.bytes, path: "r.png").shape, [3, 24, 40])
    }

    func testStylesNeedNoTokenButDecodeDoes() async throws {
        let service = try makeService { $0.token = "0123456789abcdef0123" }
        let open = try await get(service, ["/v1/styles", "/v1/styles/waves", "/v1/styles/waves/thumbnail"])
        XCTAssertEqual(open.map(\.status), [.ok, .ok, .ok])
        var form = Form()
        form.file("image", "a.png", try pngImage(width: 8, height: 8, seed: 0))
        let closed = try await decode(service, form)
        XCTAssertEqual(closed.status, .unauthorized)
        XCTAssertTrue(BearerTokenMiddleware<BasicRequestContext>.isOpen("/v1/styles/mosaic"))
        XCTAssertFalse(BearerTokenMiddleware<BasicRequestContext>.isOpen("/v1/stylesheet"))
    }

    func testDecodeReturnsTheImageAsJPEGWithAlphaOnWhite() async throws {
        // 20×10 RGBA: the left half opaque red, the right half fully transparent.
        var samples: [Int] = []
        for _ in 0..<10 { for x in 0..<20 { samples += x < 10 ? [255, 0, 0, 255] : [0, 0, 255, 0] } }
        var form = Form()
        form.file("image", "photo.png", TestPNG.make(width: 20, height: 10, colorType: 6, bitDepth: 8, samples: samples))
        let response = try await decode(try makeService(), form)
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers[.contentType], "image/jpeg")
        XCTAssertEqual(Array(response.bytes.prefix(3)), [0xFF, 0xD8, 0xFF])
        let image = try ImageFile.read(data: response.bytes, path: "d.jpg")
        XCTAssertEqual(image.shape, [3, 10, 20])
        let plane = 10 * 20
        func pixel(_ x: Int, _ y: Int) -> [Float] { (0..<3).map { image.data[$0 * plane + y * 20 + x] } }
        for (value, expected) in zip(pixel(2, 5), [Float(1), 0, 0]) { XCTAssertEqual(value, expected, accuracy: 0.06) }
        for value in pixel(17, 5) { XCTAssertEqual(value, 1, accuracy: 0.03) }  // transparent → white, not blue
    }

    func testDecodeShrinksToTheDisplaySize() async throws {
        let service = try makeService { $0.maxPixels = 2048 * 2048 }
        var form = Form()
        form.file("image", "wide.png", try pngImage(width: 2000, height: 100, seed: 2))
        let response = try await decode(service, form)
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(try ImageFile.read(data: response.bytes, path: "d.jpg").shape, [3, 51, 1024])
    }

    func testDecodeErrorsAre4xxNamingThePart() async throws {
        let service = try makeService()
        var corrupt = Form()
        corrupt.file("image", "broken.png", TestPNG.signature + Array(" not really a PNG".utf8))
        let bad = try await decode(service, corrupt)
        XCTAssertEqual(bad.status, .badRequest)
        XCTAssertEqual(bad.error?.field, "image")
        XCTAssertTrue(bad.error?.error.hasPrefix("broken.png: cannot decode") ?? false, "\(String(describing: bad.error))")

        var extra = Form()
        extra.file("image", "a.png", try pngImage(width: 8, height: 8, seed: 0))
        extra.text("size", "64")
        let other = try await decode(service, extra)
        XCTAssertEqual(other.error, .init(error: "size is not a field of /v1/decode; send one 'image' file part", field: "size"))

        var twice = Form()
        twice.file("image", "a.png", try pngImage(width: 8, height: 8, seed: 0))
        twice.file("image", "b.png", try pngImage(width: 8, height: 8, seed: 0))
        let two = try await decode(service, twice)
        XCTAssertEqual(two.error, .init(error: "give one image, not several", field: "image"))

        var empty = Form()
        empty.file("image", "a.png", [])
        let none = try await decode(service, empty)
        XCTAssertEqual(none.error, .init(error: "a non-empty 'image' file part is required", field: "image"))

        var large = Form()
        large.file("image", "big.png", try pngImage(width: 200, height: 200, seed: 0))
        let tooLarge = try await decode(service, large)  // the test server's limit is 128×128 pixels
        XCTAssertEqual(tooLarge.status, .contentTooLarge)
        XCTAssertEqual(tooLarge.error?.field, "image")

        let notForm = try await decode(service, corrupt, headers: [.contentType: "image/png"])
        XCTAssertEqual(notForm.status, .unsupportedMediaType)
    }
}
