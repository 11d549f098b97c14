import Foundation
import StyleIO
import XCTest

/// SHA-256 against the FIPS 180-2 test vectors, fed whole and in uneven pieces, and from a file.
final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        XCTAssertEqual(SHA256.hash([UInt8]()).hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash(Array("abc".utf8)).hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex,
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex,
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testPiecesAndFileGiveTheSameDigest() throws {
        let bytes = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 3) }
        let whole = SHA256.hash(bytes)
        var pieces = SHA256()
        var offset = 0
        for size in [0, 1, 63, 64, 65, 127, 500, 1000] { pieces.update(bytes[offset..<offset + size]); offset += size }
        pieces.update(bytes[offset...])
        XCTAssertEqual(pieces.finalize(), whole)
        // 55 and 56 bytes: the last lengths whose padding fits in one block or needs a second.
        XCTAssertEqual(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 55)).hex, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        XCTAssertEqual(SHA256.hash(Array(repeating: UInt8(ascii: "a"), count: 56)).hex, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")

        let path = NSTemporaryDirectory() + "/sha256-\(getpid()).bin"
        defer { unlink(path) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try SHA256.hash(file: path), whole)
        XCTAssertThrowsError(try SHA256.hash(file: path + ".missing")) { XCTAssertTrue("\($0)".contains(".missing"), "\($0)") }
    }
}
