import StyTr2
import StyleCore
import StyleIO
#if canImport(Glibc)
import Glibc
#endif

/// The engine's public entry point: load the model once, then stylise any number of pairs.
///
///     let stylizer = try Stylizer(options: options)
///     print(stylizer.modeDescription)
///     let image = try stylizer.stylize(content: try ImageFile.read("photo.jpg"), style: try ImageFile.read("style.png"))
public final class Stylizer {
    public let options: StyleOptions
    /// The mode that runs (never `.auto`).
    public let mode: StyleMode
    /// One line: which mode runs and why (the CLI prints it on stderr).
    public let modeDescription: String
    let transformer: StyTr2?

    public init(options: StyleOptions) throws {
        try options.validate()
        self.options = options
        let location = WeightsLocation(options.weights)
        switch options.mode {
        case .transformer:
            guard let file = location.file(named: "stytr2.safetensors") else {
                throw StyleError.io(path: location.describe("stytr2.safetensors"),
                                    reason: "no StyTr² weights; convert the official checkpoints with tools/convert_weights.py stytr2")
            }
            transformer = try Self.loadStyTr2(file)
            mode = .transformer
            modeDescription = "transformer mode (StyTr², \(file))"
        case .auto:
            if let file = location.file(named: "stytr2.safetensors") {
                transformer = try Self.loadStyTr2(file)
                mode = .transformer
                modeDescription = "transformer mode: StyTr² weights found at \(file)"
            } else {
                throw StyleError.invalidArgument("no StyTr² weights at \(location.describe("stytr2.safetensors")) and Gram mode is not available yet")
            }
        case .gram:
            throw StyleError.invalidArgument("Gram mode is not available yet")
        }
    }

    static func loadStyTr2(_ path: String) throws -> StyTr2 {
        let file = try SafeTensorsFile(path: path)
        let configuration = try StyTr2Configuration(metadata: file.metadata, path: path)
        return try StyTr2(configuration: configuration, weights: file, path: path)
    }

    /// Stylises content (3,H,W) with style (3,Hs,Ws), both RGB in [0,1]; returns (3,H',W') where
    /// H'×W' is the content's size after `options.size`. Values are not clamped.
    public func stylize(content: Tensor, style: Tensor) throws -> Tensor {
        let c = options.size.map { resizeLongSide(content, to: $0) } ?? content
        let s = options.styleSize > 0 ? resizeLongSide(style, to: options.styleSize) : style
        guard let transformer else { preconditionFailure("mode \(mode) has no model") }
        return try transformer.stylize(content: c, style: s)
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

/// Where weight files are looked for: --weights (a directory or a file), $STYLIZE_WEIGHTS, ./weights.
struct WeightsLocation {
    var path: String

    init(_ explicit: String?) {
        if let explicit { path = explicit }
        else if let env = getenv("STYLIZE_WEIGHTS"), env.pointee != 0 { path = String(cString: env) }
        else { path = "weights" }
    }

    var isFile: Bool { path.hasSuffix(".safetensors") }

    /// The file to load for `name`: the path itself when it names a file, else DIR/name if it exists.
    func file(named name: String) -> String? {
        if isFile { return access(path, F_OK) == 0 ? path : nil }
        let candidate = path + "/" + name
        return access(candidate, F_OK) == 0 ? candidate : nil
    }

    func describe(_ name: String) -> String { isFile ? path : path + "/" + name }
}
