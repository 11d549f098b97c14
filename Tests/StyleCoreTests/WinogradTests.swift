import TensorTestSupport
import XCTest
@testable import StyleCore

/// Winograd F(4×4,3×3) convolution against the float64 direct convolution, the im2col path, and its
/// backward pass as the adjoint of the forward map and against conv2dBackwardInput; every check runs on
/// each variant of the C transforms this CPU can run (AVX-512 in its own test, skipped without it).
final class WinogradTests: XCTestCase {
    typealias Config = ConvolutionTests.Config

    /// Odd sizes, sizes below and not multiples of 4, channel counts that are multiples of nothing, both paddings.
    static let configs: [Config] = [
        Config(input: [5, 9, 11], weight: [7, 5, 3, 3], stride: 1, padding: .zero(1)),
        Config(input: [17, 13, 6], weight: [19, 17, 3, 3], stride: 1, padding: .reflect(1), activation: .relu),
        Config(input: [3, 4, 4], weight: [2, 3, 3, 3], stride: 1, padding: .reflect(1)),
        Config(input: [6, 7, 10], weight: [4, 6, 3, 3], stride: 1, padding: .zero(0), bias: false),
        Config(input: [2, 2, 3], weight: [3, 2, 3, 3], stride: 1, padding: .reflect(1)),
        Config(input: [96, 21, 19], weight: [40, 96, 3, 3], stride: 1, padding: .reflect(1)),
    ]

    /// max |Winograd − exact| ≤ 2e-5 · max |exact| (F(4,3) rounds ~10× more than im2col, whose
    /// error is printed alongside; the PyTorch parity tests allow 1e-4).
    func testForwardMatchesDirectConvolution() {
        forEachKernelVariant { checkForward($0.rawValue) }
    }

    func testBackwardInputIsAdjointAndMatchesDirect() {
        forEachKernelVariant { checkBackward($0.rawValue) }
    }

    func testSeveralBands() {
        forEachKernelVariant { checkSeveralBands($0.rawValue) }
    }

    func testAVX512Transforms() throws {
        try onAVX512("Winograd transforms") {
            checkForward("avx512"); checkBackward("avx512"); checkSeveralBands("avx512")
        }
    }

    func checkForward(_ variant: String) {
        for (n, cfg) in Self.configs.enumerated() {
            let seed = UInt64(2000 + 10 * n)
            let x = randomTensor(cfg.input, seed: seed), w = randomTensor(cfg.weight, seed: seed + 1, scale: 0.5)
            let b = cfg.bias ? randomTensor([cfg.weight[0]], seed: seed + 2) : nil
            let exact = ConvolutionTests.naiveConv(Reference(x), Reference(w), bias: b.map(Reference.init), stride: 1,
                                                   padding: cfg.padding, activation: cfg.activation)
            let ours = conv3x3Winograd(x, weights: Winograd3x3Weights(w), bias: b, padding: cfg.padding, activation: cfg.activation)
            let direct = conv2d(x, weight: w, bias: b, padding: cfg.padding, activation: cfg.activation)
            let scale = exact.values.map(abs).max()!
            let errWinograd = maxError(ours, exact) / scale, errDirect = maxError(direct, exact) / scale
            print("Winograd \(variant) \(cfg): max error / scale \(errWinograd) (im2col \(errDirect))")
            XCTAssertLessThanOrEqual(errWinograd, 2e-5, "\(variant) \(cfg)")
        }
    }

    /// Dot-product test: the backward pass is the transpose of the Winograd forward map, and equals the
    /// im2col backward pass (the exact input gradient, checked by finite differences in ConvolutionTests).
    func checkBackward(_ variant: String) {
        for (n, cfg) in Self.configs.enumerated() {
            let seed = UInt64(3000 + 10 * n)
            let x = randomTensor(cfg.input, seed: seed), w = randomTensor(cfg.weight, seed: seed + 1, scale: 0.5)
            let weights = Winograd3x3Weights(w)
            let out = conv3x3Winograd(x, weights: weights, bias: nil, padding: cfg.padding)
            let dy = randomTensor(out.shape, seed: seed + 2)
            let dx = conv3x3WinogradBackwardInput(dy, weights: weights, inputShape: cfg.input, padding: cfg.padding)
            let forwardDot = out.dot(dy), backwardDot = x.dot(dx)
            let magnitude = (0..<x.count).reduce(0.0) { $0 + abs(Double(x[$1]) * Double(dx[$1])) }
            XCTAssertLessThanOrEqual(abs(forwardDot - backwardDot), 1e-6 * magnitude, "\(variant) \(cfg): <conv(x),y> vs <x,convᵀ(y)>")
            let direct = conv2dBackwardInput(dy, weight: w, inputShape: cfg.input, padding: cfg.padding)
            let err = maxError(dx, Reference(direct)) / Double(direct.maxAbs)
            print("Winograd backward \(variant) \(cfg): max error / scale vs im2col \(err)")
            XCTAssertLessThanOrEqual(err, 2e-5, "\(variant) \(cfg)")
        }
    }

    /// A geometry split into several bands of tile rows, the last one partial, forward and backward.
    func checkSeveralBands(_ variant: String) {
        let input = [64, 47, 400], weight = [64, 64, 3, 3]
        let g = Conv2dGeometry(input: input, weight: weight, padding: .reflect(1))
        let tiling = WinogradTiling(g)
        XCTAssertLessThan(tiling.rowsPerBand, tiling.tilesY, "the geometry must need several bands")
        XCTAssertNotEqual(tiling.tilesY % tiling.rowsPerBand, 0, "a partial last band is part of the test")
        let x = randomTensor(input, seed: 41), w = randomTensor(weight, seed: 42, scale: 0.1), b = randomTensor([64], seed: 43)
        let weights = Winograd3x3Weights(w)
        let out = conv3x3Winograd(x, weights: weights, bias: b, padding: .reflect(1), activation: .relu)
        let direct = conv2d(x, weight: w, bias: b, padding: .reflect(1), activation: .relu)
        XCTAssertLessThanOrEqual(maxError(out, Reference(direct)), 2e-5 * Double(direct.maxAbs), "\(variant) forward")
        let dy = randomTensor(direct.shape, seed: 44)
        let dx = conv3x3WinogradBackwardInput(dy, weights: weights, inputShape: input, padding: .reflect(1))
        let dxDirect = conv2dBackwardInput(dy, weight: w, inputShape: input, padding: .reflect(1))
        XCTAssertLessThanOrEqual(maxError(dx, Reference(dxDirect)), 2e-5 * Double(dxDirect.maxAbs), "\(variant) backward")
    }

    func testAppliesToStrideOne3x3OnWideInputs() {
        XCTAssertTrue(winogradApplies(weight: [64, 64, 3, 3], stride: 1, padding: .reflect(1)))
        XCTAssertTrue(winogradApplies(weight: [3, 16, 3, 3], stride: 1, padding: .zero(0)), "RGB output")
        XCTAssertFalse(winogradApplies(weight: [64, 3, 3, 3], stride: 1, padding: .zero(1)), "RGB input")
        XCTAssertFalse(winogradApplies(weight: [64, 64, 3, 3], stride: 2, padding: .zero(1)))
        XCTAssertFalse(winogradApplies(weight: [64, 64, 5, 5], stride: 1, padding: .zero(2)))
        XCTAssertFalse(winogradApplies(weight: [64, 64, 3, 3], stride: 1, padding: .reflect(2)))
    }

    private func maxError(_ t: Tensor, _ reference: Reference) -> Double {
        (0..<t.count).reduce(0.0) { max($0, abs(Double(t[$1]) - reference.values[$1])) }
    }
}
