import Hummingbird
import MultipartKit

/// One part of a multipart/form-data body: its field name, the file name if it is a file, its bytes.
struct FormPart: Sendable {
    var name: String
    var filename: String?
    var bytes: [UInt8]
}

/// multipart/form-data bodies (RFC 7578), parsed by MultipartKit's streaming parser with bounds on
/// the number of parts and their header sizes, so no body can make the parse grow without limit.
enum MultipartForm {
    static let maxParts = 64
    static let maxHeaderBytes = 1024

    /// The boundary named by a Content-Type header, or a 400 saying what to send instead.
    static func boundary(contentType: String?) throws -> String {
        let usage = "send the image and options as multipart/form-data (a 'content' file part, one or more 'style' file parts, option text parts)"
        guard let contentType, let media = contentType.split(separator: ";").first,
              media.trimmingCharacters(in: .whitespaces).lowercased() == "multipart/form-data" else {
            throw APIError(.unsupportedMediaType, "Content-Type must be multipart/form-data, not '\(contentType ?? "none")': \(usage)")
        }
        guard let boundary = parameter("boundary", in: contentType), (1...70).contains(boundary.utf8.count) else {
            throw APIError(.badRequest, "the multipart/form-data Content-Type has no valid boundary parameter (1–70 characters)")
        }
        return boundary
    }

    /// The parts of `body`; malformed or truncated bodies give a 400.
    static func parse(_ body: ByteBuffer, boundary: String) throws -> [FormPart] {
        try refuseNonASCIIHeaderNames(body, boundary: boundary)
        let parser = MultipartParser(boundary: boundary)
        var parts: [FormPart] = []
        var headers: [(String, String)] = []
        var bytes: [UInt8] = []
        var open = false
        var overLimit: APIError?
        parser.onHeader = { name, value in
            open = true
            if name.utf8.count + value.utf8.count > maxHeaderBytes { overLimit = APIError(.badRequest, "a multipart header is longer than \(maxHeaderBytes) bytes") }
            headers.append((name.lowercased(), value))
        }
        parser.onBody = { chunk in
            open = true
            bytes += chunk.readBytes(length: chunk.readableBytes) ?? []
        }
        parser.onPartComplete = {
            defer { headers = []; bytes = []; open = false }
            guard overLimit == nil else { return }
            guard parts.count < maxParts else {
                overLimit = APIError(.badRequest, "the form has more than \(maxParts) parts")
                return
            }
            guard let disposition = headers.first(where: { $0.0 == "content-disposition" })?.1,
                  let name = parameter("name", in: disposition) else {
                overLimit = APIError(.badRequest, "a form part has no Content-Disposition header with a name")
                return
            }
            parts.append(FormPart(name: name, filename: parameter("filename", in: disposition), bytes: bytes))
        }
        do {
            try parser.execute(body)
        } catch {
            throw APIError(.badRequest, "the multipart/form-data body is malformed (check the boundary and the part headers)")
        }
        if let overLimit { throw overLimit }
        guard !open else { throw APIError(.badRequest, "the multipart/form-data body ends inside a part (truncated upload?)") }
        guard !parts.isEmpty else { throw APIError(.badRequest, "the multipart/form-data body has no parts; is the boundary right?") }
        return parts
    }

    /// MultipartKit 4.7.1 looks each part-header name byte up in a 128-entry table, so a byte ≥ 0x80 there
    /// traps and one request would stop the server: such names are a 400 here first. Its parser starts a name
    /// only after "--boundary\r\n" and after a header line's "\n", and a client's boundary never occurs in
    /// its data, so checking the lines after every "--boundary\r\n" (each line once) covers every name.
    static func refuseNonASCIIHeaderNames(_ body: ByteBuffer, boundary: String) throws {
        let delimiter = Array("--\(boundary)\r\n".utf8)
        let (cr, lf, colon) = (UInt8(ascii: "\r"), UInt8(ascii: "\n"), UInt8(ascii: ":"))
        try body.withUnsafeReadableBytes { bytes in
            var checked = 0  // header lines before this offset were checked
            var i = 0
            while i + delimiter.count <= bytes.count {
                guard bytes[i] == delimiter[0], bytes[i + 1] == delimiter[1],
                      delimiter.indices.allSatisfy({ bytes[i + $0] == delimiter[$0] }) else { i += 1; continue }
                i += delimiter.count
                guard i >= checked else { continue }
                var line = i
                while line < bytes.count, bytes[line] != cr {  // up to the empty line that ends the headers
                    var j = line
                    while j < bytes.count, bytes[j] != colon, bytes[j] != cr {
                        guard bytes[j] < 0x80 else {
                            throw APIError(.badRequest, "a multipart part header name has a non-ASCII byte (header names are ASCII tokens, RFC 7578)")
                        }
                        j += 1
                    }
                    while j < bytes.count, bytes[j] != lf { j += 1 }
                    line = j + 1
                }
                checked = line
            }
        }
    }

    /// The value of `name=value` or `name="value"` in a header such as Content-Disposition.
    static func parameter(_ name: String, in header: String) -> String? {
        for item in header.split(separator: ";").dropFirst() {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }
}

import Foundation
