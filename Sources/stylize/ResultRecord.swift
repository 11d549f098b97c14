import Foundation
import StyleCore
import StyleTransfer

/// What `--json` prints for one result: a JSON object on one line of stdout, so scripts need not parse stderr.
struct ResultRecord: Encodable {
    var content: String
    var styles: [String]
    var output: String
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
        width = result.shape[2]; height = result.shape[1]
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
