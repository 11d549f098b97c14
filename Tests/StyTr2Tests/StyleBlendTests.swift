import StyleCore
import XCTest
@testable import StyTr2

/// `StyTr2.stylize(content:styles:weights:alpha:)` against its documented formula
/// CNN(α·Σ wᵢ·hs(c,sᵢ) + (1−α)·hs(c,c)), built here from `forward`'s decoder outputs, on the tiny model.
final class StyleBlendTests: XCTestCase {
    var model: StyTr2Model!
    let content = pattern(height: 44, width: 60, seed: 1)
    let style1 = pattern(height: 40, width: 40, seed: 2)
    let style2 = pattern(height: 48, width: 32, seed: 3)

    override func setUpWithError() throws {
        let s = try StyTr2ParityTests.setup("tiny")
        model = try StyTr2Model(configuration: s.configuration,
                           weights: SeededWeights(seed: s.seed, shapes: s.configuration.tensorShapes(cnnChannels: s.channels)))
    }

    /// A smooth image (3,H,W) in [0,1] that differs with `seed`.
    static func pattern(height: Int, width: Int, seed: Float) -> Tensor {
        let t = Tensor(shape: [3, height, width])
        for c in 0..<3 { for y in 0..<height { for x in 0..<width {
            t[(c * height + y) * width + x] = 0.5 + 0.45 * sin(Float(x) * 0.3 * seed + Float(c)) * cos(Float(y) * 0.2 + seed * Float(c + 1))
        } } }
        return t
    }

    /// max |a − b| / max |b|.
    func relativeError(_ a: Tensor, _ b: Tensor) -> Float {
        XCTAssertEqual(a.shape, b.shape)
        var err: Float = 0
        for i in 0..<min(a.count, b.count) { err = max(err, abs(a[i] - b[i])) }
        return err / b.maxAbs
    }

    func testAlphaOneIsThePlainOutputAndZeroTheContentSelfReconstruction() throws {
        let plain = try model.stylize(content: content, style: style1)
        let own = try model.stylize(content: content, style: content)
        XCTAssertGreaterThan(relativeError(plain, own), 0.01, "style and content-self outputs must differ for the test to mean anything")
        XCTAssertLessThanOrEqual(relativeError(try model.stylize(content: content, styles: [style1], alpha: 1), plain), 1e-6)
        XCTAssertLessThanOrEqual(relativeError(try model.stylize(content: content, styles: [style1], alpha: 0), own), 1e-6)
    }

    func testWeightsOneZeroEqualTheSingleStyle() throws {
        let single = try model.stylize(content: content, style: style2)
        XCTAssertLessThanOrEqual(relativeError(try model.stylize(content: content, styles: [style1, style2], weights: [0, 1]), single), 1e-6)
    }

    func testIntermediateAlphaAndTwoStylesFollowTheDocumentedBlend() throws {
        let hs1 = try model.forward(content: content, style: style1).decoded
        let hs2 = try model.forward(content: content, style: style2).decoded
        let own = try model.forward(content: content, style: content).decoded
        // Weights 1,3 normalise to 0.25, 0.75; α = 0.4.
        let mixed = Tensor(shape: hs1.shape)
        for i in 0..<mixed.count { mixed[i] = 0.4 * (0.25 * hs1[i] + 0.75 * hs2[i]) + 0.6 * own[i] }
        let expected = crop(model.cnn.forward(tokensToChannels(mixed, height: 6, width: 8)), height: 44, width: 60)
        let ours = try model.stylize(content: content, styles: [style1, style2], weights: [1, 3], alpha: 0.4)
        XCTAssertLessThanOrEqual(relativeError(ours, expected), 1e-5)
        XCTAssertGreaterThan(relativeError(ours, try model.stylize(content: content, style: style2)), 0.01)
    }
}
