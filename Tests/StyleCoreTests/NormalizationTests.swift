import TensorTestSupport
import XCTest
@testable import StyleCore

/// addLayerNormInPlace: LayerNorm(x + residual) over the last dimension.
final class NormalizationTests: XCTestCase {
    // MARK: Reference implementations

    static func naiveLayerNorm(_ x: Reference, residual: Reference?, weight: Reference, bias: Reference,
                               eps: Double = 1e-5) -> Reference {
        let n = x.shape[0], d = x.shape[1]
        var out = Reference(shape: x.shape)
        for i in 0..<n {
            let row = (0..<d).map { x[i, $0] + (residual?[i, $0] ?? 0) }
            let mean = row.reduce(0, +) / Double(d)
            let variance = row.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(d)
            for j in 0..<d { out[i, j] = (row[j] - mean) / (variance + eps).squareRoot() * weight.values[j] + bias.values[j] }
        }
        return out
    }

    // MARK: LayerNorm

    func testLayerNormMatchesPyTorch() throws {
        let x = try Fixtures.kernel("layernorm_x"), r = try Fixtures.kernel("layernorm_residual")
        let w = try Fixtures.kernel("layernorm_weight"), b = try Fixtures.kernel("layernorm_bias")
        addLayerNormInPlace(x, residual: r, weight: w, bias: b)
        assertClose(x, try Fixtures.kernel("layernorm_out"), "addLayerNormInPlace vs PyTorch")
    }

    func testLayerNormMatchesNaive() {
        for (n, (rows, d)) in [(7, 16), (1, 5), (33, 24), (3, 1)].enumerated() {
            for withResidual in [false, true] {
                let seed = UInt64(300 + 10 * n)
                // An offset that makes the mean large compared with the spread, as two-pass variance must handle.
                let x = randomTensor([rows, d], seed: seed, scale: 2)
                for i in 0..<x.count { x[i] += 30 }
                let r = withResidual ? randomTensor([rows, d], seed: seed + 1) : nil
                let w = randomTensor([d], seed: seed + 2), b = randomTensor([d], seed: seed + 3)
                let expected = Self.naiveLayerNorm(Reference(x), residual: r.map(Reference.init), weight: Reference(w),
                                                   bias: Reference(b))
                addLayerNormInPlace(x, residual: r, weight: w, bias: b)
                assertClose(x, expected, "addLayerNormInPlace \(rows)×\(d) residual=\(withResidual) vs naive")
            }
        }
    }

    func testLayerNormOfConstantRowIsBias() {
        let x = Tensor(shape: [2, 4], values: [3, 3, 3, 3, -1, -1, -1, -1])
        let w = randomTensor([4], seed: 310), b = randomTensor([4], seed: 311)
        addLayerNormInPlace(x, residual: nil, weight: w, bias: b)
        XCTAssertEqual(x.values, b.values + b.values)
    }
}
