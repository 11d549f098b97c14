import StyleCore
import XCTest
@testable import GramStyle

/// The random network's Gram layers in pixel blocks (`blockedGram`) against the same layers run whole
/// (full activations, `gramForward` and `gramBackward`), and the blocked sums' independence of the thread count.
final class BlockedGramTests: XCTestCase {
    /// Style loss and image gradient of the network's branches, run blocked (`gramLayers`) or whole (`layers`).
    func styleTerm(_ net: RandomFeatureNetwork, image: Tensor, targets: [String: Tensor], blocked: Bool,
                   buffers: EvaluationBuffers = EvaluationBuffers()) throws -> (loss: Double, gradient: Tensor) {
        let losses = targets.mapValues { StyleLoss(layer: "", target: $0, metric: .mse, scale: .normalized) }
        let branches = Set(targets.keys)
        let gradient = Tensor(shape: image.shape)
        var total = 0.0
        try net.evaluate(image, layers: blocked ? [] : branches, gramLayers: blocked ? branches : [], buffers: buffers,
                         imageGradient: gradient,
                         loss: { layer, f, g in total += losses[layer]!.evaluate(f, gradient: g, scale: 1) },
                         gramLoss: { layer, gram, dGram in total += losses[layer]!.evaluate(gram: gram, gramGradient: dGram, scale: 1) })
        return (total, gradient)
    }

    /// Targets: the Gram matrices of another image's branches.
    func targets(_ net: RandomFeatureNetwork, _ style: Tensor) throws -> [String: Tensor] {
        let branches = Set(net.layerNames.filter { $0 != "smooth" })
        return try net.features(of: style, layers: branches).mapValues { gramForward($0) }
    }

    /// 150×70 (several blocks, rows split across blocks) and 530×530 (over 64 blocks, so several blocks per
    /// group) give the loss and gradient of the whole layers to float32 rounding.
    func testBlockedLayersMatchWholeLayers() throws {
        for (h, w) in [(70, 150), (530, 530)] {
            var c = RandomFeatureNetwork.Configuration()
            c.branches = [.init(3, filters: 8), .init(7, filters: 6), .init(5, level: 1, filters: 5)]
            let net = try RandomFeatureNetwork(seed: 9, configuration: c)
            let image = testTensor([3, h, w], seed: 21, lo: 0, hi: 1)
            let t = try targets(net, testTensor([3, h, w], seed: 22, lo: 0, hi: 1))
            XCTAssertGreaterThan(PixelBlocks(pixels: (h - 2) * (w - 2)).blocks, h == 70 ? 2 : 64)
            let whole = try styleTerm(net, image: image, targets: t, blocked: false)
            let blocked = try styleTerm(net, image: image, targets: t, blocked: true)
            XCTAssertEqual(blocked.loss, whole.loss, accuracy: 1e-5 * whole.loss, "\(h)×\(w)")
            let worst = (0..<image.count).map { abs(blocked.gradient[$0] - whole.gradient[$0]) }.max()!
            XCTAssertLessThan(worst, 1e-4 * whole.gradient.maxAbs, "\(h)×\(w)")
        }
    }

    /// One thread or all cores, fresh or reused buffers: the same bits (sum orders are fixed by the shape).
    func testBlockedGradientIsTheSameOnAnyThreadCount() throws {
        let net = try RandomFeatureNetwork(seed: 3)
        let image = testTensor([3, 200, 180], seed: 31, lo: 0, hi: 1)
        let t = try targets(net, testTensor([3, 160, 170], seed: 32, lo: 0, hi: 1))
        let reused = EvaluationBuffers()
        let all = try styleTerm(net, image: image, targets: t, blocked: true, buffers: reused)
        WorkerLimit.set(1)
        defer { WorkerLimit.set(nil) }
        let one = try styleTerm(net, image: image, targets: t, blocked: true)
        WorkerLimit.set(nil)
        let again = try styleTerm(net, image: image, targets: t, blocked: true, buffers: reused)
        XCTAssertEqual(one.loss, all.loss)
        XCTAssertEqual(again.loss, all.loss)
        XCTAssertEqual(one.gradient.values, all.gradient.values)
        XCTAssertEqual(again.gradient.values, all.gradient.values)
        // gramForward, used for every target: same bits on one thread.
        let f = testTensor([16, 300, 301], seed: 33, lo: 0, hi: 1)
        let g = gramForward(f)
        WorkerLimit.set(1)
        XCTAssertEqual(gramForward(f).values, g.values)
    }
}
