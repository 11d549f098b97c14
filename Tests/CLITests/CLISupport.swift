// Support for the command-line tests: finding the built `stylize` binary, running it as a
// subprocess, temporary directories and their snapshots, hand-made images and tiny StyTr² weights.
//
// The tests run the real executable, so it must be built before `swift test` runs them.
// .ci/run does that (`swift build -c release -Xswiftc -enable-testing` builds every product,
// then `swift test … --skip-build`); the binary is found next to the test bundle, i.e. in the same
// build-products directory. STYLIZE_BINARY=/path/to/stylize overrides the search.
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyTr2
import WeightsTestSupport
import StyleCore
import StyleIO
import PNGTestSupport
import XCTest

// MARK: - The binary

enum CLI {
    /// Path of the `stylize` executable next to the test bundle, or nil.
    static let binary: String? = {
        if let explicit = ProcessInfo.processInfo.environment["STYLIZE_BINARY"], !explicit.isEmpty { return explicit }
        var directories: [URL] = []
        // On Linux the test bundle is an executable (`<package>PackageTests.xctest`) in the products directory.
        directories.append(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent())
        for bundle in Bundle.allBundles + [Bundle.main] where bundle.bundlePath.hasSuffix(".xctest") {
            directories.append(bundle.bundleURL.deletingLastPathComponent())
        }
        directories.append(Bundle.main.bundleURL)
        directories.append(URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent())
        for directory in directories {
            let candidate = directory.appendingPathComponent("stylize").path
            var info = stat()
            if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }()

    /// The binary, or a test failure explaining how to build it.
    static func requireBinary(file: StaticString = #filePath, line: UInt = #line) throws -> String {
        guard let binary else {
            XCTFail("the stylize executable was not found next to the test bundle: build it first "
                    + "(.ci/run does: swift build -c release -Xswiftc -enable-testing), or set STYLIZE_BINARY",
                    file: file, line: line)
            throw XCTSkip("no stylize binary")
        }
        return binary
    }
}

/// What a finished `stylize` run did.
struct RunResult: CustomStringConvertible {
    var status: Int32
    /// True when the process was killed by a signal (`status` is then the signal number).
    var signaled: Bool
    var stdout: String { String(decoding: stdoutBytes, as: UTF8.self) }
    var stdoutBytes: [UInt8]
    var stderr: String
    var seconds: Double

    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: false).dropLast() }

    var description: String {
        "\(signaled ? "signal" : "exit") \(status) after \(String(format: "%.2f", seconds)) s; stderr: \(stderr.debugDescription); stdout: \(stdout.prefix(300).debugDescription)"
    }
}

/// A `stylize` process started in the background.
final class RunningStylize {
    let process = Process()
    private let outPipe = Pipe(), errPipe = Pipe()
    private let group = DispatchGroup()
    private var outData = Data(), errData = Data()
    private let started = Date()
    /// Lines of stderr seen so far (filled while the process runs).
    private let lock = NSLock()
    private var errSoFar = Data()

    /// `launcher` runs the binary through another program (e.g. setpriv to drop root's privileges).
    /// `standardInput` is a file fed to the process's stdin (none: /dev/null).
    init(_ arguments: [String], directory: String, environment: [String: String] = [:], launcher: [String] = [],
         standardInput: String? = nil) throws {
        let binary = try CLI.requireBinary()
        process.executableURL = URL(fileURLWithPath: launcher.first ?? binary)
        process.arguments = launcher.isEmpty ? arguments : launcher.dropFirst() + [binary] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env["STYLIZE_WEIGHTS"] = nil  // the user's weights must never leak into a test
        // tools/sanitize.sh checks each stylize run for leaks but not the test process, where XCTest leaks its test cases.
        if let options = env["STYLIZE_ASAN_OPTIONS"] { env["ASAN_OPTIONS"] = options }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = try standardInput.map { try FileHandle(forReadingFrom: URL(fileURLWithPath: $0)) } ?? FileHandle.nullDevice
        process.standardOutput = outPipe
        process.standardError = errPipe
        try process.run()
        let outHandle = outPipe.fileHandleForReading, errHandle = errPipe.fileHandleForReading
        DispatchQueue.global().async(group: group) { [self] in outData = outHandle.readDataToEndOfFile() }
        DispatchQueue.global().async(group: group) { [self] in
            var all = Data()
            while true {
                let chunk = errHandle.availableData
                if chunk.isEmpty { break }
                all += chunk
                lock.lock(); errSoFar = all; lock.unlock()
            }
            errData = all
        }
    }

    var pid: pid_t { process.processIdentifier }

    /// Stderr so far.
    var stderrSoFar: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: errSoFar, as: UTF8.self)
    }

    /// Waits for the exit (killing the process after `timeout` seconds) and collects its output.
    func wait(timeout: Double = 300) -> RunResult {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(2000) }
        if process.isRunning {
            kill(pid, SIGKILL)
            XCTFail("stylize did not finish within \(timeout) s; killed")
        }
        process.waitUntilExit()
        group.wait()
        let result = RunResult(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                               stdoutBytes: [UInt8](outData), stderr: String(decoding: errData, as: UTF8.self),
                               seconds: Date().timeIntervalSince(started))
        // Under tools/sanitize.sh the binary is the ASan/UBSan build: a report fails the test even when the exit status fits.
        if let marker = sanitizerReportMarkers.first(where: result.stderr.contains) {
            XCTFail("sanitizer report (\(marker)) from stylize \(process.arguments ?? []): \(result.stderr)")
        }
        return result
    }

    private let sanitizerReportMarkers = ["ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:", "SUMMARY: UndefinedBehaviorSanitizer"]
}

/// Runs `stylize arguments…` in `directory` and waits for it.
func stylize(_ arguments: [String], in directory: String, environment: [String: String] = [:], launcher: [String] = [],
             standardInput: String? = nil, timeout: Double = 300) throws -> RunResult {
    try RunningStylize(arguments, directory: directory, environment: environment, launcher: launcher,
                       standardInput: standardInput).wait(timeout: timeout)
}

// MARK: - Files and directories

enum Files {
    static func makeTemporaryDirectory(_ tag: String) -> String {
        var template = Array((NSTemporaryDirectory() + "/stylize-cli-\(tag)-XXXXXX").utf8CString)
        guard mkdtemp(&template) != nil else { fatalError("mkdtemp failed: \(String(cString: strerror(errno)))") }
        return String(cString: template)
    }

    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(fd >= 0, "cannot create \(path): \(String(cString: strerror(errno)))")
        var done = 0
        bytes.withUnsafeBytes { raw in
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                precondition(n > 0, "write \(path) failed")
                done += n
            }
        }
        close(fd)
    }

    static func read(_ path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return [UInt8](data)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    /// A text file read to its end, also /proc files (whose size reads as 0); nil if it cannot be opened.
    static func readText(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    }

    /// Removes a directory tree, first making everything in it writable (tests make read-only dirs).
    static func removeTree(_ path: String) {
        if let walker = FileManager.default.enumerator(atPath: path) {
            chmod(path, 0o755)
            for case let name as String in walker { chmod(path + "/" + name, 0o755) }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Every entry under `directory` (recursively) with its contents: "<dir>" for directories,
    /// "<link>" + target for symbolic links, the bytes for files. Equal snapshots mean nothing was
    /// created, removed or changed, including temporary files.
    static func snapshot(_ directory: String) -> [String: [UInt8]] {
        var result: [String: [UInt8]] = [:]
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: directory) else { return result }
        for name in names {
            let path = directory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: result[name] = Array("<dir>".utf8)
            case S_IFLNK: result[name] = Array("<link>".utf8) + Array(((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "").utf8)
            default: result[name] = read(path) ?? Array("<unreadable>".utf8)
            }
        }
        return result
    }

    /// Names in `directory` that look like AtomicFile temporaries (`.<name>.tmp-XXXXXX`).
    static func temporaries(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.contains(".tmp-") }.sorted()
    }
}

// MARK: - Images

enum Images {
    /// A smooth RGB test image (3,H,W) in [0,1].
    static func smooth(width: Int, height: Int) -> Tensor {
        let t = Tensor(shape: [3, height, width])
        for c in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    let v = 0.5 + 0.4 * sin(Double(x) * 0.21 + Double(c)) * cos(Double(y) * 0.17 - Double(c))
                    t[(c * height + y) * width + x] = Float(v)
                }
            }
        }
        return t
    }

    static func png(width: Int, height: Int) -> [UInt8] {
        try! ImageFile.encode(smooth(width: width, height: height), as: .png)
    }

    static func jpeg(width: Int, height: Int) -> [UInt8] {
        try! ImageFile.encode(smooth(width: width, height: height), as: .jpeg, quality: 90)
    }

    /// A 16×16 CMYK JPEG with an Adobe marker (from tools/make_image_fixtures.py via Tests/StyleIOTests).
    static let cmykJPEG: [UInt8] = Array(Data(base64Encoded: "/9j/7gAOQWRvYmUAZAAAAAAA/9sAQwACAQEBAQECAQEBAgICAgIEAwICAgIFBAQDBAYFBgYGBQYGBgcJCAYHCQcGBggLCAkKCgoKCgYICwwLCgwJCgoK/8AAFAgAEAAQBEMRAE0RAFkRAEsRAP/EAB8AAAEFAQEBAQEBAAAAAAAAAAABAgMEBQYHCAkKC//EALUQAAIBAwMCBAMFBQQEAAABfQECAwAEEQUSITFBBhNRYQcicRQygZGhCCNCscEVUtHwJDNicoIJChYXGBkaJSYnKCkqNDU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6g4SFhoeIiYqSk5SVlpeYmZqio6Slpqeoqaqys7S1tre4ubrCw8TFxsfIycrS09TV1tfY2drh4uPk5ebn6Onq8fLz9PX29/j5+v/aAA4EQwBNAFkASwAAPwD+f+v38r9/K/fyv7/K/gDooor+/wAr+AOiiiv7/K/n/r//2Q==")!)

    /// `jpeg` with an APP1 Exif segment (IFD0: Orientation = `orientation`) inserted after SOI.
    static func withOrientation(_ jpeg: [UInt8], _ orientation: UInt16) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { TestPNG.be32(v).reversed() }
        var tiff = Array("II".utf8) + u16(42) + u32(8)
        tiff += u16(1)
        tiff += u16(0x0112) + u16(3) + u32(1) + u16(orientation) + u16(0)
        tiff += u32(0)
        let payload = Array("Exif".utf8) + [0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xD8, 0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload + jpeg[2...]
    }

    /// A `.npy` file with an arbitrary header dictionary and `dataBytes` zero bytes of data.
    static func npy(header dict: String, dataBytes: Int) -> [UInt8] {
        var text = Array(dict.utf8)
        let total = (10 + text.count + 1 + 63) / 64 * 64
        text += [UInt8](repeating: 0x20, count: total - 10 - text.count - 1) + [0x0A]
        return NPY.magic + [1, 0, UInt8(text.count & 0xFF), UInt8(text.count >> 8)] + text + [UInt8](repeating: 0, count: dataBytes)
    }
}

/// A safetensors file split into its JSON header (as a mutable dictionary) and raw data section.
struct RawSafeTensors {
    var header: [String: Any]
    var data: [UInt8]

    init(path: String) {
        let bytes = Files.read(path)!
        let n = Int(UInt64(littleEndian: bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
        header = try! JSONSerialization.jsonObject(with: Data(bytes[8..<8 + n])) as! [String: Any]
        data = Array(bytes[(8 + n)...])
    }

    /// The file bytes: length, header JSON (spaces appended up to a multiple of 8), data.
    func bytes() -> [UInt8] {
        var json = [UInt8](try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var length = UInt64(json.count).littleEndian
        return withUnsafeBytes(of: &length) { Array($0) } + json + data
    }

    func write(to path: String) { Files.write(path, bytes()) }

    func offsets(_ name: String) -> [Int] { (header[name] as! [String: Any])["data_offsets"] as! [Int] }

    mutating func set(_ name: String, _ field: String, _ value: Any) {
        var entry = header[name] as! [String: Any]
        entry[field] = value
        header[name] = entry
    }
}

// MARK: - Assertions

extension XCTestCase {
    /// Asserts a failed run: exit status 1 (or `status`), exactly one line on stderr, starting
    /// with "error: " and containing every fragment, nothing on stdout.
    func assertOneLineError(_ result: RunResult, _ fragments: [String], status: Int32 = 1,
                            file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(result.signaled, "crashed: \(result)", file: file, line: line)
        XCTAssertEqual(result.status, status, "exit status: \(result)", file: file, line: line)
        XCTAssertEqual(result.stderrLines.count, 1, "exactly one line on stderr: \(result)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), "stderr starts with 'error: ': \(result)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasSuffix("\n"), "stderr ends with a newline: \(result)", file: file, line: line)
        for fragment in fragments {
            XCTAssertTrue(result.stderr.contains(fragment), "stderr mentions \(fragment.debugDescription): \(result)", file: file, line: line)
        }
        XCTAssertEqual(result.stdout, "", "nothing on stdout: \(result)", file: file, line: line)
    }
}

/// Base class: a fresh directory per test holding content/style images, an existing output file
/// and (on request) tiny weights; every error test checks the directory is unchanged afterwards.
class CLITestCase: XCTestCase {
    var directory = ""
    /// Bytes of the pre-existing output file `out.png`, which failed runs must leave untouched.
    let previousOutput = Array("previous output, must survive failed runs\n".utf8)

    override func setUpWithError() throws {
        _ = try CLI.requireBinary()
        directory = Files.makeTemporaryDirectory(String(describing: type(of: self)))
        Files.write(path("content.png"), Images.png(width: 40, height: 32))
        Files.write(path("style.png"), Images.png(width: 24, height: 24))
        Files.write(path("out.png"), previousOutput)
    }

    override func tearDown() {
        if !directory.isEmpty { Files.removeTree(directory) }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Writes tiny valid weights to `weights.safetensors` in the test directory; returns the path.
    @discardableResult
    func writeTinyWeights(_ name: String = "weights.safetensors") throws -> String {
        try TinyWeights.write(to: path(name))
        return path(name)
    }

    /// Runs stylize with `arguments` and asserts a one-line error containing `fragments`, with the
    /// test directory (inputs, the previous output, no temporaries) exactly as it was before.
    @discardableResult
    func expectError(_ arguments: [String], _ fragments: [String], status: Int32 = 1, launcher: [String] = [],
                     environment: [String: String] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> RunResult {
        let before = Files.snapshot(directory)
        let result = try stylize(arguments, in: directory, environment: environment, launcher: launcher)
        assertOneLineError(result, fragments, status: status, file: file, line: line)
        let after = Files.snapshot(directory)
        XCTAssertEqual(Set(after.keys), Set(before.keys), "no file created or removed in the directory", file: file, line: line)
        for (name, bytes) in before where after[name] != bytes {
            XCTFail("\(name) changed", file: file, line: line)
        }
        XCTAssertEqual(Files.temporaries(in: directory), [], "no temporary files left", file: file, line: line)
        return result
    }
}
