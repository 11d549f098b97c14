import StyleCore

/// StyTr²'s upsampler: reflection-padded 3×3 convs with ReLU (none after the last),
/// nearest ×2 before the convs the configuration names. Channels come from the weights.
struct CNNDecoder {
    struct Conv {
        var weight: Tensor   // (OC,IC,3,3)
        var bias: Tensor     // (OC)
        var upsampleBefore: Bool
        /// The weight in the Winograd domain, where `winogradApplies` (every conv of the official decoder).
        var winograd: Winograd3x3Weights?
    }
    var convs: [Conv]

    init(_ w: WeightProvider, _ c: StyTr2Configuration, path: String) throws {
        var inC = c.dModel
        convs = []
        for index in c.cnnConvs {
            let name = "cnn_decoder.\(index).weight"
            guard let shape = w.shape(of: name) else { throw StyleError.weights(path: path, reason: "missing tensor '\(name)'") }
            guard shape.count == 4, shape[1] == inC, shape[2] == 3, shape[3] == 3 else {
                throw StyleError.weights(path: path, reason: "tensor '\(name)' has shape \(shape), expected [_, \(inC), 3, 3]")
            }
            let weight = try w.tensor(name, shape: shape)
            convs.append(Conv(weight: weight, bias: try w.tensor("cnn_decoder.\(index).bias", shape: [shape[0]]),
                              upsampleBefore: c.cnnUpsampleBefore.contains(index),
                              winograd: winogradApplies(weight: shape, stride: 1, padding: .reflect(1)) ? Winograd3x3Weights(weight) : nil))
            inC = shape[0]
        }
        guard inC == 3 else { throw StyleError.weights(path: path, reason: "the CNN decoder ends with \(inC) channels, expected 3 (RGB)") }
    }

    /// x (D,h,w) → image (3, h·scale, w·scale).
    func forward(_ x: Tensor) -> Tensor {
        var y = x
        for (i, conv) in convs.enumerated() {
            if conv.upsampleBefore { y = upsampleNearest2x(y) }
            let activation: Activation = i == convs.count - 1 ? .none : .relu
            y = conv.winograd.map { conv3x3Winograd(y, weights: $0, bias: conv.bias, padding: .reflect(1), activation: activation) }
                ?? conv2d(y, weight: conv.weight, bias: conv.bias, padding: .reflect(1), activation: activation)
        }
        return y
    }
}
