import StyleCore

/// How a VGG-19 weight file expects its input and pads its convolutions.
public enum VGGLayout: String, Sendable, CaseIterable {
    /// `vgg_normalised.pth` (AdaIN, StyTr²): a 1×1 conv 3→3 (`preprocess.*`) maps RGB [0,1] to
    /// BGR·255 − mean; reflection padding; ceil-mode max-pooling.
    case normalised
    /// torchvision `vgg19`: ImageNet mean/std normalisation of RGB [0,1]; zero padding; floor max-pooling.
    case torchvision

    var padding: Padding { self == .normalised ? .reflect(1) : .zero(1) }
    var ceilMode: Bool { self == .normalised }
}

/// VGG-19 features up to relu5_1 (Simonyan & Zisserman 2015), frozen, from a weight file or seeded.
///
/// Tensor names (as written by tools/convert_weights.py): `preprocess.weight` (3,3,1,1) and
/// `preprocess.bias` (3) in the normalised layout only, then `conv1_1.weight` (64,3,3,3),
/// `conv1_1.bias` … `conv5_1.*`. Layers conv5_2 … conv5_4 are not needed and not read.
/// `widths` (channels of blocks 1…5) exist so tests can run the real layer structure with tiny channel counts.
public final class VGG19: FeatureNetwork {
    /// Channels of blocks 1…5 of the real network.
    public static let standardWidths = [64, 128, 256, 512, 512]
    /// Convolutions per block read here (block 5 only up to conv5_1).
    static let convsPerBlock = [2, 2, 4, 4, 1]
    /// ImageNet statistics of the torchvision layout, RGB.
    static let imagenetMean: [Float] = [0.485, 0.456, 0.406], imagenetStd: [Float] = [0.229, 0.224, 0.225]

    public let layout: VGGLayout
    public let widths: [Int]
    /// relu1_1, relu1_2, relu2_1, … relu5_1: every layer a loss may read.
    public let layerNames: [String]
    public let defaultContentLayers = ["relu4_2"]
    public let defaultStyleLayers: [(name: String, weight: Float)] =
        ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"].map { ($0, 1) }
    /// Li & Wand's layers for the patch term: mid-level textures (relu3_1) and motifs (relu4_1).
    public let defaultPatchLayers = ["relu3_1", "relu4_1"]
    /// 1e6 for torchvision (PyTorch's neural-style tutorial, same normalisations); 1e2 for the normalised
    /// layout, a guess not yet checked against the real weight file.
    public var suggestedStyleWeight: Float { layout == .normalised ? 1e2 : 1e6 }

    /// The 1×1 input conv of the normalised layout.
    let preprocess: (weight: Tensor, bias: Tensor)?
    /// conv1_1 … conv5_1 in forward order; `poolAfter` marks the last conv of blocks 1…4; `winograd` holds the
    /// transformed weights of the layers `winogradApplies` picks (all but conv1_1).
    let convs: [(name: String, weight: Tensor, bias: Tensor, poolAfter: Bool, winograd: Winograd3x3Weights?)]

    /// Every tensor name and shape this network reads in `layout` with `widths`.
    public static func tensorShapes(layout: VGGLayout, widths: [Int] = standardWidths) -> [String: [Int]] {
        var shapes: [String: [Int]] = [:]
        if layout == .normalised { shapes["preprocess.weight"] = [3, 3, 1, 1]; shapes["preprocess.bias"] = [3] }
        for conv in convList(widths) {
            shapes["\(conv.name).weight"] = [conv.out, conv.in, 3, 3]
            shapes["\(conv.name).bias"] = [conv.out]
        }
        return shapes
    }

    /// (name, input channels, output channels) of conv1_1 … conv5_1.
    static func convList(_ widths: [Int]) -> [(name: String, in: Int, out: Int, poolAfter: Bool)] {
        var list: [(String, Int, Int, Bool)] = []
        var channels = 3
        for (block, count) in convsPerBlock.enumerated() {
            for i in 0..<count {
                list.append(("conv\(block + 1)_\(i + 1)", channels, widths[block], i == count - 1 && block < 4))
                channels = widths[block]
            }
        }
        return list
    }

    /// Loads the network from `weights` (a safetensors file, or `SeededWeights` in tests).
    /// - Throws: `StyleError.weights` naming the first tensor that is missing or has the wrong shape.
    public init(weights: WeightProvider, layout: VGGLayout, widths: [Int] = standardWidths) throws {
        guard widths.count == 5, widths.allSatisfy({ $0 > 0 }) else {
            throw StyleError.invalidArgument("VGG19 needs 5 positive block widths, got \(widths)")
        }
        self.layout = layout
        self.widths = widths
        preprocess = layout == .normalised
            ? (try weights.tensor("preprocess.weight", shape: [3, 3, 1, 1]), try weights.tensor("preprocess.bias", shape: [3]))
            : nil
        let padding = layout.padding
        convs = try Self.convList(widths).map {
            let weight = try weights.tensor("\($0.name).weight", shape: [$0.out, $0.in, 3, 3])
            return ($0.name, weight, try weights.tensor("\($0.name).bias", shape: [$0.out]), $0.poolAfter,
                    winogradApplies(weight: weight.shape, stride: 1, padding: padding) ? Winograd3x3Weights(weight) : nil)
        }
        layerNames = convs.map { "relu" + $0.name.dropFirst(4) }
    }

    /// A deterministic random VGG-19 for when there is no weight file: every conv weight and bias is
    /// `SeededWeights.generate(name:shape:seed:)` (He-uniform weights, variance 2/fan_in; biases 0.1·U[−1,1)).
    /// In the normalised layout the 1×1 preprocess conv is the real one (RGB [0,1] → BGR·255 − mean).
    public static func random(seed: UInt64, layout: VGGLayout = .torchvision, widths: [Int] = standardWidths) -> VGG19 {
        var provider = SeededWeights(seed: seed, shapes: tensorShapes(layout: layout, widths: widths))
        provider.shapes["preprocess.weight"] = nil
        provider.shapes["preprocess.bias"] = nil
        let weights = CanonicalPreprocess(seeded: provider)
        return try! VGG19(weights: weights, layout: layout, widths: widths)
    }

    public func fits(height: Int, width: Int, layers: Set<String>) -> Bool {
        guard let deepest = layerNames.lastIndex(where: layers.contains) else { return height > 0 && width > 0 }
        var h = height, w = width
        for (i, conv) in convs.enumerated() where i <= deepest {
            if case .reflect = layout.padding, h < 2 || w < 2 { return false }
            if conv.poolAfter && i < deepest {
                if !layout.ceilMode && (h < 2 || w < 2) { return false }
                (h, w) = (pooledSize(h, ceilMode: layout.ceilMode), pooledSize(w, ceilMode: layout.ceilMode))
            }
        }
        return h > 0 && w > 0
    }

    public func forward(_ image: Tensor, layers: Set<String>, tape: BackwardTape?) throws -> [String: Tensor] {
        try checkImage(image)
        try checkLayers(layers)
        guard let deepest = layerNames.lastIndex(where: layers.contains) else { return [:] }
        var x: Tensor
        if let preprocess {
            // (3,H,W) RGB [0,1] → (3,H,W) BGR·255 − mean, a pointwise conv.
            x = convForward(image, weight: preprocess.weight, bias: preprocess.bias, padding: .zero(0), tape: tape)
        } else {
            // (3,H,W) RGB [0,1] → (x − mean)/std per channel.
            x = image.copy()
            affineForward(x, shift: Self.imagenetMean, scale: Self.imagenetStd.map { 1 / $0 }, tape: tape)
        }
        var out: [String: Tensor] = [:]
        for (i, conv) in convs.enumerated() where i <= deepest {
            if case .reflect = layout.padding, x.shape[1] < 2 || x.shape[2] < 2 {
                throw StyleError.invalidArgument(
                    "image \(image.shape[1])×\(image.shape[2]) is too small for \(conv.name) (reflection padding needs 2 px there)")
            }
            // (C,H,W) → (OC,H,W), 3×3, padding 1.
            x = conv.winograd.map { convForward(x, winograd: $0, bias: conv.bias, padding: layout.padding, tape: tape) }
                ?? convForward(x, weight: conv.weight, bias: conv.bias, padding: layout.padding, tape: tape)
            reluForward(x, name: layerNames[i], tape: tape)
            if layers.contains(layerNames[i]) { out[layerNames[i]] = x }
            if conv.poolAfter && i < deepest {
                guard x.shape[1] >= 2 || layout.ceilMode, x.shape[2] >= 2 || layout.ceilMode else {
                    throw StyleError.invalidArgument("image \(image.shape[1])×\(image.shape[2]) is too small to pool after \(conv.name)")
                }
                // (C,H,W) → (C,H/2,W/2), floor or ceil.
                x = maxPoolForward(x, ceilMode: layout.ceilMode, tape: tape)
            }
        }
        return out
    }
}

/// Seeded conv weights plus the real normalised-layout preprocess conv: RGB [0,1] → BGR·255 − mean (Caffe's BGR means).
struct CanonicalPreprocess: WeightProvider {
    var seeded: SeededWeights
    static let bgrMean: [Float] = [103.939, 116.779, 123.68]

    func shape(of name: String) -> [Int]? {
        switch name {
        case "preprocess.weight": return [3, 3, 1, 1]
        case "preprocess.bias": return [3]
        default: return seeded.shape(of: name)
        }
    }

    func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        switch name {
        case "preprocess.weight":
            let w = Tensor(shape: [3, 3, 1, 1])
            for o in 0..<3 { w[o * 3 + (2 - o)] = 255 }  // output B,G,R ← input channel 2,1,0
            return w
        case "preprocess.bias": return Tensor(shape: [3], values: Self.bgrMean.map { -$0 })
        default: return try seeded.tensor(name, shape: shape)
        }
    }
}
