import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import GramStyle
import StyleCore
import StyleIO
import StyleTransfer
import XCTest
@testable import StyleServer

/// Health, readiness, info, metrics, the page, the contract and the bearer token.
final class ServiceRouteTests: XCTestCase {
    func testHealthReadyInfoAndPage() async throws {
        let service = try makeService()
        try await service.makeApplication().test(.router) { client in
            let health = try await client.execute(uri: "/v1/health", method: .get)
            XCTAssertEqual(String(buffer: health.body), "{\"status\":\"ok\"}")
            let ready = try await client.execute(uri: "/v1/ready", method: .get)
            XCTAssertEqual(ready.status, .ok)
            let info = try await client.execute(uri: "/v1/info", method: .get)
            let decoded = try JSONDecoder().decode(ServiceInfo.self, from: Data(info.body.readableBytesView))
            XCTAssertEqual(decoded.modes, ["transformer", "gram"])
            XCTAssertEqual(decoded.limits.workers, 1)
            XCTAssertEqual(decoded.limits.max_pixels, 128 * 128)
            XCTAssertFalse(decoded.auth)
            let blas = try BLAS.load()
            XCTAssertEqual([decoded.blas_core, decoded.blas_core_reason], [blas.core, blas.reason])
            XCTAssertEqual(decoded.weights.map(\.model), ["stytr2"])
            XCTAssertEqual(decoded.weights.first?.sha256, try sha256Hex(file: service.engine.transformer!.weights!.path))
            let page = try await client.execute(uri: "/", method: .get)
            XCTAssertEqual(page.headers[.contentType], "text/html; charset=utf-8")
            XCTAssertTrue(String(buffer: page.body).contains("<script src=\"app.js\""))
            let missing = try await client.execute(uri: "/nothing", method: .get)
            XCTAssertEqual(missing.status, .notFound)
        }
    }

    func testOpenAPIDocumentNamesEveryRoute() async throws {
        let service = try makeService()
        let body = try await service.makeApplication().test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get).body
        }
        let document = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        XCTAssertEqual(document?["openapi"] as? String, "3.1.0")
        let paths = (document?["paths"] as? [String: Any])?.keys.sorted()
        XCTAssertEqual(paths, ["/", "/metrics", "/openapi.json", "/v1/decode", "/v1/health", "/v1/info", "/v1/jobs", "/v1/jobs/{id}",
                               "/v1/jobs/{id}/events", "/v1/jobs/{id}/result", "/v1/ready", "/v1/styles", "/v1/styles/{name}",
                               "/v1/styles/{name}/thumbnail", "/v1/stylize"])
        // The form the contract describes is the one the server reads: every option field, with the library's choices.
        for route in ["/v1/stylize", "/v1/jobs"] {
            let post = ((document?["paths"] as? [String: Any])?[route] as? [String: Any])?["post"] as? [String: Any]
            let content = ((post?["requestBody"] as? [String: Any])?["content"] as? [String: Any])?["multipart/form-data"] as? [String: Any]
            let properties = (content?["schema"] as? [String: Any])?["properties"] as? [String: [String: Any]] ?? [:]
            XCTAssertEqual(Set(properties.keys), Set(OptionFields.names + ["content", "style"]).subtracting(["max_pixels"]), route)
            let enums: [String: [String]] = [
                "mode": StyleMode.allCases.map(\.rawValue), "preserve_color": ColorPreservation.allCases.map(\.rawValue),
                "metric": DistanceMetric.allCases.map(\.rawValue), "optimizer": GramOptions.Optimizer.allCases.map(\.rawValue),
                "init_from": GramOptions.Initialization.allCases.map(\.rawValue), "loss_scale": LossScale.allCases.map(\.rawValue),
                "style_loss": StyleLossKind.allCases.map(\.rawValue), "precision": Precision.allCases.map(\.rawValue),
            ]
            for (field, values) in enums { XCTAssertEqual(properties[field]?["enum"] as? [String], values, "\(route) \(field)") }
        }
    }

    func testMetricsCountRequestsByRouteAndStatus() async throws {
        let service = try makeService()
        let text = try await service.makeApplication().test(.router) { client in
            _ = try await client.execute(uri: "/v1/health", method: .get)
            _ = try await client.execute(uri: "/v1/jobs/x", method: .get)
            return String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
        }
        XCTAssertTrue(text.contains(#"stylize_http_requests_total{method="GET",path="/v1/health",status="200"} 1"#), text)
        XCTAssertTrue(text.contains(#"stylize_http_requests_total{method="GET",path="/v1/jobs/{id}",status="404"} 1"#), text)
        XCTAssertTrue(text.contains("stylize_queue_depth 0"), text)
        XCTAssertTrue(text.contains(#"stylize_jobs{state="running"} 0"#), text)
        XCTAssertTrue(text.contains("stylize_http_request_duration_seconds_bucket"), text)
    }

    func testTokenIsRequiredExceptForHealthAndThePage() async throws {
        let token = "0123456789abcdef0123"
        let service = try makeService { $0.token = token }
        try await service.makeApplication().test(.router) { client in
            let none = try await client.execute(uri: "/v1/info", method: .get)
            XCTAssertEqual(none.status, .unauthorized)
            XCTAssertEqual(none.headers[.wwwAuthenticate], "Bearer")
            XCTAssertEqual(none.error?.error, "this server needs 'Authorization: Bearer <token>'")
            let wrong = try await client.execute(uri: "/v1/stylize", method: .post, headers: [.authorization: "Bearer nope"])
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertEqual(wrong.error?.error, "the bearer token is wrong")
            let right = try await client.execute(uri: "/v1/info", method: .get, headers: [.authorization: "Bearer \(token)"])
            XCTAssertEqual(right.status, .ok)
            for open in ["/v1/health", "/", "/openapi.json", "/v1/styles", "/v1/styles/mosaic"] {
                let response = try await client.execute(uri: open, method: .get)
                XCTAssertEqual(response.status, .ok, open)
            }
        }
        XCTAssertTrue(BearerTokenMiddleware<BasicRequestContext>.equalInConstantTime(Array("abc".utf8), Array("abc".utf8)))
        XCTAssertFalse(BearerTokenMiddleware<BasicRequestContext>.equalInConstantTime(Array("abc".utf8), Array("abcd".utf8)))
    }

    func testMultipartParserBoundsAndParameters() throws {
        XCTAssertEqual(MultipartForm.parameter("name", in: "form-data; name=\"style\"; filename=\"a b.png\""), "style")
        XCTAssertEqual(MultipartForm.parameter("filename", in: "form-data; name=\"style\"; filename=\"a b.png\""), "a b.png")
        XCTAssertThrowsError(try MultipartForm.boundary(contentType: "multipart/form-data")) {
            XCTAssertEqual(($0 as? APIError)?.status, .badRequest)
        }
        var many = Form()
        for i in 0...MultipartForm.maxParts { many.text("p\(i)", "x") }
        XCTAssertThrowsError(try MultipartForm.parse(many.body, boundary: Form.boundary)) {
            XCTAssertEqual(($0 as? APIError)?.message, "the form has more than 64 parts")
        }
        // A non-ASCII byte in a part-header name is a 400 (MultipartKit would trap on it); in a value it is fine.
        for (i, head) in ["\u{e9}: x\r\n", "Content-Type: image/png\r\nX-\u{e9}: y\r\n"].enumerated() {
            let body = "--B\r\nContent-Disposition: form-data; name=\"content\"\r\n\(head)\r\nabc\r\n--B--\r\n"
            XCTAssertThrowsError(try MultipartForm.parse(ByteBuffer(string: body), boundary: "B"), "case \(i)") {
                XCTAssertEqual(($0 as? APIError)?.message, "a multipart part header name has a non-ASCII byte (header names are ASCII tokens, RFC 7578)")
            }
        }
        let utf8Name = "--B\r\nContent-Disposition: form-data; name=\"style\"; filename=\"\u{e9}.png\"\r\n\r\nabc\r\n--B--\r\n"
        XCTAssertEqual(try MultipartForm.parse(ByteBuffer(string: utf8Name), boundary: "B").map(\.filename), ["\u{e9}.png"])
        XCTAssertEqual(StyleRequest.label("../../etc/passwd", default: "x"), "passwd")
        XCTAssertEqual(StyleRequest.label("a\nb", default: "x"), "ab")
        XCTAssertEqual(RenderedImage.headerValue("é\nx%"), "%C3%A9, x%25")
    }
}
