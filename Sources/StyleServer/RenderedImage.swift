import Foundation
import HTTPTypes
import Hummingbird
import StyleIO

/// An encoded result with what reproduces it, ready to send.
struct RenderedImage: Sendable {
    var bytes: [UInt8]
    var format: ImageFile.Format
    var metadata: [Metadata]
    /// Time spent in the library call (decoded images in, image out), for the Server-Timing header.
    var librarySeconds: Double

    struct Metadata: Codable, Sendable, Equatable {
        var key: String
        var value: String
    }

    var contentType: String { format.mediaType }

    /// The image response: metadata also as X-Stylize-* headers ("stylize:style-blend" → X-Stylize-Style-Blend).
    var response: Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers[HTTPField.Name("Server-Timing")!] = String(format: "library;dur=%.1f", librarySeconds * 1000)
        for record in metadata where record.key.hasPrefix("stylize:") {
            let words = record.key.dropFirst("stylize:".count).split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }
            if let name = HTTPField.Name("X-Stylize-" + words.joined(separator: "-")) {
                headers[name] = Self.headerValue(record.value)
            }
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A header-safe value: lines joined by ", ", bytes outside printable ASCII percent-encoded.
    static func headerValue(_ text: String) -> String {
        var out = ""
        for byte in text.replacingOccurrences(of: "\n", with: ", ").utf8 {
            if byte >= 0x20 && byte < 0x7F && byte != UInt8(ascii: "%") { out.unicodeScalars.append(UnicodeScalar(byte)) }
            else { out += String(format: "%%%02X", byte) }
        }
        return out
    }
}
