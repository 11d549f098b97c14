import TensorTestSupport
import XCTest
@testable import StyleCore

/// maxPool2x2 (floor and ceil mode), its backward pass, and adaptiveAvgPool2d.
final class PoolingTests: XCTestCase {
    // MARK: Reference implementations

    /// PyTorch's pooling output size for kernel 2, stride 2, padding 0, with its ceil-mode rule
    /// that the last window must start inside the input.
    static func pooledLength(_ n: Int, ceilMode: Bool) -> Int {
        var out = ceilMode ? Int((Double(n - 2) / 2).rounded(.up)) + 1 : Int((Double(n - 2) / 2).rounded(.down)) + 1
        if ceilMode && (out - 1) * 2 >= n { out -= 1 }
        return out
    }

    /// Max over each 2×2 window (clipped at the border) and the flat input index of the first maximum.
    static func naiveMaxPool(_ x: Reference, ceilMode: Bool) -> (out: Reference, argmax: [Int]) {
        let c = x.shape[0], h = x.shape[1], w = x.shape[2]
        let oh = pooledLength(h, ceilMode: ceilMode), ow = pooledLength(w, ceilMode: ceilMode)
        var out = Reference(shape: [c, oh, ow]), argmax: [Int] = []
        for ch in 0..<c {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Double.infinity, at = -1
                    for y in (2 * oy)..<min(2 * oy + 2, h) {
                        for xx in (2 * ox)..<min(2 * ox + 2, w) where x[ch, y, xx] > best {
                            best = x[ch, y, xx]; at = (ch * h + y) * w + xx
                        }
                    }
                    out[ch, oy, ox] = best
                    argmax.append(at)
                }
            }
        }
        return (out, argmax)
    }

    /// Mean over PyTorch's adaptive bins [⌊i·n/m⌋, ⌈(i+1)·n/m⌉).
    static func naiveAdaptiveAvgPool(_ x: Reference, _ oh: Int, _ ow: Int) -> Reference {
        func bin(_ i: Int, _ n: Int, _ m: Int) -> Range<Int> {
            Int((Double(i * n) / Double(m)).rounded(.down))..<Int((Double((i + 1) * n) / Double(m)).rounded(.up))
        }
        let c = x.shape[0], h = x.shape[1], w = x.shape[2]
        var out = Reference(shape: [c, oh, ow])
        for ch in 0..<c {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    let ys = bin(oy, h, oh), xs = bin(ox, w, ow)
                    var s = 0.0
                    for y in ys { for xx in xs { s += x[ch, y, xx] } }
                    out[ch, oy, ox] = s / Double(ys.count * xs.count)
                }
            }
        }
        return out
    }

    /// Random values at least 1e-2 apart, so a small perturbation never changes a window's maximum.
    static func distinctValues(_ shape: [Int], seed: UInt64) -> Tensor {
        var g = SplitMix64(seed: seed)
        let n = shape.reduce(1, *)
        return Tensor(shape: shape, values: (0..<n).map { Float($0 - n / 2) * 0.01 }.shuffled(using: &g))
    }

    /// Forward pass with argmax, then the backward pass of dOut.
    static func maxPoolWithBackward(_ x: Tensor, ceilMode: Bool, dOut: (Tensor) -> Tensor)
        -> (out: Tensor, argmax: [Int32], dx: Tensor) {
        // Room for any output size (never more windows than inputs); the shape is checked by the callers.
        var argmax = [Int32](repeating: -1, count: x.count)
        let out = argmax.withUnsafeMutableBufferPointer { maxPool2x2(x, ceilMode: ceilMode, argmax: $0.baseAddress) }
        argmax.removeLast(argmax.count - out.count)
        let g = dOut(out)
        let dx = argmax.withUnsafeBufferPointer { maxPool2x2Backward(g, argmax: $0.baseAddress!, inputShape: x.shape) }
        return (out, argmax, dx)
    }

    // MARK: Max-pool

    func testMaxPoolMatchesPyTorch() throws {
        for (name, ceil) in [("maxpool_floor", false), ("maxpool_ceil", true)] {
            let x = try Fixtures.kernel(name + "_x"), g = try Fixtures.kernel(name + "_g")
            let expectedOut = try Fixtures.kernel(name + "_out"), expectedDx = try Fixtures.kernel(name + "_dx")
            let r = Self.maxPoolWithBackward(x, ceilMode: ceil) { _ in g }
            assertClose(r.out, expectedOut, "maxPool2x2 \(name) vs PyTorch")
            assertClose(r.dx, expectedDx, "maxPool2x2Backward \(name) vs PyTorch autograd")
        }
    }

    func testMaxPoolMatchesNaive() {
        let shapes = [[3, 7, 9], [2, 8, 6], [1, 5, 4], [2, 3, 3], [1, 2, 2], [4, 9, 1 + 2 * 5]]
        for (n, shape) in shapes.enumerated() {
            for ceil in [false, true] {
                let x = randomTensor(shape, seed: UInt64(40 + n))
                let (expected, expectedArgmax) = Self.naiveMaxPool(Reference(x), ceilMode: ceil)
                let r = Self.maxPoolWithBackward(x, ceilMode: ceil) { randomTensor($0.shape, seed: 1) }
                assertClose(r.out, expected, "maxPool2x2 \(shape) ceil=\(ceil) vs naive")
                XCTAssertEqual(r.argmax.map(Int.init), expectedArgmax, "argmax \(shape) ceil=\(ceil)")
            }
        }
    }

    func testMaxPoolPropagatesNaNAsPyTorch() {
        let x = Tensor(shape: [1, 2, 2], values: [1, .nan, 3, 2])
        XCTAssertTrue(maxPool2x2(x)[0].isNaN)
    }

    /// Central differences of L(x) = <maxPool(x), G> at every input coordinate (zero where not a maximum).
    func testMaxPoolBackwardFiniteDifferences() {
        for (n, shape) in [[2, 5, 7], [1, 6, 4], [2, 3, 5]].enumerated() {
            for ceil in [false, true] {
                let x = Self.distinctValues(shape, seed: UInt64(60 + n))
                var g = Tensor(shape: [1])
                let r = Self.maxPoolWithBackward(x, ceilMode: ceil) { out in
                    g = randomTensor(out.shape, seed: UInt64(70 + n)); return g
                }
                let xr = Reference(x), gr = Reference(g), h = 1e-3
                var fd = Reference(shape: shape)
                for i in 0..<xr.count {
                    var plus = xr, minus = xr
                    plus.values[i] += h; minus.values[i] -= h
                    let lp = Self.naiveMaxPool(plus, ceilMode: ceil).out.dot(gr)
                    let lm = Self.naiveMaxPool(minus, ceilMode: ceil).out.dot(gr)
                    fd.values[i] = (lp - lm) / (2 * h)
                }
                assertClose(r.dx, fd, "maxPool2x2Backward \(shape) ceil=\(ceil) vs finite differences")
            }
        }
    }

    // MARK: Adaptive average pool

    func testAdaptiveAvgPoolMatchesPyTorch() throws {
        for name in ["adaptive_5x7", "adaptive_32x40", "adaptive_18x18"] {
            let x = try Fixtures.kernel(name + "_x"), expected = try Fixtures.kernel(name + "_out")
            assertClose(adaptiveAvgPool2d(x, outHeight: 18, outWidth: 18), expected, "adaptiveAvgPool2d \(name) vs PyTorch")
        }
    }

    func testAdaptiveAvgPoolMatchesNaive() {
        let cases: [([Int], Int, Int)] = [
            ([2, 5, 7], 18, 18), ([3, 32, 40], 18, 18), ([1, 18, 18], 18, 18), ([2, 9, 4], 4, 9),
            ([1, 7, 13], 3, 5), ([2, 1, 1], 3, 2), ([1, 6, 6], 1, 1),
        ]
        for (n, (shape, oh, ow)) in cases.enumerated() {
            let x = randomTensor(shape, seed: UInt64(80 + n))
            assertClose(adaptiveAvgPool2d(x, outHeight: oh, outWidth: ow), Self.naiveAdaptiveAvgPool(Reference(x), oh, ow),
                        "adaptiveAvgPool2d \(shape) → \(oh)×\(ow) vs naive")
        }
    }
}
