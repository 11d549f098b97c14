import GramStyle
import StyleCore
import StyleIO

extension Stylizer {
    /// Key/value records that let `result` be reproduced, for `ImageFile.write(metadata:)` (PNG text
    /// chunks, JPEG comments): the mode, the weights (file name and SHA-256, or the seeded random
    /// network and its seed), the input file names, and every option that changes the result, with
    /// defaults resolved to the values that ran (Gram: the network's layers and style weight, the passes).
    /// Keys start with "stylize:"; lists are comma-separated, style file names one per line.
    /// - Throws: `StyleError.io` when the weight file cannot be read for hashing.
    public func metadata(content: String, styles: [String], result: Tensor) throws -> [(key: String, value: String)] {
        let h = result.shape[1], w = result.shape[2]
        var records: [(String, String)] = [
            ("mode", mode.rawValue),
            ("weights", try weightsIdentity()),
            ("content", content),
            ("styles", styles.joined(separator: "\n")),
            ("size", "\(w)x\(h)"),
            ("style-blend", try normalizedBlendWeights(options.styleBlend, styleCount: styles.count).map { "\($0)" }.joined(separator: ",")),
            ("preserve-color", options.preserveColor.rawValue),
        ]
        if mode == .transformer {
            records += [("style-size", options.styleSize == 0 ? "kept" : "\(options.styleSize)"), ("alpha", "\(options.alpha)")]
        } else if let network {
            let g = options.gram
            let styleLayers = g.styleLayers ?? network.defaultStyleLayers.map { GramOptions.StyleLayer($0.name, weight: $0.weight) }
            let optimiser: String
            switch g.optimiser {
            case let .lbfgs(lr, history, lineSearch): optimiser = "lbfgs lr \(lr) history \(history) line-search \(lineSearch)"
            case let .adam(lr): optimiser = "adam lr \(lr)"
            }
            records += [
                ("passes", try g.passes(longSide: max(h, w)).map { "\($0.longSide):\($0.steps)" }.joined(separator: ",")),
                ("content-weight", "\(g.contentWeight)"),
                ("style-weight", "\(g.resolvedStyleWeight(for: network))"),
                ("loss-scale", g.lossScale.rawValue),
                ("style-loss", g.styleLoss.rawValue),
                ("tv-weight", "\(g.totalVariationWeight)"),
                ("content-layers", (g.contentLayers ?? network.defaultContentLayers).joined(separator: ",")),
                ("style-layers", styleLayers.map { "\($0.name):\($0.weight)" }.joined(separator: ",")),
                ("metric", "content \(g.contentMetric.rawValue), style \(g.styleMetric.rawValue)"),
                ("optimizer", optimiser),
                ("init-from", "\(g.initialisation)"),
                ("seed", "\(g.seed)"),
                ("style-scale", "\(g.styleScale)"),
                ("margin", "\(g.margin ?? network.suggestedMargin)"),
            ]
            if g.styleLoss != .gram {
                records.append(("mrf", "weight \(g.resolvedPatchWeight) layers \((g.mrf.layers ?? network.defaultPatchLayers).joined(separator: ",")) style-stride \(g.mrf.styleStride)"))
            }
        }
        return records.map { (key: "stylize:" + $0.0, value: $0.1) }
    }

    /// "stytr2.safetensors sha256 <hex>" or "seeded random network, seed S".
    func weightsIdentity() throws -> String {
        guard let weightsFile else { return "seeded random network, seed \(options.gram.seed)" }
        if weightsDigest == nil { weightsDigest = try SHA256.hash(file: weightsFile).hex }
        let name = weightsFile.split(separator: "/").last.map(String.init) ?? weightsFile
        return "\(name) sha256 \(weightsDigest!)"
    }
}
