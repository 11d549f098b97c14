import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StyleCore
import StyleIO
import WeightsTestSupport
@testable import StyleServer

/// A multipart/form-data body: file parts (name, filename, bytes) and text parts.
struct Form {
    static let boundary = "stylize-test-boundary-7d3f"
    var parts: [(name: String, filename: String?, bytes: [UInt8])] = []

    mutating func file(_ name: String, _ filename: String, _ bytes: [UInt8]) { parts.append((name, filename, bytes)) }
    mutating func text(_ name: String, _ value: String) { parts.append((name, nil, Array(value.utf8))) }

    var body: ByteBuffer {
        var out: [UInt8] = []
        for part in parts {
            var head = "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"\r\nContent-Type: application/octet-stream" }
            out += Array((head + "\r\n\r\n").utf8) + part.bytes + Array("\r\n".utf8)
        }
        out += Array("--\(Self.boundary)--\r\n".utf8)
        return ByteBuffer(bytes: out)
    }

    static var headers: HTTPFields { [.contentType: "multipart/form-data; boundary=\(boundary)"] }
}

/// A smooth seeded test image (3,H,W) encoded as PNG.
func pngImage(width: Int, height: Int, seed: Float) throws -> [UInt8] {
    let image = Tensor(shape: [3, height, width])
    for c in 0..<3 {
        for y in 0..<height {
            for x in 0..<width {
                image.data[(c * height + y) * width + x] = 0.5 + 0.4 * sin(seed + Float(c) + Float(x) * 0.3 + Float(y) * 0.2)
            }
        }
    }
    return try ImageFile.encode(image, as: .png)
}

/// A directory holding the tiny StyTr² weight file (or nothing: Gram mode with the seeded random network).
func weightsDirectory(transformer: Bool) throws -> String {
    let directory = NSTemporaryDirectory() + "stylize-server-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    if transformer { try TinyWeights.write(to: directory + "/stytr2.safetensors") }
    return directory
}

/// A service with the tiny transformer (or none) and small limits, and its application for router tests.
func makeService(transformer: Bool = true, _ adjust: (inout ServerConfiguration) -> Void = { _ in }) throws -> StyleService {
    var config = ServerConfiguration()
    config.workers = 1
    config.queueLimit = 2
    config.maxUploadBytes = 1 << 20
    config.maxPixels = 128 * 128
    adjust(&config)
    let engine = try StyleEngine(weights: .directory(try weightsDirectory(transformer: transformer)), styleCacheEntries: 4)
    return try StyleService(configuration: config, engine: engine)
}

extension TestResponse {
    /// The JSON error body.
    var error: APIError.ErrorBody? { try? JSONDecoder().decode(APIError.ErrorBody.self, from: Data(body.readableBytesView)) }
    var bytes: [UInt8] { Array(body.readableBytesView) }
}
