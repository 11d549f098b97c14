#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import XCTest

/// Events on a directory through inotify, to act the moment a temporary output file appears.
final class DirectoryWatch {
    private let fd: Int32

    init(_ directory: String, mask: UInt32) {
        fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        precondition(fd >= 0 && inotify_add_watch(fd, directory, mask) >= 0, "inotify: \(String(cString: strerror(errno)))")
    }

    deinit { close(fd) }

    /// Waits until an event for a name satisfying `match` arrives (returns the name), `stop` returns
    /// true or `timeout` seconds pass (returns nil).
    func wait(timeout: Double, stop: () -> Bool, match: (String) -> Bool) -> String? {
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && !stop() {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 5) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { continue }
            var offset = 0
            while offset + 16 <= n {
                // struct inotify_event { int wd; uint32_t mask, cookie, len; char name[len]; }
                let length = buffer.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)) }
                let nameBytes = buffer[(offset + 16)..<(offset + 16 + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                if match(name) { return name }
                offset += 16 + length
            }
        }
        return nil
    }
}

/// User plus system CPU time of process `pid` so far, in seconds (fields 14 and 15 of /proc/PID/stat),
/// or nil once it has gone.
func cpuSeconds(_ pid: pid_t) -> Double? {
    guard let text = Files.readText("/proc/\(pid)/stat"), let nameEnd = text.lastIndex(of: ")") else { return nil }  // the name (field 2) may hold spaces
    let fields = text[text.index(after: nameEnd)...].split(separator: " ")  // fields[0] is field 3
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// SIGINT/SIGTERM in the middle of a run: the process exits 128+signal, no partial output is left
/// at the target path (it is either absent or the previous file) and no temporary file remains.
final class SignalTests: CLITestCase {
    /// 1024×1024 content: a few seconds of tiny-model work, and a 12 MB .npy output (3·1024²·4 bytes).
    let side = 1024

    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeTinyWeights()
        Files.write(path("big.npy"), NPY.encode(Images.smooth(width: side, height: side)))
        Files.write(path("out.npy"), previousOutput)
    }

    var arguments: [String] { ["big.npy", "style.png", "-o", "out.npy", "--weights", "weights.safetensors"] }

    /// The signal arrives while the model computes: after the mode line (inputs read, model loaded),
    /// once the process has spent 0.2 s of CPU time on the forward pass.
    func interruptDuringComputation(_ sig: Int32) throws {
        let process = try RunningStylize(arguments, directory: directory)
        let deadline = Date().addingTimeInterval(60)
        process.waitWhileRunning(untilStderrContains: "stylize: transformer mode", timeout: 60)
        let computingFrom = try XCTUnwrap(cpuSeconds(process.pid), "the CPU time of the running process")
        while (cpuSeconds(process.pid) ?? .infinity) < computingFrom + 0.2 && process.process.isRunning && Date() < deadline {
            usleep(5000)
        }
        XCTAssertTrue(process.process.isRunning, "still computing when the signal is sent; make the input larger")
        kill(process.pid, sig)
        let result = process.wait(timeout: 60)
        assertInterrupted(result, signal: sig, keeping: "out.npy")
        XCTAssertTrue(result.stderr.hasPrefix("stylize: transformer mode"), "\(result)")
        XCTAssertFalse(result.stderr.contains("error:"), "an interruption is not reported as an error: \(result)")
    }

    func testSIGTERMDuringComputation() throws { try interruptDuringComputation(SIGTERM) }

    func testSIGINTDuringComputation() throws { try interruptDuringComputation(SIGINT) }

    /// Gram mode, the long run, with --save-every 1: SIGTERM the moment the third snapshot's temporary
    /// file is created. The final output keeps its old bytes; the two snapshots before are complete.
    func testSIGTERMDuringGramRunWhileSavingASnapshot() throws {
        let watch = DirectoryWatch(directory, mask: UInt32(IN_CREATE))
        let process = try RunningStylize(["content.png", "style.png", "-o", "out.png", "--mode", "gram", "--steps", "2000",
                                          "--size", "32", "--save-every", "1", "-q"], directory: directory)
        let seen = watch.wait(timeout: 120, stop: { !process.process.isRunning }) { $0.hasPrefix(".out.step0003.png.tmp-") }
        XCTAssertNotNil(seen, "the third snapshot's temporary file was created")
        kill(process.pid, SIGTERM)
        assertInterrupted(process.wait(timeout: 60), signal: SIGTERM, keeping: "out.png")
        let snapshots = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix("out.step") }.sorted()
        XCTAssertEqual(snapshots.prefix(2), ["out.step0001.png", "out.step0002.png"])
        for name in snapshots {
            XCTAssertEqual(try ImageFile.read(path(name)).shape, [3, 26, 32], "\(name) is complete")
        }
    }

    /// The signal arrives while the output is being written: right after the first write(2) to the
    /// temporary file (inotify IN_MODIFY), i.e. before its fsync, chmod, close and rename.
    func testSIGTERMWhileWritingOutput() throws {
        var caughtWhileWriting = false
        for attempt in 1...3 where !caughtWhileWriting {
            Files.write(path("out.npy"), previousOutput)
            let watch = DirectoryWatch(directory, mask: UInt32(IN_MODIFY))
            let process = try RunningStylize(arguments + ["-q"], directory: directory)
            let seen = watch.wait(timeout: 120, stop: { !process.process.isRunning }) { $0.hasPrefix(".out.npy.tmp-") }
            if seen != nil { kill(process.pid, SIGTERM) }
            let result = process.wait(timeout: 60)
            XCTAssertEqual(Files.temporaries(in: directory), [], "attempt \(attempt): no temporary file left: \(result)")
            XCTAssertFalse(result.signaled, "\(result)")
            let output = Files.read(path("out.npy"))
            if result.status == 128 + SIGTERM && output == previousOutput {
                caughtWhileWriting = true  // interrupted before the rename: the old file stays
            } else {
                // Too late (renamed already): the target must then be the complete new file.
                XCTAssertTrue(result.status == 0 || result.status == 128 + SIGTERM, "attempt \(attempt): \(result)")
                XCTAssertEqual(try NPY.read(path("out.npy")).shape, [3, side, side], "attempt \(attempt): complete new output")
            }
        }
        XCTAssertTrue(caughtWhileWriting, "SIGTERM never arrived while the output was being written (3 attempts)")
    }

    /// The signal arrives the instant the temporary file is created (inotify IN_CREATE), 20 times.
    /// Before the fix in AtomicFile/cic_tmp_create, mkstemp and the registration for the signal
    /// handler were separate steps, and about 60% of these runs left a `.r.npy.tmp-XXXXXX` behind.
    func testSIGTERMTheMomentTheTemporaryFileIsCreated() throws {
        var interrupted = 0
        for attempt in 1...20 {
            let watch = DirectoryWatch(directory, mask: UInt32(IN_CREATE))
            let process = try RunningStylize(["content.png", "style.png", "-o", "r.npy", "--weights", "weights.safetensors", "-q"],
                                             directory: directory)
            if watch.wait(timeout: 60, stop: { !process.process.isRunning }, match: { $0.hasPrefix(".r.npy.tmp-") }) != nil {
                kill(process.pid, SIGTERM)
            }
            let result = process.wait(timeout: 60)
            XCTAssertFalse(result.signaled, "\(result)")
            if result.status == 128 + SIGTERM { interrupted += 1 } else { XCTAssertEqual(result.status, 0, "\(result)") }
            XCTAssertEqual(Files.temporaries(in: directory), [], "attempt \(attempt): no temporary file left")
            if let bytes = Files.read(path("r.npy")) {  // present only if the rename won: then complete
                XCTAssertEqual(try NPY.read(data: bytes, path: "r.npy").shape, [3, 32, 40], "attempt \(attempt)")
                unlink(path("r.npy"))
            }
            for name in Files.temporaries(in: directory) { unlink(path(name)) }
        }
        XCTAssertGreaterThan(interrupted, 10, "most runs were interrupted while writing")
    }

    /// The signal arrives while the output is being written to a new path: nothing is left at all.
    func testSIGTERMWhileWritingNewOutput() throws {
        let watch = DirectoryWatch(directory, mask: UInt32(IN_MODIFY))
        let process = try RunningStylize(["big.npy", "style.png", "-o", "fresh.npy", "--weights", "weights.safetensors", "-q"],
                                         directory: directory)
        let seen = watch.wait(timeout: 120, stop: { !process.process.isRunning }) { $0.hasPrefix(".fresh.npy.tmp-") }
        XCTAssertNotNil(seen, "the temporary output file was written")
        kill(process.pid, SIGTERM)
        let result = process.wait(timeout: 60)
        XCTAssertEqual(Files.temporaries(in: directory), [], "\(result)")
        if result.status == 128 + SIGTERM {
            if let bytes = Files.read(path("fresh.npy")) {  // only if the rename came first: then it is complete
                XCTAssertEqual(try NPY.read(data: bytes, path: "fresh.npy").shape, [3, side, side])
            }
        } else {
            XCTAssertEqual(result.status, 0, "\(result)")
        }
    }
}
