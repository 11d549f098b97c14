import Foundation
import HTTPTypes
import Hummingbird
import StyleCore
import StyleTransfer

/// A failure the client caused or must react to: its status, the one-line message the CLI would
/// print, and the form field at fault, sent as {"error": …, "field": …}.
struct APIError: HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var field: String?
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
    }

    /// 400 naming the form field: the library's message with options named as form fields.
    init(_ error: InvalidOption) {
        self.init(.badRequest, error.description, field: error.field)
    }

    /// 400 naming the image part ("content" or "style") by the client's file name.
    init(_ error: ImageTooSmall, names: (content: String, styles: [String])) {
        switch error.role {
        case .content: self.init(.badRequest, error.message(name: names.content, naming: { $0 }), field: "content")
        case let .style(i): self.init(.badRequest, error.message(name: names.styles[i], naming: { $0 }), field: "style")
        }
    }

    /// A library error about an upload (`field`) as a 4xx; only the server's own failures (weights, BLAS) are 500.
    init(_ error: StyleError, field: String?) {
        switch error {
        case let .tooLarge(path, w, h, limit):
            self.init(.contentTooLarge, "\(path): image is \(w)×\(h) = \(w * h) pixels, more than the limit of \(limit)", field: field)
        case .decode, .io, .invalidArgument:
            self.init(.badRequest, error.description, field: field)
        case .weights, .write, .blas:
            self.init(.internalServerError, error.description)
        }
    }

    /// 503 with Retry-After: the queue is full or the server is stopping.
    static func busy(_ message: String, retryAfter seconds: Int) -> APIError {
        APIError(.serviceUnavailable, message, headers: [.retryAfter: "\(seconds)"])
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: json)))
    }

    var json: [UInt8] { encodeJSON(ErrorBody(error: message, field: field)) }

    struct ErrorBody: Codable, Equatable {
        var error: String
        var field: String?
    }
}

/// JSON bytes with sorted keys (stable for tests and clients that diff responses).
func encodeJSON<T: Encodable>(_ value: T) -> [UInt8] {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return Array((try? encoder.encode(value)) ?? Data("{}".utf8))
}

/// A 200 (or `status`) response with a JSON body.
func jsonResponse<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
    var fields = headers
    fields[.contentType] = "application/json"
    return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: encodeJSON(value))))
}
