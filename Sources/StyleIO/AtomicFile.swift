#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CImageCodecs
import StyleCore

/// Writes files so that readers see either the old contents or the complete new ones, never a
/// partial file: the data goes to a temporary file in the same directory (`.<name>.tmp-XXXXXX`),
/// which is flushed to disk and then renamed over the target.
///
/// Temporary files are recorded in a C registry while they exist, so a SIGINT/SIGTERM handler can
/// remove them with `removePendingTemporaries()` before calling `_exit`.
public enum AtomicFile {
    /// Creates a temporary file next to `path`, lets `body` write it (by path), then fsyncs it,
    /// gives it the target's permissions (an existing target's mode, or 0666 minus the umask for a
    /// new file) and renames it to `path`.
    ///
    /// If anything fails, including `body` throwing, the temporary file is removed and an existing
    /// file at `path` is left untouched. Errors are `StyleError.write` (errors thrown by `body` are
    /// passed through unchanged when they are `StyleError`s).
    /// A symbolic link at `path` is replaced by the new file, not followed.
    public static func write(to path: String, _ body: (_ temporaryPath: String) throws -> Void) throws {
        let (fd, temporary, slot, mode, directory) = try createTemporary(for: path)

        var descriptorOpen = true
        do {
            try body(temporary)
            // fsync flushes the file (inode), whichever descriptor `body` wrote through.
            guard fsync(fd) == 0 else { throw StyleError.write(path: path, reason: "cannot flush to disk: \(errorText(errno))") }
            guard fchmod(fd, mode) == 0 else { throw StyleError.write(path: path, reason: "cannot set permissions: \(errorText(errno))") }
            descriptorOpen = false
            guard close(fd) == 0 else { throw StyleError.write(path: path, reason: "cannot close: \(errorText(errno))") }
            guard rename(temporary, path) == 0 else {
                let code = errno
                let reason = code == EISDIR ? "it is a directory" : "cannot rename the temporary file into place: \(errorText(code))"
                throw StyleError.write(path: path, reason: reason)
            }
            cic_tmp_unregister(slot)
        } catch {
            if descriptorOpen { close(fd) }
            unlink(temporary)
            cic_tmp_unregister(slot)
            if let styleError = error as? StyleError { throw styleError }
            throw StyleError.write(path: path, reason: "\(error)")
        }
        syncDirectory(directory ?? ".")  // makes the rename itself durable; best effort
    }

    /// Checks, before any long work, that `write(to:_:)` can create a file at `path`, with the errors it
    /// would give (missing, read-only or non-directory parent; a directory at `path`): creates its
    /// temporary file and removes it again.
    public static func checkWritable(_ path: String) throws {
        let (fd, temporary, slot, _, _) = try createTemporary(for: path)
        close(fd)
        unlink(temporary)
        cic_tmp_unregister(slot)
    }

    /// The temporary file next to `path`, open and registered for signal cleanup, and the mode the final
    /// file gets.
    private static func createTemporary(for path: String) throws -> (fd: Int32, path: String, slot: Int32, mode: mode_t, directory: String?) {
        let (directory, name) = try splitTarget(path)
        let shownDirectory = directory ?? "the current directory"

        var existing = stat()
        var mode = mode_t(0o666) & ~currentUmask()
        if stat(path, &existing) == 0 {
            if (existing.st_mode & S_IFMT) == S_IFDIR {
                throw StyleError.write(path: path, reason: "it is a directory")
            }
            mode = existing.st_mode & 0o777  // replacing a file keeps its permissions (not setuid/sticky bits)
        }

        // Template "<dir>/.<name>.tmp-XXXXXX", the name cut so the result stays under NAME_MAX.
        // Absolute, because the signal-cleanup registry needs absolute paths.
        var prefix = directory.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? ""
        if !prefix.hasPrefix("/") { prefix = absolutePath(prefix) }
        var template: [CChar] = prefix.utf8.map { CChar(bitPattern: $0) }
        template += (".".utf8 + utf8Prefix(name, maxBytes: 200) + ".tmp-XXXXXX".utf8).map { CChar(bitPattern: $0) }
        template.append(0)

        // Created and registered in one step: a SIGINT/SIGTERM can never find the file unregistered.
        var slot: Int32 = -1
        let fd = cic_tmp_create(&template, &slot)
        guard fd >= 0 else {
            let code = errno
            let reason: String
            switch code {
            case ENOENT: reason = "directory \(shownDirectory) does not exist"
            case ENOTDIR: reason = "\(shownDirectory) is not a directory"
            case EACCES, EPERM: reason = "no permission to create files in \(shownDirectory)"
            case EROFS: reason = "\(shownDirectory) is on a read-only file system"
            default: reason = "cannot create a temporary file in \(shownDirectory): \(errorText(code))"
            }
            throw StyleError.write(path: path, reason: reason)
        }
        let temporary = String(cString: template)
        return (fd, temporary, slot, mode, directory)
    }

    /// Writes `bytes` to `path` atomically (see `write(to:_:)`).
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { temporary in
            try writeAll(bytes, to: temporary, reportingAs: path)
        }
    }

    /// Removes every temporary file of a write still in progress. Async-signal-safe (atomics and
    /// unlink only), for SIGINT/SIGTERM handlers, which should then call `_exit(130)`.
    /// Returns how many files were removed.
    @discardableResult
    public static func removePendingTemporaries() -> Int {
        Int(cic_tmp_remove_all())
    }

    // MARK: - Helpers

    /// Splits a target path into its directory (nil for a bare name) and file name.
    private static func splitTarget(_ path: String) throws -> (directory: String?, name: String) {
        guard !path.isEmpty else { throw StyleError.write(path: path, reason: "the path is empty") }
        guard !path.hasSuffix("/") else { throw StyleError.write(path: path, reason: "the path names a directory") }
        guard let slash = path.lastIndex(of: "/") else { return (nil, path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        guard name != ".", name != ".." else { throw StyleError.write(path: path, reason: "the path names a directory") }
        return (directory, name)
    }

    /// The first bytes of `s`, at most `maxBytes`, never splitting a UTF-8 sequence.
    private static func utf8Prefix(_ s: String, maxBytes: Int) -> [UInt8] {
        var bytes = Array(s.utf8)
        guard bytes.count > maxBytes else { return bytes }
        var end = maxBytes
        while end > 0 && bytes[end] & 0xC0 == 0x80 { end -= 1 }  // back up to a sequence start
        bytes.removeSubrange(end...)
        return bytes
    }

    /// The registry needs absolute paths: a handler may run after the process changed directory.
    private static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(cString: buffer)
        return cwd.hasSuffix("/") ? cwd + path : cwd + "/" + path
    }

    /// The process umask, read without changing it (Linux: /proc/self/status); 022 if unknown.
    private static func currentUmask() -> mode_t {
        #if os(Linux)
        if let status = try? readStatusFile(), let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
           let value = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: " \t"), radix: 8) {
            return value
        }
        #endif
        // umask can only be read by setting it: briefly racy with threads creating files, so last resort.
        let previous = umask(0o022)
        umask(previous)
        return previous
    }

    #if os(Linux)
    private static func readStatusFile() throws -> String {
        let fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StyleError.io(path: "/proc/self/status", reason: errorText(errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    #endif

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }

    /// Writes all of `bytes` to the existing file `temporary`, truncating it; errors name `path`.
    static func writeAll(_ bytes: [UInt8], to temporary: String, reportingAs path: String) throws {
        let fd = open(temporary, O_WRONLY | O_TRUNC | O_CLOEXEC)
        guard fd >= 0 else { throw StyleError.write(path: path, reason: "cannot open the temporary file: \(errorText(errno))") }
        var written = 0
        let failure: Int32? = bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = Glibc_write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                written += n
            }
            return nil
        }
        let closed = close(fd)
        if let failure { throw StyleError.write(path: path, reason: errorText(failure)) }
        guard closed == 0 else { throw StyleError.write(path: path, reason: errorText(errno)) }
    }
}

/// `write(2)`, named apart from the many Swift `write` functions in scope.
@inline(__always)
private func Glibc_write(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, buffer, count)
    #else
    return Darwin.write(fd, buffer, count)
    #endif
}

/// strerror(code), e.g. "No space left on device".
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}
