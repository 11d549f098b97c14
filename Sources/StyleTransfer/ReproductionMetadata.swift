import GramStyle
import StyleCore

extension Stylizer {
    /// Key/value records that let `result` be reproduced, for `ImageFile.write(metadata:)` (PNG text
    /// chunks, JPEG comments): the mode, the weights (file name and SHA-256, or the seeded random
    /// network and its seed), the input names, and every option that changes the result, with
    /// defaults resolved to the values that ran (Gram: the network's layers and style weight, the passes).
    /// Keys start with "stylize:"; lists are comma-separated, style names one per line.
    public func metadata(content: String, styles: [String], result: Tensor) -> [(key: String, value: String)] {
        let h = result.shape[1], w = result.shape[2]
        var records: [(String, String)] = [
            ("mode", mode.rawValue),
            ("weights", weightsIdentity),
            ("content", content),
            ("styles", styles.joined(separator: "\n")),
            ("size", "\(w)x\(h)"),
            ("style-blend", options.blendWeights(styleCount: styles.count).map { "\($0)" }.joined(separator: ",")),
            ("preserve-color", options.preserveColor.rawValue),
        ]
        switch engine {
        case .transformer:
            records += [("style-size", options.styleSize == 0 ? "kept" : "\(options.styleSize)"), ("alpha", "\(options.alpha)"),
                        ("precision", options.precision.rawValue)]
        case let .gram(network):
            let g = options.gram
            let styleLayers = g.styleLayers ?? network.defaultStyleLayers.map { GramOptions.StyleLayer($0.name, weight: $0.weight) }
            let lr = g.effectiveLearningRate
            let optimizer = g.optimizer == .lbfgs ? "lbfgs lr \(lr) history \(g.historySize) line-search \(g.lineSearch)" : "adam lr \(Float(lr))"
            let passes = (try? GramStyle.gramPasses(content: (h, w), styles: [], options: g,
                                                    minimumSide: network.minimumSide(for: g)))
            records += [
                ("passes", (passes ?? []).map { "\($0.longSide):\($0.steps)" }.joined(separator: ",")),
                ("content-weight", "\(g.contentWeight)"),
                ("style-weight", "\(g.resolvedStyleWeight(for: network))"),
                ("loss-scale", g.lossScale.rawValue),
                ("style-loss", g.styleLoss.rawValue),
                ("tv-weight", "\(g.totalVariationWeight)"),
                ("content-layers", (g.contentLayers ?? network.defaultContentLayers).joined(separator: ",")),
                ("style-layers", styleLayers.map { "\($0.name):\($0.weight)" }.joined(separator: ",")),
                ("metric", "content \(g.contentMetric.rawValue), style \(g.styleMetric.rawValue)"),
                ("optimizer", optimizer),
                ("init-from", g.initialization.rawValue),
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
    var weightsIdentity: String {
        guard let weights else { return "seeded random network, seed \(options.gram.seed)" }
        let name = weights.path.split(separator: "/").last.map(String.init) ?? weights.path
        return "\(name) sha256 \(weights.sha256)"
    }
}
