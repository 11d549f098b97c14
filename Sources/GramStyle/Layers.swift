import StyleCore

// Forward/backward pairs of the layers a frozen feature network is made of, over plain buffers
// (llm.c style). Backward passes compute input gradients only: the networks are never trained.
// Each forward records in a `BackwardTape` exactly what its backward needs and nothing more:
// convolutions keep nothing (their input gradient needs only the weights), ReLUs one bit per
// element, max-pools one Int32 per output.

/// What the backward pass needs from one forward pass of a `FeatureNetwork`, in forward order.
/// Pass a fresh tape to `FeatureNetwork.forward`, then call `backward` once.
public final class BackwardTape {
    enum Step {
        /// Per-channel affine map y = (x − shift)·scale, e.g. ImageNet mean/std normalisation.
        case affine(scale: [Float])
        /// A convolution whose input had `inputShape`.
        case conv(weight: Tensor, inputShape: [Int], padding: Padding)
        /// A Winograd 3×3 convolution whose input had `inputShape`.
        case winogradConv(weights: Winograd3x3Weights, inputShape: [Int], padding: Padding)
        /// A ReLU; `name` is the layer name losses may read it by.
        case relu(mask: ReLUMask, name: String)
        /// A named output that is not a ReLU (e.g. a blurred image): losses add their gradient here.
        case tap(name: String)
        /// A 2×2 max-pool whose input had `inputShape`.
        case maxPool(argmax: UnsafeMutableBufferPointer<Int32>, outputShape: [Int], inputShape: [Int])
        /// A binomial 2× downsampling (`downsampleForward`) whose input had `inputShape`.
        case downsample(inputShape: [Int])
        /// Independent branches on the same input of `inputShape` (e.g. filters of several sizes);
        /// their input gradients add.
        case branches([BackwardTape], inputShape: [Int])
    }

    var steps: [Step] = []

    public init() {}

    deinit {
        for case let .maxPool(argmax, _, _) in steps { argmax.deallocate() }
    }

    /// dInput of the recorded forward pass, given dLoss/d(activation) of named ReLU outputs.
    /// `gradients` are consumed (updated in place), so pass fresh tensors.
    public func backward(gradients: [String: Tensor], inputShape: [Int]) -> Tensor {
        var grad: Tensor? = nil  // gradient w.r.t. the output of the step being undone; nil while still zero
        for step in steps.reversed() {
            switch step {
            case let .relu(mask, name):
                if let g = gradients[name] { grad = grad.map { addInPlace($0, g); return $0 } ?? g }
                if let g = grad { reluBackward(g, mask: mask) }
            case let .tap(name):
                if let g = gradients[name] { grad = grad.map { addInPlace($0, g); return $0 } ?? g }
            case let .maxPool(argmax, _, inputShape):
                if let g = grad { grad = maxPool2x2Backward(g, argmax: argmax.baseAddress!, inputShape: inputShape) }
            case let .downsample(inputShape):
                if let g = grad { grad = downsampleBackward(g, inputShape: inputShape) }
            case let .conv(weight, inputShape, padding):
                if let g = grad { grad = convBackward(g, weight: weight, inputShape: inputShape, padding: padding) }
            case let .winogradConv(weights, inputShape, padding):
                if let g = grad { grad = convBackward(g, winograd: weights, inputShape: inputShape, padding: padding) }
            case let .affine(scale):
                if let g = grad { affineBackward(g, scale: scale) }
            case let .branches(tapes, inputShape):
                for tape in tapes {
                    let relevant = gradients.filter { tape.produces($0.key) }
                    if relevant.isEmpty { continue }
                    let g = tape.backward(gradients: relevant, inputShape: inputShape)
                    grad = grad.map { addInPlace($0, g); return $0 } ?? g
                }
            }
        }
        return grad ?? Tensor(shape: inputShape)
    }

    /// Whether a ReLU named `name` was recorded on this tape.
    func produces(_ name: String) -> Bool {
        steps.contains {
            switch $0 {
            case let .relu(_, n), let .tap(n): return n == name
            case let .branches(tapes, _): return tapes.contains { $0.produces(name) }
            default: return false
            }
        }
    }
}

// MARK: - Affine (input normalisation)

/// affine forward: x (C,H,W) ← (x − shift[c])·scale[c], in place.
func affineForward(_ x: Tensor, shift: [Float], scale: [Float], tape: BackwardTape?) {
    let c = x.shape[0], plane = x.count / c
    for ch in 0..<c {
        let p = x.data + ch * plane, s = shift[ch], k = scale[ch]
        for i in 0..<plane { p[i] = (p[i] - s) * k }
    }
    tape?.steps.append(.affine(scale: scale))
}

/// affine backward: dx (C,H,W) = dy·scale[c], in place.
func affineBackward(_ dy: Tensor, scale: [Float]) {
    let c = dy.shape[0], plane = dy.count / c
    for ch in 0..<c {
        let p = dy.data + ch * plane, k = scale[ch]
        for i in 0..<plane { p[i] *= k }
    }
}

// MARK: - Convolution

/// conv forward: x (C,H,W) → y (OC,OH,OW) = conv(x, weight (OC,C,KH,KW)) + bias, GEMM over im2col tiles.
func convForward(_ x: Tensor, weight: Tensor, bias: Tensor?, padding: Padding, tape: BackwardTape?) -> Tensor {
    tape?.steps.append(.conv(weight: weight, inputShape: x.shape, padding: padding))
    return conv2d(x, weight: weight, bias: bias, padding: padding)
}

/// conv backward: dy (OC,OH,OW) → dx (C,H,W) = convᵀ(dy, weight); pads fold back onto their sources.
func convBackward(_ dy: Tensor, weight: Tensor, inputShape: [Int], padding: Padding) -> Tensor {
    conv2dBackwardInput(dy, weight: weight, inputShape: inputShape, padding: padding)
}

/// conv forward, Winograd: x (C,H,W) → y (OC,OH,OW) = conv3x3(x, weights) + bias, for the layers `winogradApplies` picks.
func convForward(_ x: Tensor, winograd: Winograd3x3Weights, bias: Tensor?, padding: Padding, tape: BackwardTape?) -> Tensor {
    tape?.steps.append(.winogradConv(weights: winograd, inputShape: x.shape, padding: padding))
    return conv3x3Winograd(x, weights: winograd, bias: bias, padding: padding)
}

/// conv backward, Winograd: dy (OC,OH,OW) → dx (C,H,W), the exact adjoint of the Winograd forward pass.
func convBackward(_ dy: Tensor, winograd: Winograd3x3Weights, inputShape: [Int], padding: Padding) -> Tensor {
    conv3x3WinogradBackwardInput(dy, weights: winograd, inputShape: inputShape, padding: padding)
}

// MARK: - ReLU

/// Which elements of a ReLU output are positive, one bit each (1/32 of the activation's memory).
final class ReLUMask {
    let count: Int
    let words: UnsafeMutableBufferPointer<UInt64>

    init(count: Int) {
        self.count = count
        words = .allocate(capacity: (count + 63) / 64)
        words.initialize(repeating: 0)
    }

    deinit { words.deallocate() }
}

/// relu forward: x (any shape) ← max(x, 0) in place; the mask records x > 0 if a tape is given.
func reluForward(_ x: Tensor, name: String, tape: BackwardTape?) {
    guard let tape else { reluInPlace(x); return }
    let mask = ReLUMask(count: x.count)
    let p = x.data, w = mask.words.baseAddress!, n = x.count
    parallelChunks((n + 63) / 64, minChunk: 1024) { range in
        for wi in range {
            var bits: UInt64 = 0
            let base = wi * 64
            for j in 0..<min(64, n - base) {
                let v = p[base + j]
                if v > 0 { bits |= 1 << UInt64(j) } else { p[base + j] = 0 }
            }
            w[wi] = bits
        }
    }
    tape.steps.append(.relu(mask: mask, name: name))
}

/// relu backward: dy (same shape) ← dy where the forward output was positive, else 0, in place.
func reluBackward(_ dy: Tensor, mask: ReLUMask) {
    precondition(dy.count == mask.count, "relu backward: \(dy.shape) for a mask of \(mask.count)")
    let p = dy.data, w = mask.words.baseAddress!, n = dy.count
    parallelChunks((n + 63) / 64, minChunk: 1024) { range in
        for wi in range {
            let bits = w[wi], base = wi * 64
            if bits == UInt64.max { continue }
            for j in 0..<min(64, n - base) where bits & (1 << UInt64(j)) == 0 { p[base + j] = 0 }
        }
    }
}

// MARK: - Max-pool

/// maxpool forward: x (C,H,W) → y (C,H/2,W/2), floor or ceil; the tape keeps the argmax indices.
func maxPoolForward(_ x: Tensor, ceilMode: Bool, tape: BackwardTape?) -> Tensor {
    guard let tape else { return maxPool2x2(x, ceilMode: ceilMode) }
    let oh = pooledSize(x.shape[1], ceilMode: ceilMode), ow = pooledSize(x.shape[2], ceilMode: ceilMode)
    let argmax = UnsafeMutableBufferPointer<Int32>.allocate(capacity: max(1, x.shape[0] * oh * ow))
    let y = maxPool2x2(x, ceilMode: ceilMode, argmax: argmax.baseAddress!)
    tape.steps.append(.maxPool(argmax: argmax, outputShape: y.shape, inputShape: x.shape))
    return y
}

// MARK: - Binomial downsampling (image pyramid)

/// Taps of the separable binomial filter [1,3,3,1]/8 of `downsample2x`, at offsets −1…2 from 2·i.
let binomialTaps: [Float] = [0.125, 0.375, 0.375, 0.125]

/// downsample forward: x (C,H,W) → y (C,⌈H/2⌉,⌈W/2⌉), y[i,j] = Σ_{a,b} t_a·t_b·x[2i−1+a, 2j−1+b] with the
/// binomial taps t = [1,3,3,1]/8 and edge-replicated borders: the Gaussian-pyramid step. Unlike a 2×2
/// average pool, the windows overlap, so the backward pass (bilinear-like, smooth) leaves no 2×2 block pattern.
func downsampleForward(_ x: Tensor, tape: BackwardTape?) -> Tensor {
    precondition(x.rank == 3, "downsample2x needs (C,H,W), got \(x.shape)")
    let c = x.shape[0], h = x.shape[1], w = x.shape[2], oh = (h + 1) / 2, ow = (w + 1) / 2
    let tmp = Tensor(shape: [c, h, ow]), y = Tensor(shape: [c, oh, ow])
    let src = x.data, mid = tmp.data, dst = y.data
    // Rows: horizontal filter and subsample.
    parallelChunks(c * h, minChunk: 16) { rows in
        for r in rows {
            let line = src + r * w, out = mid + r * ow
            for j in 0..<ow {
                var s: Float = 0
                for a in 0..<4 { s += binomialTaps[a] * line[min(max(2 * j - 1 + a, 0), w - 1)] }
                out[j] = s
            }
        }
    }
    // Columns: vertical filter and subsample.
    parallelChunks(c * oh, minChunk: 16) { rows in
        for r in rows {
            let ch = r / oh, i = r % oh, plane = mid + ch * h * ow, out = dst + r * ow
            for j in 0..<ow { out[j] = 0 }
            for a in 0..<4 {
                let line = plane + min(max(2 * i - 1 + a, 0), h - 1) * ow, t = binomialTaps[a]
                for j in 0..<ow { out[j] += t * line[j] }
            }
        }
    }
    tape?.steps.append(.downsample(inputShape: x.shape))
    return y
}

/// downsample backward: dy (C,⌈H/2⌉,⌈W/2⌉) → dx (C,H,W), the adjoint of `downsampleForward` (each tap
/// scatters back to its source pixel, clamped taps onto the edge pixel).
func downsampleBackward(_ dy: Tensor, inputShape: [Int]) -> Tensor {
    let c = inputShape[0], h = inputShape[1], w = inputShape[2], oh = (h + 1) / 2, ow = (w + 1) / 2
    precondition(dy.shape == [c, oh, ow], "downsample backward: dy \(dy.shape) for input \(inputShape)")
    let tmp = Tensor(shape: [c, h, ow]), dx = Tensor(shape: inputShape)
    let src = dy.data, mid = tmp.data, dst = dx.data
    // Adjoint of the vertical pass: one channel per task (rows of a channel receive from several outputs).
    parallelChunks(c) { channels in
        for ch in channels {
            let plane = mid + ch * h * ow
            for i in 0..<oh {
                let line = src + (ch * oh + i) * ow
                for a in 0..<4 {
                    let out = plane + min(max(2 * i - 1 + a, 0), h - 1) * ow, t = binomialTaps[a]
                    for j in 0..<ow { out[j] += t * line[j] }
                }
            }
        }
    }
    // Adjoint of the horizontal pass, row by row.
    parallelChunks(c * h, minChunk: 16) { rows in
        for r in rows {
            let line = mid + r * ow, out = dst + r * w
            for j in 0..<ow {
                let v = line[j]
                for a in 0..<4 { out[min(max(2 * j - 1 + a, 0), w - 1)] += binomialTaps[a] * v }
            }
        }
    }
    return dx
}
