#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CImageCodecs
import StyleCore

/// Reading and writing images as (3,H,W) float32 tensors with values in [0,1], RGB.
///
/// Formats read: PNG (any colour type, 1–16 bits; EXIF orientation from an eXIf chunk), JPEG
/// (baseline or progressive; gray, YCbCr, CMYK/YCCK; EXIF orientation), WebP (lossy, lossless, the
/// first frame of an animation; EXIF orientation), HEIC/HEIF and AVIF (the primary image, its
/// irot/imir transforms applied), TIFF (the first page; 8/16-bit gray, RGB, CMYK and what libtiff's
/// RGBA reader handles; its orientation tag), GIF (the first frame), BMP, and NumPy `.npy` (float32
/// or float64, shape (3,H,W), values kept as they are). Alpha is composited over white. Reading
/// detects the format from the file's first bytes, not its extension; writing (PNG, JPEG, WebP,
/// `.npy`) picks it from the extension.
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

    // MARK: - Reading

    /// Reads an image file as a (3,H,W) tensor in [0,1] (`.npy` values are returned unchanged).
    ///
    /// Throws `StyleError.io` when the file cannot be read or is empty, `StyleError.decode` when its
    /// contents are not a valid image of a format listed above or a (3,H,W) `.npy` file (truncated,
    /// corrupt, unknown format), and `StyleError.tooLarge` when the header announces more than `maxPixels` pixels;
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
        let decode = codec(format)!.decode  // .npy returned above
        let status = bytes.withUnsafeBufferPointer { buffer in
            decode(buffer.baseAddress, buffer.count, image.data, UInt32(width), UInt32(height), &message, message.count)
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

    /// Width and height (as displayed) from an image file's header.
    private static func probe(data bytes: [UInt8], format: Format, path: String) throws -> (width: Int, height: Int) {
        var width: UInt32 = 0, height: UInt32 = 0
        var message = [CChar](repeating: 0, count: Int(CIC_ERROR_CAPACITY))
        let probe = codec(format)!.probe  // callers handle .npy themselves
        let status = bytes.withUnsafeBufferPointer { buffer in
            probe(buffer.baseAddress, buffer.count, &width, &height, &message, message.count)
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

    // MARK: - Writing

    /// Writes a (3,H,W) image, choosing the format from the extension: `.png` (8-bit RGB),
    /// `.jpg`/`.jpeg` (at `quality` 1–100), `.webp` (lossy at `quality` 1–99, lossless at 100) or
    /// `.npy` (exact float32, not clamped). PNG, JPEG and WebP values are clamped to [0,1] and
    /// rounded to the nearest 8-bit level.
    ///
    /// `metadata` key/value pairs become PNG text chunks (keys: 1–79 printable ASCII characters),
    /// JPEG comments ("key: value") or a WebP XMP packet (see `XMPRecords`); `.npy` files cannot
    /// hold them and ignore them.
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
        guard Format.writable.contains(format) else {
            throw StyleError.write(path: path, reason: "\(format.rawValue) files can be read but not written (write .png, .jpg, .webp or .npy)")
        }
        guard (format != .jpeg && format != .webp) || (1...100).contains(quality) else {
            throw StyleError.invalidArgument("\(format.rawValue) quality must be between 1 and 100, not \(quality)")
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
        let sideLimit = format == .jpeg ? 65500 : format == .webp ? 16383 : Int(Int32.max)
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
        case .webp:
            let xmp = metadata.isEmpty ? [] : XMPRecords.packet(metadata)
            status = cic_webp_encode(image.data, UInt32(width), UInt32(height), Int32(quality), xmp, xmp.count,
                                     &output, &length, &message, message.count)
        case .npy, .heif, .avif, .tiff, .gif, .bmp:
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
        let allowed = "use .png, .jpg, .jpeg, .webp or .npy"
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else {
            throw StyleError.write(path: path, reason: "the file name has no extension to choose the format from (\(allowed))")
        }
        switch name[name.index(after: dot)...].lowercased() {
        case "png": return .png
        case "jpg", "jpeg": return .jpeg
        case "npy": return .npy
        case "webp": return .webp
        case let other where readableExtensions.contains(other):
            throw StyleError.write(path: path, reason: "'.\(other)' files can be read but not written (\(allowed))")
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
