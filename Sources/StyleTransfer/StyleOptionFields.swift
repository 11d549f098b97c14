import GramStyle
import StyleCore

extension StyleOptions {
    /// The options settable by name, as the CLI's long options with `_` for `-` (the HTTP form fields).
    public static let fieldNames = [
        "mode", "size", "style_size", "max_pixels", "alpha", "style_blend", "preserve_color", "quality",
        "steps", "content_weight", "style_weight", "tv_weight", "content_layers", "style_layers", "metric",
        "optimizer", "lr", "history", "init_from", "seed", "style_scale", "multiscale", "save_every",
        "loss_scale", "style_loss", "mrf_weight", "mrf_layers", "mrf_stride", "precision",
    ]

    /// Sets the option `field` from its text form, e.g. ("alpha", "0.5"), ("style_blend", "2,1"),
    /// ("style_layers", "relu1_1:1,relu2_1:0.5"), ("multiscale", "off", "256,384" or "128:100,256:60").
    /// Ranges are checked by `validate`, once every field is set.
    /// - Throws: `InvalidOption` for an unknown field or text that is not of the field's kind.
    public mutating func set(_ field: String, to text: String) throws {
        switch field {
        case "mode": mode = try parseEnum(field, text)
        case "size": size = try parseNumber(field, text, "a whole number of pixels")
        case "style_size": styleSize = try parseNumber(field, text, "a whole number of pixels")
        case "max_pixels": maxPixels = try parseNumber(field, text, "a whole number")
        case "alpha": alpha = try parseNumber(field, text, "a number")
        case "style_blend": styleBlend = try parseList(field, text, "comma-separated numbers, one per style image, e.g. 2,1") { Float($0) }
        case "preserve_color": preserveColor = try parseEnum(field, text)
        case "quality": quality = try parseNumber(field, text, "a whole number")
        case "steps": gram.steps = try parseNumber(field, text, "a whole number")
        case "content_weight": gram.contentWeight = try parseNumber(field, text, "a number")
        case "style_weight": gram.styleWeight = try parseNumber(field, text, "a number")
        case "tv_weight": gram.totalVariationWeight = try parseNumber(field, text, "a number")
        case "content_layers": gram.contentLayers = try parseList(field, text, "comma-separated layer names") { $0.isEmpty ? nil : $0 }
        case "style_layers":
            gram.styleLayers = try parseList(field, text, "entries NAME or NAME:WEIGHT with WEIGHT ≥ 0, e.g. relu1_1:1,relu2_1:0.5") { item in
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count <= 2, !parts[0].isEmpty, let weight = parts.count == 2 ? Float(parts[1]) : 1 else { return nil }
                return GramOptions.StyleLayer(String(parts[0]), weight: weight)
            }
        case "metric":
            let metric: DistanceMetric = try parseEnum(field, text)
            // KL compares distributions (non-negative Gram matrices); content maps may be signed, so mse there.
            gram.contentMetric = metric == .kl ? .mse : metric
            gram.styleMetric = metric
        case "optimizer": gram.optimizer = try parseEnum(field, text)
        case "lr": gram.learningRate = try parseNumber(field, text, "a number")
        case "history": gram.historySize = try parseNumber(field, text, "a whole number")
        case "init_from": gram.initialization = try parseEnum(field, text)
        case "seed": gram.seed = try parseNumber(field, text, "a whole number from 0 to \(UInt64.max)")
        case "style_scale": gram.styleScale = try parseNumber(field, text, "a number")
        case "multiscale":
            // "off", "N,…" (each pass runs `steps`) or "N:STEPS,…" (each its own count, e.g. 128:100,256:60).
            let kind = "off or ascending long sides of at least 16 pixels, each optionally :STEPS, e.g. 256,384 or 128:100,256:60"
            let passes: [(side: Int, steps: Int?)] = text == "off" ? [] : try parseList(field, text, kind) { item in
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count <= 2, let side = Int(parts[0]) else { return nil }
                if parts.count == 1 { return (side, nil) }
                return Int(parts[1]).map { (side, $0) }
            }
            let counts = passes.compactMap(\.steps)
            guard counts.isEmpty || counts.count == passes.count else {
                throw InvalidOption(field, "gives steps to some passes only: give N:STEPS for every pass or for none, not '\(text)'")
            }
            gram.scales = passes.map(\.side)
            gram.scaleSteps = counts.isEmpty ? nil : counts
        case "save_every": gram.snapshotEvery = try parseNumber(field, text, "a whole number")
        case "loss_scale": gram.lossScale = try parseEnum(field, text)
        case "style_loss": gram.styleLoss = try parseEnum(field, text)
        case "mrf_weight": gram.mrf.weight = try parseNumber(field, text, "a number")
        case "mrf_layers": gram.mrf.layers = try parseList(field, text, "comma-separated layer names") { $0.isEmpty ? nil : $0 }
        case "mrf_stride": gram.mrf.styleStride = try parseNumber(field, text, "a whole number")
        case "precision": precision = try parseEnum(field, text)
        default:
            throw InvalidOption(field, "is not an option; the options are \(Self.fieldNames.joined(separator: ", "))")
        }
    }
}

/// A case of a String enum by its raw value; the error lists every value.
func parseEnum<E: RawRepresentable & CaseIterable>(_ field: String, _ text: String) throws -> E where E.RawValue == String {
    if let value = E(rawValue: text) { return value }
    let names = E.allCases.map(\.rawValue)
    let choices = names.count <= 2 ? names.joined(separator: " or ") : names.dropLast().joined(separator: ", ") + " or " + names.last!
    throw InvalidOption(field, "must be \(choices), not '\(text)'")
}

/// A number from its text (LosslessStringConvertible: Int, UInt64, Float, Double).
func parseNumber<N: LosslessStringConvertible>(_ field: String, _ text: String, _ kind: String) throws -> N {
    guard let value = N(text.trimmingSpaces) else { throw InvalidOption(field, "must be \(kind), not '\(text)'") }
    return value
}

/// Comma-separated items, each parsed by `item` (nil: not of the kind described by `kind`).
func parseList<T>(_ field: String, _ text: String, _ kind: String, _ item: (String) -> T?) throws -> [T] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map {
        guard let value = item(String($0).trimmingSpaces) else { throw InvalidOption(field, "takes \(kind), not '\(text)'") }
        return value
    }
}
