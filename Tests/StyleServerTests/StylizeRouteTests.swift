import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PNGTestSupport
import StyleCore
import StyleIO
import XCTest
@testable import StyleServer

/// POST /v1/stylize: every status code it can answer, with the exact messages and fields.
final class StylizeRouteTests: XCTestCase {
    func form(content: [UInt8]? = nil, styles: Int = 1, _ options: [(String, String)] = []) throws -> Form {
        var form = Form()
        form.file("content", "photo.png", try content ?? pngImage(width: 40, height: 24, seed: 1))
        for i in 0..<styles { form.file("style", "style\(i).png", try pngImage(width: 24, height: 24, seed: Float(5 + i))) }
        for (name, value) in options { form.text(name, value) }
        return form
    }

    func post(_ service: StyleService, _ form: Form, headers: HTTPFields = Form.headers, uri: String = "/v1/stylize") async throws -> TestResponse {
        let app = service.makeApplication()
        return try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: headers, body: form.body)
        }
    }

    func testTransformerReturnsPNGWithMetadataInFileAndHeaders() async throws {
        let service = try makeService()
        let response = try await post(service, try form([("size", "32"), ("style_size", "16")]))
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers[.contentType], "image/png")
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Mode")!], "transformer")
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Size")!], "32x19")
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Content")!], "photo.png")
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Style-Size")!], "16")
        let image = try ImageFile.read(data: response.bytes, path: "result.png")
        XCTAssertEqual(image.shape, [3, 19, 32])
        let text = TestPNG.chunks(response.bytes).filter { $0.0 == "tEXt" }.map { String(decoding: $0.1, as: UTF8.self) }
        XCTAssertTrue(text.contains("stylize:mode\0transformer"), "\(text)")
        XCTAssertTrue(text.contains("stylize:styles\0style0.png"), "\(text)")
    }

    func testJPEGFormatAndRepeatedStyleHitsTheCache() async throws {
        let service = try makeService()
        let first = try await post(service, try form([("format", "jpg"), ("quality", "90"), ("style_size", "24")]))
        let second = try await post(service, try form([("format", "jpg"), ("quality", "90"), ("style_size", "24")]))
        XCTAssertEqual(first.status, .ok)
        XCTAssertEqual(first.headers[.contentType], "image/jpeg")
        XCTAssertEqual(try ImageFile.read(data: first.bytes, path: "r.jpg").shape, [3, 24, 40])
        XCTAssertEqual(first.bytes, second.bytes, "the cached style must give the same image")
        let counts = service.engine.styles.counts
        XCTAssertEqual([counts.hits, counts.misses, counts.entries], [1, 1, 1])
        // Another style size is another entry.
        _ = try await post(service, try form([("style_size", "16")]))
        XCTAssertEqual(service.engine.styles.counts.misses, 2)
    }

    func testBadOptionsGive400WithTheField() async throws {
        let service = try makeService()
        let cases: [([(String, String)], String, String)] = [
            ([("alpha", "1.5")], "alpha must be between 0 and 1, not 1.5", "alpha"),
            ([("colour", "red")], "colour is not an option; the options are \(OptionFields.names.joined(separator: ", "))", "colour"),
            ([("size", "big")], "size must be a whole number of pixels, not 'big'", "size"),
            ([("size", "8")], "size must be between 16 and 16384 pixels, not 8", "size"),
            ([("mode", "fast")], "mode must be auto, transformer or gram, not 'fast'", "mode"),
            ([("style_blend", "1,2")], "style_blend needs one weight per style image (1), not 2", "style_blend"),
            ([("mode", "gram"), ("alpha", "0.5")], "alpha works in transformer mode only, and Gram mode runs (mode gram); weigh style with style_weight instead", "alpha"),
            ([("max_pixels", "100")], "max_pixels is the server's limit (see /v1/info), not a request option", "max_pixels"),
            ([("format", "gif")], "format must be png, jpg or webp, not 'gif'", "format"),
            ([("alpha", "0.5"), ("alpha", "0.6")], "alpha is given twice", "alpha"),
        ]
        for (options, message, field) in cases {
            let response = try await post(service, try form(options))
            XCTAssertEqual(response.status, .badRequest, "\(options)")
            XCTAssertEqual(response.headers[.contentType], "application/json")
            XCTAssertEqual(response.error?.field, field, "\(options)")
            XCTAssertEqual(response.error?.error, message)
        }
    }

    func testPrecisionBF16RunsOrIsRefusedAs400() async throws {
        let response = try await post(try makeService(), try form([("precision", "bf16"), ("size", "32"), ("style_size", "16")]))
        guard Precision.bf16.unavailability(on: .current) != nil else {
            XCTAssertEqual(response.status, .ok)
            let text = TestPNG.chunks(response.bytes).filter { $0.0 == "tEXt" }.map { String(decoding: $0.1, as: UTF8.self) }
            return XCTAssertTrue(text.contains("stylize:precision\0bf16"), "\(text)")
        }
        XCTAssertEqual(response.status, .badRequest)
        XCTAssertEqual(response.error?.field, "precision")
        XCTAssertTrue(response.error?.error.hasPrefix("precision bf16 needs a CPU with AVX512-BF16") ?? false, "\(String(describing: response.error))")
    }

    func testBadImagesGive400NamingThePart() async throws {
        let service = try makeService()
        let corrupt = try await post(service, try form(content: Array("not an image at all".utf8)))
        XCTAssertEqual(corrupt.status, .badRequest)
        XCTAssertEqual(corrupt.error?.field, "content")
        XCTAssertTrue(corrupt.error?.error.hasPrefix("photo.png: cannot decode: ") ?? false, "\(String(describing: corrupt.error))")

        var noStyle = Form()
        noStyle.file("content", "a.png", try pngImage(width: 16, height: 16, seed: 0))
        let missing = try await post(service, noStyle)
        XCTAssertEqual(missing.status, .badRequest)
        XCTAssertEqual(missing.error, .init(error: "at least one non-empty 'style' file part is required", field: "style"))
    }

    func testImageTooSmallForTheEngineIs400NamingTheUploadAndTheFix() async throws {
        let response = try await post(try makeService(), try form([("size", "20")]))
        XCTAssertEqual(response.status, .badRequest)
        XCTAssertEqual(response.error, .init(error: "photo.png is 40×24, used at 20×12: too small, each side must be at least 16 px there; set size to at least 27",
                                             field: "content"))
    }

    func testNotMultipartIs415AndBrokenBodyIs400() async throws {
        let service = try makeService()
        let json = try await post(service, try form(), headers: [.contentType: "application/json"])
        XCTAssertEqual(json.status, .unsupportedMediaType)
        var cut = try form().body
        cut.moveWriterIndex(to: cut.writerIndex - 40)
        let truncated = cut
        let app = service.makeApplication()
        let response = try await app.test(.router) { client in
            try await client.execute(uri: "/v1/stylize", method: .post, headers: Form.headers, body: truncated)
        }
        XCTAssertEqual(response.status, .badRequest)
        XCTAssertEqual(response.error?.error, "the multipart/form-data body ends inside a part (truncated upload?)")
        // One request with a non-ASCII part-header name used to trap in MultipartKit and stop the server.
        let evil = ByteBuffer(string: "--\(Form.boundary)\r\n\u{e9}: x\r\n\r\nabc\r\n--\(Form.boundary)--\r\n")
        let refused = try await app.test(.router) { client in
            try await client.execute(uri: "/v1/stylize", method: .post, headers: Form.headers, body: evil)
        }
        XCTAssertEqual(refused.status, .badRequest)
        XCTAssertEqual(refused.error?.error, "a multipart part header name has a non-ASCII byte (header names are ASCII tokens, RFC 7578)")
    }

    func testUploadOverTheLimitIs413() async throws {
        let service = try makeService { $0.maxUploadBytes = 2048 }
        let big = try form(content: [UInt8](repeating: 7, count: 4096))
        var headers = Form.headers
        headers[.contentLength] = "\(big.body.readableBytes)"
        let declared = try await post(service, big, headers: headers)
        XCTAssertEqual(declared.status, .contentTooLarge)
        XCTAssertEqual(declared.error?.error, "the upload is larger than this server's limit of 0 MiB (--max-upload-mb)")
        let streamed = try await post(service, big)  // no Content-Length: counted while reading
        XCTAssertEqual(streamed.status, .contentTooLarge)
    }

    func testImageOverThePixelLimitIs413BeforeDecoding() async throws {
        // A PNG announcing 60000×60000 pixels with no pixel data: refused from the header.
        let header = TestPNG.signature + TestPNG.chunk("IHDR", TestPNG.be32(60000) + TestPNG.be32(60000) + [8, 2, 0, 0, 0])
            + TestPNG.chunk("IDAT", []) + TestPNG.chunk("IEND", [])
        let response = try await post(try makeService(), try form(content: header))
        XCTAssertEqual(response.status, .contentTooLarge)
        XCTAssertEqual(response.error, .init(error: "photo.png: image is 60000×60000 = 3600000000 pixels, more than the limit of 16384", field: "content"))
    }

    func testResultOverThePixelLimitIs422() async throws {
        let response = try await post(try makeService(), try form([("size", "1024")]))
        XCTAssertEqual(response.status, .unprocessableContent)
        XCTAssertEqual(response.error?.field, "size")
        XCTAssertEqual(response.error?.error, "the result at size 1024 would have 628736 pixels, more than this server's limit of 16384; lower size")
    }

    func testTransformerWithoutWeightsAndLongGramAre422() async throws {
        let service = try makeService(transformer: false) { $0.synchronousGramBudget = 1000 }
        let transformer = try await post(service, try form([("mode", "transformer")]))
        XCTAssertEqual(transformer.status, .unprocessableContent)
        XCTAssertEqual(transformer.error?.field, "mode")
        let long = try await post(service, try form([("mode", "gram"), ("size", "32"), ("steps", "10"), ("multiscale", "off")]))
        XCTAssertEqual(long.status, .unprocessableContent)
        XCTAssertEqual(long.error?.field, "mode")
        XCTAssertTrue(long.error?.error.contains("POST the same form to /v1/jobs") ?? false)
        let tooMany = try await post(service, try form([("mode", "gram"), ("size", "32"), ("steps", "2001"), ("multiscale", "off")]))
        XCTAssertEqual(tooMany.error, .init(error: "the Gram passes add up to 2001 steps, more than this server's limit of 2000; lower steps or multiscale", field: "steps"))
    }

    func testShortGramRunsSynchronously() async throws {
        let service = try makeService(transformer: false)
        let response = try await post(service, try form([("size", "48"), ("steps", "2"), ("multiscale", "off")]))
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers[HTTPField.Name("X-Stylize-Mode")!], "gram")
        XCTAssertEqual(try ImageFile.read(data: response.bytes, path: "r.png").shape, [3, 29, 48])
    }
}
