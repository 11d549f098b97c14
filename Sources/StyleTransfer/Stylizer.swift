import GramStyle
import StyTr2
import StyleCore
import StyleIO
#if canImport(Glibc)
import Glibc
#endif

/// The engine's public entry point: choose the mode and load its weights once, then stylise any
/// number of pairs.
///
///     let stylizer = try Stylizer(options: options)
///     print(stylizer.modeDescription)
///     let image = try stylizer.stylize(content: try ImageFile.read("photo.jpg"), style: try ImageFile.read("style.png"))
public final class Stylizer {
    /// The options it was made with (validated).
    public let options: StyleOptions
    /// The mode that runs (never `.auto`).
    public let mode: StyleMode
    /// One line: which mode runs and why (the CLI prints it on stderr).
    public let modeDescription: String
    let transformer: StyTr2?
    let network: FeatureNetwork?
    /// The weight file loaded; nil for the seeded random network.
    let weightsFile: String?
    /// Hex SHA-256 of `weightsFile`, computed on first use by `metadata`.
    var weightsDigest: String?

    /// Chooses the mode (`options.mode`) and loads its weights.
    /// - Throws: `StyleError` for bad options, missing or corrupt weights, or α ≠ 1 when Gram mode runs.
    public init(options: StyleOptions) throws {
        try options.validate()
        self.options = options
        let location = WeightsLocation(options.weights)
        let stytr2File = location.file(for: "stytr2")
        switch options.mode {
        case .transformer:
            guard let file = stytr2File else {
                throw StyleError.io(path: location.describe("stytr2.safetensors"),
                                    reason: "no StyTr² weights; convert the official checkpoints with tools/convert_weights.py stytr2")
            }
            transformer = try Self.loadStyTr2(file)
            network = nil
            weightsFile = file
            mode = .transformer
            modeDescription = "transformer mode (StyTr², \(file))"
        case .auto where stytr2File != nil:
            transformer = try Self.loadStyTr2(stytr2File!)
            network = nil
            weightsFile = stytr2File
            mode = .transformer
            modeDescription = "transformer mode: StyTr² weights found at \(stytr2File!)"
        case .auto, .gram:
            transformer = nil
            mode = .gram
            let why = options.mode == .auto ? "no StyTr² weights at \(location.describe("stytr2.safetensors")); " : ""
            guard options.alpha == 1 else {
                throw StyleError.invalidArgument("--alpha works in transformer mode only, and Gram mode runs (\(why)--mode \(options.mode)); weigh style with --style-weight instead")
            }
            weightsFile = location.file(for: "vgg19")
            if let file = weightsFile {
                network = try Self.loadVGG(file)
                modeDescription = "Gram mode: \(why)VGG-19 from \(file)"
            } else {
                network = defaultRandomNetwork(seed: options.gram.seed)
                modeDescription = "Gram mode: \(why)no VGG-19 at \(location.describe("vgg19.safetensors")), using the seeded random feature network"
            }
        }
    }

    static func loadStyTr2(_ path: String) throws -> StyTr2 {
        let file = try SafeTensorsFile(path: path)
        let configuration = try StyTr2Configuration(metadata: file.metadata, path: path)
        return try StyTr2(configuration: configuration, weights: file, path: path)
    }

    static func loadVGG(_ path: String) throws -> VGG19 {
        let file = try SafeTensorsFile(path: path)
        guard file.metadata["model"] == "vgg19" else {
            throw StyleError.weights(path: path, reason: "metadata says model '\(file.metadata["model"] ?? "none")', expected 'vgg19' (convert with tools/convert_weights.py vgg19)")
        }
        guard let layoutName = file.metadata["layout"], let layout = VGGLayout(rawValue: layoutName) else {
            throw StyleError.weights(path: path, reason: "metadata 'layout' must be one of \(VGGLayout.allCases.map(\.rawValue)), not '\(file.metadata["layout"] ?? "none")'")
        }
        return try VGG19(weights: file, layout: layout)
    }

    /// Progress of a Gram-mode optimisation: step (from 1), total steps, weighted loss terms.
    public typealias Progress = (_ step: Int, _ totalSteps: Int, _ content: Double, _ style: Double, _ total: Double) -> Void

    /// Stylises content (3,H,W) with style (3,Hs,Ws), both RGB in [0,1]; returns (3,H',W') where
    /// H'×W' is the content's size after `options.size` (Gram mode: long side 512 by default).
    /// Values are not clamped in transformer mode, clamped to [0,1] in Gram mode (unless
    /// `options.preserveColor` is `.luminance`). Gram mode hands `snapshot` the current image every
    /// `options.gram.snapshotEvery` steps and calls `progress` after every step; `isCancelled` returning
    /// true stops it with `CancellationError`; `unchanged` hears when Gram mode could not move the image.
    /// - Throws: `StyleError` for bad images or options; `CancellationError`.
    public func stylize(content: Tensor, style: Tensor, progress: Progress? = nil,
                        snapshot: ((_ step: Int, _ image: Tensor) throws -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil, unchanged: ((UnchangedImage) -> Void)? = nil) throws -> Tensor {
        try stylize(content: content, styles: [style], progress: progress, snapshot: snapshot, isCancelled: isCancelled, unchanged: unchanged)
    }

    /// `stylize(content:style:…)` with a blend of one or more style images, weighted by `options.styleBlend`.
    public func stylize(content: Tensor, styles: [Tensor], progress: Progress? = nil,
                        snapshot: ((_ step: Int, _ image: Tensor) throws -> Void)? = nil,
                        isCancelled: (() -> Bool)? = nil, unchanged: ((UnchangedImage) -> Void)? = nil) throws -> Tensor {
        let color = options.preserveColor
        if let transformer {
            let c = options.size.map { resizeLongSide(content, to: $0) } ?? content
            let s = styles.map { options.styleSize > 0 ? resizeLongSide($0, to: options.styleSize) : $0 }
            let model = color.prepare(content: c, styles: s)
            return color.finish(try transformer.stylize(content: model.content, styles: model.styles, weights: options.styleBlend, alpha: options.alpha), content: c)
        }
        guard let network else { preconditionFailure("no model for mode \(mode)") }
        let c = resizeLongSide(content, to: options.size ?? 512)
        let model = color.prepare(content: c, styles: styles)
        let total = try options.gram.passes(longSide: max(c.shape[1], c.shape[2])).reduce(0) { $0 + $1.steps }
        return color.finish(try gramStylize(content: model.content, styles: model.styles, weights: options.styleBlend, network: network, options: options.gram,
                                            progress: progress.map { p in { step, content, style, sum in p(step, total, content, style, sum) } },
                                            snapshot: snapshot.map { s in { step, image in try s(step, color.finish(image, content: c)) } },
                                            isCancelled: isCancelled, unchanged: unchanged), content: c)
    }
}

/// image (3,H,W) scaled so that max(H,W) = side, aspect kept; antialiased when shrinking.
public func resizeLongSide(_ image: Tensor, to side: Int) -> Tensor {
    let h = image.shape[1], w = image.shape[2]
    let long = max(h, w)
    if long == side { return image }
    let nh = max(1, (h * side + long / 2) / long), nw = max(1, (w * side + long / 2) / long)
    return side < long ? resizeAntialiased(image, height: nh, width: nw) : resizeBilinear(image, height: nh, width: nw)
}

/// Where weight files are looked for: --weights (a directory or a .safetensors file), then
/// $STYLIZE_WEIGHTS, then ./weights. A directory holds stytr2.safetensors and/or vgg19.safetensors;
/// a file is used for the model its metadata names.
struct WeightsLocation {
    var path: String

    init(_ explicit: String?) {
        if let explicit { path = explicit }
        else if let env = getenv("STYLIZE_WEIGHTS"), env.pointee != 0 { path = String(cString: env) }
        else { path = "weights" }
    }

    var isFile: Bool { path.hasSuffix(".safetensors") }

    /// The file holding `model` ("stytr2" or "vgg19"), or nil if there is none.
    func file(for model: String) -> String? {
        if isFile {
            // A named file must exist; its metadata decides which model it is (nil model: let the
            // StyTr² loader report what is wrong with it).
            guard access(path, F_OK) == 0 else { return model == "stytr2" ? path : nil }
            let named = (try? SafeTensorsFile(path: path))?.metadata["model"]
            return named == model || (named == nil && model == "stytr2") ? path : nil
        }
        let candidate = path + "/" + model + ".safetensors"
        return access(candidate, F_OK) == 0 ? candidate : nil
    }

    func describe(_ name: String) -> String { isFile ? path : path + "/" + name }
}
