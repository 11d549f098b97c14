#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyTr2
import StyleCore
import StyleIO
import WeightsTestSupport
import XCTest

/// Broken or mismatched safetensors weight files: one `error: …` line naming the file, exit 1, no
/// crash, and no output written.
final class WeightsErrorTests: CLITestCase {
    let weights = "w.safetensors"

    func run(_ weightsPath: String? = nil) -> [String] {
        ["content.png", "style.png", "-o", "out.png", "--mode", "transformer", "--weights", weightsPath ?? weights, "-q"]
    }

    /// A valid tiny weight file, split into header and data for editing.
    func validRaw() throws -> RawSafeTensors {
        try TinyWeights.write(to: path("valid.safetensors"))
        return RawSafeTensors(path: path("valid.safetensors"))
    }

    func testValidTinyWeightsRun() throws {
        try validRaw().write(to: path(weights))  // re-encoded by the test's own writer: still valid
        let result = try stylize(run(), in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(try ImageFile.read(path("out.png")).shape, [3, 32, 40])
    }

    func testHeaderLengthBeyondFile() throws {
        var bytes = try validRaw().bytes()
        let claimed = UInt64(bytes.count)  // 8 more than there is after the length field
        withUnsafeBytes(of: claimed.littleEndian) { for i in 0..<8 { bytes[i] = $0[i] } }
        Files.write(path(weights), bytes)
        try expectError(run(), [weights, "bad weights", "header length \(claimed) exceeds"])

        withUnsafeBytes(of: UInt64.max.littleEndian) { for i in 0..<8 { bytes[i] = $0[i] } }
        Files.write(path(weights), bytes)
        try expectError(run(), [weights, "bad weights", "above the 100000000-byte limit"])
    }

    func testTooShortEmptyOrNotSafetensors() throws {
        Files.write(path(weights), [])
        try expectError(run(), [weights, "too short"])
        Files.write(path(weights), [1, 2, 3])
        try expectError(run(), [weights, "too short"])
        Files.write(path(weights), Images.png(width: 16, height: 16))  // a PNG is not a weight file
        try expectError(run(), [weights, "bad weights"])
        let json = Array(#"{"a": "#.utf8)
        Files.write(path(weights), [UInt8(json.count), 0, 0, 0, 0, 0, 0, 0] + json)
        try expectError(run(), [weights, "header is not valid JSON"])
    }

    func testOverlappingOffsets() throws {
        var raw = try validRaw()
        // Point embedding.proj.bias (16 floats) at the bytes of transformer.new_ps.bias (16 floats).
        raw.set("embedding.proj.bias", "data_offsets", raw.offsets("transformer.new_ps.bias"))
        raw.write(to: path(weights))
        try expectError(run(), [weights, "bad weights", "overlap"])
    }

    func testOutOfRangeOffsets() throws {
        var raw = try validRaw()
        let size = raw.data.count
        raw.set("embedding.proj.bias", "data_offsets", [size, size + 64])
        raw.write(to: path(weights))
        try expectError(run(), [weights, "embedding.proj.bias", "beyond the \(size)-byte data section"])

        raw = try validRaw()
        raw.set("embedding.proj.bias", "data_offsets", [64, 0])
        raw.write(to: path(weights))
        try expectError(run(), [weights, "begin after end"])

        raw = try validRaw()
        raw.set("embedding.proj.bias", "data_offsets", [-8, 56])
        raw.write(to: path(weights))
        try expectError(run(), [weights, "non-negative integers"])

        raw = try validRaw()
        raw.set("embedding.proj.bias", "data_offsets", [0, 9_223_372_036_854_775_807])
        raw.write(to: path(weights))
        try expectError(run(), [weights, "beyond"])

        // Data section cut short: the file ends before the last tensor's bytes.
        raw = try validRaw()
        raw.data.removeLast(100)
        raw.write(to: path(weights))
        try expectError(run(), [weights, "beyond the"])
    }

    func testWrongDtype() throws {
        var raw = try validRaw()
        raw.set("embedding.proj.bias", "dtype", "I32")  // same byte size, not a float type
        raw.write(to: path(weights))
        try expectError(run(), [weights, "embedding.proj.bias", "dtype I32", "only F32, F16, BF16"])

        raw = try validRaw()
        raw.set("embedding.proj.bias", "dtype", "F64")  // 8 bytes per element: the byte count no longer fits
        raw.write(to: path(weights))
        try expectError(run(), [weights, "embedding.proj.bias", "F64 needs"])

        raw = try validRaw()
        raw.set("embedding.proj.bias", "dtype", "Q4_K")
        raw.write(to: path(weights))
        try expectError(run(), [weights, "embedding.proj.bias", "dtype Q4_K"])
    }

    func testMissingTensor() throws {
        var raw = try validRaw()
        raw.header["transformer.new_ps.bias"] = nil
        raw.write(to: path(weights))
        try expectError(run(), [weights, "missing tensor 'transformer.new_ps.bias'"])

        raw = try validRaw()
        raw.header["cnn_decoder.28.weight"] = nil
        raw.write(to: path(weights))
        try expectError(run(), [weights, "cnn_decoder.28.weight"])
    }

    func testWrongShape() throws {
        try TinyWeights.write(to: path(weights), editShapes: { $0["embedding.proj.bias"] = [15] })
        try expectError(run(), [weights, "tensor 'embedding.proj.bias' has shape [15], expected [16]"])

        try TinyWeights.write(to: path(weights), editShapes: { $0["transformer.encoder_c.layers.0.linear1.weight"] = [32, 17] })
        try expectError(run(), [weights, "transformer.encoder_c.layers.0.linear1.weight", "[32, 17]", "expected [32, 16]"])
    }

    func testMetadataOfAnotherModel() throws {
        // A VGG-19 file given for transformer mode (the message may name the model found or the one missing).
        try TinyWeights.write(to: path(weights), editMetadata: { $0["model"] = "vgg19" })
        try expectError(run(), [weights, "stytr2"])
        try TinyWeights.write(to: path(weights), editMetadata: { $0["model"] = "resnet50" })
        try expectError(run(), [weights, "stytr2"])

        try TinyWeights.write(to: path(weights), editMetadata: { $0 = [:] })
        try expectError(run(), [weights, "model 'none'", "expected 'stytr2'"])

        try TinyWeights.write(to: path(weights), editMetadata: { $0["d_model"] = nil })
        try expectError(run(), [weights, "no 'd_model'"])

        try TinyWeights.write(to: path(weights), editMetadata: { $0["heads"] = "three" })
        try expectError(run(), [weights, "'heads' = 'three' is not a positive integer"])

        try TinyWeights.write(to: path(weights), editMetadata: { $0["heads"] = "3" })
        try expectError(run(), [weights, "3 heads do not divide d_model 16"])

        // Metadata that disagrees with the tensors: a model with 32-d tokens.
        try TinyWeights.write(to: path(weights), editMetadata: { $0["d_model"] = "32" })
        try expectError(run(), [weights, "has shape", "expected"])

        try TinyWeights.write(to: path(weights), editMetadata: { $0["cnn_decoder_upsample_before"] = "5,18" })
        try expectError(run(), [weights, "upsamples ×4 but patches are 8 px"])
    }

    func testNamesWithLineBreaksStayOnOneLine() throws {
        // A tensor name from the file, quoted in the message, holds a line break: shown escaped.
        let header = Array(#"{"evil\nname":{"dtype":5,"shape":[1],"data_offsets":[0,4]}}"#.utf8)
        Files.write(path(weights), [UInt8(header.count), 0, 0, 0, 0, 0, 0, 0] + header + [0, 0, 0, 0])
        try expectError(run(), [weights, #"'evil\nname'"#, "not a string"])
    }

    func testWeightsPathErrors() throws {
        try expectError(run("nowhere.safetensors"), ["nowhere.safetensors"])
        mkdir(path("empty-dir"), 0o755)
        try expectError(run("empty-dir"), ["empty-dir/stytr2.safetensors", "no StyTr² weights"])
        mkdir(path("dir.safetensors"), 0o755)
        try expectError(run("dir.safetensors"), ["dir.safetensors", "not a regular file"])
    }
}
