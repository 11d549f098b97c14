import TensorTestSupport
import XCTest
@testable import StyleCore

/// conv2d and conv2dBackwardInput: against PyTorch fixtures, against a direct convolution over an
/// explicitly padded image, and the backward pass as the adjoint / exact gradient of the forward one.
final class ConvolutionTests: XCTestCase {
    // MARK: Reference implementation

    /// PyTorch's ReflectionPad2d index: mirror about the edge pixel, which is not repeated.
    static func reflect(_ i: Int, _ n: Int) -> Int {
        var i = i
        if i < 0 { i = -i }
        if i >= n { i = 2 * (n - 1) - i }
        return i
    }

    /// x (C,H,W) padded by p on each side with zeros or reflections.
    static func padded(_ x: Reference, _ padding: Padding) -> Reference {
        let c = x.shape[0], h = x.shape[1], w = x.shape[2], p = padding.size
        let ph = h + 2 * p, pw = w + 2 * p
        var out = Reference(shape: [c, ph, pw])
        for ch in 0..<c {
            for y in 0..<ph {
                for xx in 0..<pw {
                    var sy = y - p, sx = xx - p
                    if case .reflect = padding { sy = reflect(sy, h); sx = reflect(sx, w) }
                    if sy >= 0 && sy < h && sx >= 0 && sx < w {
                        out.values[(ch * ph + y) * pw + xx] = x.values[(ch * h + sy) * w + sx]
                    }
                }
            }
        }
        return out
    }

    /// Direct convolution: out[o,y,x] = b[o] + Σ w[o,c,i,j]·pad(x)[c, y·s+i, x·s+j], then activation.
    static func naiveConv(_ x: Reference, _ w: Reference, bias: Reference?, stride: Int, padding: Padding,
                          activation: Activation = .none) -> Reference {
        let xp = padded(x, padding)
        let c = w.shape[1], oc = w.shape[0], kh = w.shape[2], kw = w.shape[3]
        let ph = xp.shape[1], pw = xp.shape[2]
        let oh = (ph - kh) / stride + 1, ow = (pw - kw) / stride + 1
        var out = Reference(shape: [oc, oh, ow])
        xp.values.withUnsafeBufferPointer { xv in
            w.values.withUnsafeBufferPointer { wv in
                for o in 0..<oc {
                    for y in 0..<oh {
                        for xx in 0..<ow {
                            var s = bias?.values[o] ?? 0
                            for ch in 0..<c {
                                for i in 0..<kh {
                                    let xRow = (ch * ph + y * stride + i) * pw + xx * stride
                                    let wRow = ((o * c + ch) * kh + i) * kw
                                    for j in 0..<kw { s += wv[wRow + j] * xv[xRow + j] }
                                }
                            }
                            out.values[(o * oh + y) * ow + xx] = activation == .relu ? max(0, s) : s
                        }
                    }
                }
            }
        }
        return out
    }

    /// Input and weight shapes of a convolution on random data.
    struct Config: CustomStringConvertible {
        var input: [Int], weight: [Int], stride: Int, padding: Padding
        var bias = true, activation = Activation.none
        var description: String {
            "\(input)⊛\(weight) stride \(stride) \(padding)\(bias ? " +bias" : "")\(activation == .relu ? " relu" : "")"
        }
    }

    static let randomConfigs: [Config] = [
        Config(input: [3, 7, 9], weight: [4, 3, 3, 3], stride: 1, padding: .zero(1)),
        Config(input: [2, 5, 11], weight: [3, 2, 5, 5], stride: 1, padding: .reflect(2), activation: .relu),
        Config(input: [3, 9, 7], weight: [2, 3, 3, 1], stride: 1, padding: .zero(1)),
        Config(input: [4, 11, 13], weight: [5, 4, 3, 3], stride: 2, padding: .reflect(1), bias: false),
        Config(input: [3, 10, 13], weight: [2, 3, 4, 4], stride: 3, padding: .zero(0)),
        Config(input: [6, 5, 7], weight: [3, 6, 1, 1], stride: 1, padding: .zero(0)),
        Config(input: [6, 5, 7], weight: [3, 6, 1, 1], stride: 2, padding: .zero(0), bias: false),
        Config(input: [2, 5, 7], weight: [3, 2, 1, 1], stride: 1, padding: .reflect(1)),
        Config(input: [3, 16, 24], weight: [6, 3, 8, 8], stride: 8, padding: .zero(0)),
        Config(input: [3, 7, 9], weight: [4, 3, 3, 3], stride: 1, padding: .zero(1), activation: .relu),
        // Unpadded stride 1 (the random network's branches): col2im's row-gather path.
        Config(input: [3, 9, 11], weight: [4, 3, 5, 5], stride: 1, padding: .zero(0), bias: false),
        Config(input: [2, 8, 10], weight: [3, 2, 3, 5], stride: 1, padding: .zero(0)),
    ]

    // MARK: Forward

    func testForwardMatchesPyTorch() throws {
        let cases: [(String, Int, Padding, Activation)] = [
            ("conv3x3_zero", 1, .zero(1), .none), ("conv3x3_reflect", 1, .reflect(1), .none),
            ("conv1x1", 1, .zero(0), .none), ("conv8x8_s8", 8, .zero(0), .none),
            ("conv3x3_s2_odd", 2, .zero(1), .none), ("conv3x3_relu", 1, .zero(1), .relu),
        ]
        for (name, stride, padding, activation) in cases {
            let x = try Fixtures.kernel(name + "_x"), w = try Fixtures.kernel(name + "_w")
            let b = try Fixtures.kernel(name + "_b"), expected = try Fixtures.kernel(name + "_out")
            let out = conv2d(x, weight: w, bias: b, stride: stride, padding: padding, activation: activation)
            assertClose(out, expected, "conv2d \(name) vs PyTorch")
        }
    }

    func testForwardMatchesNaiveConvolution() {
        for (n, cfg) in Self.randomConfigs.enumerated() {
            let seed = UInt64(100 + 10 * n)
            let x = randomTensor(cfg.input, seed: seed), w = randomTensor(cfg.weight, seed: seed + 1, scale: 0.5)
            let b = cfg.bias ? randomTensor([cfg.weight[0]], seed: seed + 2) : nil
            let out = conv2d(x, weight: w, bias: b, stride: cfg.stride, padding: cfg.padding, activation: cfg.activation)
            let expected = Self.naiveConv(Reference(x), Reference(w), bias: b.map(Reference.init), stride: cfg.stride,
                                          padding: cfg.padding, activation: cfg.activation)
            assertClose(out, expected, "conv2d \(cfg) vs naive")
        }
    }

    /// Enough channels and width that the im2col buffer is split into row tiles (3 + 1 rows).
    func testForwardAndBackwardOverSeveralRowTiles() {
        let cfg = Config(input: [256, 4, 500], weight: [2, 256, 3, 3], stride: 1, padding: .reflect(1))
        let g = Conv2dGeometry(input: cfg.input, weight: cfg.weight, stride: cfg.stride, padding: cfg.padding)
        XCTAssertLessThan(g.tileRows(), g.outHeight, "the geometry must need several tiles")
        XCTAssertNotEqual(g.outHeight % g.tileRows(), 0, "a partial last tile is part of the test")
        let x = randomTensor(cfg.input, seed: 7), w = randomTensor(cfg.weight, seed: 8, scale: 0.05)
        let b = randomTensor([2], seed: 9)
        let out = conv2d(x, weight: w, bias: b, padding: cfg.padding)
        assertClose(out, Self.naiveConv(Reference(x), Reference(w), bias: Reference(b), stride: 1, padding: cfg.padding),
                    "conv2d row tiles vs naive")
        // <conv(x), y> == <x, convᵀ(y)> with the tiled backward pass.
        let y = randomTensor(out.shape, seed: 10)
        let noBias = conv2d(x, weight: w, bias: nil, padding: cfg.padding)
        let dx = conv2dBackwardInput(y, weight: w, inputShape: cfg.input, padding: cfg.padding)
        assertAdjoint(noBias.dot(y), x, dx, "conv2d row tiles")
    }

    /// Unpadded stride 1 over row tiles 4 + 4 + 1: the row-gather col2im adds each tile's rows to the right input rows.
    func testUnpaddedBackwardOverSeveralRowTiles() {
        let cfg = Config(input: [64, 13, 600], weight: [2, 64, 5, 5], stride: 1, padding: .zero(0), bias: false)
        let g = Conv2dGeometry(input: cfg.input, weight: cfg.weight, stride: cfg.stride, padding: cfg.padding)
        XCTAssertEqual(g.tileRows(), 4)
        XCTAssertEqual(g.outHeight, 9)
        let x = randomTensor(cfg.input, seed: 17), w = randomTensor(cfg.weight, seed: 18, scale: 0.05)
        let out = conv2d(x, weight: w, bias: nil, padding: cfg.padding)
        let y = randomTensor(out.shape, seed: 19)
        let dx = conv2dBackwardInput(y, weight: w, inputShape: cfg.input, padding: cfg.padding)
        assertAdjoint(out.dot(y), x, dx, "unpadded conv2d row tiles")
    }

    // MARK: Backward (input gradient)

    func testBackwardInputMatchesPyTorch() throws {
        let cases: [(String, Int, Padding)] = [
            ("convbwd_zero", 1, .zero(1)), ("convbwd_reflect", 1, .reflect(1)),
            ("convbwd_reflect_s2", 2, .reflect(1)), ("convbwd_1x1", 1, .zero(0)),
        ]
        for (name, stride, padding) in cases {
            let w = try Fixtures.kernel(name + "_w"), g = try Fixtures.kernel(name + "_g")
            let expected = try Fixtures.kernel(name + "_dx")
            let dx = conv2dBackwardInput(g, weight: w, inputShape: expected.shape, stride: stride, padding: padding)
            assertClose(dx, expected, "conv2dBackwardInput \(name) vs PyTorch autograd")
        }
    }

    /// Dot-product test: the backward pass is the transpose of the (bias-free) forward map.
    func testBackwardInputIsAdjointOfForward() {
        for (n, cfg) in Self.randomConfigs.enumerated() where cfg.activation == .none {
            let seed = UInt64(500 + 10 * n)
            let x = randomTensor(cfg.input, seed: seed), w = randomTensor(cfg.weight, seed: seed + 1)
            let out = conv2d(x, weight: w, bias: nil, stride: cfg.stride, padding: cfg.padding)
            let y = randomTensor(out.shape, seed: seed + 2)
            let dx = conv2dBackwardInput(y, weight: w, inputShape: cfg.input, stride: cfg.stride, padding: cfg.padding)
            assertAdjoint(out.dot(y), x, dx, "conv2d \(cfg.input)⊛\(cfg.weight) stride \(cfg.stride) \(cfg.padding)")
        }
    }

    /// Central differences (float64) of L(x) = <naiveConv(x), G> at every input coordinate.
    func testBackwardInputFiniteDifferences() {
        let configs = [
            Config(input: [2, 5, 7], weight: [3, 2, 3, 3], stride: 1, padding: .zero(1), bias: false),
            Config(input: [2, 5, 7], weight: [3, 2, 3, 3], stride: 1, padding: .reflect(1), bias: false),
            Config(input: [2, 7, 6], weight: [3, 2, 3, 3], stride: 2, padding: .reflect(1), bias: false),
            Config(input: [1, 6, 7], weight: [2, 1, 5, 5], stride: 1, padding: .reflect(2), bias: false),
        ]
        for (n, cfg) in configs.enumerated() {
            let seed = UInt64(900 + 10 * n)
            let x = Reference(randomTensor(cfg.input, seed: seed)), w = randomTensor(cfg.weight, seed: seed + 1)
            let wr = Reference(w)
            func loss(_ x: Reference, _ g: Reference) -> Double {
                Self.naiveConv(x, wr, bias: nil, stride: cfg.stride, padding: cfg.padding).dot(g)
            }
            let outShape = Self.naiveConv(x, wr, bias: nil, stride: cfg.stride, padding: cfg.padding).shape
            let g = randomTensor(outShape, seed: seed + 2)
            let dx = conv2dBackwardInput(g, weight: w, inputShape: cfg.input, stride: cfg.stride, padding: cfg.padding)
            let h = 1e-3, gr = Reference(g)
            var fd = Reference(shape: cfg.input)
            for i in 0..<x.count {
                var plus = x, minus = x
                plus.values[i] += h; minus.values[i] -= h
                fd.values[i] = (loss(plus, gr) - loss(minus, gr)) / (2 * h)
            }
            assertClose(dx, fd, "conv2dBackwardInput \(cfg) vs finite differences")
        }
    }

    /// |<conv(x), y> − <x, dx>| ≤ 1e-5 · Σ|x·dx|.
    private func assertAdjoint(_ forwardDot: Double, _ x: Tensor, _ dx: Tensor, _ label: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        var backwardDot = 0.0, magnitude = 0.0
        for i in 0..<x.count {
            let t = Double(x[i]) * Double(dx[i])
            backwardDot += t; magnitude += abs(t)
        }
        let err = abs(forwardDot - backwardDot), tol = 1e-5 * max(1, magnitude)
        print("max-error \(label) <conv(x),y> − <x,convᵀ(y)>: \(String(format: "%.3g", err)) (tolerance \(String(format: "%.3g", tol)))")
        XCTAssertLessThanOrEqual(err, tol, "\(label): <conv(x),y> = \(forwardDot), <x,convᵀ(y)> = \(backwardDot)",
                                 file: file, line: line)
    }
}
