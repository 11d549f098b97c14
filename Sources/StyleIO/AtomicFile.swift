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
                if code == EISDIR { throw directoryTarget(path) }
                throw StyleError.write(path: path, reason: "cannot rename the temporary file into place: \(errorText(code))")
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
        if stat(path, &existing) == 0 {  // a file (splitTarget refused directories)
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
            case ENOENT where access(directory ?? ".", F_OK) == 0:
                // procfs answers ENOENT for any new name in a directory that exists.
                reason = "cannot create a file in \(shownDirectory): its file system does not allow new files; choose another directory"
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
        try stream(to: path) { sink in try bytes.withUnsafeBytes { try sink($0) } }
    }

    /// Writes the chunks `body` passes to its sink to `path` atomically (see `write(to:_:)`), so no
    /// whole-file buffer is needed (large weights). Errors name `path`.
    static func stream(to path: String, _ body: (_ sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        try write(to: path) { temporary in
            let fd = open(temporary, O_WRONLY | O_TRUNC | O_CLOEXEC)
            guard fd >= 0 else { throw StyleError.write(path: path, reason: "cannot open the temporary file: \(errorText(errno))") }
            var isOpen = true
            defer { if isOpen { close(fd) } }
            try body { chunk in
                if let code = writeAll(chunk, to: fd) { throw StyleError.write(path: path, reason: errorText(code)) }
            }
            isOpen = false
            guard close(fd) == 0 else { throw StyleError.write(path: path, reason: "cannot close: \(errorText(errno))") }
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

    /// Refuses a target that names a directory (an existing one, or a path ending in '/'), saying so
    /// and how to name a file instead: before the extension or the parent directory is looked at.
    static func refuseDirectory(_ path: String) throws {
        var info = stat()
        if stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { throw directoryTarget(path) }
        if path.hasSuffix("/") {
            throw StyleError.write(path: path, reason: "the path ends in '/', so it names a directory; name a file, e.g. \(path)out.png")
        }
    }

    /// The error for an output path that is a directory.
    private static func directoryTarget(_ path: String) -> StyleError {
        let example = (path.hasSuffix("/") ? path : path + "/") + "out.png"
        return StyleError.write(path: path, reason: "it is a directory; name a file inside it, e.g. \(example)")
    }

    /// Splits a target path into its directory (nil for a bare name) and file name.
    private static func splitTarget(_ path: String) throws -> (directory: String?, name: String) {
        guard !path.isEmpty else { throw StyleError.write(path: path, reason: "the path is empty") }
        try refuseDirectory(path)
        guard let slash = path.lastIndex(of: "/") else { return (nil, path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        let name = String(path[path.index(after: slash)...])
        guard name != ".", name != ".." else { throw directoryTarget(path) }
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
        if let status = try? String(decoding: readWholeFile("/proc/self/status"), as: UTF8.self),
           let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Umask:") }),
           let value = mode_t(line.dropFirst("Umask:".count).trimmingCharacters(in: " \t"), radix: 8) {
            return value
        }
        #endif
        // umask can only be read by setting it: briefly racy with threads creating files, so last resort.
        let previous = umask(0o022)
        umask(previous)
        return previous
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            close(fd)
        }
    }
}

private extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let c = s.first, set.contains(c) { s = s.dropFirst() }
        while let c = s.last, set.contains(c) { s = s.dropLast() }
        return s
    }
}
