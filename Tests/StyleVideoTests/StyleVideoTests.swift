import StyleCore
@testable import StyleVideo
import XCTest

/// The pieces of StyleVideo that need no ffmpeg: the flicker figure, stabilisation, frame rates, patterns, rgb24.
final class StyleVideoTests: XCTestCase {
    /// (3,h,w) filled with `value`, then `edits` (index → value) applied to channel 0.
    func frame(_ value: Float, h: Int = 4, w: Int = 5, _ edits: [Int: Float] = [:]) -> Tensor {
        let t = Tensor(shape: [3, h, w])
        t.fill(value)
        for (i, v) in edits { t[i] = v }
        return t
    }

    func testFlickerIsTheRatioOfSummedChanges() {
        var meter = FlickerMeter()
        XCTAssertNil(meter.flicker)
        meter.add(input: frame(0), output: frame(0.5))
        XCTAssertNil(meter.flicker, "one frame: nothing to compare")
        meter.add(input: frame(0, [3: 1]), output: frame(0.5, [0: 1, 1: 0]))  // Δin 1, Δout 0.5 + 0.5
        meter.add(input: frame(0, [3: 1]), output: frame(0.5, [0: 1, 1: 0, 2: 0.25]))  // Δin 0, Δout 0.25
        XCTAssertEqual(meter.pairs, 2)
        XCTAssertEqual(meter.inputChange, 1)
        XCTAssertEqual(meter.outputChange, 1.25)
        XCTAssertEqual(meter.flicker, 1.25)
        var still = FlickerMeter()
        still.add(input: frame(0.3), output: frame(0))
        still.add(input: frame(0.3), output: frame(1))
        XCTAssertNil(still.flicker, "a still input gives no figure")
        var nearlyStill = FlickerMeter()  // mean input change 0.25/255 per sample: below half a level
        nearlyStill.add(input: frame(0.3), output: frame(0))
        nearlyStill.add(input: frame(0.3 + 0.25 / 255), output: frame(1))
        XCTAssertNil(nearlyStill.flicker, "a nearly still input gives no figure")
    }

    /// mask: a still pixel takes strength × the previous output; a moving one (and its dilation radius) keeps its own value.
    func testMaskHoldsStillPixelsAndLeavesMovingOnes() {
        let w = 12, h = 1
        let stabilizer = TemporalStabilizer(mode: .mask, strength: 0.75, threshold: 0.1, radius: 2)
        XCTAssertEqual(stabilizer.apply(stylized: frame(0, h: h, w: w), input: frame(0.5, h: h, w: w)).values, frame(0, h: h, w: w).values,
                       "the first frame is passed through")
        let out = stabilizer.apply(stylized: frame(1, h: h, w: w), input: frame(0.5, h: h, w: w, [0: 0.9, 10: 0.55]))
        // pixel 0 moved (Δ 0.4 ≥ 0.1), so did pixels 1-2 by dilation; pixel 10 changed by 0.05 (m = 0.75·0.5), and 8…11 by dilation.
        let expected: [Float] = [1, 1, 1, 0.25, 0.25, 0.25, 0.25, 0.25, 0.625, 0.625, 0.625, 0.625]
        for c in 0..<3 {
            for x in 0..<w { XCTAssertEqual(out[c * w + x], expected[x], accuracy: 1e-6, "channel \(c) pixel \(x)") }
        }
        // blend: the previous output everywhere, moving or not.
        let blend = TemporalStabilizer(mode: .blend, strength: 0.5)
        _ = blend.apply(stylized: frame(0, h: h, w: w), input: frame(0, h: h, w: w))
        XCTAssertEqual(blend.apply(stylized: frame(1, h: h, w: w), input: frame(1, h: h, w: w)).values, frame(0.5, h: h, w: w).values)
        // none: untouched.
        let none = TemporalStabilizer(mode: .none)
        _ = none.apply(stylized: frame(0), input: frame(0))
        XCTAssertEqual(none.apply(stylized: frame(1), input: frame(0)).values, frame(1).values)
    }

    func testFrameRates() {
        XCTAssertEqual(FrameRate("30000/1001")?.description, "30000/1001")
        XCTAssertEqual(FrameRate("50/2")?.description, "25")
        XCTAssertEqual(FrameRate("29.97")?.description, "2997/100")
        XCTAssertEqual(FrameRate("24")?.value, 24)
        XCTAssertNil(FrameRate("0/0"))
        XCTAssertNil(FrameRate("-5"))
        XCTAssertNil(FrameRate("fast"))
    }

    func testPatterns() throws {
        XCTAssertEqual(try FrameSequence.Pattern("out/f%05d.png").path(for: 42), "out/f00042.png")
        XCTAssertEqual(try FrameSequence.Pattern("%d.jpg").path(for: 1234), "1234.jpg")
        XCTAssertEqual(try FrameSequence.Pattern("100%%/%3d.png").path(for: 7), "100%/  7.png".replacingOccurrences(of: "  7", with: "007"))
        XCTAssertThrowsError(try FrameSequence.Pattern("plain.png"))
        XCTAssertThrowsError(try FrameSequence.Pattern("%d/%d.png"))
        XCTAssertThrowsError(try FrameSequence.Pattern("%s.png"))
    }

    /// Every 8-bit level survives rgb24 → tensor → rgb24, and packing rounds as the PNG writer does.
    func testRGB24RoundTrip() {
        let bytes = (0..<256 * 3).map { UInt8($0 % 256) }
        let t = bytes.withUnsafeBytes { RGB24.tensor(from: $0, width: 256, height: 1) }
        XCTAssertEqual(t[1], 3 / 255)
        XCTAssertEqual(t[256], 1 / 255, "green of pixel 0 is byte 1")
        var back = [UInt8](repeating: 0, count: bytes.count)
        back.withUnsafeMutableBytes { RGB24.pack(t, into: $0) }
        XCTAssertEqual(back, bytes)
        XCTAssertEqual([-1, .nan, 0.5 / 255, 0.4999, 0.5, 1.5].map(RGB24.level), [0, 0, 1, 127, 128, 255])
    }
}
