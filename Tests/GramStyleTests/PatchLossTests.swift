import StyleCore
import TensorTestSupport
import XCTest
@testable import GramStyle

/// The patch (MRF) style term: against PyTorch autograd on bare feature maps (tools/gram_reference.py),
/// against finite differences with the matches checked fixed, the block-wise matching against a direct
/// search, and through the random network.
final class PatchLossTests: XCTestCase {
    func testLossAndGradientMatchAutogradOnFeatureMaps() throws {
        let f = try Fixtures.load("mrf_features"), style = try Fixtures.load("mrf_style")
        for c in Fixtures.cases["mrf_cases"] as! [[String: Any]] {
            let name = c["name"] as! String
            let loss = try PatchLoss(layer: "l", styleFeatures: [style], stride: c["stride"] as! Int,
                                     scale: LossScale(rawValue: c["loss_scale"] as! String)!)
            let gradient = Tensor(shape: f.shape)
            let value = loss.evaluate(f, gradient: gradient, scale: 1)
            let reference = c["loss"] as! Double
            XCTAssertLessThanOrEqual(relativeError(value, reference), 1e-5, "\(name): loss \(value) vs \(reference)")
            assertClose(gradient, try Fixtures.load("\(name)_gradient"), relative: 1e-5, minimumScale: 0, name)
        }
    }

    /// Stride 2 over a 8×10 map keeps patches at rows 0,2,4 and columns 0,2,4,6: 12 of 48.
    func testStyleStrideAndNormalisedFilters() throws {
        let style = try Fixtures.load("mrf_style")
        let loss = try PatchLoss(layer: "l", styleFeatures: [style, style], stride: 2, scale: .tutorial)
        XCTAssertEqual(loss.filters.shape, [24, 5, 3, 3])
        for j in 0..<24 {
            var s: Float = 0
            for i in 0..<45 { s += loss.filters[j * 45 + i] * loss.filters[j * 45 + i] }
            XCTAssertEqual(s, loss.norms[j] > 0 ? 1 : 0, accuracy: 1e-5)
        }
        // Patch (row 2, column 4) of the map is filter 1·4 + 2 (rows 0,2,4 × columns 0,2,4,6).
        XCTAssertEqual(loss.filters[6 * 45 + 1 * 9 + 2 * 3 + 1] * loss.norms[6], style[(1 * 8 + 4) * 10 + 5], accuracy: 1e-6)
        XCTAssertThrowsError(try PatchLoss(layer: "relu4_1", styleFeatures: [Tensor(shape: [2, 2, 5])], stride: 1, scale: .tutorial)) {
            XCTAssertTrue("\($0)".contains("the style image is too small for patches of relu4_1: its features there are 5×2"), "\($0)")
        }
    }

    /// Matching in bands of rows (a tiny score budget forces one row per band) equals a direct search.
    func testBlockwiseMatchingEqualsDirectSearch() throws {
        let f = testTensor([4, 12, 9], seed: 31, lo: 0, hi: 1), style = testTensor([4, 10, 11], seed: 32, lo: 0, hi: 1)
        var loss = try PatchLoss(layer: "l", styleFeatures: [style], stride: 1, scale: .normalized)
        loss.scoreBudget = 1
        let matches = loss.matches(f)
        loss.scoreBudget = 16 << 20
        XCTAssertEqual(loss.matches(f), matches, "one band")
        XCTAssertEqual(matches.count, 10 * 7)
        for y in 0..<10 {
            for x in 0..<7 {
                var best = -Float.infinity, index = 0
                for j in 0..<loss.norms.count {
                    var s: Float = 0
                    for c in 0..<4 { for ky in 0..<3 { for kx in 0..<3 {
                        s += loss.filters[j * 36 + c * 9 + ky * 3 + kx] * f[(c * 12 + y + ky) * 9 + x + kx]
                    } } }
                    if s > best { best = s; index = j }
                }
                XCTAssertEqual(Int(matches[y * 7 + x]), index, "patch (\(y),\(x))")
            }
        }
    }

    /// Central differences along random directions, the matches identical at both ends (so E is smooth there).
    func testGradientMatchesFiniteDifferences() throws {
        let f = testTensor([6, 9, 10], seed: 33, lo: 0, hi: 1), style = testTensor([6, 11, 8], seed: 34, lo: 0, hi: 1)
        for stride in [1, 2] {
            let loss = try PatchLoss(layer: "l", styleFeatures: [style], stride: stride, scale: .normalized)
            let g = Tensor(shape: f.shape)
            _ = loss.evaluate(f, gradient: g, scale: 1)
            for k in 0..<3 {
                let v = testTensor(f.shape, seed: 40 + UInt64(k)), epsilon: Float = 1e-4
                let plus = f.copy(), minus = f.copy()
                for i in 0..<f.count { plus[i] += epsilon * v[i]; minus[i] -= epsilon * v[i] }
                XCTAssertEqual(loss.matches(plus), loss.matches(f))
                XCTAssertEqual(loss.matches(minus), loss.matches(f))
                var predicted = 0.0
                for i in 0..<f.count { predicted += Double(g[i]) * (Double(plus[i]) - Double(minus[i])) }
                let measured = loss.evaluate(plus, gradient: nil, scale: 1) - loss.evaluate(minus, gradient: nil, scale: 1)
                XCTAssertEqual(measured, predicted, accuracy: 2e-3 * abs(predicted), "stride \(stride) direction \(k)")
            }
        }
    }

    /// Patch and Gram terms through the random pyramid network: the objective's gradient against finite
    /// differences, and a short run that lowers the loss.
    func testRandomNetworkWithPatchAndGramTerms() throws {
        var c = RandomFeatureNetwork.Configuration()
        c.branches = [.init(3, filters: 6), .init(5, level: 1, filters: 5)]
        c.contentLevel = 1; c.margin = 0
        let net = try RandomFeatureNetwork(seed: 5, configuration: c)
        XCTAssertEqual(net.defaultPatchLayers, ["relu3x3", "relu5x5_d2"])
        var o = GramOptions(); o.styleLoss = .both; o.mrf.styleStride = 1
        let content = testTensor([3, 20, 24], seed: 35, lo: 0, hi: 1), style = testTensor([3, 20, 24], seed: 36, lo: 0, hi: 1)
        let objective = try GramObjective(network: net, content: content, style: style, options: o)
        XCTAssertEqual(objective.patchWeight, MRFOptions.defaultWeight)
        let x = testTensor([3, 20, 24], seed: 37, lo: 0, hi: 1), g = Tensor(shape: x.shape)
        let at = try objective.evaluate(x, gradient: g)
        var predicted = 0.0
        let v = testTensor(x.shape, seed: 38), epsilon: Float = 1e-4
        let plus = x.copy(), minus = x.copy()
        for i in 0..<x.count { plus[i] += epsilon * v[i]; minus[i] -= epsilon * v[i]; predicted += Double(g[i]) * Double(plus[i] - minus[i]) }
        let measured = try objective.evaluate(plus).total - objective.evaluate(minus).total
        XCTAssertEqual(measured, predicted, accuracy: 5e-3 * abs(predicted))
        o.steps = 5
        var last = at.total
        _ = try gramStylize(content: content, style: style, network: net, options: o) { _, _, _, total in last = total }
        XCTAssertLessThan(last, try objective.evaluate(content).total)
    }
}
