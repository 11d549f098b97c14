import Foundation
import StyleCore
import StyleIO
import TensorTestSupport
import XCTest
@testable import GramStyle

/// Fixtures written by tools/gram_reference.py (PyTorch autograd) and helpers shared by the tests.
enum Fixtures {
    static let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static func load(_ name: String) throws -> Tensor { try NPY.read(url.appendingPathComponent("\(name).npy").path) }

    static let cases: [String: Any] = {
        let data = try! Data(contentsOf: url.appendingPathComponent("gram_cases.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static var seed: UInt64 { UInt64(cases["seed"] as! Int) }
    static func widths(_ key: String) -> [Int] { cases["\(key)_widths"] as! [Int] }

    /// The seeded VGG-19 of the reference script.
    static func network(_ widths: String, _ layout: VGGLayout) throws -> VGG19 {
        let w = Self.widths(widths)
        return try VGG19(weights: SeededWeights(seed: seed, shapes: VGG19.tensorShapes(layout: layout, widths: w)),
                         layout: layout, widths: w)
    }

    /// GramOptions of a case dictionary from gram_cases.json.
    static func options(_ c: [String: Any]) -> GramOptions {
        var o = GramOptions()
        o.contentWeight = Float(c["alpha"] as! Double)
        o.styleWeight = Float(c["beta"] as! Double)
        o.totalVariationWeight = Float(c["tv"] as? Double ?? 0)
        o.contentMetric = DistanceMetric(rawValue: c["content_metric"] as! String)!
        o.styleMetric = DistanceMetric(rawValue: c["style_metric"] as! String)!
        if let layers = c["content_layers"] as? [String] { o.contentLayers = layers }
        if let layers = c["style_layers"] as? [[Any]] {
            o.styleLayers = layers.map { GramOptions.StyleLayer($0[0] as! String, weight: Float($0[1] as! Double)) }
        }
        // Cases written before the normalised scale existed are PyTorch-tutorial-scaled.
        o.lossScale = LossScale(rawValue: c["loss_scale"] as? String ?? "tutorial")!
        o.styleLoss = StyleLossKind(rawValue: c["style_loss"] as? String ?? "gram")!
        if let weight = c["mrf_weight"] as? Double { o.mrf.weight = Float(weight) }
        if let layers = c["mrf_layers"] as? [String] { o.mrf.layers = layers }
        if let stride = c["mrf_stride"] as? Int { o.mrf.styleStride = stride }
        return o
    }
}

func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    var err: Float = 0
    for i in 0..<a.count { err = max(err, abs(a[i] - b[i])) }
    return err
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-30) }

/// Deterministic values in [lo, hi) for test inputs (SplitMix64).
func testTensor(_ shape: [Int], seed: UInt64, lo: Float = -1, hi: Float = 1) -> Tensor {
    let t = uniformNoise(shape: shape, seed: seed)
    for i in 0..<t.count { t[i] = lo + (hi - lo) * t[i] }
    return t
}
