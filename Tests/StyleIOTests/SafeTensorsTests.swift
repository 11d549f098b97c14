import Foundation
import StyleCore
import StyleIO
import XCTest

/// The safetensors reader and writer: round trips, dtype widening, and every malformed file the
/// reader must reject with a one-line reason instead of crashing. Test files are crafted as bytes.
final class SafeTensorsTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("SafeTensorsTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Helpers

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A safetensors file: the little-endian header length, `header` as UTF-8, then `data`.
    private func craft(_ header: String, data: [UInt8] = []) -> [UInt8] {
        let json = Array(header.utf8)
        return withUnsafeBytes(of: UInt64(json.count).littleEndian, Array.init) + json + data
    }

    private func save(_ bytes: [UInt8], as name: String = "file.safetensors") throws -> String {
        let target = path(name)
        // Rewrites in place (no O_TRUNC, which is slow here): the corruption test saves ~2000 files.
        let fd = open(target, O_WRONLY | O_CREAT, 0o644)
        guard fd >= 0 else { throw StyleError.io(path: target, reason: "cannot create test file") }
        defer { close(fd) }
        let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, ftruncate(fd, off_t(bytes.count)) == 0 else { throw StyleError.io(path: target, reason: "short write") }
        return target
    }

    private func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    private func halfBytes(_ values: [UInt16]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
    }

    /// The reason of the `StyleError.weights` that `body` throws (fails the test for anything else).
    private func weightsReason(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> String {
        do {
            try body()
            XCTFail("expected a StyleError.weights, nothing was thrown", file: file, line: line)
        } catch let StyleError.weights(_, reason) {
            return reason
        } catch {
            XCTFail("expected a StyleError.weights, got \(error)", file: file, line: line)
        }
        return ""
    }

    /// Asserts that opening `bytes` fails with a weights error whose reason contains each of `parts`.
    private func assertRejected(_ bytes: [UInt8], _ parts: String..., file: StaticString = #filePath, line: UInt = #line) throws {
        let target = try save(bytes)
        let reason = weightsReason(file: file, line: line) { _ = try SafeTensorsFile(path: target) }
        for part in parts {
            XCTAssertTrue(reason.contains(part), "reason \"\(reason)\" lacks \"\(part)\"", file: file, line: line)
        }
        XCTAssertFalse(reason.contains("\n"), "reason should be one line: \(reason)", file: file, line: line)
    }

    private func assertRejectedHeader(_ header: String, data: [UInt8] = [], _ parts: String..., file: StaticString = #filePath, line: UInt = #line) throws {
        let target = try save(craft(header, data: data))
        let reason = weightsReason(file: file, line: line) { _ = try SafeTensorsFile(path: target) }
        for part in parts {
            XCTAssertTrue(reason.contains(part), "reason \"\(reason)\" lacks \"\(part)\"", file: file, line: line)
        }
    }

    private func bits(_ t: Tensor) -> [UInt32] { t.values.map(\.bitPattern) }

    // MARK: - Round trip

    func testRoundTripIsBitExactAndKeepsMetadata() throws {
        let special: [Float] = [0, -0.0, 1, -1.5, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                Float(bitPattern: 0x7fc0_1234), Float(bitPattern: 0xffa0_0001), 0x1p-130, 3.1415927]
        let a = Tensor(shape: [3, 4], values: special)
        let b = Tensor(shape: [5], values: (0..<5).map { Float($0) * 0.1 - 0.2 })
        let scalar = Tensor(shape: [], values: [42])
        let empty = Tensor(shape: [0, 7])
        let metadata = ["model": "StyTr2", "layers": "3", "quote\"back\\slash": "line\nbreak\ttab\u{1}", "ünï": "日本 🎨"]
        let target = path("round.safetensors")
        try SafeTensorsFile.write([("z.weight", a), ("b", b), ("scalar", scalar), ("empty", empty)], metadata: metadata, to: target)

        let file = try SafeTensorsFile(path: target)
        XCTAssertEqual(file.names, ["b", "empty", "scalar", "z.weight"])
        XCTAssertEqual(file.metadata, metadata)
        XCTAssertEqual(file.shape(of: "z.weight"), [3, 4])
        XCTAssertEqual(file.shape(of: "scalar"), [])
        XCTAssertEqual(file.shape(of: "empty"), [0, 7])
        XCTAssertNil(file.shape(of: "nope"))
        XCTAssertEqual(bits(try file.tensor("z.weight")), special.map(\.bitPattern))
        XCTAssertEqual(bits(try file.tensor("b", shape: [5])), bits(b))
        XCTAssertEqual(try file.tensor("scalar").values, [42])
        let readEmpty = try file.tensor("empty")
        XCTAssertEqual(readEmpty.shape, [0, 7])
        XCTAssertEqual(readEmpty.count, 0)
        XCTAssertEqual(try file.requireMetadata("model"), "StyTr2")
        XCTAssertEqual(try file.intMetadata("layers"), 3)
    }

    func testWrittenLayoutIsStandard() throws {
        let target = path("layout.safetensors")
        try SafeTensorsFile.write([("b", Tensor(shape: [3], values: [1, 2, 3])), ("a", Tensor(shape: [1, 2], values: [4, 5]))],
                                  metadata: ["k": "v"], to: target)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: target)))
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        XCTAssertEqual((8 + headerLength) % 8, 0, "data section must start 8-byte aligned")
        XCTAssertEqual(bytes.count, 8 + headerLength + 20)
        // An independent JSON parser agrees with the header.
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + headerLength)])) as? [String: Any])
        XCTAssertEqual(json["__metadata__"] as? [String: String], ["k": "v"])
        let a = try XCTUnwrap(json["a"] as? [String: Any])
        let b = try XCTUnwrap(json["b"] as? [String: Any])
        XCTAssertEqual(a["dtype"] as? String, "F32")
        XCTAssertEqual(a["shape"] as? [Int], [1, 2])
        XCTAssertEqual(a["data_offsets"] as? [Int], [0, 8], "names sorted: 'a' first")
        XCTAssertEqual(b["data_offsets"] as? [Int], [8, 20])
        XCTAssertEqual(Array(bytes[(8 + headerLength)...]), floatBytes([4, 5, 1, 2, 3]))
        // No temporary files are left next to the target.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["layout.safetensors"])
    }

    func testEmptyMetadataAndNoTensors() throws {
        let target = path("empty.safetensors")
        try SafeTensorsFile.write([], metadata: [:], to: target)
        let file = try SafeTensorsFile(path: target)
        XCTAssertEqual(file.names, [])
        XCTAssertEqual(file.metadata, [:])
    }

    // MARK: - Zero-copy views

    func testAlignedF32TensorsAreZeroCopyViewsThatKeepTheFileAlive() throws {
        let target = path("views.safetensors")
        try SafeTensorsFile.write([("w", Tensor(shape: [2, 2], values: [1, 2, 3, 4]))], metadata: [:], to: target)
        let before = try Data(contentsOf: URL(fileURLWithPath: target))

        var file: SafeTensorsFile? = try SafeTensorsFile(path: target)
        weak let weakFile = file
        let first = try file!.tensor("w")
        let second = try file!.tensor("w", shape: [2, 2])
        XCTAssertEqual(first.data, second.data, "both reads must point into the same mapping")
        XCTAssertEqual(Int(bitPattern: first.data) % 4, 0)

        // The view keeps the mapping alive after the last direct reference is gone.
        file = nil
        XCTAssertNotNil(weakFile)
        XCTAssertEqual(first.values, [1, 2, 3, 4])

        // Writes through a view are copy-on-write: the file on disk is untouched.
        first[0] = 99
        XCTAssertEqual(second[0], 99)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target)), before)
        XCTAssertEqual(try SafeTensorsFile(path: target).tensor("w").values, [1, 2, 3, 4])
    }

    func testUnalignedF32IsCopied() throws {
        // One F16 (2 bytes) pushes the F32 tensor to data offset 2, which is not 4-byte aligned.
        var header = #"{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"f":{"dtype":"F32","shape":[2],"data_offsets":[2,10]}}"#
        header += String(repeating: " ", count: (8 - (8 + header.utf8.count) % 8) % 8)
        let target = try save(craft(header, data: halfBytes([UInt16(0x3c00)]) + floatBytes([Float(1.25), -7])))
        let file = try SafeTensorsFile(path: target)
        let first = try file.tensor("f")
        let second = try file.tensor("f")
        XCTAssertEqual(first.values, [1.25, -7])
        XCTAssertNotEqual(first.data, second.data, "unaligned data must be copied, not viewed")
        XCTAssertEqual(try file.tensor("h").values, [1])
    }

    func testReplacingAMappedFileLeavesOpenReadersIntact() throws {
        let target = path("replace.safetensors")
        try SafeTensorsFile.write([("w", Tensor(shape: [2], values: [1, 2]))], metadata: ["v": "1"], to: target)
        let old = try SafeTensorsFile(path: target)
        let oldView = try old.tensor("w")
        try SafeTensorsFile.write([("w", Tensor(shape: [3], values: [7, 8, 9]))], metadata: ["v": "2"], to: target)
        XCTAssertEqual(oldView.values, [1, 2])
        XCTAssertEqual(try old.tensor("w").values, [1, 2])
        let new = try SafeTensorsFile(path: target)
        XCTAssertEqual(try new.tensor("w").values, [7, 8, 9])
        XCTAssertEqual(new.metadata, ["v": "2"])
    }

    // MARK: - Widening

    func testF16IsWidenedExactly() throws {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3c00, 1), (0xc000, -2), (0x3555, 0.333251953125), (0x7bff, 65504),
            (0x0001, 0x1p-24), (0x03ff, 1023 * 0x1p-24), (0x0400, 0x1p-14), (0x8001, -0x1p-24),
            (0x7c00, .infinity), (0xfc00, -.infinity),
        ]
        let nans: [UInt16] = [0x7e00, 0xfe00, 0x7c01]
        let all = cases.map(\.0) + nans
        let header = #"{"h":{"dtype":"F16","shape":[\#(all.count)],"data_offsets":[0,\#(2 * all.count)]}}"#
        let t = try SafeTensorsFile(path: try save(craft(header, data: halfBytes(all)))).tensor("h")
        XCTAssertEqual(t.shape, [all.count])
        for (i, (half, expected)) in cases.enumerated() {
            XCTAssertEqual(t[i].bitPattern, expected.bitPattern, "F16 0x\(String(half, radix: 16))")
        }
        for i in cases.count..<all.count { XCTAssertTrue(t[i].isNaN, "F16 0x\(String(all[i], radix: 16)) is NaN") }
    }

    func testEveryF16ValueMatchesSwiftFloat16() throws {
        #if !((os(macOS) || targetEnvironment(macCatalyst)) && arch(x86_64))
        let all = (0...UInt16.max).map { $0 }
        let header = #"{"all":{"dtype":"F16","shape":[65536],"data_offsets":[0,131072]}}"#
        let t = try SafeTensorsFile(path: try save(craft(header, data: halfBytes(all)))).tensor("all")
        for bits in all {
            let expected = Float(Float16(bitPattern: bits))
            let got = t[Int(bits)]
            if expected.isNaN {
                XCTAssertTrue(got.isNaN, "0x\(String(bits, radix: 16))")
            } else if got.bitPattern != expected.bitPattern {
                XCTFail("F16 0x\(String(bits, radix: 16)): got \(got), expected \(expected)")
                return
            }
        }
        #else
        throw XCTSkip("Float16 is unavailable on macOS x86_64")
        #endif
    }

    func testBF16IsWidenedExactly() throws {
        let cases: [(UInt16, Float)] = [
            (0x0000, 0), (0x8000, -0.0), (0x3f80, 1), (0xc000, -2), (0x4049, 3.140625), (0xbe20, -0.15625),
            (0x7f7f, Float(bitPattern: 0x7f7f_0000)), (0x0001, Float(bitPattern: 0x0001_0000)),
            (0x7f80, .infinity), (0xff80, -.infinity), (0x7fc1, Float(bitPattern: 0x7fc1_0000)),
        ]
        let header = #"{"b":{"dtype":"BF16","shape":[1,\#(cases.count)],"data_offsets":[0,\#(2 * cases.count)]}}"#
        let t = try SafeTensorsFile(path: try save(craft(header, data: halfBytes(cases.map(\.0))))).tensor("b")
        XCTAssertEqual(t.shape, [1, cases.count])
        XCTAssertEqual(bits(t), cases.map(\.1.bitPattern))
    }

    /// Bytes written by Python (json + numpy, the safetensors library's layout: compact JSON, metadata
    /// first, spaces to a multiple of 8), pasted here so CI needs no Python. Generated with:
    /// a = arange(6, float32).reshape(2, 3) * 0.5 - 1 as F32; [1, -2.5, 65504, 2**-24] as F16;
    /// [1, -0.15625, 3.140625] as BF16 (float32 bits >> 16); metadata {"format": "pt", "layers": "3"}.
    func testReadsAFileWrittenByPython() throws {
        let base64 = "6AAAAAAAAAB7Il9fbWV0YWRhdGFfXyI6eyJmb3JtYXQiOiJwdCIsImxheWVycyI6IjMifSwiYnJhaW4iOnsiZHR5cGUiOiJCRjE2Iiwic2hhcGUiOlszXSwiZGF0YV9vZmZzZXRzIjpbMCw2XX0sImNvbnYud2VpZ2h0Ijp7ImR0eXBlIjoiRjMyIiwic2hhcGUiOlsyLDNdLCJkYXRhX29mZnNldHMiOls2LDMwXX0sImhhbGYiOnsiZHR5cGUiOiJGMTYiLCJzaGFwZSI6WzRdLCJkYXRhX29mZnNldHMiOlszMCwzOF19fSAgICAggD8gvklAAACAvwAAAL8AAAAAAAAAPwAAgD8AAMA/ADwAwf97AQA="
        let target = try save([UInt8](try XCTUnwrap(Data(base64Encoded: base64))))
        let file = try SafeTensorsFile(path: target)
        XCTAssertEqual(file.names, ["brain", "conv.weight", "half"])
        XCTAssertEqual(file.metadata, ["format": "pt", "layers": "3"])
        XCTAssertEqual(try file.intMetadata("layers"), 3)
        XCTAssertEqual(try file.tensor("conv.weight", shape: [2, 3]).values, [-1, -0.5, 0, 0.5, 1, 1.5])
        XCTAssertEqual(try file.tensor("half").values, [1, -2.5, 65504, 0x1p-24])
        XCTAssertEqual(try file.tensor("brain").values, [1, -0.15625, 3.140625])
    }

    // MARK: - Lookup errors

    func testMissingTensorShapeMismatchAndMetadataErrors() throws {
        let target = path("lookup.safetensors")
        try SafeTensorsFile.write([("w", Tensor(shape: [2, 3]))], metadata: ["name": "x", "size": "12a"], to: target)
        let file = try SafeTensorsFile(path: target)
        XCTAssertEqual(weightsReason { _ = try file.tensor("v") }, "missing tensor 'v'")
        XCTAssertEqual(weightsReason { _ = try file.tensor("v", shape: [1]) }, "missing tensor 'v'")
        XCTAssertEqual(weightsReason { _ = try file.tensor("w", shape: [3, 2]) }, "tensor 'w' has shape [2, 3], expected [3, 2]")
        XCTAssertEqual(weightsReason { _ = try file.requireMetadata("seed") }, "missing metadata 'seed'")
        XCTAssertEqual(weightsReason { _ = try file.intMetadata("seed") }, "missing metadata 'seed'")
        XCTAssertEqual(weightsReason { _ = try file.intMetadata("size") }, "metadata 'size' is \"12a\", not an integer")
        // The error names the file, as every StyleError does.
        do {
            _ = try file.tensor("v")
        } catch {
            XCTAssertEqual("\(error)", "\(target): bad weights: missing tensor 'v'")
        }
    }

    func testWorksAsAWeightProvider() throws {
        let target = path("provider.safetensors")
        try SafeTensorsFile.write([("w", Tensor(shape: [2], values: [3, 4]))], metadata: [:], to: target)
        let provider: any WeightProvider = try SafeTensorsFile(path: target)
        XCTAssertEqual(provider.shape(of: "w"), [2])
        XCTAssertEqual(try provider.tensor("w", shape: [2]).values, [3, 4])
    }

    func testUnsupportedDtypeOpensButCannotBeRead() throws {
        let header = #"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"n":{"dtype":"I64","shape":[],"data_offsets":[4,12]},"q":{"dtype":"Q7","shape":[3],"data_offsets":[12,13]}}"#
        let target = try save(craft(header, data: floatBytes([Float(5)]) + [UInt8](repeating: 0, count: 9)))
        let file = try SafeTensorsFile(path: target)
        XCTAssertEqual(file.names, ["n", "q", "w"])
        XCTAssertEqual(file.shape(of: "n"), [])
        XCTAssertEqual(try file.tensor("w").values, [5])
        XCTAssertEqual(weightsReason { _ = try file.tensor("n") }, "tensor 'n' has dtype I64; only F32, F16, BF16 are supported")
        XCTAssertEqual(weightsReason { _ = try file.tensor("q", shape: [3]) }, "tensor 'q' has dtype Q7; only F32, F16, BF16 are supported")
    }

    // MARK: - Malformed files

    func testMissingEmptyAndShortFiles() throws {
        do {
            _ = try SafeTensorsFile(path: path("absent.safetensors"))
            XCTFail("expected an error")
        } catch let StyleError.io(p, reason) {
            XCTAssertEqual(p, path("absent.safetensors"))
            XCTAssertTrue(reason.contains("No such file"), reason)
        }
        do {
            _ = try SafeTensorsFile(path: directory.path)
            XCTFail("expected an error")
        } catch let StyleError.io(_, reason) {
            XCTAssertEqual(reason, "not a regular file")
        }
        try assertRejected([], "file is 0 bytes, too short")
        try assertRejected([1, 0, 0], "file is 3 bytes, too short")
    }

    func testHeaderLengthOutOfRange() throws {
        try assertRejected(withUnsafeBytes(of: UInt64(100).littleEndian, Array.init) + Array("{}".utf8),
                           "header length 100 exceeds the 2 bytes after the length field")
        try assertRejected(withUnsafeBytes(of: UInt64(200_000_000).littleEndian, Array.init) + Array("{}".utf8),
                           "header length 200000000 is above the 100000000-byte limit")
        try assertRejected([UInt8](repeating: 0xff, count: 16), "header length 18446744073709551615 is above")
        try assertRejected(withUnsafeBytes(of: UInt64(0).littleEndian, Array.init), "header is not valid JSON: unexpected end of header")
    }

    func testHeaderNotJSONOrNotAnObject() throws {
        try assertRejectedHeader("{\"a\": ", "header is not valid JSON")
        try assertRejectedHeader("<html>", "header is not valid JSON: unexpected '<' at byte 0")
        try assertRejectedHeader("{\"a\":nul}", "header is not valid JSON: invalid literal, expected 'null' at byte 8")
        try assertRejectedHeader("{} x", "header is not valid JSON: unexpected 'x' after the top-level value at byte 3")
        try assertRejectedHeader("{\"a\":01}", "leading zero")
        // Foundation's parsers take both of these (one reason SafeTensorsJSON.swift exists).
        try assertRejectedHeader(#"{"a":[1],}"#, "header is not valid JSON: expected a string key, found '}' at byte 9")
        try assertRejectedHeader(#"{"a":[1,]}"#, "header is not valid JSON: unexpected ']' at byte 8")
        try assertRejectedHeader("{\"a\":\"\\q\"}", "invalid escape")
        try assertRejectedHeader("{\"a\":\"\\ud800\"}", "unpaired surrogate")
        try assertRejectedHeader("{\"a\":\"tab\there\"}", "control character in string")
        try assertRejectedHeader(String(repeating: "[", count: 10_000), "nesting deeper than 64 levels")
        let badUTF8 = Array("{\"a\":\"".utf8) + [0xff, 0xfe] + Array("\"}".utf8)
        try assertRejected(withUnsafeBytes(of: UInt64(badUTF8.count).littleEndian, Array.init) + badUTF8, "string is not valid UTF-8")
        try assertRejectedHeader("[1, 2]", "header is not a JSON object")
        try assertRejectedHeader("\"text\"", "header is not a JSON object")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}"#,
                                 "header has key 'w' twice")
    }

    func testEntriesWithMissingOrMistypedFields() throws {
        try assertRejectedHeader(#"{"w":[1]}"#, "entry 'w' is an array, not an object")
        try assertRejectedHeader(#"{"w":{"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0], "tensor 'w' has no 'dtype'")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","data_offsets":[0,4]}}"#, data: [0, 0, 0, 0], "tensor 'w' has no 'shape'")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1]}}"#, data: [0, 0, 0, 0], "tensor 'w' has no 'data_offsets'")
        try assertRejectedHeader(#"{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has a 'dtype' that is a number, not a string")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has a 'shape' that is a string, not an array")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has shape entry 1.5; dimensions must be non-negative integers")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has shape entry 1.0; dimensions must be non-negative integers")  // JSONDecoder reads 1
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[true],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has shape entry true")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has 'data_offsets' [0]; expected [begin, end] of non-negative integers")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":{"a":1}}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has 'data_offsets' {…}")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has 'data_offsets' [-4, 0]")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,99999999999999999999]}}"#, data: [0, 0, 0, 0],
                                 "tensor 'w' has 'data_offsets' [0, 99999999999999999999]")
    }

    func testBadShapes() throws {
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[2,-3],"data_offsets":[0,0]}}"#,
                                 "tensor 'w' has shape entry -3; dimensions must be non-negative integers")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,0]}}"#,
                                 "tensor 'w' has shape entry 99999999999999999999")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#,
                                 "tensor 'w' has shape [4294967296, 4294967296], too many elements")
        // Element count fits in an Int but its byte count does not.
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}}"#,
                                 "tensor 'w' has 0 bytes of data, but shape [4611686018427387904] of F32 needs more than")
    }

    func testBadOffsets() throws {
        let four = [UInt8](repeating: 0, count: 8)
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: four,
                                 "tensor 'w' has data_offsets [4, 0] with begin after end")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}}"#, data: four,
                                 "tensor 'w' has data_offsets [0, 12] beyond the 8-byte data section")
        try assertRejectedHeader(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}"#, data: four,
                                 "tensor 'w' has 8 bytes of data, but shape [1] of F32 needs 4")
        try assertRejectedHeader(#"{"w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,4]}}"#, data: four,
                                 "tensor 'w' has 4 bytes of data, but shape [2, 2] of F16 needs 8")
        try assertRejectedHeader(#"{"w":{"dtype":"I64","shape":[2],"data_offsets":[0,8]}}"#, data: four,
                                 "tensor 'w' has 8 bytes of data, but shape [2] of I64 needs 16")
    }

    func testOverlappingTensors() throws {
        let data = [UInt8](repeating: 0, count: 16)
        try assertRejectedHeader(#"{"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#,
                                 data: data, "tensors 'a' (bytes 0..<8) and 'b' (bytes 4..<12) overlap")
        try assertRejectedHeader(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]}}"#,
                                 data: data, "tensors 'a' (bytes 0..<16) and 'b' (bytes 8..<12) overlap")
        try assertRejectedHeader(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#,
                                 data: data, "overlap")
        // Adjacent tensors, gaps and empty tensors anywhere are fine.
        let target = try save(craft(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"c":{"dtype":"F32","shape":[1],"data_offsets":[12,16]},"e":{"dtype":"F32","shape":[0],"data_offsets":[2,2]}}"#, data: data))
        XCTAssertEqual(try SafeTensorsFile(path: target).names, ["a", "b", "c", "e"])
    }

    func testBadMetadata() throws {
        try assertRejectedHeader(#"{"__metadata__":{"epochs":3}}"#, "metadata value for 'epochs' is a number, not a string")
        try assertRejectedHeader(#"{"__metadata__":{"a":"x","nested":{"b":"c"}}}"#, "metadata value for 'nested' is an object, not a string")
        try assertRejectedHeader(#"{"__metadata__":["a"]}"#, "'__metadata__' is not a JSON object")
        try assertRejectedHeader(#"{"__metadata__":{"a":"x","a":"y"}}"#, "metadata has key 'a' twice")
        // null metadata reads as none.
        XCTAssertEqual(try SafeTensorsFile(path: try save(craft(#"{"__metadata__":null}"#))).metadata, [:])
    }

    /// Truncations and byte corruptions of a valid file: each must open and read fine or throw a
    /// StyleError, never crash (deterministic, so a failure reproduces).
    func testCorruptedFilesNeverCrash() throws {
        let source = path("source.safetensors")
        try SafeTensorsFile.write([("a", Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])), ("b", Tensor(shape: [4], values: [7, 8, 9, 10]))],
                                  metadata: ["k": "v"], to: source)
        let valid = [UInt8](try Data(contentsOf: URL(fileURLWithPath: source)))
        var state: UInt64 = 12345
        func random(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        let interesting: [UInt8] = Array("{}[]\",:0123456789-.eE\" ".utf8) + [0x00, 0x7f, 0x80, 0xff]
        var cases: [[UInt8]] = (0..<valid.count).map { Array(valid[..<$0]) }
        for _ in 0..<1500 {
            var bytes = valid
            for _ in 0..<(1 + random(3)) {
                bytes[random(bytes.count)] = random(2) == 0 ? interesting[random(interesting.count)] : UInt8(random(256))
            }
            cases.append(bytes)
        }
        var opened = 0
        for bytes in cases {
            let target = try save(bytes, as: "fuzz.safetensors")
            do {
                let file = try SafeTensorsFile(path: target)
                opened += 1
                for name in file.names { _ = try? file.tensor(name) }
            } catch is StyleError {
                continue
            }
        }
        XCTAssertGreaterThan(opened, 0, "some corruptions (e.g. of data bytes) still open")
    }

    // MARK: - Writer errors

    func testWriterRejectsBadInputAndLeavesNoFile() throws {
        let target = path("bad.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile.write([("a", Tensor(shape: [1])), ("a", Tensor(shape: [2]))], metadata: [:], to: target)) {
            XCTAssertEqual($0 as? StyleError, .write(path: target, reason: "duplicate tensor name 'a'"))
        }
        XCTAssertThrowsError(try SafeTensorsFile.write([("__metadata__", Tensor(shape: [1]))], metadata: [:], to: target)) {
            XCTAssertEqual($0 as? StyleError, .write(path: target, reason: "'__metadata__' is reserved and cannot name a tensor"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target))
        let nowhere = path("no-such-dir/w.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile.write([("a", Tensor(shape: [1]))], metadata: [:], to: nowhere)) {
            guard case .write(nowhere, _)? = $0 as? StyleError else { return XCTFail("expected .write, got \($0)") }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }
}
