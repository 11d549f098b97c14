import GramStyle
import StyleCore
import StyleIO
import StyleTransfer

/// An uploaded image: the client's file name (a label in messages and metadata only; never opened) and its bytes.
struct Upload: Sendable {
    var name: String
    var bytes: [UInt8]
}

/// A stylisation as a client asked for it: images, options (mode resolved), output format.
struct StyleRequest: Sendable {
    var content: Upload
    var styles: [Upload]
    var options: StyleOptions
    var format: ImageFile.Format
    var quality: Int

    static let maxStyles = 16

    /// Reads the form: one 'content' file part, 1–16 'style' file parts, option text parts.
    init(parts: [FormPart], engine: StyleEngine) throws {
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
        var (options, format, quality) = try fields.options(styleCount: styles.count)
        options.mode = try engine.resolve(options.mode)
        guard options.mode == .transformer || options.alpha == 1 else {
            throw APIError(.badRequest, "alpha works in transformer mode only and this request runs Gram mode; weigh style with style_weight instead", field: "alpha")
        }
        self.content = content
        self.styles = styles
        self.options = options
        self.format = format
        self.quality = quality
    }

    /// A file name fit for messages, headers and metadata: printable, at most 100 characters, no path.
    static func label(_ name: String?, default fallback: String) -> String {
        let base = (name ?? "").split(separator: "/").last.map(String.init) ?? ""
        let printable = String(base.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.prefix(100))
        return printable.isEmpty ? fallback : printable
    }
}

/// A request with its images decoded and every size it implies checked against the server's limits.
struct DecodedRequest: @unchecked Sendable {
    var request: StyleRequest
    var content: Tensor
    var styles: [Tensor]
    /// Output size (width, height).
    var outputSize: (width: Int, height: Int)
    /// Gram mode: Σ steps × pixels over the passes (0 in transformer mode).
    var gramWork: Int
    /// Gram mode: optimiser steps over all passes.
    var totalSteps: Int

    /// Decodes the images (sizes checked from their headers first) and checks the sizes the options lead to.
    init(_ request: StyleRequest, limits: ServerConfiguration, engine: StyleEngine) throws {
        self.request = request
        func decode(_ upload: Upload, field: String) throws -> Tensor {
            do {
                let image = try ImageFile.read(data: upload.bytes, path: upload.name, maxPixels: limits.maxPixels)
                guard image.shape[1] >= 1, image.shape[2] >= 1 else { throw APIError(.badRequest, "\(upload.name) has no pixels", field: field) }
                return image
            } catch let error as StyleError {
                var failure = fieldError(error)
                failure.field = field
                throw failure
            }
        }
        content = try decode(request.content, field: "content")
        styles = try request.styles.map { try decode($0, field: "style") }
        let options = request.options
        let (h, w) = (content.shape[1], content.shape[2])
        let target = options.size ?? (options.mode == .gram ? 512 : max(h, w))
        let long = max(h, w)
        outputSize = (max(1, (w * target + long / 2) / long), max(1, (h * target + long / 2) / long))
        func check(pixels: Int, _ what: String, field: String) throws {
            guard pixels <= limits.maxPixels else {
                throw APIError(.unprocessableContent, "\(what) would have \(pixels) pixels, more than this server's limit of \(limits.maxPixels); lower \(field)", field: field)
            }
        }
        try check(pixels: outputSize.width * outputSize.height, "the result at size \(target)", field: "size")
        if options.mode == .transformer {
            // StyTr² needs a 2×2 token grid: refuse here, before the request waits for a worker.
            let minimum = engine.minimumSide
            guard min(outputSize.width, outputSize.height) >= minimum else {
                throw APIError(.badRequest, "the content would be \(outputSize.width)×\(outputSize.height) pixels; transformer mode needs at least \(minimum) on each side (raise size or use a larger image)", field: "content")
            }
            for style in styles {
                let sl = max(style.shape[1], style.shape[2])
                let side = options.styleSize > 0 ? min(style.shape[1], style.shape[2]) * options.styleSize / sl : min(style.shape[1], style.shape[2])
                guard side >= minimum else {
                    throw APIError(.badRequest, "a style would be \(side) pixels on its short side; transformer mode needs at least \(minimum) (raise style_size or use a larger style image)", field: "style")
                }
            }
            for style in styles where options.styleSize > 0 {
                let sl = max(style.shape[1], style.shape[2])
                try check(pixels: style.shape[1] * options.styleSize / sl * style.shape[2] * options.styleSize / sl, "a style at style_size \(options.styleSize)", field: "style_size")
            }
            gramWork = 0
            totalSteps = 0
        } else {
            let passes: [(longSide: Int, steps: Int)]
            do { passes = try options.gram.passes(longSide: target) } catch let error as StyleError { throw fieldError(error) }
            let aspect = Double(min(h, w)) / Double(long)
            var work = 0
            for pass in passes {
                let pixels = Int(Double(pass.longSide * pass.longSide) * aspect)
                try check(pixels: pixels, "a pass at long side \(pass.longSide)", field: "multiscale")
                let styleLong = Int(Double(pass.longSide) * Double(options.gram.styleScale))
                try check(pixels: styleLong * styleLong, "a style at style_scale \(options.gram.styleScale)", field: "style_scale")
                work += pass.steps * pixels
            }
            totalSteps = passes.reduce(0) { $0 + $1.steps }
            guard totalSteps <= limits.maxSteps else {
                throw APIError(.unprocessableContent, "the Gram passes add up to \(totalSteps) steps, more than this server's limit of \(limits.maxSteps); lower steps or multiscale", field: "steps")
            }
            gramWork = work
        }
    }
}

import Foundation
