import Foundation

/// The small WebP, HEIC, AVIF, TIFF, GIF and BMP files that tools/make_image_fixtures.py made, each
/// with its Pillow-decoded reference (StyleIOTests, CLITests, StyleServerTests).
public enum ImageFixtures {
    /// One fixture: its file, the reference `.npy` ((3,H,W) float32) and the tolerance in 8-bit levels.
    public struct Entry: Decodable, Sendable {
        public let file: String
        public let reference: String
        public let tolerance: Double
        public let why: String
    }

    /// The folder holding the fixtures.
    public static let directory = Bundle.module.resourcePath! + "/formats"

    /// Every fixture, in manifest.json's order.
    public static func all() throws -> [Entry] {
        let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/manifest.json"))
        return try JSONDecoder().decode([Entry].self, from: data)
    }

    public static func path(_ name: String) -> String { directory + "/" + name }

    /// The bytes of a fixture file (a test failing to find one fails loudly).
    public static func bytes(_ name: String) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(name)) else { fatalError("no fixture \(name) in \(directory)") }
        return [UInt8](data)
    }

    /// One file of each read-only format, for error tests (truncated, corrupt) and route tests.
    public static let oneOfEach = ["webp-lossy.webp", "webp-lossless.webp", "heic-plain.heic", "avif-plain.avif",
                                   "tiff-rgb8-lzw.tif", "gif-plain.gif", "bmp-24.bmp"]
}
