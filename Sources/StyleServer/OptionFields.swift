import GramStyle
import StyleCore
import StyleIO
import StyleTransfer

// Adapter to today's library API: form fields → `StyleOptions`, errors → field errors. Replaced by
// `StyleOptions.set(_:to:)`, `validate(styleCount:)` and `InvalidOption` when the library boundary lands.

/// The option fields a form may carry: the CLI's long options with `_` for `-`.
let optionFields: Set<String> = [
    "mode", "size", "style_size", "alpha", "style_blend", "preserve_color", "steps", "content_weight",
    "style_weight", "tv_weight", "content_layers", "style_layers", "metric", "optimizer", "lr", "history",
    "init_from", "seed", "style_scale", "multiscale", "format", "quality",
]

/// Collects option fields as text, then builds validated `StyleOptions` in one place.
struct OptionFields {
    private(set) var text: [String: String] = [:]

    /// Records one field; unknown or repeated fields are refused.
    mutating func set(_ field: String, to value: String) throws {
        guard optionFields.contains(field) else {
            throw APIError(.badRequest, "unknown field '\(field)'; options are \(optionFields.sorted().joined(separator: ", "))", field: field)
        }
        guard text[field] == nil else { throw APIError(.badRequest, "\(field) is given twice", field: field) }
        text[field] = value.trimmingCharacters(in: .whitespaces)
    }

    /// The options these fields describe, validated for `styleCount` styles.
    func options(styleCount: Int) throws -> (StyleOptions, ImageFile.Format, quality: Int) {
        var o = StyleOptions()
        if let m = text["mode"] {
            guard let mode = StyleMode(rawValue: m) else { throw invalid("mode", "must be auto, transformer or gram, not '\(m)'") }
            o.mode = mode
        }
        o.size = try text["size"].map { try int("size", $0) }
        if let s = text["style_size"] { o.styleSize = try int("style_size", s) }
        if let a = text["alpha"] { o.alpha = try float("alpha", a) }
        if let b = text["style_blend"] {
            o.styleBlend = try b.split(separator: ",", omittingEmptySubsequences: false).map {
                guard let w = Float($0.trimmingCharacters(in: .whitespaces)) else {
                    throw invalid("style_blend", "takes comma-separated numbers, one per style image, e.g. 2,1, not '\(b)'")
                }
                return w
            }
        }
        if let c = text["preserve_color"] {
            guard let color = ColorPreservation(rawValue: c) else { throw invalid("preserve_color", "must be none, luminance or histogram, not '\(c)'") }
            o.preserveColor = color
        }
        o.gram = try gramOptions()
        do {
            try o.validate()
            _ = try normalizedBlendWeights(o.styleBlend, styleCount: styleCount)
        } catch let error as StyleError {
            throw fieldError(error)
        }
        var format = ImageFile.Format.png
        switch text["format"] {
        case nil, "png": break
        case "jpg", "jpeg": format = .jpeg
        case let other?: throw invalid("format", "must be png or jpg, not '\(other)'")
        }
        let quality = try text["quality"].map { try int("quality", $0) } ?? 92
        guard (1...100).contains(quality) else { throw invalid("quality", "must be between 1 and 100, not \(quality)") }
        return (o, format, quality)
    }

    private func gramOptions() throws -> GramOptions {
        var g = GramOptions.standard
        if let s = text["steps"] {
            g.steps = try int("steps", s)
            guard g.steps >= 0 else { throw invalid("steps", "must be 0 or more, not \(g.steps)") }
        }
        for field in ["content_weight", "style_weight", "tv_weight"] {
            guard let t = text[field] else { continue }
            let v = try float(field, t)
            guard v >= 0 && v.isFinite else { throw invalid(field, "must be 0 or more, not \(v)") }
            switch field {
            case "content_weight": g.contentWeight = v
            case "style_weight": g.styleWeight = v
            default: g.totalVariationWeight = v
            }
        }
        if let m = text["metric"] {
            guard let metric = DistanceMetric(rawValue: m) else {
                throw invalid("metric", "must be one of \(DistanceMetric.allCases.map(\.rawValue).joined(separator: ", ")), not '\(m)'")
            }
            g.contentMetric = metric; g.styleMetric = metric
        }
        if let c = text["content_layers"] { g.contentLayers = c.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        if let s = text["style_layers"] {
            g.styleLayers = try s.split(separator: ",").map { item in
                let parts = item.split(separator: ":")
                guard parts.count <= 2, let weight = parts.count == 2 ? Float(parts[1]) : 1, weight >= 0 else {
                    throw invalid("style_layers", "entries are NAME or NAME:WEIGHT with WEIGHT ≥ 0, not '\(item)'")
                }
                return GramOptions.StyleLayer(String(parts[0]).trimmingCharacters(in: .whitespaces), weight: weight)
            }
        }
        let lr = try text["lr"].map { try double("lr", $0) }
        if let lr, !(lr > 0 && lr.isFinite) { throw invalid("lr", "must be positive, not \(lr)") }
        let history = try text["history"].map { try int("history", $0) } ?? 100
        guard (1...1000).contains(history) else { throw invalid("history", "must be between 1 and 1000, not \(history)") }
        switch text["optimizer"] ?? "lbfgs" {
        case "lbfgs": g.optimiser = .lbfgs(learningRate: lr ?? 1, historySize: history)
        case "adam": g.optimiser = .adam(learningRate: Float(lr ?? 0.02))
        case let other: throw invalid("optimizer", "must be lbfgs or adam, not '\(other)'")
        }
        switch text["init_from"] ?? "content" {
        case "content": g.initialisation = .content
        case "noise": g.initialisation = .noise
        case "style": g.initialisation = .style
        case let other: throw invalid("init_from", "must be content, noise or style, not '\(other)'")
        }
        if let s = text["seed"] {
            guard let seed = UInt64(s) else { throw invalid("seed", "must be a whole number from 0 to \(UInt64.max), not '\(s)'") }
            g.seed = seed
        }
        if let s = text["style_scale"] {
            g.styleScale = try float("style_scale", s)
            guard g.styleScale > 0 && g.styleScale <= 8 else { throw invalid("style_scale", "must be in (0, 8], not \(g.styleScale)") }
        }
        if let m = text["multiscale"] {
            if m == "off" { g.scales = [] } else {
                let sizes = m.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard !sizes.isEmpty, sizes.allSatisfy({ $0 != nil && $0! >= 16 }) else {
                    throw invalid("multiscale", "takes off or long sides of at least 16 pixels, e.g. 256,384, not '\(m)'")
                }
                g.scales = sizes.map { $0! }
            }
        }
        return g
    }

    private func invalid(_ field: String, _ problem: String) -> APIError {
        APIError(.badRequest, "\(field) \(problem)", field: field)
    }

    private func int(_ field: String, _ s: String) throws -> Int {
        guard let v = Int(s) else { throw invalid(field, "must be a whole number, not '\(s)'") }
        return v
    }

    private func float(_ field: String, _ s: String) throws -> Float {
        guard let v = Float(s), v.isFinite else { throw invalid(field, "must be a number, not '\(s)'") }
        return v
    }

    private func double(_ field: String, _ s: String) throws -> Double {
        guard let v = Double(s), v.isFinite else { throw invalid(field, "must be a number, not '\(s)'") }
        return v
    }
}

/// A library error as a 4xx: the CLI's message with "--flag-name" turned into the form field name.
func fieldError(_ error: StyleError) -> APIError {
    switch error {
    case .invalidArgument(let message):
        guard message.hasPrefix("--") else { return APIError(.badRequest, message) }
        let flag = message.dropFirst(2).prefix { $0.isLetter || $0 == "-" }
        let field = flag.replacingOccurrences(of: "-", with: "_")
        return APIError(.badRequest, field + message.dropFirst(2 + flag.count), field: field)
    case .decode, .io:
        return APIError(.badRequest, error.description)
    case .tooLarge:
        return APIError(.contentTooLarge, error.description.replacingOccurrences(of: " (raise it with --max-pixels)", with: ""))
    case .weights, .write, .blas:
        return APIError(.internalServerError, error.description)
    }
}

import Foundation
