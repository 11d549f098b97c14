import StyleCore
import XCTest
@testable import GramStyle

/// Each hand-written backward against central differences of its forward along random directions.
///
/// Inputs are float32, so the perturbations actually applied are δ± = fl(x ± εv) − x; the test compares
/// L(x+δ+) − L(x+δ−) with ⟨∇L, δ+ − δ−⟩, which removes the rounding of x ± εv from the comparison.
final class FiniteDifferenceTests: XCTestCase {
    /// Checks `gradient` = ∇f at x along three random directions, to `tolerance` relative.
    func checkDirectional(_ what: String, at x: Tensor, gradient: Tensor, epsilon: Float = 1e-2, tolerance: Double = 2e-3,
                          file: StaticString = #filePath, line: UInt = #line, _ f: (Tensor) throws -> Double) rethrows {
        for k in 0..<3 {
            let v = testTensor(x.shape, seed: 1000 + UInt64(k))
            let plus = x.copy(), minus = x.copy()
            for i in 0..<x.count { plus[i] = x[i] + epsilon * v[i]; minus[i] = x[i] - epsilon * v[i] }
            var predicted = 0.0, scale = 0.0
            for i in 0..<x.count {
                let step = Double(plus[i] - x[i]) - Double(minus[i] - x[i])
                predicted += Double(gradient[i]) * step
                scale += abs(Double(gradient[i]) * step)
            }
            let measured = try f(plus) - f(minus)
            let error = abs(measured - predicted) / max(scale, 1e-30)
            XCTAssertLessThanOrEqual(error, tolerance, "\(what) direction \(k): measured \(measured), predicted \(predicted)",
                                     file: file, line: line)
            worst[what] = max(worst[what] ?? 0, error)
        }
    }

    var worst: [String: Double] = [:]

    override func tearDown() {
        for (name, error) in worst.sorted(by: { $0.key < $1.key }) { print("finite differences \(name): worst relative error \(error)") }
        super.tearDown()
    }

    /// Σ r·y in Double: a scalar whose gradient w.r.t. y is r.
    func project(_ y: Tensor, _ r: Tensor) -> Double {
        var s = 0.0
        for i in 0..<y.count { s += Double(y[i]) * Double(r[i]) }
        return s
    }

    func testConvolutionWithZeroAndReflectionPadding() {
        let x = testTensor([3, 7, 9], seed: 1), w = testTensor([4, 3, 3, 3], seed: 2), b = testTensor([4], seed: 3)
        for padding in [Padding.zero(1), .reflect(1), .reflect(2)] {
            let r = testTensor(conv2d(x, weight: w, bias: b, padding: padding).shape, seed: 4)
            let g = convBackward(r.copy(), weight: w, inputShape: x.shape, padding: padding)
            checkDirectional("conv \(padding)", at: x, gradient: g) { project(conv2d($0, weight: w, bias: b, padding: padding), r) }
        }
    }

    func testReLU() {
        let x = testTensor([2, 5, 6], seed: 5)
        let r = testTensor(x.shape, seed: 6)
        let tape = BackwardTape()
        let y = x.copy()
        reluForward(y, name: "relu", tape: tape)
        let g = tape.backward(gradients: ["relu": r.copy()], inputShape: x.shape)
        checkDirectional("relu", at: x, gradient: g, epsilon: 1e-3) { p in
            let q = p.copy(); reluInPlace(q); return project(q, r)
        }
        for i in 0..<x.count { XCTAssertEqual(g[i], x[i] > 0 ? r[i] : 0) }
    }

    func testMaxPoolFloorAndCeil() {
        let x = testTensor([2, 7, 9], seed: 7)
        for ceilMode in [false, true] {
            let tape = BackwardTape()
            let y = maxPoolForward(x, ceilMode: ceilMode, tape: tape)
            XCTAssertEqual(y.shape, ceilMode ? [2, 4, 5] : [2, 3, 4])
            let r = testTensor(y.shape, seed: 8)
            tape.steps.append(.tap(name: "out"))
            let g = tape.backward(gradients: ["out": r.copy()], inputShape: x.shape)
            checkDirectional("maxpool ceil=\(ceilMode)", at: x, gradient: g, epsilon: 1e-3) {
                project(maxPool2x2($0, ceilMode: ceilMode), r)
            }
        }
    }

    func testGramMatrixWithEachStyleMetric() {
        let f = testTensor([5, 6, 7], seed: 9, lo: 0, hi: 1), style = testTensor([5, 4, 9], seed: 10, lo: 0, hi: 1.2)
        for metric in DistanceMetric.allCases {
            let loss = StyleLoss(layer: "l", target: gramForward(style), metric: metric)
            let g = Tensor(shape: f.shape)
            _ = loss.evaluate(f, gradient: g, scale: 1)
            checkDirectional("gram \(metric)", at: f, gradient: g, epsilon: metric == .l1 ? 1e-4 : 1e-2) {
                loss.evaluate($0, gradient: nil, scale: 1)
            }
        }
    }

    func testEachContentMetric() {
        let f = testTensor([4, 5, 6], seed: 11), target = testTensor([4, 5, 6], seed: 12)
        // kl compares non-negative maps; its kink at 0 would meet these signed values (Gram test covers it).
        for metric in DistanceMetric.allCases where metric != .kl {
            let loss = ContentLoss(layer: "l", target: target, metric: metric)
            let g = Tensor(shape: f.shape)
            _ = loss.evaluate(f, gradient: g, scale: 1)
            checkDirectional("content \(metric)", at: f, gradient: g, epsilon: metric == .l1 ? 1e-4 : 1e-2) {
                loss.evaluate($0, gradient: nil, scale: 1)
            }
        }
    }

    func testTotalVariation() {
        let x = testTensor([3, 6, 8], seed: 13, lo: 0, hi: 1)
        let g = Tensor(shape: x.shape)
        _ = totalVariation(x, gradient: g, scale: 1)
        checkDirectional("total variation", at: x, gradient: g) { totalVariation($0, gradient: nil, scale: 1) }
    }

    /// The whole objective through the random pyramid network (branches on three levels, blurred-luminance
    /// tap on level 1), for both border modes; the streaming `evaluate` must equal the taped forward/backward.
    func testRandomFeatureNetworkObjective() throws {
        for border in RandomFeatureNetwork.BorderMode.allCases {
            var c = RandomFeatureNetwork.Configuration()
            c.branches = [.init(3, filters: 6), .init(5, level: 1, filters: 5), .init(3, level: 2, filters: 4)]
            c.contentLevel = 1; c.contentBlurSigma = 1; c.border = border
            let net = try RandomFeatureNetwork(seed: 5, configuration: c)
            var o = GramOptions(); o.totalVariationWeight = 0.1
            let objective = try GramObjective(network: net, content: testTensor([3, 21, 26], seed: 14, lo: 0, hi: 1),
                                              style: testTensor([3, 18, 24], seed: 15, lo: 0, hi: 1), options: o)
            let x = testTensor([3, 21, 26], seed: 16, lo: 0, hi: 1), g = Tensor(shape: x.shape)
            _ = try objective.evaluate(x, gradient: g)
            try checkDirectional("random network objective (\(border))", at: x, gradient: g, epsilon: 1e-3, tolerance: 5e-3) {
                try objective.evaluate($0).total
            }
            // The taped path of the protocol's default `evaluate` gives the same gradient.
            let tape = BackwardTape()
            let features = try net.forward(x, layers: Set(net.layerNames), tape: tape)
            var grads: [String: Tensor] = [:]
            for (name, f) in features { let d = Tensor(shape: f.shape); for i in 0..<d.count { d[i] = f[i] }; grads[name] = d }
            let streamed = Tensor(shape: x.shape)
            try net.evaluate(x, layers: Set(net.layerNames), imageGradient: streamed) { name, f, d in
                for i in 0..<f.count { d![i] += f[i] }
            }
            let taped = tape.backward(gradients: grads, inputShape: x.shape)
            let difference = (0..<x.count).map { abs(taped[$0] - streamed[$0]) }.max()!
            XCTAssertLessThan(difference, 1e-4 * max(1, taped.maxAbs), "\(border)")
        }
    }

    /// The pyramid's downsampling: its backward is the adjoint of its forward (⟨Dx, y⟩ = ⟨x, Dᵀy⟩), odd sizes too.
    func testDownsampleIsAdjoint() {
        for shape in [[2, 9, 7], [1, 8, 8], [3, 5, 12]] {
            let x = testTensor(shape, seed: 21), dx = downsampleForward(x, tape: nil)
            let y = testTensor(dx.shape, seed: 22), dy = downsampleBackward(y, inputShape: shape)
            let lhs = (0..<dx.count).reduce(0.0) { $0 + Double(dx[$1]) * Double(y[$1]) }
            let rhs = (0..<x.count).reduce(0.0) { $0 + Double(x[$1]) * Double(dy[$1]) }
            XCTAssertEqual(lhs, rhs, accuracy: 1e-5 * max(1, abs(lhs)), "\(shape)")
        }
        // A constant image stays constant (the taps sum to 1, borders replicate).
        let flat = Tensor(shape: [1, 7, 9]); flat.fill(0.25)
        XCTAssertTrue(downsampleForward(flat, tape: nil).values.allSatisfy { abs($0 - 0.25) < 1e-6 })
    }
}
