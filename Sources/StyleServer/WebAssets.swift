import Foundation
import Hummingbird

/// The page, its script and style, and the OpenAPI document: package resources read once at start.
struct WebAssets: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
    }

    let byPath: [String: Asset]

    static let files: [(path: String, name: String, ext: String, type: String)] = [
        ("/", "index", "html", "text/html; charset=utf-8"),
        ("/app.js", "app", "js", "text/javascript; charset=utf-8"),
        ("/app.css", "app", "css", "text/css; charset=utf-8"),
        ("/openapi.json", "openapi", "json", "application/json"),
    ]

    /// Reads every file from the bundle; a missing one is a broken build, not a client error.
    static func load() throws -> WebAssets {
        var assets: [String: Asset] = [:]
        for file in files {
            guard let url = Bundle.module.url(forResource: file.name, withExtension: file.ext, subdirectory: "Web") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Web/\(file.name).\(file.ext) in the StyleServer resources"])
            }
            assets[file.path] = Asset(bytes: Array(try Data(contentsOf: url)), contentType: file.type)
        }
        return WebAssets(byPath: assets)
    }

    func response(_ path: String) -> Response {
        guard let asset = byPath[path] else { return Response(status: .notFound) }
        return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
                        body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
