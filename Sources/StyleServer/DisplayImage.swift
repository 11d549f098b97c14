import Hummingbird
import StyleCore
import StyleIO
import StyleTransfer

/// POST /v1/decode: an upload read as /v1/stylize reads a content image (format from its bytes, orientation,
/// alpha on white), sent back as a JPEG of long side ≤ `maxSide`, for clients that cannot show the upload's
/// format themselves (the page's "before" view of a HEIC or TIFF photo).
enum DisplayImage {
    static let maxSide = 1024
    static let quality = 85

    /// The JPEG of the single 'image' file part of `parts`; any other part, or none, is a 400 naming it.
    static func jpeg(parts: [FormPart], maxPixels: Int) throws -> [UInt8] {
        var upload: Upload?
        for part in parts {
            guard part.name == "image" else {
                throw APIError(.badRequest, "\(StyleRequest.label(part.name, default: "?")) is not a field of /v1/decode; send one 'image' file part", field: part.name)
            }
            guard upload == nil else { throw APIError(.badRequest, "give one image, not several", field: "image") }
            upload = Upload(name: StyleRequest.label(part.filename, default: "image"), bytes: part.bytes)
        }
        guard let upload, !upload.bytes.isEmpty else {
            throw APIError(.badRequest, "a non-empty 'image' file part is required", field: "image")
        }
        do {
            let image = try ImageFile.read(data: upload.bytes, path: upload.name, maxPixels: maxPixels)
            let small = max(image.shape[1], image.shape[2]) > maxSide ? resizeLongSide(image, to: maxSide) : image
            return try ImageFile.encode(small, as: .jpeg, quality: quality)
        } catch let error as StyleError {
            throw APIError(error, field: "image")
        }
    }
}
