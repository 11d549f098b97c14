import Foundation
import Hummingbird

/// The style images shipped in the package (Styles/, written by `tools/make_samples.py --styles-only`):
/// GET /v1/styles lists them and serves each whole and as a thumbnail, so the page offers styles to pick
/// in one click. A picked style is then uploaded like any other style image.
struct BundledStyles: Sendable {
    /// One entry of Styles/styles.json.
    struct Entry: Codable, Sendable, Equatable {
        var name: String
        var title: String
        var file: String
        var thumbnail: String
        var width: Int
        var height: Int
        var license: String
    }

    /// GET /v1/styles: each style with the URLs of its image and thumbnail.
    struct Listing: Codable, Sendable, Equatable {
        struct Style: Codable, Sendable, Equatable {
            var name: String
            var title: String
            var file: String
            var width: Int
            var height: Int
            var license: String
            var image: String
            var thumbnail: String
        }

        var styles: [Style]
    }

    struct Style: Sendable {
        var entry: Entry
        var image: WebAssets.Asset
        var thumbnail: WebAssets.Asset
    }

    let styles: [Style]

    /// Reads the manifest and every file it names; a missing or misnamed one is a broken build, not a client error.
    static func load() throws -> BundledStyles {
        func bytes(_ file: String) throws -> [UInt8] {
            let name = (file as NSString).deletingPathExtension, ext = (file as NSString).pathExtension
            guard let url = Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Styles") else {
                throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "Styles/\(file) in the StyleServer resources"])
            }
            return Array(try Data(contentsOf: url))
        }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(try bytes("styles.json")))
        return BundledStyles(styles: try entries.map { entry in
            guard !entry.name.isEmpty, entry.name.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) }) else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: "Styles/styles.json: style name '\(entry.name)' is not lower-case letters and digits"])
            }
            return Style(entry: entry, image: WebAssets.Asset(bytes: try bytes(entry.file), contentType: try imageType(entry.file)),
                         thumbnail: WebAssets.Asset(bytes: try bytes(entry.thumbnail), contentType: try imageType(entry.thumbnail)))
        })
    }

    private static func imageType(_ file: String) throws -> String {
        switch (file as NSString).pathExtension.lowercased() {
        case "jpg", "jpeg": return "image/jpeg"
        case "png": return "image/png"
        default: throw CocoaError(.fileReadUnsupportedScheme, userInfo: [NSFilePathErrorKey: "Styles/\(file): bundled styles are JPEG or PNG"])
        }
    }

    var listing: Listing {
        Listing(styles: styles.map { style in
            let e = style.entry
            return .init(name: e.name, title: e.title, file: e.file, width: e.width, height: e.height, license: e.license,
                         image: "/v1/styles/\(e.name)", thumbnail: "/v1/styles/\(e.name)/thumbnail")
        })
    }

    /// The image (or its thumbnail) of the style `name` (a path segment, percent-encoded); 404 naming the styles there are.
    func response(_ segment: String, thumbnail: Bool) throws -> Response {
        let name = segment.removingPercentEncoding ?? segment
        guard let style = styles.first(where: { $0.entry.name == name }) else {
            let known = styles.map(\.entry.name).joined(separator: ", ")
            throw APIError(.notFound, "no bundled style '\(RenderedImage.headerValue(String(name.prefix(64))))'; the bundled styles are \(known) (GET /v1/styles)", field: "name")
        }
        let asset = thumbnail ? style.thumbnail : style.image
        let file = thumbnail ? style.entry.thumbnail : style.entry.file
        return Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "public, max-age=3600",
                                               .contentDisposition: "inline; filename=\"\(file)\""],
                        body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
