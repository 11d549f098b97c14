import Foundation
import StyleCore
import StyleIO
import TensorTestSupport
import XCTest
@testable import StyTr2

/// StyTr² against outputs of the official PyTorch code (tools/stytr2_reference.py): weights are
/// regenerated here from the same seed, so only images and reference outputs are committed.
final class StyTr2ParityTests: XCTestCase {
    struct Case { var name: String; var content: [Int]; var style: [Int] }
    struct Setup { var configuration: StyTr2Configuration; var seed: UInt64; var channels: [Int]; var cases: [Case]; var stages: [String] }

    static let fixtures = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func setup(_ name: String) throws -> Setup {
        let data = try Data(contentsOf: fixtures.appendingPathComponent("stytr2_cases.json"))
        let all = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let m = all[name] as! [String: Any]
        var c = StyTr2Configuration()
        c.dModel = m["d_model"] as! Int; c.heads = m["heads"] as! Int
        c.encoderCLayers = m["encoder_layers"] as! Int; c.encoderSLayers = c.encoderCLayers
        c.decoderLayers = m["decoder_layers"] as! Int; c.ffn = m["ffn"] as! Int; c.patchSize = m["patch_size"] as! Int
        let cases = (m["cases"] as! [String: [String: [Int]]]).map { Case(name: $0.key, content: $0.value["content"]!, style: $0.value["style"]!) }
        return Setup(configuration: c, seed: UInt64(m["seed"] as! Int), channels: m["cnn_channels"] as! [Int],
                     cases: cases.sorted { $0.name < $1.name }, stages: m["stages"] as! [String])
    }

    static func load(_ file: String) throws -> Tensor { try NPY.read(fixtures.appendingPathComponent(file).path) }

    func runParity(_ name: String, kernels: String = KernelVariant.active.rawValue) throws {
        let s = try Self.setup(name)
        let shapes = s.configuration.tensorShapes(cnnChannels: s.channels)
        let model = try StyTr2Model(configuration: s.configuration, weights: SeededWeights(seed: s.seed, shapes: shapes))
        for c in s.cases {
            let prefix = "\(name)_\(c.name)"
            let content = try Self.load("\(prefix)_content.npy"), style = try Self.load("\(prefix)_style.npy")
            XCTAssertEqual(content.shape, [3] + c.content)
            let stages = try model.forward(content: content, style: style)
            let ours: [String: Tensor] = ["content_embedding": stages.contentEmbedding, "content_position": stages.contentPosition,
                                          "encoded_content": stages.encodedContent, "encoded_style": stages.encodedStyle,
                                          "decoded": stages.decoded, "output": stages.output]
            for stage in s.stages {
                // max |ours − reference| ≤ 1e-4 · max |reference|, the tolerance.
                assertClose(ours[stage]!, try Self.load("\(prefix)_\(stage).npy"), relative: 1e-4, minimumScale: 0, "\(prefix) \(stage) (\(kernels) kernels)")
            }
        }
    }

    /// d_model 32, 4 heads, FFN 64, small CNN: square, non-square, and content ≠ style (not multiples of 8).
    func testTinyModelMatchesPyTorchPerStage() throws { try runParity("tiny") }

    /// The official dimensions (512-d, 8 heads, FFN 2048, 3+3+3 layers, full CNN) on 64² and 48×80.
    func testFullSizeModelMatchesPyTorch() throws { try runParity("full") }

    /// The same on every other variant of the fused attention and Winograd kernels this CPU can run.
    func testFullSizeModelMatchesPyTorchOnEveryKernelVariant() throws {
        try forEachKernelVariant { variant in
            if variant != KernelVariant.automatic { try runParity("full", kernels: variant.rawValue) }
        }
    }

    func testFullSizeModelMatchesPyTorchOnAVX512Kernels() throws {
        try onAVX512("attention and Winograd kernels") { try runParity("full", kernels: "avx512") }
    }

    func testSeededWeightsMatchThePythonGenerator() {
        // Bits of tools/stytr2_reference.py's seeded_tensor("embedding.proj.bias", [4], 1).
        let t = SeededWeights.generate(name: "embedding.proj.bias", shape: [4], seed: 1)
        XCTAssertEqual(t.values.map(\.bitPattern), [0x3c46a100, 0x3d103b9d, 0x3cfc78c7, 0xbd3bcced])
    }

    func testMismatchedWeightsAreRejectedWithTheTensorName() throws {
        let s = try Self.setup("tiny")
        var shapes = s.configuration.tensorShapes(cnnChannels: s.channels)
        shapes["transformer.encoder_c.layers.1.linear1.weight"] = [63, 32]
        XCTAssertThrowsError(try StyTr2Model(configuration: s.configuration, weights: SeededWeights(seed: 1, shapes: shapes))) {
            XCTAssertTrue("\($0)".contains("transformer.encoder_c.layers.1.linear1.weight"), "\($0)")
            XCTAssertTrue("\($0)".contains("[64, 32]"), "\($0)")
        }
        shapes = s.configuration.tensorShapes(cnnChannels: s.channels)
        shapes["cnn_decoder.28.weight"] = nil
        XCTAssertThrowsError(try StyTr2Model(configuration: s.configuration, weights: SeededWeights(seed: 1, shapes: shapes))) {
            XCTAssertTrue("\($0)".contains("missing tensor 'cnn_decoder.28.weight'"), "\($0)")
        }
    }

    func testTooSmallImagesAreRefused() throws {
        let s = try Self.setup("tiny")
        let model = try StyTr2Model(configuration: s.configuration,
                               weights: SeededWeights(seed: s.seed, shapes: s.configuration.tensorShapes(cnnChannels: s.channels)))
        XCTAssertThrowsError(try model.stylize(content: Tensor(shape: [3, 12, 40]), style: Tensor(shape: [3, 32, 32]))) {
            XCTAssertTrue("\($0)".contains("at least 16×16"), "\($0)")
        }
    }
}
