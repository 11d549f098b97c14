import StyleCore

/// StyTr²'s upsampler: reflection-padded 3×3 convs with ReLU (none after the last),
/// nearest ×2 before the convs the configuration names. Channels come from the weights.
///
/// Large images run in horizontal bands of output rows, so memory stays bounded: at 4096×2304 one
/// 64-channel map at full resolution is 2.4 GB, one 128-row band of it 134 MB.
struct CNNDecoder {
    struct Conv {
        var weight: Tensor   // (OC,IC,3,3)
        var bias: Tensor     // (OC)
        var upsampleBefore: Bool
        /// The weight in the Winograd domain, where `winogradApplies` (every conv of the official decoder).
        var winograd: Winograd3x3Weights?
    }
    var convs: [Conv]

    /// Floats one activation map of a band may hold (128 MB), which sets the band height.
    static let bandBudget = 32 << 20

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

    /// Upsampling factor from the input grid to the output image.
    var scale: Int { 1 << convs.filter(\.upsampleBefore).count }

    /// x (D,h,w) → image (3, h·scale, w·scale), in bands of at most `bandRows` output rows (default:
    /// as many as fit `bandBudget`). Equal to the unbanded computation: each band starts from enough
    /// extra rows above and below that every row it keeps saw the same neighbours.
    func forward(_ x: Tensor, bandRows: Int? = nil, precision: Precision = .fp32) -> Tensor {
        let h = x.shape[1], w = x.shape[2], outH = h * scale, outW = w * scale
        let rows = max(1, bandRows ?? defaultBandRows(width: w))
        if rows >= outH { return forwardBand(x, output: 0..<outH, precision: precision) }
        let out = Tensor(shape: [3, outH, outW])
        for start in stride(from: 0, to: outH, by: rows) {
            let band = forwardBand(x, output: start..<min(outH, start + rows), precision: precision)
            copyRows(band, into: out, at: start)
        }
        return out
    }

    /// Output rows per band when none are given: as many as keep each activation map within `bandBudget`.
    func defaultBandRows(width w: Int) -> Int {
        max(1, Self.bandBudget / max(1, floatsPerOutputRow(width: w)))
    }

    /// The largest per-layer activation, in floats per row of the final output, for a grid w wide.
    func floatsPerOutputRow(width w: Int) -> Int {
        var factor = 1, largest = 0
        for conv in convs {
            if conv.upsampleBefore { factor *= 2 }
            // A row at this layer is w·factor wide and covers scale/factor output rows.
            largest = max(largest, conv.weight.shape[0...1].max()! * w * factor * factor / scale)
        }
        return largest
    }

    /// Output rows `output` of the decoded image, from the input rows they depend on.
    /// x is (D,h,w); returns (3, output.count, w·scale).
    func forwardBand(_ x: Tensor, output: Range<Int>, precision: Precision) -> Tensor {
        // Walk back from the output rows: a 3×3 conv needs one more row on each side (clipped at
        // the image, where reflection padding stands in), a ×2 upsample half the rows.
        var needed = output, height = x.shape[1] * scale
        var plan = [(input: Range<Int>, output: Range<Int>)](repeating: (0..<0, 0..<0), count: convs.count)
        for (i, conv) in convs.enumerated().reversed() {
            let input = max(0, needed.lowerBound - 1)..<min(height, needed.upperBound + 1)
            plan[i] = (input, needed)
            needed = input
            if conv.upsampleBefore {
                needed = needed.lowerBound / 2..<(needed.upperBound + 1) / 2
                height /= 2
            }
        }
        var y = selectRows(x, needed, of: 0..<x.shape[1])
        var have = needed
        for (i, conv) in convs.enumerated() {
            if conv.upsampleBefore {
                y = upsampleNearest2x(y)
                have = 2 * have.lowerBound..<2 * have.upperBound
            }
            // Reflection at a band's inner edge gives wrong rows there; they lie outside plan[i].output.
            let input = selectRows(y, plan[i].input, of: have)
            let activation: Activation = i == convs.count - 1 ? .none : .relu
            y = conv.winograd.map { conv3x3Winograd(input, weights: $0, bias: conv.bias, padding: .reflect(1), activation: activation,
                                                    precision: precision) }
                ?? conv2d(input, weight: conv.weight, bias: conv.bias, padding: .reflect(1), activation: activation, precision: precision)
            y = selectRows(y, plan[i].output, of: plan[i].input)
            have = plan[i].output
        }
        return y
    }
}

/// Rows `wanted` of x (C,H,W), whose rows are `have` of a larger image; x itself when they are all of it.
func selectRows(_ x: Tensor, _ wanted: Range<Int>, of have: Range<Int>) -> Tensor {
    crop(x, top: wanted.lowerBound - have.lowerBound, height: wanted.count, width: x.shape[2])
}

/// Copies band (C,n,W) into rows [row, row+n) of out (C,H,W).
func copyRows(_ band: Tensor, into out: Tensor, at row: Int) {
    let c = band.shape[0], n = band.shape[1], w = band.shape[2], h = out.shape[1]
    for ch in 0..<c {
        (out.data + (ch * h + row) * w).update(from: band.data + ch * n * w, count: n * w)
    }
}
