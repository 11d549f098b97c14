import Foundation
import StyleCore
import StyleIO
import XCTest

/// sha256Hex (libcrypto) against the FIPS 180-2 test vectors, and on a file against `sha256sum`.
final class DigestTests: XCTestCase {
    func hex(_ bytes: [UInt8]) -> String { bytes.withUnsafeBytes { sha256Hex($0) } }

    func testKnownVectors() {
        XCTAssertEqual(hex([]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(hex(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(hex([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // 55 and 56 bytes: the last lengths whose padding fits in one block or needs a second.
        XCTAssertEqual(hex(Array(repeating: UInt8(ascii: "a"), count: 55)), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        XCTAssertEqual(hex(Array(repeating: UInt8(ascii: "a"), count: 56)), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
    }

    func testFileDigestMatchesSha256sum() throws {
        let bytes = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 3) }  // 3 MB: several read chunks
        let path = NSTemporaryDirectory() + "/sha256-\(getpid()).bin"
        defer { unlink(path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))

        let tool = Process(), output = Pipe()
        tool.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        tool.arguments = [path]
        tool.standardOutput = output
        try tool.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        tool.waitUntilExit()
        XCTAssertEqual(tool.terminationStatus, 0)
        let expected = String(printed.prefix(64))

        XCTAssertEqual(try sha256Hex(file: path), expected)
        XCTAssertEqual(hex(bytes), expected)
        XCTAssertThrowsError(try sha256Hex(file: path + ".missing")) {
            XCTAssertEqual($0 as? StyleError, .io(path: path + ".missing", reason: "no such file"))
        }
    }
}
