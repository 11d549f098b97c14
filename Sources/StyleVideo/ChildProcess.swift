#if canImport(Glibc)
import Glibc
#endif

/// A child process (ffmpeg, ffprobe) started with posix_spawn: stdin and stdout are pipes, files or
/// /dev/null; stderr goes to an unlinked temporary file read back for error messages (a file, not a
/// pipe, so a chatty child can never block on it).
///
/// Every running child is listed in a fixed table that `ChildProcess.killAllForSignal()` walks from a
/// SIGINT/SIGTERM handler.
final class ChildProcess {
    enum Stream {
        case null
        /// A new pipe; the parent's end is `ChildProcess.stdin` / `stdout`.
        case pipe
        /// An existing descriptor (e.g. another child's stdout pipe), closed in the parent by the caller.
        case descriptor(Int32)
    }

    let pid: pid_t
    /// The parent's write end of the child's stdin, when `.pipe`.
    private(set) var stdin: Int32?
    /// The parent's read end of the child's stdout, when `.pipe`.
    private(set) var stdout: Int32?
    private let stderrFile: Int32
    private let slot: Int
    private var status: Int32?

    /// Starts `executable` with `arguments` (argv[1...]).
    init(_ executable: String, _ arguments: [String], stdin input: Stream = .null, stdout output: Stream = .null) throws {
        var template = Array("/tmp/stylize-ffmpeg-stderr-XXXXXX".utf8CString)
        stderrFile = mkstemp(&template)
        guard stderrFile >= 0 else { throw VideoError.output(path: "/tmp", reason: "cannot create a temporary file: \(String(cString: strerror(errno)))") }
        unlink(template)
        _ = fcntl(stderrFile, F_SETFD, FD_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var childEnds: [Int32] = []
        func connect(_ stream: Stream, to target: Int32, childReads: Bool) throws -> Int32? {
            switch stream {
            case .null:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", childReads ? O_RDONLY : O_WRONLY, 0)
                return nil
            case let .descriptor(fd):
                posix_spawn_file_actions_adddup2(&actions, fd, target)
                return nil
            case .pipe:
                var ends: [Int32] = [-1, -1]
                guard pipe(&ends) == 0, fcntl(ends[0], F_SETFD, FD_CLOEXEC) == 0, fcntl(ends[1], F_SETFD, FD_CLOEXEC) == 0 else { throw VideoError.output(path: executable, reason: "cannot create a pipe: \(String(cString: strerror(errno)))") }
                let (childEnd, parentEnd) = childReads ? (ends[0], ends[1]) : (ends[1], ends[0])
                posix_spawn_file_actions_adddup2(&actions, childEnd, target)
                childEnds.append(childEnd)
                return parentEnd
            }
        }
        stdin = try connect(input, to: 0, childReads: true)
        stdout = try connect(output, to: 1, childReads: false)
        posix_spawn_file_actions_adddup2(&actions, stderrFile, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        let code = posix_spawn(&child, executable, &actions, nil, argv, environ)
        childEnds.forEach { close($0) }
        guard code == 0 else {
            [stdin, stdout].compactMap { $0 }.forEach { close($0) }
            close(stderrFile)
            throw VideoError.toolsMissing(executable)
        }
        pid = child
        slot = ChildProcess.register(child)
    }

    deinit {
        closeStdin()
        closeStdout()
        if status == nil { Glibc.kill(pid, SIGKILL); _ = wait() }
        close(stderrFile)
    }

    func closeStdin() { if let fd = stdin { close(fd); stdin = nil } }
    func closeStdout() { if let fd = stdout { close(fd); stdout = nil } }

    /// Waits for the exit; returns the exit status, or 128 + the signal that killed it.
    @discardableResult
    func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        ChildProcess.unregister(slot)
        let result = raw & 0x7F == 0 ? (raw >> 8) & 0xFF : 128 + (raw & 0x7F)
        status = result
        return result
    }

    /// Stops the child at once (SIGKILL) and reaps it.
    func kill() {
        if status == nil { Glibc.kill(pid, SIGKILL) }
        wait()
    }

    /// The last non-empty line the child wrote on stderr, without a leading "path: " when it names `path`.
    func lastErrorLine(strippingPath path: String? = nil) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var offset: off_t = 0
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(stderrFile, $0.baseAddress, $0.count, offset) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
            offset += off_t(n)
            if bytes.count > 1 << 20 { bytes.removeFirst(bytes.count - (1 << 20)) }
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters() }
        var line = lines.last(where: { !$0.isEmpty }) ?? ""
        if let path, line.hasPrefix(path + ": ") { line.removeFirst(path.count + 2) }
        return line.isEmpty ? "ffmpeg failed without a message" : line
    }

    // MARK: - Signal-time cleanup

    private static let capacity = 16
    /// Pids of running children (0 = free slot); read by the signal handler, so plain memory, not a Swift collection.
    nonisolated(unsafe) private static let table: UnsafeMutablePointer<pid_t> = {
        let p = UnsafeMutablePointer<pid_t>.allocate(capacity: capacity)
        p.initialize(repeating: 0, count: capacity)
        return p
    }()

    private static func register(_ pid: pid_t) -> Int {
        for i in 0..<capacity where table[i] == 0 { table[i] = pid; return i }
        return -1
    }

    private static func unregister(_ slot: Int) { if slot >= 0 { table[slot] = 0 } }

    /// See `killFFmpegChildrenForSignal()`.
    static func killAllForSignal() {
        for i in 0..<capacity where table[i] > 0 { Glibc.kill(table[i], SIGKILL) }
        for i in 0..<capacity where table[i] > 0 {
            var raw: Int32 = 0
            _ = waitpid(table[i], &raw, 0)
        }
    }
}

/// SIGKILLs and reaps every running ffmpeg/ffprobe child. Async-signal-safe (kill, waitpid), for
/// SIGINT/SIGTERM handlers, before removing temporary outputs: a killed ffmpeg can no longer create or
/// write the file it was given.
public func killFFmpegChildrenForSignal() { ChildProcess.killAllForSignal() }

private extension Substring {
    func trimmingCharacters() -> String {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return String(s)
    }
}
