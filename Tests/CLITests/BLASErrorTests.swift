#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

/// A broken OpenBLAS: every command that needs it ends with one `error:` line and exit status 1, not a
/// crash. The dynamic loader is pointed (LD_LIBRARY_PATH) at a directory whose libopenblas.so.0 is a
/// real shared library without cblas_sgemm (a copy of libpng, which this test process has loaded).
final class BLASErrorTests: CLITestCase {
    var library = ""
    var environment: [String: String] { ["LD_LIBRARY_PATH": directory + "/lib"] }
    var expected: String {
        "error: \(library) is not a working OpenBLAS (it has no cblas_sgemm); reinstall it with: apt-get install --reinstall libopenblas0\n"
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        let maps = try XCTUnwrap(Files.readText("/proc/self/maps"))
        let png = try XCTUnwrap(maps.split(separator: "\n").lazy.compactMap { $0.split(separator: " ").last }.first { $0.contains("/libpng16.so") })
        mkdir(path("lib"), 0o755)
        library = path("lib/libopenblas.so.0")
        Files.write(library, try XCTUnwrap(Files.read(String(png)), "\(png)"))
        try writeTinyWeights()
    }

    func testInfo() throws {
        let result = try expectError(["info"], [], environment: environment)
        XCTAssertEqual(result.stderr, expected)
    }

    func testTransformerRun() throws {
        let result = try expectError(["content.png", "style.png", "-o", "new.png", "--weights", "weights.safetensors", "-q"], [],
                                     environment: environment)
        XCTAssertEqual(result.stderr, expected)
    }

    func testGramRun() throws {
        let result = try expectError(["content.png", "style.png", "-o", "new.png", "--mode", "gram", "--size", "32", "-q"], [],
                                     environment: environment)
        XCTAssertEqual(result.stderr, expected)
    }
}
