import Foundation
import StyleBatch
import StyleCore
import StyleTransfer

/// What `--json` prints for one result: a JSON object on one line of stdout, so scripts need not parse stderr.
struct ResultRecord: Encodable {
    var content: String
    var styles: [String]
    var output: String
    /// Batch runs: written, skipped (already current) or failed, as in the manifest; nil for a single run.
    var status: ManifestEntry.Status?
    var width: Int?
    var height: Int?
    var mode: String?
    /// SHA-256 of the weight file, or nil for the seeded random network (then `seed` says which).
    var weightsSHA256: String?
    var seed: UInt64?
    var seconds: Double?
    var error: String?

    init(content: String, styles: [String], output: String) {
        self.content = content; self.styles = styles; self.output = output
    }

    mutating func finish(_ stylizer: Stylizer, result: Tensor, seconds: Double) {
        finish(stylizer, shape: result.shape, seconds: seconds)
    }

    /// `shape`: the result's [3, H, W] (for a skipped pair, the size its output records).
    mutating func finish(_ stylizer: Stylizer, shape: [Int], seconds: Double) {
        width = shape[2]; height = shape[1]
        mode = stylizer.mode.rawValue
        weightsSHA256 = stylizer.weights?.sha256
        seed = stylizer.weights == nil ? stylizer.options.gram.seed : nil
        self.seconds = (seconds * 1000).rounded() / 1000
    }

    func print() {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        guard let data = try? encoder.encode(self) else { return }
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
