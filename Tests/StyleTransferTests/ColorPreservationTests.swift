import StyleCore
import XCTest
@testable import StyleTransfer

/// Colour preservation: luminance mode keeps the content's chroma, histogram mode gives the style the
/// content's colour mean and covariance.
final class ColorPreservationTests: XCTestCase {
    /// An image whose channels are correlated differently for each seed, in [0,1].
    func image(height: Int, width: Int, seed: Float) -> Tensor {
        let t = Tensor(shape: [3, height, width])
        let n = height * width
        for y in 0..<height { for x in 0..<width {
            let a = sin(Float(x) * 0.37 * seed + Float(y) * 0.11), b = cos(Float(y) * 0.29 + seed * Float(x) * 0.05)
            let i = y * width + x
            t[i] = 0.2 + 0.1 * seed + 0.3 * a
            t[n + i] = 0.4 + 0.2 * a * seed / 3 + 0.2 * b
            t[2 * n + i] = 0.6 - 0.25 * b + 0.1 * a * b
        } }
        return t
    }

    func testHistogramMatchingGivesTheStyleTheContentsMeanAndCovariance() {
        let content = image(height: 30, width: 40, seed: 1), style = image(height: 36, width: 24, seed: 3)
        let c = colorMoments(content), before = colorMoments(style)
        let after = colorMoments(matchColorStatistics(style, to: content))
        let meanGap = zip(before.mean, c.mean).map { abs($0 - $1) }.max()!, scale = c.covariance.map(abs).max()!
        XCTAssertGreaterThan(meanGap, 0.01, "the test images must differ in colour")
        XCTAssertGreaterThan(zip(before.covariance, c.covariance).map { abs($0 - $1) }.max()!, 0.1 * scale)
        XCTAssertLessThanOrEqual(zip(after.mean, c.mean).map { abs($0 - $1) }.max()!, 1e-5)
        XCTAssertLessThanOrEqual(zip(after.covariance, c.covariance).map { abs($0 - $1) }.max()!, 1e-4 * scale)
    }

    func testSymmetricPowersInvertAndSquare() {
        let m: [Double] = [4, 1, 0.5, 1, 3, 0.2, 0.5, 0.2, 2]
        let half = symmetricPower(m, 0.5), inverseHalf = symmetricPower(m, -0.5)
        let square = multiply3(half, half), identity = multiply3(half, inverseHalf)
        for i in 0..<9 {
            XCTAssertEqual(square[i], m[i], accuracy: 1e-12)
            XCTAssertEqual(identity[i], i % 4 == 0 ? 1 : 0, accuracy: 1e-12)
        }
    }

    func testLuminanceModeKeepsTheContentsChroma() throws {
        var options = StyleOptions.fastGram()
        options.preserveColor = .luminance
        let content = image(height: 24, width: 32, seed: 1), style = image(height: 32, width: 32, seed: 3)
        let result = try Stylizer(options: options, weights: noWeights).stylize(content: content, styles: [style])
        let ours = transformColors(result, yiqFromRGB), original = transformColors(content, yiqFromRGB)
        var chromaError: Float = 0, lumaChange: Float = 0
        let n = 24 * 32
        for i in 0..<n {
            lumaChange = max(lumaChange, abs(ours[i] - original[i]))
            chromaError = max(chromaError, abs(ours[n + i] - original[n + i]), abs(ours[2 * n + i] - original[2 * n + i]))
        }
        XCTAssertGreaterThan(lumaChange, 0.01, "the luminance must be stylised")
        XCTAssertLessThanOrEqual(chromaError, 1e-5)
        // A grey image has no chroma, and the YIQ matrices are inverse to each other.
        let grey = transformColors(greyFromLuminance(content), yiqFromRGB)
        XCTAssertLessThanOrEqual(grey.values[n...].map(abs).max()!, 1e-6)
        XCTAssertLessThanOrEqual(zip(transformColors(original, rgbFromYIQ).values, content.values).map { abs($0 - $1) }.max()!, 1e-6)
    }
}
