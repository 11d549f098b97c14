import GramStyle
import StyTr2
import StyleCore
import StyleIO
#if canImport(Glibc)
import Glibc
#endif

/// Where weight files are: a directory holding stytr2.safetensors and/or vgg19.safetensors, or one
/// .safetensors file, used for the model its metadata names.
public enum WeightsLocation: Sendable, Equatable {
    case directory(String)
    case file(String)

    /// A path ending in .safetensors is a file, anything else a directory.
    public init(path: String) {
        self = path.hasSuffix(".safetensors") ? .file(path) : .directory(path)
    }

    /// Where `name` (e.g. "stytr2.safetensors") would be, for messages.
    func describe(_ name: String) -> String {
        switch self {
        case let .file(path): return path
        case let .directory(path): return (path.hasSuffix("/") ? path : path + "/") + name
        }
    }
}

/// The model that stylises.
public enum Engine {
    /// StyTr²: one forward pass.
    case transformer(StyTr2Model)
    /// Gatys et al.: optimisation against a feature network (VGG-19 or the seeded random network).
    case gram(FeatureNetwork)
}

/// A weight file as loaded: its path and the SHA-256 of its bytes (hex), from the mapping the tensors come from.
public struct WeightsFile: Sendable, Equatable {
    public let path: String
    public let sha256: String
}

/// The engine chosen for a mode and a weights location, with the reason in words.
struct EngineChoice {
    let engine: Engine
    let reason: String
    let weights: WeightsFile?
    /// Auto mode fell back to Gram mode: why, e.g. "no StyTr² weights at weights/stytr2.safetensors".
    var fallback: String? = nil

    init(engine: Engine, reason: String, weights: WeightsFile?, fallback: String?) {
        self.engine = engine; self.reason = reason; self.weights = weights; self.fallback = fallback
    }

    /// Chooses by `mode` (auto: StyTr² when its weights are there, else Gram) and loads the weights, each
    /// file mapped once. Gram mode without VGG-19 weights builds the random network from `seed`.
    init(mode: StyleMode, weights location: WeightsLocation, seed: UInt64) throws {
        let files = try WeightFiles(location, mode: mode)
        if mode != .gram, let file = files.stytr2 {
            engine = .transformer(try Self.loadStyTr2(file))
            weights = Self.identity(file)
            reason = mode == .transformer ? "transformer mode (StyTr², \(file.path))" : "transformer mode: StyTr² weights found at \(file.path)"
            return
        }
        if mode == .transformer {
            throw StyleError.io(path: location.describe("stytr2.safetensors"),
                                reason: "no StyTr² weights; convert the official checkpoints with tools/convert_weights.py stytr2")
        }
        if mode == .auto { fallback = "no StyTr² weights at \(location.describe("stytr2.safetensors"))" }
        let why = fallback.map { $0 + "; " } ?? ""
        if let file = files.vgg19 {
            engine = .gram(try Self.loadVGG(file))
            weights = Self.identity(file)
            reason = "Gram mode: \(why)VGG-19 from \(file.path)"
        } else {
            engine = .gram(defaultRandomNetwork(seed: seed))
            weights = nil
            reason = "Gram mode: \(why)no VGG-19 at \(location.describe("vgg19.safetensors")), using the seeded random feature network"
        }
    }

    static func identity(_ file: SafeTensorsFile) -> WeightsFile {
        WeightsFile(path: file.path, sha256: file.withBytes { sha256Hex($0) })
    }

    static func loadStyTr2(_ file: SafeTensorsFile) throws -> StyTr2Model {
        let configuration = try StyTr2Configuration(metadata: file.metadata, path: file.path)
        return try StyTr2Model(configuration: configuration, weights: file, path: file.path)
    }

    static func loadVGG(_ file: SafeTensorsFile) throws -> VGG19 {
        guard file.metadata["model"] == "vgg19" else {
            throw StyleError.weights(path: file.path, reason: "metadata says model '\(file.metadata["model"] ?? "none")', expected 'vgg19' (convert with tools/convert_weights.py vgg19)")
        }
        guard let layoutName = file.metadata["layout"], let layout = VGGLayout(rawValue: layoutName) else {
            throw StyleError.weights(path: file.path, reason: "metadata 'layout' must be one of \(VGGLayout.allCases.map(\.rawValue)), not '\(file.metadata["layout"] ?? "none")'")
        }
        return try VGG19(weights: file, layout: layout)
    }
}

/// The weight files at a location, each opened (mapped) once.
struct WeightFiles {
    var stytr2: SafeTensorsFile?
    var vgg19: SafeTensorsFile?

    init(_ location: WeightsLocation, mode: StyleMode) throws {
        switch location {
        case let .directory(path):
            func open(_ name: String) throws -> SafeTensorsFile? {
                let candidate = (path.hasSuffix("/") ? path : path + "/") + name
                return access(candidate, F_OK) == 0 ? try SafeTensorsFile(path: candidate) : nil
            }
            stytr2 = try open("stytr2.safetensors")
            vgg19 = try open("vgg19.safetensors")
        case let .file(path):
            // A named file must open unless Gram mode may do without it; its metadata decides the model (none:
            // let the StyTr² loader say what is wrong).
            if mode == .gram && access(path, F_OK) != 0 { return }
            let file = try SafeTensorsFile(path: path)
            if file.metadata["model"] == "vgg19" { vgg19 = file } else { stytr2 = file }
        }
    }
}
