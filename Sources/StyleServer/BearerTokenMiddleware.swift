import HTTPTypes
import Hummingbird

/// With a token configured, every request except `openPaths` (liveness and the page's static files) and
/// the bundled styles (static too, and shown by <img> elements, which send no header) must carry
/// `Authorization: Bearer <token>`; otherwise 401.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    static var openPaths: Set<String> { ["/v1/health", "/", "/app.css", "/app.js", "/openapi.json", "/v1/styles"] }

    static func isOpen(_ path: String) -> Bool { openPaths.contains(path) || path.hasPrefix("/v1/styles/") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.isOpen(request.uri.path) { return try await next(request, context) }
        let given = request.headers[.authorization] ?? ""
        guard given.hasPrefix("Bearer "), Self.equalInConstantTime(Array(given.utf8.dropFirst(7)), Array(token.utf8)) else {
            throw APIError(.unauthorized, given.isEmpty ? "this server needs 'Authorization: Bearer <token>'" : "the bearer token is wrong",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing does not reveal a prefix.
    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }
}
