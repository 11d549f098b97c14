#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CImageCodecs
import StyleCore

/// Reading and writing images as (3,H,W) float32 tensors with values in [0,1], RGB.
///
/// Formats: PNG (any colour type, 1–16 bits; alpha composited over white; EXIF orientation from an
/// eXIf chunk applied), JPEG (baseline or progressive; gray, YCbCr, CMYK/YCCK; EXIF orientation
/// applied) and NumPy `.npy` (float32 or float64, shape (3,H,W), values kept as they are). Reading
/// detects the format from the file's first bytes, not its extension; writing picks it from the
/// extension.
///
/// Colour management is out of scope: gAMA/iCCP/ICC profiles are ignored and samples are taken to
/// be sRGB-encoded, which is what style-transfer networks are trained on.
public enum ImageFile {
    /// Default limit on width×height: 64 Mpx (67 108 864 pixels), e.g. 8192×8192. The decoded
    /// tensor alone is 12 bytes per pixel (768 MiB at the limit), and stylisation needs several
    /// times that, so larger images are almost always a mistake or a decompression bomb.
    public static let defaultMaxPixels = 64 * 1024 * 1024

    /// The largest width or height accepted, whatever the pixel limit (also JPEG's own ceiling).
    public static let maxSide = 65535

    /// File formats, told apart by their first bytes.
    public enum Format: String, Sendable {
        case png = "PNG", jpeg = "JPEG", npy = ".npy"
    }

    // MARK: - Reading

    /// Reads an image file as a (3,H,W) tensor in [0,1] (`.npy` values are returned unchanged).
    ///
    /// Throws `StyleError.io` when the file cannot be read or is empty, `StyleError.decode` when its
    /// contents are not a valid PNG, JPEG or (3,H,W) `.npy` file (truncated, corrupt, unknown
    /// format), and `StyleError.tooLarge` when the header announces more than `maxPixels` pixels;
    /// that check happens before any pixel memory is allocated.
    public static func read(_ path: String, maxPixels: Int = defaultMaxPixels) throws -> Tensor {
        try read(data: readWholeFile(path), path: path, maxPixels: maxPixels)
    }

    /// Decodes the contents of an image file already in memory; `path` is used in messages only.
    public static func read(data bytes: [UInt8], path: String, maxPixels: Int = defaultMaxPixels) throws -> Tensor {
        let format = try detectFormat(bytes, path: path)
        if format == .npy {
            return try NPY.read(data: bytes, path: path) { shape in
                guard shape.count == 3, shape[0] == 3 else {
                    throw StyleError.decode(path: path, reason: "a .npy image must have shape (3, H, W), this one is \(NPY.shapeText(shape))")
                }
                try checkSize(width: shape[2], height: shape[1], path: path, maxPixels: maxPixels)
            }
        }
        let (width, height) = try probe(data: bytes, format: format, path: path)
        try checkSize(width: width, height: height, path: path, maxPixels: maxPixels)
        let image = Tensor(shape: [3, height, width])  // image is (3,H,W)
        var message = [CChar](repeating: 0, count: Int(CIC_ERROR_CAPACITY))
        let status = bytes.withUnsafeBufferPointer { buffer in
            format == .png
                ? cic_png_decode(buffer.baseAddress, buffer.count, image.data, UInt32(width), UInt32(height), &message, message.count)
                : cic_jpeg_decode(buffer.baseAddress, buffer.count, image.data, UInt32(width), UInt32(height), &message, message.count)
        }
        guard status == 0 else { throw StyleError.decode(path: path, reason: String(cString: message)) }
        return image
    }

    /// The displayed size of an image file (after EXIF orientation), read from its header only.
    public static func probe(_ path: String) throws -> (width: Int, height: Int) {
        let bytes = try readWholeFile(path)
        let format = try detectFormat(bytes, path: path)
        if format == .npy {
            let header = try NPY.parseHeader(bytes, path: path)
            guard header.shape.count == 3, header.shape[0] == 3 else {
                throw StyleError.decode(path: path, reason: "a .npy image must have shape (3, H, W), this one is \(NPY.shapeText(header.shape))")
            }
            return (header.shape[2], header.shape[1])
        }
        return try probe(data: bytes, format: format, path: path)
    }

    /// The format announced by the first bytes of a file.
    public static func detectFormat(_ bytes: [UInt8], path: String) throws -> Format {
        guard !bytes.isEmpty else { throw StyleError.io(path: path, reason: "file is empty") }
        let signatures: [(Format, [UInt8])] = [
            (.png, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
            (.jpeg, [0xFF, 0xD8, 0xFF]),
            (.npy, NPY.magic),
        ]
        for (format, signature) in signatures {
            if bytes.starts(with: signature) { return format }
            if bytes.count < signature.count && signature.starts(with: bytes) {
                throw StyleError.decode(path: path, reason: "truncated \(format.rawValue): the file is only \(bytes.count) bytes")
            }
        }
        throw StyleError.decode(path: path, reason: "not a PNG, JPEG or .npy file" + formatHint(bytes))
    }

    /// Width and height from a PNG or JPEG header.
    private static func probe(data bytes: [UInt8], format: Format, path: String) throws -> (width: Int, height: Int) {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: Int(CIC_ERROR_CAPACITY))
        let status = bytes.withUnsafeBufferPointer { buffer in
            format == .png
                ? cic_png_probe(buffer.baseAddress, buffer.count, &width, &height, &message, message.count)
                : cic_jpeg_probe(buffer.baseAddress, buffer.count, &width, &height, nil, &message, message.count)
        }
        guard status == 0 else { throw StyleError.decode(path: path, reason: String(cString: message)) }
        return (Int(width), Int(height))
    }

    /// Refuses empty images, images over `maxPixels`, and sides over `maxSide`.
    private static func checkSize(width: Int, height: Int, path: String, maxPixels: Int) throws {
        guard width > 0, height > 0 else {
            throw StyleError.decode(path: path, reason: "the image is \(width)×\(height): it has no pixels")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxPixels else {
            throw StyleError.tooLarge(path: path, width: width, height: height, maxPixels: maxPixels)
        }
        guard width <= maxSide, height <= maxSide else {
            throw StyleError.decode(path: path, reason: "the image is \(width)×\(height); each side must be at most \(maxSide) pixels")
        }
    }

    /// A short guess at what a file that is not PNG/JPEG/.npy is, for the error message.
    private static func formatHint(_ b: [UInt8]) -> String {
        func starts(_ s: String) -> Bool { b.starts(with: Array(s.utf8)) }
        if starts("GIF8") { return " (it is a GIF image)" }
        if starts("BM") && b.count >= 14 { return " (it looks like a BMP image)" }
        if starts("RIFF") && b.count >= 12 && Array(b[8..<12]) == Array("WEBP".utf8) { return " (it is a WebP image)" }
        if starts("II*\0") || starts("MM\0*") { return " (it is a TIFF image)" }
        if b.count >= 12 && Array(b[4..<8]) == Array("ftyp".utf8) { return " (it is an HEIF/AVIF/MP4-family file)" }
        let head = b.prefix(512)
        if head.allSatisfy({ $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || ($0 >= 0x20 && $0 != 0x7F) }) {
            return " (it looks like a text file)"
        }
        return ""
    }

    // MARK: - Writing

    /// Writes a (3,H,W) image, choosing the format from the extension: `.png` (8-bit RGB),
    /// `.jpg`/`.jpeg` (at `quality` 1–100) or `.npy` (exact float32, not clamped). PNG and JPEG
    /// values are clamped to [0,1] and rounded to the nearest 8-bit level.
    ///
    /// `metadata` key/value pairs become PNG text chunks (keys: 1–79 printable ASCII characters)
    /// or JPEG comments ("key: value"); `.npy` files cannot hold them and ignore them.
    /// The file is written atomically (see `AtomicFile`): on failure an existing file is unchanged.
    public static func write(_ image: Tensor, to path: String, quality: Int = 92,
                             metadata: [(String, String)] = []) throws {
        let format = try outputFormat(for: path)
        let bytes = try encode(image, as: format, quality: quality, metadata: metadata, path: path)
        try AtomicFile.write(bytes, to: path)
    }

    /// The bytes of `image` encoded as `format` (see `write`); `path` is used in messages only.
    public static func encode(_ image: Tensor, as format: Format, quality: Int = 92,
                              metadata: [(String, String)] = [], path: String = "<memory>") throws -> [UInt8] {
        guard image.rank == 3, image.shape[0] == 3, image.shape[1] > 0, image.shape[2] > 0 else {
            throw StyleError.write(path: path, reason: "expected a (3, H, W) image with H, W ≥ 1, got shape \(image.shape)")
        }
        guard format != .jpeg || (1...100).contains(quality) else {
            throw StyleError.invalidArgument("JPEG quality must be between 1 and 100, not \(quality)")
        }
        let height = image.shape[1], width = image.shape[2]
        if format == .npy { return NPY.encode(image) }

        for (key, value) in metadata {
            let keyOK = (1...79).contains(key.utf8.count) && key.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
                && !key.hasPrefix(" ") && !key.hasSuffix(" ") && !key.contains("  ")
            guard keyOK else {
                throw StyleError.invalidArgument("metadata key \"\(key)\" must be 1–79 printable ASCII characters, without leading, trailing or double spaces")
            }
            guard !value.utf8.contains(0) else {
                throw StyleError.invalidArgument("metadata value for \"\(key)\" contains a NUL character")
            }
        }
        let sideLimit = format == .jpeg ? 65500 : Int(Int32.max)
        guard width <= sideLimit, height <= sideLimit else {
            throw StyleError.write(path: path, reason: "\(format.rawValue) cannot store a \(width)×\(height) image (each side must be at most \(sideLimit))")
        }

        var message = [CChar](repeating: 0, count: Int(CIC_ERROR_CAPACITY))
        var output: UnsafeMutablePointer<UInt8>?
        var length = 0
        let status: Int32
        switch format {
        case .png:
            status = withCStrings(metadata.map(\.0)) { keys in
                withCStrings(metadata.map(\.1)) { values in
                    cic_png_encode(image.data, UInt32(width), UInt32(height), keys, values, Int32(metadata.count),
                                   &output, &length, &message, message.count)
                }
            }
        case .jpeg:
            status = withCStrings(metadata.map { "\($0.0): \($0.1)" }) { comments in
                cic_jpeg_encode(image.data, UInt32(width), UInt32(height), Int32(quality), comments, Int32(metadata.count),
                                &output, &length, &message, message.count)
            }
        case .npy:
            preconditionFailure("handled above")
        }
        guard status == 0, let output else { throw StyleError.write(path: path, reason: String(cString: message)) }
        defer { cic_free(output) }
        return Array(UnsafeBufferPointer(start: output, count: length))
    }

    /// The output format named by a path's extension.
    public static func outputFormat(for path: String) throws -> Format {
        // A directory has no format to choose: say what it is, not that its name lacks an extension.
        try AtomicFile.refuseDirectory(path)
        let name = path.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? path
        let allowed = "use .png, .jpg, .jpeg or .npy"
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            throw StyleError.write(path: path, reason: "the file name has no extension to choose the format from (\(allowed))")
        }
        switch name[name.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        case "npy": return .npy
        case let other: throw StyleError.write(path: path, reason: "unsupported extension '.\(other)' (\(allowed))")
        }
    }
}

/// Calls `body` with the strings as NUL-terminated C strings, valid only during the call.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { UnsafePointer(strdup($0)) }
    defer { copies.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return body(copies)
}
