import StyleCore
import StyleIO
import StyleTransfer

/// The text parts of a form that are options: `StyleOptions.fieldNames` (the CLI's long options with `_`
/// for `-`) and `format`. The library parses and validates them; this only refuses repeats and picks the format.
struct OptionFields {
    /// Every field a form may carry besides the image parts.
    static let names = StyleOptions.fieldNames + ["format"]

    private(set) var options = StyleOptions()
    private(set) var format = ImageFile.Format.png
    /// Whether the form set `save_every` (jobs then send previews that often).
    private(set) var setsPreviewEvery = false
    private var seen: Set<String> = []

    /// Sets one field from its text; unknown, repeated or malformed fields are refused.
    mutating func set(_ field: String, to text: String) throws {
        guard !seen.contains(field) else { throw InvalidOption(field, "is given twice") }
        seen.insert(field)
        switch field {
        case "format":
            switch text {
            case "png": format = .png
            case "jpg", "jpeg": format = .jpeg
            case "webp": format = .webp
            default: throw InvalidOption(field, "must be png, jpg or webp, not '\(text)'")
            }
        case "max_pixels":
            throw InvalidOption(field, "is the server's limit (see /v1/info), not a request option")
        default:
            guard StyleOptions.fieldNames.contains(field) else {
                throw InvalidOption(field, "is not an option; the options are \(Self.names.joined(separator: ", "))")
            }
            try options.set(field, to: text)
            if field == "save_every" { setsPreviewEvery = true }
        }
    }
}
