import CImageCodecs
import StyleCore

extension ImageFile {
    /// File formats, told apart by their first bytes (never by their names).
    public enum Format: String, Sendable, CaseIterable {
        case png = "PNG", jpeg = "JPEG", npy = ".npy", webp = "WebP", heif = "HEIF", avif = "AVIF"
        case tiff = "TIFF", gif = "GIF", bmp = "BMP"

        /// Formats `write` can produce (the others are read only).
        public static let writable: [Format] = [.png, .jpeg, .webp, .npy]

        /// The extension a written file of this format gets (batch outputs, `-o -` names).
        public var fileExtension: String {
            switch self {
            case .png: "png"
            case .jpeg: "jpg"
            case .npy: "npy"
            case .webp: "webp"
            case .heif: "heic"
            case .avif: "avif"
            case .tiff: "tif"
            case .gif: "gif"
            case .bmp: "bmp"
            }
        }

        /// The media type of the encoded bytes.
        public var mediaType: String {
            switch self {
            case .png: "image/png"
            case .jpeg: "image/jpeg"
            case .npy: "application/octet-stream"
            case .webp: "image/webp"
            case .heif: "image/heic"
            case .avif: "image/avif"
            case .tiff: "image/tiff"
            case .gif: "image/gif"
            case .bmp: "image/bmp"
            }
        }
    }

    /// Extensions of the files batch and video inputs pick up from a directory or pattern (lower case).
    public static let readableExtensions: Set<String> = [
        "png", "jpg", "jpeg", "npy", "webp", "heic", "heif", "avif", "tif", "tiff", "gif", "bmp",
    ]

    /// What an error says the readable formats are.
    static let readableList = "PNG, JPEG, WebP, HEIC/HEIF, AVIF, TIFF, GIF, BMP or .npy"

    /// The format announced by the first bytes of a file.
    public static func detectFormat(_ bytes: [UInt8], path: String) throws -> Format {
        guard !bytes.isEmpty else { throw StyleError.io(path: path, reason: "file is empty") }
        func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }
        let signatures: [(Format, [UInt8])] = [
            (.png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            (.jpeg, [0xFF, 0xD8, 0xFF]),
            (.npy, NPY.magic),
            (.gif, ascii("GIF87a")), (.gif, ascii("GIF89a")),
            (.tiff, [0x49, 0x49, 0x2A, 0]), (.tiff, [0x4D, 0x4D, 0, 0x2A]),  // classic TIFF, little/big endian
            (.tiff, [0x49, 0x49, 0x2B, 0]), (.tiff, [0x4D, 0x4D, 0, 0x2B]),  // BigTIFF
        ]
        for (format, signature) in signatures {
            if bytes.starts(with: signature) { return format }
            // A lone "G" or "II" is more likely text than a cut GIF or TIFF: ASCII magics need 3 bytes.
            if bytes.count < signature.count && signature.starts(with: bytes) && bytes.count >= (signature[0] >= 0x80 ? 1 : 3) {
                throw truncated(format, bytes.count, path)
            }
        }
        if bytes.starts(with: ascii("RIFF")) {  // RIFF size WEBP: a WAV or AVI file is RIFF too
            if bytes.count < 12 { throw truncated(.webp, bytes.count, path) }
            if Array(bytes[8..<12]) == ascii("WEBP") { return .webp }
        }
        if bytes.count >= 8, Array(bytes[4..<8]) == ascii("ftyp") {
            if bytes.count < 12 { throw truncated(.heif, bytes.count, path) }
            if let format = isoImageFormat(bytes) { return format }
        }
        if bytes.starts(with: ascii("BM")) {
            // Two letters alone are weak: the DIB header size must be one of the six known.
            if bytes.count < 18, !looksLikeText(bytes) { throw truncated(.bmp, bytes.count, path) }
            if bytes.count >= 18, [12, 40, 52, 56, 64, 108, 124].contains(bytes[14...17].reversed().reduce(0) { $0 << 8 | Int($1) }) {
                return .bmp
            }
        }
        throw StyleError.decode(path: path, reason: "not an image file this reads (\(readableList))" + formatHint(bytes))
    }

    private static func truncated(_ format: Format, _ count: Int, _ path: String) -> StyleError {
        .decode(path: path, reason: "truncated \(format.rawValue): the file is only \(count) bytes")
    }

    /// HEIF or AVIF from an ISO-BMFF ftyp box's major and compatible brands; nil for video (MP4,
    /// QuickTime, 3GP) and anything else.
    private static func isoImageFormat(_ b: [UInt8]) -> Format? {
        let boxSize = b[0..<4].reduce(0) { $0 << 8 | Int($1) }
        var brands = [String(decoding: b[8..<12], as: UTF8.self)]
        var at = 16
        while at + 4 <= min(boxSize, b.count, 256) {  // compatible brands follow the minor version
            brands.append(String(decoding: b[at..<at + 4], as: UTF8.self))
            at += 4
        }
        if brands.contains(where: { $0 == "avif" || $0 == "avis" }) { return .avif }
        let heif: Set<String> = ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs", "mif1", "msf1", "mif2"]
        return brands.contains(where: heif.contains) ? .heif : nil
    }

    private static func looksLikeText(_ bytes: [UInt8]) -> Bool {
        bytes.prefix(512).allSatisfy { $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 != 0x7F) }
    }

    /// A short guess at what an unreadable file is, for the error message.
    private static func formatHint(_ b: [UInt8]) -> String {
        func starts(_ s: String) -> Bool { b.starts(with: Array(s.utf8)) }
        if b.count >= 12 && Array(b[4..<8]) == Array("ftyp".utf8) {
            return " (it is an MP4/QuickTime-family file, brand '\(String(decoding: b[8..<12], as: UTF8.self))': a video, not a still image; for videos use `stylize video`)"
        }
        if starts("RIFF") { return " (it is a RIFF file, but not WebP)" }
        if starts("%PDF") { return " (it is a PDF document)" }
        if starts("8BPS") { return " (it is a Photoshop document; export it as PNG or TIFF)" }
        if b.starts(with: [0xFF, 0x0A]) || b.starts(with: [0, 0, 0, 0x0C, 0x4A, 0x58, 0x4C, 0x20]) {
            return " (it is a JPEG XL image, which this does not read)"
        }
        if looksLikeText(b) { return " (it looks like a text file)" }
        return ""
    }

    typealias ProbeFunction = @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt32>?,
                                              UnsafeMutablePointer<UInt32>?, UnsafeMutablePointer<CChar>?, Int) -> Int32
    typealias DecodeFunction = @convention(c) (UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<Float>?, UInt32, UInt32,
                                               UnsafeMutablePointer<CChar>?, Int) -> Int32

    /// The CImageCodecs probe and decode of an image format (nil for `.npy`, read in Swift).
    static func codec(_ format: Format) -> (probe: ProbeFunction, decode: DecodeFunction)? {
        switch format {
        case .png: (cic_png_probe, cic_png_decode)
        case .jpeg: ({ cic_jpeg_probe($0, $1, $2, $3, nil, $4, $5) }, cic_jpeg_decode)
        case .webp: (cic_webp_probe, cic_webp_decode)
        case .heif, .avif: (cic_heif_probe, cic_heif_decode)
        case .tiff: (cic_tiff_probe, cic_tiff_decode)
        case .gif: (cic_gif_probe, cic_gif_decode)
        case .bmp: (cic_bmp_probe, cic_bmp_decode)
        case .npy: nil
        }
    }
}
