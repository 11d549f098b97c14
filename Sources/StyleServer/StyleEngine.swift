import GramStyle
import StyTr2
import StyleCore
import StyleIO
import StyleTransfer

// Adapter to today's library API (see OptionFields.swift): today's `Stylizer` binds its options at
// init and loads weights there, so the transformer path (the service's hot path) runs the StyTr²
// model loaded once here, and Gram mode or colour preservation builds a `Stylizer` per request.

/// The models loaded once at start, shared by every request (read-only after init).
public final class StyleEngine: @unchecked Sendable {
    /// A loaded weight file as /v1/info shows it.
    public struct WeightFile: Codable, Sendable, Equatable {
        public var model: String
        public var file: String
        public var sha256: String
    }

    let transformer: StyTr2?
    /// What reproduction metadata names as the transformer's weights.
    let transformerIdentity: String
    /// The weights location handed to per-request `Stylizer`s ("/dev/null/none": nothing there).
    let weightsLocation: String
    public let weightFiles: [WeightFile]
    let styles: StyleCache

    /// Loads StyTr² from `weights` (a directory holding stytr2.safetensors, or that file) if it is there.
    public static func load(weights: String?, styleCacheEntries: Int) throws -> StyleEngine {
        guard let weights else { return StyleEngine(transformer: nil, styleCacheEntries: styleCacheEntries) }
        let isFile = weights.hasSuffix(".safetensors")
        var files: [WeightFile] = []
        var model: StyTr2?
        for name in ["stytr2", "vgg19"] {
            let path = isFile ? weights : weights + "/" + name + ".safetensors"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let file = try SafeTensorsFile(path: path)
            guard (file.metadata["model"] ?? "stytr2") == name else { continue }
            if name == "stytr2" {
                model = try StyTr2(configuration: StyTr2Configuration(metadata: file.metadata, path: path), weights: file, path: path)
            }
            files.append(WeightFile(model: name, file: (path as NSString).lastPathComponent, sha256: try SHA256.hash(file: path).hex))
        }
        let identity = files.first { $0.model == "stytr2" }.map { "\($0.file) sha256 \($0.sha256)" } ?? ""
        return StyleEngine(transformer: model, identity: identity, weightsLocation: weights, weightFiles: files,
                           styleCacheEntries: styleCacheEntries)
    }

    /// An engine around a model built in memory (tests: seeded weights, no file).
    init(transformer: StyTr2?, identity: String = "seeded test weights", weightsLocation: String = "/dev/null/none",
         weightFiles: [WeightFile] = [], styleCacheEntries: Int) {
        self.transformer = transformer
        self.transformerIdentity = identity
        self.weightsLocation = weightsLocation
        self.weightFiles = weightFiles
        self.styles = StyleCache(capacity: styleCacheEntries)
    }

    /// The shortest side StyTr² accepts (a 2×2 token grid).
    var minimumSide: Int { transformer?.minimumSide ?? 16 }

    var modes: [String] { transformer == nil ? ["gram"] : ["transformer", "gram"] }

    /// The mode `requested` runs as here: auto picks the transformer when it is loaded.
    func resolve(_ requested: StyleMode) throws -> StyleMode {
        switch requested {
        case .auto: return transformer == nil ? .gram : .transformer
        case .transformer where transformer == nil:
            throw APIError(.unprocessableContent, "mode transformer needs StyTr² weights and this server has none (start it with --weights DIR holding stytr2.safetensors); use mode gram", field: "mode")
        default: return requested
        }
    }

    /// Gram progress: step (from 1), total steps, content, style and total loss.
    typealias Progress = (_ step: Int, _ steps: Int, _ content: Double, _ style: Double, _ total: Double) -> Void

    /// Runs one stylisation (mode already resolved); returns the image and its reproduction metadata.
    func run(_ job: DecodedRequest, progress: Progress? = nil, snapshot: ((Int, Tensor) throws -> Void)? = nil,
             isCancelled: (() -> Bool)? = nil) throws -> (image: Tensor, metadata: [(key: String, value: String)]) {
        let names = (content: job.request.content.name, styles: job.request.styles.map(\.name))
        var options = job.request.options
        if options.mode == .transformer, options.preserveColor == .none, let transformer {
            let content = options.size.map { resizeLongSide(job.content, to: $0) } ?? job.content
            let encoded = try zip(job.request.styles, job.styles).map { upload, style in
                try styles.encoded(styleBytes: upload.bytes, styleSize: options.styleSize) {
                    try transformer.encodeStyle(options.styleSize > 0 ? resizeLongSide(style, to: options.styleSize) : style)
                }
            }
            let image = try transformer.stylize(content: content, styles: encoded, weights: options.styleBlend, alpha: options.alpha)
            let blend = try normalizedBlendWeights(options.styleBlend, styleCount: encoded.count)
            let records: [(String, String)] = [
                ("mode", "transformer"), ("weights", transformerIdentity), ("content", names.content),
                ("styles", names.styles.joined(separator: "\n")), ("size", "\(image.shape[2])x\(image.shape[1])"),
                ("style-blend", blend.map { "\($0)" }.joined(separator: ",")), ("preserve-color", "none"),
                ("style-size", options.styleSize == 0 ? "kept" : "\(options.styleSize)"), ("alpha", "\(options.alpha)"),
            ]
            return (image, records.map { (key: "stylize:" + $0.0, value: $0.1) })
        }
        options.weights = weightsLocation
        options.gram.snapshotEvery = snapshot == nil ? 0 : options.gram.snapshotEvery
        let stylizer = try Stylizer(options: options)
        let image = try stylizer.stylize(content: job.content, styles: job.styles, progress: progress, snapshot: snapshot, isCancelled: isCancelled)
        return (image, try stylizer.metadata(content: names.content, styles: names.styles, result: image))
    }
}

import Foundation
