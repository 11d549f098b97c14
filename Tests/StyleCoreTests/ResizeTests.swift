import TensorTestSupport
import XCTest
@testable import StyleCore

/// upsampleNearest2x and its backward pass, resizeBilinear (F.interpolate bilinear, align_corners=False)
/// and resizeAntialiased (F.interpolate bilinear with antialias=True).
final class ResizeTests: XCTestCase {
    // MARK: Reference implementations

    static func naiveNearest2x(_ x: Reference) -> Reference {
        let c = x.shape[0], h = x.shape[1], w = x.shape[2]
        var out = Reference(shape: [c, 2 * h, 2 * w])
        for ch in 0..<c { for y in 0..<(2 * h) { for xx in 0..<(2 * w) { out[ch, y, xx] = x[ch, y / 2, xx / 2] } } }
        return out
    }

    /// One axis of PyTorch's bilinear interpolation (UpSample.h, align_corners=False, size given):
    /// src = max(0, (d + ½)·in/out − ½), i0 = min(⌊src⌋, in−1), i1 = i0 + (i0 < in−1), λ1 = clamp(src − i0, 0, 1).
    static func bilinearAxis(in n: Int, out m: Int) -> [(i0: Int, i1: Int, l0: Double, l1: Double)] {
        (0..<m).map { d in
            if n == m { return (d, d, 1, 0) }
            let src = max(0, (Double(d) + 0.5) * Double(n) / Double(m) - 0.5)
            let i0 = min(Int(src.rounded(.down)), n - 1)
            let l1 = min(max(src - Double(i0), 0), 1)
            return (i0, i0 < n - 1 ? i0 + 1 : i0, 1 - l1, l1)
        }
    }

    static func naiveBilinear(_ x: Reference, _ oh: Int, _ ow: Int) -> Reference {
        let c = x.shape[0], ty = bilinearAxis(in: x.shape[1], out: oh), tx = bilinearAxis(in: x.shape[2], out: ow)
        var out = Reference(shape: [c, oh, ow])
        for ch in 0..<c {
            for (oy, a) in ty.enumerated() {
                for (ox, b) in tx.enumerated() {
                    out[ch, oy, ox] = a.l0 * (b.l0 * x[ch, a.i0, b.i0] + b.l1 * x[ch, a.i0, b.i1])
                        + a.l1 * (b.l0 * x[ch, a.i1, b.i0] + b.l1 * x[ch, a.i1, b.i1])
                }
            }
        }
        return out
    }

    /// One axis of PyTorch's antialiased bilinear weights (_compute_indices_min_size_weights_aa):
    /// support = max(1, scale), taps [⌊center − support + ½⌋, ⌊center + support + ½⌋) with a triangle
    /// filter of width `support`, normalised.
    static func antialiasAxis(in n: Int, out m: Int) -> [[(Int, Double)]] {
        let scale = Double(n) / Double(m), support = scale >= 1 ? scale : 1, invScale = scale >= 1 ? 1 / scale : 1
        return (0..<m).map { d in
            let center = scale * (Double(d) + 0.5)
            let lo = max(Int(center - support + 0.5), 0), hi = min(Int(center + support + 0.5), n)
            let taps = (lo..<hi).map { j in (j, max(0, 1 - abs((Double(j) - center + 0.5) * invScale))) }
            let total = taps.reduce(0) { $0 + $1.1 }
            return taps.map { ($0.0, $0.1 / total) }
        }
    }

    static func naiveAntialiased(_ x: Reference, _ oh: Int, _ ow: Int) -> Reference {
        let c = x.shape[0], wy = antialiasAxis(in: x.shape[1], out: oh), wx = antialiasAxis(in: x.shape[2], out: ow)
        var out = Reference(shape: [c, oh, ow])
        for ch in 0..<c {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s = 0.0
                    for (y, a) in wy[oy] { for (xx, b) in wx[ox] { s += a * b * x[ch, y, xx] } }
                    out[ch, oy, ox] = s
                }
            }
        }
        return out
    }

    // MARK: Nearest ×2

    func testNearestMatchesPyTorch() throws {
        let x = try Fixtures.kernel("nearest2x_x"), g = try Fixtures.kernel("nearest2x_g")
        assertClose(upsampleNearest2x(x), try Fixtures.kernel("nearest2x_out"), "upsampleNearest2x vs PyTorch")
        assertClose(upsampleNearest2xBackward(g), try Fixtures.kernel("nearest2x_dx"),
                    "upsampleNearest2xBackward vs PyTorch autograd")
    }

    func testNearestMatchesNaive() {
        for (n, shape) in [[3, 5, 7], [1, 1, 1], [2, 4, 9]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(200 + n))
            assertClose(upsampleNearest2x(x), Self.naiveNearest2x(Reference(x)), "upsampleNearest2x \(shape) vs naive")
        }
    }

    /// The backward pass is the adjoint of the forward one, and the exact gradient of <up(x), G>.
    func testNearestBackwardIsAdjointAndGradient() {
        for (n, shape) in [[3, 5, 7], [2, 1, 3]].enumerated() {
            let x = randomTensor(shape, seed: UInt64(210 + n))
            let up = upsampleNearest2x(x)
            let g = randomTensor(up.shape, seed: UInt64(220 + n))
            let dx = upsampleNearest2xBackward(g)
            assertScalarClose(dx.dot(x), up.dot(g), relative: 1e-5, "<up(x),g> − <x,upᵀ(g)> \(shape)")

            let xr = Reference(x), gr = Reference(g), h = 1e-3
            var fd = Reference(shape: shape)
            for i in 0..<xr.count {
                var plus = xr, minus = xr
                plus.values[i] += h; minus.values[i] -= h
                fd.values[i] = (Self.naiveNearest2x(plus).dot(gr) - Self.naiveNearest2x(minus).dot(gr)) / (2 * h)
            }
            assertClose(dx, fd, "upsampleNearest2xBackward \(shape) vs finite differences")
        }
    }

    // MARK: Bilinear

    func testBilinearMatchesPyTorch() throws {
        let cases: [(String, Int, Int)] = [
            ("bilinear_18x18_5x7", 5, 7), ("bilinear_18x18_32x24", 32, 24), ("bilinear_7x5_18x18", 18, 18),
            ("bilinear_9x13_6x20", 6, 20),
        ]
        for (name, oh, ow) in cases {
            let x = try Fixtures.kernel(name + "_x"), expected = try Fixtures.kernel(name + "_out")
            assertClose(resizeBilinear(x, height: oh, width: ow), expected, "resizeBilinear \(name) vs PyTorch")
        }
    }

    func testBilinearMatchesNaive() {
        let cases: [([Int], Int, Int)] = [
            ([2, 18, 18], 5, 7), ([1, 7, 5], 18, 18), ([2, 18, 18], 32, 24), ([3, 9, 13], 9, 13), ([1, 1, 1], 3, 4),
            ([2, 6, 4], 1, 1), ([1, 10, 10], 20, 20), ([1, 11, 3], 4, 7),
        ]
        for (n, (shape, oh, ow)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(230 + n))
            assertClose(resizeBilinear(x, height: oh, width: ow), Self.naiveBilinear(Reference(x), oh, ow),
                        "resizeBilinear \(shape) → \(oh)×\(ow) vs naive")
        }
    }

    func testBilinearToSameSizeIsIdentity() {
        let x = randomTensor([2, 7, 9], seed: 240)
        XCTAssertEqual(resizeBilinear(x, height: 7, width: 9).values, x.values)
    }

    // MARK: Antialiased

    func testAntialiasedMatchesPyTorch() throws {
        let cases: [(String, Int, Int)] = [
            ("antialias_40x30_17x13", 17, 13), ("antialias_20x9_7x14", 7, 14), ("antialias_7x5_18x18", 18, 18),
        ]
        for (name, oh, ow) in cases {
            let x = try Fixtures.kernel(name + "_x"), expected = try Fixtures.kernel(name + "_out")
            assertClose(resizeAntialiased(x, height: oh, width: ow), expected, "resizeAntialiased \(name) vs PyTorch")
        }
    }

    func testAntialiasedMatchesNaive() {
        let cases: [([Int], Int, Int)] = [
            ([2, 40, 30], 17, 13), ([1, 20, 9], 7, 14), ([3, 16, 16], 8, 8), ([1, 7, 5], 18, 18), ([1, 9, 9], 9, 9),
            ([1, 13, 50], 4, 3),
        ]
        for (n, (shape, oh, ow)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(250 + n))
            assertClose(resizeAntialiased(x, height: oh, width: ow), Self.naiveAntialiased(Reference(x), oh, ow),
                        "resizeAntialiased \(shape) → \(oh)×\(ow) vs naive")
        }
    }

    func testAntialiasedUpscaleIsBilinearAndConstantsStayConstant() {
        let x = randomTensor([2, 7, 5], seed: 260)
        assertClose(resizeAntialiased(x, height: 18, width: 11), Reference(resizeBilinear(x, height: 18, width: 11)),
                    "resizeAntialiased upscale vs resizeBilinear")
        let constant = Tensor(shape: [1, 23, 31])
        constant.fill(0.75)
        let small = resizeAntialiased(constant, height: 5, width: 9)
        assertClose(small, Reference(shape: small.shape, values: .init(repeating: 0.75, count: small.count)),
                    "resizeAntialiased of a constant image")
    }
}
