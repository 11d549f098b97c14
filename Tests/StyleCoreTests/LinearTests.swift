import TensorTestSupport
import XCTest
@testable import StyleCore

/// linear: x·Wᵀ + b as nn.Linear, in tensor form and in the pointer form that writes a column slice.
final class LinearTests: XCTestCase {
    static func naiveLinear(_ x: Reference, _ w: Reference, _ b: Reference?, relu: Bool = false) -> Reference {
        let n = x.shape[0], inF = x.shape[1], outF = w.shape[0]
        var out = Reference(shape: [n, outF])
        for i in 0..<n {
            for o in 0..<outF {
                var s = b?.values[o] ?? 0
                for k in 0..<inF { s += x[i, k] * w[o, k] }
                out[i, o] = relu ? max(0, s) : s
            }
        }
        return out
    }

    func testLinearMatchesPyTorch() throws {
        let x = try Fixtures.kernel("linear_x"), w = try Fixtures.kernel("linear_w"), b = try Fixtures.kernel("linear_b")
        assertClose(linear(x, weight: w, bias: b), try Fixtures.kernel("linear_out"), "linear vs PyTorch")
    }

    func testLinearMatchesNaive() {
        for (n, (rows, inF, outF)) in [(7, 12, 9), (1, 1, 1), (13, 5, 31), (3, 40, 2)].enumerated() {
            let seed = UInt64(400 + 10 * n)
            let x = randomTensor([rows, inF], seed: seed), w = randomTensor([outF, inF], seed: seed + 1)
            let b = randomTensor([outF], seed: seed + 2)
            assertClose(linear(x, weight: w, bias: b), Self.naiveLinear(Reference(x), Reference(w), Reference(b)),
                        "linear \(rows)×\(inF)→\(outF) vs naive")
            assertClose(linear(x, weight: w, bias: nil), Self.naiveLinear(Reference(x), Reference(w), nil),
                        "linear \(rows)×\(inF)→\(outF) no bias vs naive")
            assertClose(linear(x, weight: w, bias: b, activation: .relu),
                        Self.naiveLinear(Reference(x), Reference(w), Reference(b), relu: true),
                        "linear \(rows)×\(inF)→\(outF) relu vs naive")
        }
    }

    /// The pointer form fills columns [offset, offset+OUT) of a wider output and leaves the rest alone.
    func testPointerFormWritesColumnSlice() {
        let n = 5, inF = 6, outF = 4, ldo = 11, offset = 3
        let x = randomTensor([n, inF], seed: 450), w = randomTensor([outF, inF], seed: 451), b = randomTensor([outF], seed: 452)
        let out = Tensor(shape: [n, ldo])
        out.fill(-7)
        linear(x.data, n: n, inFeatures: inF, weight: w.data, bias: b.data, outFeatures: outF, into: out.data + offset, ldo: ldo)
        let expected = Self.naiveLinear(Reference(x), Reference(w), Reference(b))
        var slice = Reference(shape: [n, outF])
        for i in 0..<n {
            for j in 0..<ldo {
                if (offset..<(offset + outF)).contains(j) { slice[i, j - offset] = Double(out[i * ldo + j]) }
                else { XCTAssertEqual(out[i * ldo + j], -7, "column \(j) outside the slice was written") }
            }
        }
        assertClose(slice.tensor, expected, "linear pointer form vs naive")
    }
}
