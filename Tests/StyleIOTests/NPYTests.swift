#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StyleCore
@testable import StyleIO
import XCTest

final class NPYTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = try TestFiles.makeDirectory()
    }

    override func tearDown() {
        TestFiles.removeTree(directory)
    }

    // MARK: - Helpers

    /// A .npy file built by hand: magic, version, header length, header text, data.
    private func npy(_ header: String, version: (UInt8, UInt8) = (1, 0), data: [UInt8] = []) -> [UInt8] {
        let text = Array(header.utf8)
        var bytes = NPY.magic + [version.0, version.1]
        if version.0 == 1 {
            bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
        } else {
            bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8 & 0xFF), 0, 0]
        }
        return bytes + text + data
    }

    private func float32Bytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    private func float64Bytes(_ values: [Double]) -> [UInt8] {
        values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } }
    }

    /// Asserts that decoding `bytes` throws a decode error whose message contains every fragment.
    private func assertRefused(_ bytes: [UInt8], _ fragments: String..., file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try NPY.read(data: bytes, path: "bad.npy"), file: file, line: line) { error in
            guard let error = error as? StyleError, case .decode(path: "bad.npy", _) = error else {
                return XCTFail("expected StyleError.decode, got \(error)", file: file, line: line)
            }
            for fragment in fragments {
                XCTAssertTrue(error.description.contains(fragment), "\"\(error.description)\" lacks \"\(fragment)\"", file: file, line: line)
            }
        }
    }

    // MARK: - Round trips

    func testRoundTripIsBitExact() throws {
        // Values that any conversion would disturb: NaN payloads, signed zero, subnormals, infinities.
        let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, Float(bitPattern: 0x7FC0_1234),
                                 .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1.5, 3.25e-20, 1e30]
        var generator = SplitMix64(seed: 14)
        for shape in [[3, 4, 5], [7], [], [2, 0, 3], [1, 1, 1, 11]] {
            let t = Tensor(shape: shape)
            for i in 0..<t.count {
                t[i] = i < specials.count ? specials[i] : Float.random(in: -1000...1000, using: &generator)
            }
            let path = directory + "/t.npy"
            try NPY.write(t, to: path)
            let back = try NPY.read(path)
            XCTAssertEqual(back.shape, shape)
            XCTAssertEqual(back.values.map(\.bitPattern), t.values.map(\.bitPattern), "shape \(shape)")
        }
    }

    func testEncodingMatchesNumPy() {
        // np.save(np.array([[0.5, -1.25, 3.0], [1e-3, np.inf, -0.0]], dtype='<f4')) gives exactly this.
        let values: [Float] = [0.5, -1.25, 3.0, 1e-3, .infinity, -0.0]
        let t = Tensor(shape: [2, 3], values: values)
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"
        let padded = header + String(repeating: " ", count: 128 - 10 - header.count - 1) + "\n"
        let expected = NPY.magic + [1, 0, 0x76, 0x00] + Array(padded.utf8) + float32Bytes(values)
        XCTAssertEqual(NPY.encode(t), expected)
    }

    func testHeaderIsPaddedTo64Bytes() {
        for shape in [[], [1], [3, 512, 512], [12345, 1, 2, 3, 1, 1, 1, 1, 1, 1, 1, 1]] {
            let bytes = NPY.encode(Tensor(shape: shape))
            let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            XCTAssertEqual(Array(bytes[6..<8]), [1, 0])
            XCTAssertEqual((10 + headerLength) % 64, 0, "shape \(shape)")
            XCTAssertEqual(bytes[10 + headerLength - 1], 0x0A)
            XCTAssertEqual(bytes.count, 10 + headerLength + 4 * shape.reduce(1, *))
        }
        XCTAssertEqual(NPY.shapeText([]), "()")
        XCTAssertEqual(NPY.shapeText([5]), "(5,)")
        XCTAssertEqual(NPY.shapeText([3, 4]), "(3, 4)")
    }

    func testReadsFloat64AndVersion2Headers() throws {
        let doubles: [Double] = [0.1, -2.5, 1e300, .nan, 3]
        let t = try NPY.read(data: npy("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }\n", data: float64Bytes(doubles)), path: "x.npy")
        XCTAssertEqual(t.shape, [5])
        XCTAssertEqual(t[0], Float(0.1))
        XCTAssertEqual(t[1], -2.5)
        XCTAssertEqual(t[2], .infinity)  // out of float32 range
        XCTAssertTrue(t[3].isNaN)
        XCTAssertEqual(t[4], 3)

        // Version 2.0 (4-byte header length), double quotes, no trailing comma, Python 2 'L' suffixes.
        let v2 = npy("{\"descr\": \"<f4\", \"shape\": (1L, 2L), \"fortran_order\": False}   \n", version: (2, 0),
                     data: float32Bytes([1, 2]))
        let u = try NPY.read(data: v2, path: "v2.npy")
        XCTAssertEqual(u.shape, [1, 2])
        XCTAssertEqual(u.values, [1, 2])

        // Trailing data after the array is ignored, as numpy does.
        let extra = try NPY.read(data: npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", data: float32Bytes([7, 8])), path: "e.npy")
        XCTAssertEqual(extra.values, [7])
    }

    // MARK: - Refusals

    func testRefusesMalformedFiles() {
        let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n"
        let data = float32Bytes([1, 2])
        assertRefused(Array("PK\u{3}\u{4}zip".utf8), "not a .npy file")
        assertRefused(NPY.magic + [1, 0], "truncated .npy header")
        assertRefused(Array(npy(good, data: data).prefix(30)), "truncated .npy header", "claims")
        assertRefused(npy(good, version: (4, 0), data: data), "unsupported .npy format version 4.0")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", data: data), "Fortran-order")
        assertRefused(npy("{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n", data: data), "dtype '<i4' is not supported")
        assertRefused(npy("{'descr': '|u1', 'fortran_order': False, 'shape': (2,), }\n", data: data), "dtype '|u1' is not supported")
        assertRefused(npy("{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }\n", data: data), "'<f2'")
        assertRefused(npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }\n", data: data), "big-endian", "astype('<f4')")
        assertRefused(npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }\n", data: data), "structured")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, }\n", data: data), "no 'shape' key")
        assertRefused(npy("{'descr': '<f4', 'shape': (2,), }\n", data: data), "no 'fortran_order' key")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }\n", data: data), "'fortran_order' is not True or False")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': 2, }\n", data: data), "'shape' is not a tuple")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 'x'), }\n", data: data), "non-integer")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }\n", data: data), "negative dimension")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }\n"), "integer too large")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n"), "too large")
        assertRefused(npy("['descr', '<f4']\n", data: data), "malformed .npy header", "'{'")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } junk\n", data: data), "unexpected text")
        assertRefused(npy("{'descr': '<f4, 'fortran_order': False}\n", data: data), "malformed .npy header")
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)", data: data), "malformed .npy header")
        assertRefused(npy("{'descr: \n"), "unterminated string")
        // Data shorter than the shape says.
        assertRefused(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }\n", data: data),
                      "truncated .npy data", "(3, 4)", "48 bytes", "the file has 8")
        assertRefused(npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n", data: data), "float64 needs 16 bytes")
    }

    func testReadErrorsNameThePath() {
        XCTAssertThrowsError(try NPY.read(directory + "/missing.npy")) { error in
            XCTAssertEqual(error as? StyleError, .io(path: directory + "/missing.npy", reason: "no such file"))
        }
        XCTAssertThrowsError(try NPY.write(Tensor(shape: [1]), to: directory + "/no/such/dir/t.npy")) { error in
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }
}

// MARK: - Shared test utilities

/// File helpers for the StyleIO tests (namespaced to stay clear of other test files in the module).
enum TestFiles {
    /// A fresh empty directory under $TMPDIR (or /tmp).
    static func makeDirectory() throws -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((base + "/styleio-test-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { throw StyleError.io(path: base, reason: "mkdtemp failed") }
        return String(cString: template)
    }

    /// rm -rf, restoring write permission on the way (tests make read-only directories).
    static func removeTree(_ path: String) {
        guard !path.isEmpty else { return }
        chmod(path, 0o755)
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name == "." || name == ".." { continue }
                let child = path + "/" + name
                var st = stat()
                if lstat(child, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR { removeTree(child) } else { unlink(child) }
            }
            closedir(dir)
        }
        rmdir(path)
    }

    /// The names in a directory, without "." and "..".
    static func entries(_ path: String) -> [String] {
        var names: [String] = []
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(dir)
        }
        return names.sorted()
    }

    /// Writes bytes to a file directly (not atomically), for preparing test inputs.
    static func write(_ path: String, _ bytes: [UInt8]) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        precondition(fd >= 0, "cannot create \(path)")
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                precondition(n > 0)
                offset += n
            }
        }
        close(fd)
    }

    /// The bytes of a file.
    static func read(_ path: String) -> [UInt8]? {
        try? readWholeFile(path)
    }
}
