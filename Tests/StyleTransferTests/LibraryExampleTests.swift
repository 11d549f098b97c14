import Foundation
import StyleCore
import XCTest

// The DocC landing page (Sources/StyleTransfer/StyleTransfer.docc/StyleTransfer.md), verbatim from here to the
// marker (Tests/docs checks it).
import StyleIO
import StyleTransfer

/// Stylises one file with the library: options validated at the boundary, weights loaded once.
func stylizeFile(_ content: String, style: String, to output: String, options: StyleOptions,
                 weights: WeightsLocation = .directory("weights")) throws {
    let stylizer: Stylizer
    do {
        stylizer = try Stylizer(options: options, weights: weights)
    } catch let error as InvalidOption {
        print("option \(error.field): \(error.problem)")  // e.g. option alpha: must be between 0 and 1, not 1.5
        throw error
    }
    print(stylizer.reason)  // which engine runs and why, e.g. the fallback to Gram mode
    let result = try stylizer.stylize(content: try ImageFile.read(content), styles: [try ImageFile.read(style)])
    try ImageFile.write(result, to: output, quality: options.quality,
                        metadata: stylizer.metadata(content: content, styles: [style], result: result))
}
// End of the landing page example.

final class LibraryExampleTests: XCTestCase {
    func testTheLandingPageExampleRuns() throws {
        let directory = NSTemporaryDirectory() + "/readme-\(getpid())"
        mkdir(directory, 0o755)
        defer { for name in ["photo.png", "style.png", "out.png"] { unlink(directory + "/" + name) }; rmdir(directory) }
        let photo = Tensor(shape: [3, 30, 40]), style = Tensor(shape: [3, 24, 24])
        for i in 0..<photo.count { photo[i] = Float(i % 17) / 17 }
        for i in 0..<style.count { style[i] = Float(i % 5) / 5 }
        try ImageFile.write(photo, to: directory + "/photo.png")
        try ImageFile.write(style, to: directory + "/style.png")
        try stylizeFile(directory + "/photo.png", style: directory + "/style.png", to: directory + "/out.png",
                        options: .fastGram(), weights: noWeights)
        XCTAssertEqual(try ImageFile.read(directory + "/out.png").shape, [3, 24, 32])
        var bad = StyleOptions.fastGram()
        bad.alpha = 1.5
        XCTAssertThrowsError(try stylizeFile(directory + "/photo.png", style: directory + "/style.png", to: directory + "/x.png",
                                             options: bad, weights: noWeights)) { XCTAssertEqual(($0 as? InvalidOption)?.field, "alpha") }
    }
}
