import StyleCore
import StyleIO
import StyleTransfer

/// An uploaded image: the client's file name (a label in messages and metadata only; never opened) and its bytes.
struct Upload: Sendable {
    var name: String
    var bytes: [UInt8]
}

/// A stylisation as a client asked for it: images, the stylizer its options make (validated), output format.
struct StyleRequest: Sendable {
    var content: Upload
    var styles: [Upload]
    var stylizer: Stylizer
    var format: ImageFile.Format

    static let maxStyles = 16

    /// Reads the form: one 'content' file part, 1–16 'style' file parts, option text parts. A job sends
    /// previews every `previewEvery` steps unless the form sets `save_every`; a synchronous request none.
    init(parts: [FormPart], engine: StyleEngine, previewEvery: Int?) throws {
        var content: Upload?
        var styles: [Upload] = []
        var fields = OptionFields()
        for part in parts {
            switch part.name {
            case "content":
                guard content == nil else { throw APIError(.badRequest, "give one content image, not several", field: "content") }
                content = Upload(name: Self.label(part.filename, default: "content"), bytes: part.bytes)
            case "style":
                guard styles.count < Self.maxStyles else { throw APIError(.badRequest, "give at most \(Self.maxStyles) style images", field: "style") }
                styles.append(Upload(name: Self.label(part.filename, default: "style\(styles.count + 1)"), bytes: part.bytes))
            default:
                guard part.bytes.count <= 4096, let text = String(validating: part.bytes, as: UTF8.self) else {
                    throw APIError(.badRequest, "\(Self.label(part.name, default: "?")) must be UTF-8 text of at most 4096 bytes", field: part.name)
                }
                try fields.set(part.name, to: text)
            }
        }
        guard let content, !content.bytes.isEmpty else {
            throw APIError(.badRequest, "a 'content' file part with the image to stylise is required", field: "content")
        }
        guard !styles.isEmpty, styles.allSatisfy({ !$0.bytes.isEmpty }) else {
            throw APIError(.badRequest, "at least one non-empty 'style' file part is required", field: "style")
        }
        var options = fields.options
        if let previewEvery {
            if !fields.setsPreviewEvery { options.gram.snapshotEvery = previewEvery }
        } else {
            options.gram.snapshotEvery = 0
        }
        try options.validate(styleCount: styles.count)
        self.content = content
        self.styles = styles
        self.stylizer = try engine.stylizer(for: options)
        self.format = fields.format
    }

    /// A file name fit for messages, headers and metadata: printable, at most 100 characters, no path.
    static func label(_ name: String?, default fallback: String) -> String {
        let base = (name ?? "").split(separator: "/").last.map(String.init) ?? ""
        let printable = String(base.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(100))
        return printable.isEmpty ? fallback : printable
    }
}

/// A request with its images decoded and every size it implies checked against the library's plan and the
/// server's limits, before it waits for a worker.
struct DecodedRequest: @unchecked Sendable {
    var request: StyleRequest
    var content: Tensor
    var styles: [Tensor]
    var plan: StylizePlan
    /// Gram mode: Σ steps × pixels over the passes (0 in transformer mode).
    var gramWork: Int

    init(_ request: StyleRequest, limits: ServerConfiguration) throws {
        self.request = request
        func decode(_ upload: Upload, field: String) throws -> Tensor {
            do {
                return try ImageFile.read(data: upload.bytes, path: upload.name, maxPixels: limits.maxPixels)
            } catch let error as StyleError {
                throw APIError(error, field: field)
            }
        }
        content = try decode(request.content, field: "content")
        styles = try request.styles.map { try decode($0, field: "style") }
        do {
            plan = try request.stylizer.plan(content: (content.shape[1], content.shape[2]), styles: styles.map { ($0.shape[1], $0.shape[2]) })
        } catch let error as ImageTooSmall {
            throw APIError(error, names: (request.content.name, request.styles.map(\.name)))
        }
        let options = request.stylizer.options
        func check(_ size: ImageSize, _ what: String, field: String) throws {
            let pixels = size.height * size.width
            guard pixels <= limits.maxPixels else {
                throw APIError(.unprocessableContent, "\(what) would have \(pixels) pixels, more than this server's limit of \(limits.maxPixels); lower \(field)", field: field)
            }
        }
        try check(plan.result, "the result at size \(max(plan.result.height, plan.result.width))", field: "size")
        if request.stylizer.mode == .transformer, options.styleSize > 0 {
            for style in styles {
                try check(longSideSize((style.shape[1], style.shape[2]), to: options.styleSize), "a style at style_size \(options.styleSize)", field: "style_size")
            }
        }
        var work = 0
        for pass in plan.passes {
            try check(pass.content, "a pass at long side \(pass.longSide)", field: "multiscale")
            for style in pass.styles { try check(style, "a style at style_scale \(options.gram.styleScale)", field: "style_scale") }
            work += pass.steps * pass.content.height * pass.content.width
        }
        guard plan.steps <= limits.maxSteps else {
            throw APIError(.unprocessableContent, "the Gram passes add up to \(plan.steps) steps, more than this server's limit of \(limits.maxSteps); lower steps or multiscale", field: "steps")
        }
        gramWork = work
    }
}
