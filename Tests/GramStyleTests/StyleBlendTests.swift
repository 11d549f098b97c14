import StyleCore
import TensorTestSupport
import XCTest
@testable import GramStyle

/// Several style images in Gram mode: the style target of each layer is Σ wᵢ·Gram(Sᵢ).
final class StyleBlendTests: XCTestCase {
    let content = testTensor([3, 32, 40], seed: 31, lo: 0, hi: 1)
    let style1 = testTensor([3, 36, 28], seed: 32, lo: 0, hi: 1)
    let style2 = testTensor([3, 24, 40], seed: 33, lo: 0.2, hi: 0.9)
    let network = VGG19.random(seed: 3, widths: [4, 8, 8, 16, 16])

    func testMixedTargetIsTheWeightedSumOfSingleStyleGrams() throws {
        let options = GramOptions()
        let mixed = try GramObjective(network: network, content: content, styles: [style1, style2], weights: [0.25, 0.75], options: options)
        let one = try GramObjective(network: network, content: content, style: style1, options: options)
        let two = try GramObjective(network: network, content: content, style: style2, options: options)
        XCTAssertEqual(mixed.styleLosses.count, 5)
        for ((m, _), ((a, _), (b, _))) in zip(mixed.styleLosses, zip(one.styleLosses, two.styleLosses)) {
            let expected = Tensor(shape: a.target.shape)
            for i in 0..<expected.count { expected[i] = 0.25 * a.target[i] + 0.75 * b.target[i] }
            XCTAssertGreaterThan(maxDifference(a.target, b.target), 1e-3 * b.target.maxAbs, "\(m.layer): the styles' Grams must differ")
            assertClose(m.target, expected, relative: 1e-6, minimumScale: 0, "\(m.layer) mixed target")
        }
    }

    func testWeightsOneZeroGiveTheSingleStyleResult() throws {
        var options = GramOptions()
        options.steps = 3
        options.optimizer = .adam
        let single = try gramStylize(content: content, style: style1, network: network, options: options)
        let blend = try gramStylize(content: content, styles: [style1, style2], weights: [1, 0], network: network, options: options)
        XCTAssertEqual(blend.values, single.values)
    }
}
