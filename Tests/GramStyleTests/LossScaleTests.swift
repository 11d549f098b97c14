import StyleCore
import XCTest
@testable import GramStyle

/// Seeded VGG-19 weights behind a 1×1 preprocess conv that applies torchvision's ImageNet normalisation
/// (normalised layout), with every feature multiplied by `featureScale`: the preprocess conv and all biases
/// × featureScale, as vgg_normalised.pth folds Caffe's ×255 input scale into its weights.
struct FoldedVGGWeights: WeightProvider {
    var seeded: SeededWeights
    var featureScale: Float

    init(seed: UInt64, widths: [Int], featureScale: Float) {
        seeded = SeededWeights(seed: seed, shapes: VGG19.tensorShapes(layout: .torchvision, widths: widths))
        self.featureScale = featureScale
    }

    func shape(of name: String) -> [Int]? {
        name == "preprocess.weight" ? [3, 3, 1, 1] : name == "preprocess.bias" ? [3] : seeded.shape(of: name)
    }

    func tensor(_ name: String, shape: [Int]) throws -> Tensor {
        let mean = VGG19.imagenetMean, std = VGG19.imagenetStd
        switch name {
        case "preprocess.weight":
            let w = Tensor(shape: [3, 3, 1, 1])
            for c in 0..<3 { w[c * 3 + c] = featureScale / std[c] }
            return w
        case "preprocess.bias": return Tensor(shape: [3], values: (0..<3).map { -featureScale * mean[$0] / std[$0] })
        default:
            let t = try seeded.tensor(name, shape: shape)
            if name.hasSuffix(".bias") { for i in 0..<t.count { t[i] *= featureScale } }
            return t
        }
    }
}

/// The normalised loss scale makes the result independent of the network's feature scale; the tutorial
/// scale does not, and when its loss is too small to move the image the run says so.
final class LossScaleTests: XCTestCase {
    let content = testTensor([3, 32, 40], seed: 51, lo: 0, hi: 1)
    let style = testTensor([3, 36, 28], seed: 52, lo: 0, hi: 1)
    let widths = [4, 8, 8, 16, 16]

    func network(featureScale: Float) throws -> VGG19 {
        try VGG19(weights: FoldedVGGWeights(seed: 3, widths: widths, featureScale: featureScale), layout: .normalised, widths: widths)
    }

    func run(_ network: VGG19, _ scale: LossScale, styleWeight: Float? = nil,
             unchanged: ((UnchangedImage) -> Void)? = nil) throws -> Tensor {
        var o = GramOptions()
        o.steps = 10; o.lossScale = scale; o.styleWeight = styleWeight
        return try gramStylize(content: content, style: style, network: network, options: o, unchanged: unchanged)
    }

    func testFeaturesTimes255GiveTheSameImage() throws {
        let plain = try network(featureScale: 1), caffe = try network(featureScale: 255)
        // The two networks differ only by the factor 255 on every feature.
        let a = try plain.features(of: content, layers: ["relu4_1"])["relu4_1"]!
        let b = try caffe.features(of: content, layers: ["relu4_1"])["relu4_1"]!
        XCTAssertGreaterThan(a.maxAbs, 0)
        for i in 0..<a.count { XCTAssertEqual(b[i], 255 * a[i], accuracy: 1e-4 * 255 * a.maxAbs) }

        var notices: [UnchangedImage] = []
        let x = try run(plain, .normalized) { notices.append($0) }, y = try run(caffe, .normalized) { notices.append($0) }
        XCTAssertEqual(notices, [])
        XCTAssertGreaterThan(maxDifference(x, content), 0.05, "the optimisation moved the image")
        XCTAssertLessThanOrEqual(maxDifference(x, y), 1e-4)
        print("features ×255, normalised loss: max image difference \(maxDifference(x, y))")
        // The tutorial scale with one β: not the same optimisation.
        XCTAssertGreaterThan(maxDifference(try run(plain, .tutorial, styleWeight: 1e2), try run(caffe, .tutorial, styleWeight: 1e2)), 0.02)
    }

    func testTinyFeaturesStopLBFGSBeforeItsFirstStepAndSaySo() throws {
        let tiny = try network(featureScale: 1e-3)
        var notices: [UnchangedImage] = []
        let x = try run(tiny, .tutorial, styleWeight: 1e2) { notices.append($0) }
        XCTAssertEqual(x.values, content.values, "the content came back")
        XCTAssertEqual(notices.count, 1)
        let notice = try XCTUnwrap(notices.first)
        XCTAssertTrue(notice.reason.hasPrefix("L-BFGS stopped before its first step: the largest gradient component, "), notice.reason)
        XCTAssertTrue(notice.reason.hasSuffix(", is under its tolerance 1e-07"), notice.reason)
        XCTAssertEqual(notice.remedy, "raise the style weight (now 100.0) or the content weight (now 1.0) to suit this network's feature scale, or use the normalized loss scale")
        XCTAssertTrue(notice.description.hasPrefix("the image is unchanged: L-BFGS stopped"))
        // The normalised scale moves it, as it moves the plain network.
        notices = []
        let y = try run(tiny, .normalized) { notices.append($0) }
        XCTAssertEqual(notices, [])
        XCTAssertLessThanOrEqual(maxDifference(y, try run(try network(featureScale: 1), .normalized)), 1e-4)
    }

    func testTooSmallStepsAndNoStepsAreReported() throws {
        let net = try network(featureScale: 1)
        var o = GramOptions(); o.steps = 3; o.optimizer = .adam; o.learningRate = 1e-5
        var notices: [UnchangedImage] = []
        _ = try gramStylize(content: content, style: style, network: net, options: o, unchanged: { notices.append($0) })
        XCTAssertEqual(notices.count, 1)
        XCTAssertTrue(notices.first?.reason.hasPrefix("3 optimizer steps moved no pixel by one 8-bit level (largest change ") == true, "\(notices)")
        o.steps = 0; notices = []
        _ = try gramStylize(content: content, style: style, network: net, options: o, unchanged: { notices.append($0) })
        XCTAssertEqual(notices, [UnchangedImage(reason: "no optimizer step was requested (0 steps in every pass)", remedy: "set steps above 0")])
    }
}
