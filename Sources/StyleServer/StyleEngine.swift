import Foundation
import StyleCore
import StyleIO
import StyleTransfer

/// The engines loaded once at start (each weight file mapped once), shared by every request, and the
/// encoded-style cache: a request's options make a `Stylizer` over them with `Stylizer.with(_:)`.
public final class StyleEngine: @unchecked Sendable {
    /// A loaded weight file as /v1/info shows it.
    public struct WeightFile: Codable, Sendable, Equatable {
        public var model: String
        public var file: String
        public var sha256: String
    }

    /// StyTr², when its weights are there.
    let transformer: Stylizer?
    /// Gram mode: VGG-19 when its weights are there, else the seeded random network.
    let gram: Stylizer
    let styles: StyleCache

    /// Loads from `weights` what is there: StyTr² (transformer and auto mode) and VGG-19 or the random network (Gram mode).
    /// - Throws: `StyleError` for corrupt weights.
    public convenience init(weights: WeightsLocation, styleCacheEntries: Int) throws {
        let auto = try Stylizer(options: StyleOptions(), weights: weights)
        guard auto.mode == .transformer else {
            self.init(transformer: nil, gram: auto, styleCacheEntries: styleCacheEntries)
            return
        }
        var gramOptions = StyleOptions()
        gramOptions.mode = .gram
        self.init(transformer: auto, gram: try Stylizer(options: gramOptions, weights: weights), styleCacheEntries: styleCacheEntries)
    }

    init(transformer: Stylizer?, gram: Stylizer, styleCacheEntries: Int) {
        self.transformer = transformer
        self.gram = gram
        styles = StyleCache(capacity: styleCacheEntries)
    }

    /// One line per mode: which engine runs it and from which file.
    public var reasons: [String] { [transformer?.reason, gram.reason].compactMap { $0 } }

    var modes: [String] { transformer == nil ? ["gram"] : ["transformer", "gram"] }

    var weightFiles: [WeightFile] {
        [transformer, gram].compactMap { stylizer in
            guard let stylizer, let file = stylizer.weights else { return nil }
            return WeightFile(model: stylizer.mode == .transformer ? "stytr2" : "vgg19",
                              file: URL(fileURLWithPath: file.path).lastPathComponent, sha256: file.sha256)
        }
    }

    /// The stylizer for a request's options (validated; auto picks the transformer when it is loaded).
    /// - Throws: `APIError` 422 for transformer mode without its weights; `InvalidOption` for options the engine refuses.
    func stylizer(for options: StyleOptions) throws -> Stylizer {
        switch options.mode {
        case .transformer where transformer == nil:
            throw APIError(.unprocessableContent, "mode transformer needs StyTr² weights and this server has none (start it with --weights DIR holding stytr2.safetensors); use mode gram", field: "mode")
        case .auto, .transformer:
            return try (transformer ?? gram).with(options)
        case .gram:
            return try gram.with(options)
        }
    }

    /// Runs one stylisation; returns the image and its reproduction metadata. Transformer styles come
    /// from the cache when the same bytes were prepared with the same options before.
    func run(_ job: DecodedRequest, progress: Stylizer.Progress? = nil, snapshot: ((Int, Tensor) throws -> Void)? = nil,
             isCancelled: (() -> Bool)? = nil) throws -> (image: Tensor, metadata: [(key: String, value: String)]) {
        let stylizer = job.request.stylizer
        let options = stylizer.options
        let prepared = try zip(job.request.styles, job.styles).enumerated().map { index, pair in
            let (upload, style) = pair
            guard stylizer.mode == .transformer else { return try stylizer.prepareStyle(style, index: index) }
            return try styles.prepared(key: upload.bytes.withUnsafeBytes { sha256Hex($0) } + "/\(options.styleSize)/\(options.preserveColor.rawValue)/\(options.precision.rawValue)") {
                try stylizer.prepareStyle(style, index: index)
            }
        }
        let image = try stylizer.stylize(content: job.content, styles: prepared, progress: progress, snapshot: snapshot, isCancelled: isCancelled)
        return (image, stylizer.metadata(content: job.request.content.name, styles: job.request.styles.map(\.name), result: image))
    }
}
