import StyleCore
import StyleIO
import TensorTestSupport
import XCTest
@testable import GramStyle

/// Activations, loss and image gradient against PyTorch autograd (tools/gram_reference.py, float64),
/// for seeded VGG-19s whose weights are regenerated here.
final class PyTorchParityTests: XCTestCase {
    /// Every ReLU output of the small network (widths 4/8/8/16/16) for a 32×40 image, both layouts.
    func testActivationsMatchPerLayer() throws {
        let content = try Fixtures.load("content")
        var worst: Float = 0
        defer { print("activations: worst max error / scale \(worst)") }
        for layout in VGGLayout.allCases {
            let net = try Fixtures.network("small", layout)
            let features = try net.features(of: content, layers: Set(net.layerNames))
            XCTAssertEqual(net.layerNames.count, 13)
            for name in net.layerNames {
                let expected = try Fixtures.load("small_\(layout.rawValue)_\(name)")
                assertClose(features[name]!, expected, relative: 1e-4, minimumScale: 0, "\(layout) \(name)")
                worst = max(worst, maxDifference(features[name]!, expected) / expected.maxAbs)
            }
        }
    }

    /// Loss and gradient for each metric (with TV, custom layers and weights in some cases), both layouts,
    /// and the full-size VGG-19 at 64×64.
    func testLossAndGradientMatchAutograd() throws { try checkLossAndGradient(KernelVariant.active.rawValue) }

    /// The same on every other variant of the Winograd transforms (forward and adjoint) this CPU can run.
    func testLossAndGradientOnEveryKernelVariant() throws {
        try forEachKernelVariant { variant in
            if variant != KernelVariant.automatic { try checkLossAndGradient(variant.rawValue) }
        }
    }

    func testLossAndGradientOnAVX512Kernels() throws {
        try onAVX512("Winograd transforms") { try checkLossAndGradient("avx512") }
    }

    func checkLossAndGradient(_ kernels: String) throws {
        for c in Fixtures.cases["gradient_cases"] as! [[String: Any]] {
            let name = c["name"] as! String
            let net = try Fixtures.network(c["widths"] as! String, VGGLayout(rawValue: c["layout"] as! String)!)
            let objective = try GramObjective(network: net, content: try Fixtures.load(c["content"] as! String),
                                              style: try Fixtures.load(c["style"] as! String), options: Fixtures.options(c))
            let image = try Fixtures.load(c["image"] as! String)
            let gradient = Tensor(shape: image.shape)
            let loss = try objective.evaluate(image, gradient: gradient)
            let reference = c["loss"] as! Double
            XCTAssertLessThanOrEqual(relativeError(loss.total, reference), 1e-4, "\(name) (\(kernels) kernels): loss \(loss.total) vs \(reference)")
            let expected = try Fixtures.load("\(name)_gradient")
            assertClose(gradient, expected, relative: 1e-4, minimumScale: 0, "\(name) gradient (\(kernels) kernels)")
            print("\(name): loss relative error \(relativeError(loss.total, reference)), gradient max error / scale \(maxDifference(gradient, expected) / expected.maxAbs)")
            // The loss without a gradient is the same number.
            XCTAssertEqual(try objective.evaluate(image).total, loss.total, accuracy: 1e-9 * abs(loss.total))
        }
    }
}
