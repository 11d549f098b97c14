import StyleCore
import XCTest
@testable import GramStyle

/// Loading, errors, determinism and forward depth of the feature networks.
final class NetworkTests: XCTestCase {
    let widths = [4, 8, 8, 16, 16]

    func testWrongWeightShapeIsRejectedWithTheTensorName() {
        var shapes = VGG19.tensorShapes(layout: .torchvision, widths: widths)
        shapes["conv3_2.weight"] = [8, 8, 1, 3]
        XCTAssertThrowsError(try VGG19(weights: SeededWeights(seed: 1, shapes: shapes), layout: .torchvision, widths: widths)) {
            XCTAssertTrue("\($0)".contains("conv3_2.weight"), "\($0)")
            XCTAssertTrue("\($0)".contains("[8, 8, 3, 3]"), "\($0)")
        }
        // The torchvision file has no preprocess conv: loading it as normalised names the missing tensor.
        XCTAssertThrowsError(try VGG19(weights: SeededWeights(seed: 1, shapes: VGG19.tensorShapes(layout: .torchvision, widths: widths)),
                                       layout: .normalised, widths: widths)) {
            XCTAssertTrue("\($0)".contains("preprocess.weight"), "\($0)")
        }
    }

    func testRandomVGGIsDeterministicForASeed() throws {
        let image = testTensor([3, 24, 20], seed: 3, lo: 0, hi: 1)
        func relu3_1(_ seed: UInt64) throws -> [Float] {
            try VGG19.random(seed: seed, widths: widths).features(of: image, layers: ["relu3_1"])["relu3_1"]!.values
        }
        XCTAssertEqual(try relu3_1(7), try relu3_1(7))
        XCTAssertNotEqual(try relu3_1(7), try relu3_1(8))
        // The normalised layout of a random network uses the real preprocess conv: RGB [0,1] → BGR·255 − mean.
        let pre = VGG19.random(seed: 7, layout: .normalised, widths: widths).preprocess!
        XCTAssertEqual(pre.weight.values, [0, 0, 255, 0, 255, 0, 255, 0, 0])
        XCTAssertEqual(pre.bias.values, [-103.939, -116.779, -123.68])
    }

    func testRandomFeatureNetworkIsDeterministicForASeed() throws {
        var c = RandomFeatureNetwork.Configuration()
        c.branches = c.branches.map { var b = $0; b.filters = 4; return b }
        let image = testTensor([3, 30, 26], seed: 4, lo: 0, hi: 1)
        func features(_ seed: UInt64) throws -> [Float] {
            let net = try RandomFeatureNetwork(seed: seed, configuration: c)
            return try net.features(of: image, layers: Set(net.layerNames)).sorted { $0.key < $1.key }.flatMap { $0.value.values }
        }
        XCTAssertEqual(try features(3), try features(3))
        XCTAssertNotEqual(try features(3), try features(4))
        let net = try RandomFeatureNetwork(seed: 3, configuration: c)
        XCTAssertEqual(net.layerNames, ["smooth", "relu3x3", "relu5x5", "relu7x7", "relu5x5_d2", "relu7x7_d2", "relu5x5_d4"])
        // The content map is the blurred luminance: a flat grey image gives its grey level (after normalisation undone).
        let grey = Tensor(shape: [3, 30, 26]); grey.fill(0.5)
        let smooth = try net.features(of: grey, layers: ["smooth"])["smooth"]!
        let expected = zip([0.299, 0.587, 0.114] as [Float], zip(VGG19.imagenetMean, VGG19.imagenetStd)).map { $0 * (0.5 - $1.0) }.reduce(0, +)
        XCTAssertEqual(smooth[20], expected, accuracy: 1e-5)
    }

    func testUnknownLayersAndTinyImagesAreClearErrors() throws {
        let net = VGG19.random(seed: 1, layout: .normalised, widths: widths)
        XCTAssertThrowsError(try net.features(of: testTensor([3, 32, 32], seed: 1), layers: ["relu6_1"])) {
            XCTAssertTrue("\($0)".contains("relu6_1"), "\($0)")
        }
        // 16×16 pools to 1×1 before conv5_1, where reflection padding needs 2 px.
        XCTAssertThrowsError(try net.features(of: testTensor([3, 16, 16], seed: 1), layers: ["relu5_1"])) {
            XCTAssertTrue("\($0)".contains("too small for conv5_1"), "\($0)")
        }
        XCTAssertNoThrow(try net.features(of: testTensor([3, 16, 16], seed: 1), layers: ["relu4_1"]))
        XCTAssertThrowsError(try net.features(of: testTensor([1, 8, 8], seed: 1), layers: ["relu1_1"]))
    }

    /// The forward pass stops at the deepest requested layer and the tape keeps only masks and argmaxes.
    func testForwardStopsAtTheDeepestLossLayer() throws {
        let net = VGG19.random(seed: 1, widths: widths)
        let tape = BackwardTape()
        let out = try net.forward(testTensor([3, 16, 16], seed: 2, lo: 0, hi: 1), layers: ["relu1_1", "relu2_1"], tape: tape)
        XCTAssertEqual(Set(out.keys), ["relu1_1", "relu2_1"])
        // affine, conv1_1, relu1_1, conv1_2, relu1_2, pool1, conv2_1, relu2_1
        XCTAssertEqual(tape.steps.count, 8)
    }

    /// The Winograd rule picks every conv with ≥ 16 input channels (not conv1_1, conv2_2, conv3_1 here), and
    /// the tape records those as Winograd steps so the backward pass uses the same transformed weights.
    func testWinogradRunsEveryConvWithWideInput() throws {
        let net = VGG19.random(seed: 1, widths: [16, 8, 16, 16, 16])
        XCTAssertEqual(net.convs.map { $0.winograd != nil }, [false, true, true, false, false] + Array(repeating: true, count: 8))
        let tape = BackwardTape()
        _ = try net.forward(testTensor([3, 32, 32], seed: 2, lo: 0, hi: 1), layers: ["relu5_1"], tape: tape)
        let winogradSteps = tape.steps.filter { if case .winogradConv = $0 { return true } else { return false } }
        XCTAssertEqual(winogradSteps.count, 10)
    }

    /// The tensors a VGG-19 file must hold (a dictionary: no order), and the forward order of the
    /// convolutions and of the layers a loss may read (arrays: order asserted).
    func testCanonicalShapesAndLayerOrder() {
        let shapes = VGG19.tensorShapes(layout: .normalised)
        XCTAssertEqual(shapes.count, 2 + 2 * 13)
        XCTAssertEqual(shapes["preprocess.weight"], [3, 3, 1, 1])
        XCTAssertEqual(shapes["conv1_1.weight"], [64, 3, 3, 3])
        XCTAssertEqual(shapes["conv5_1.weight"], [512, 512, 3, 3])
        XCTAssertNil(shapes["conv5_2.weight"])

        let names = ["1_1", "1_2", "2_1", "2_2", "3_1", "3_2", "3_3", "3_4", "4_1", "4_2", "4_3", "4_4", "5_1"]
        let convs = VGG19.convList(VGG19.standardWidths)
        XCTAssertEqual(convs.map(\.name), names.map { "conv" + $0 })
        XCTAssertEqual(convs.filter(\.poolAfter).map(\.name), ["conv1_2", "conv2_2", "conv3_4", "conv4_4"])
        XCTAssertEqual(VGG19.random(seed: 1, widths: widths).layerNames, names.map { "relu" + $0 })
    }
}
