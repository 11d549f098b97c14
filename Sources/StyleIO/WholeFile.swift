#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import StyleCore

// Reading a whole file and writing a whole buffer through POSIX descriptors: the one read loop and
// the one write loop of StyleIO (images, digests, /proc files; atomic writes of images and weights).

/// The whole contents of a file. Errors (`StyleError.io`) name the path and say what went wrong:
/// missing, a directory, unreadable, or failing mid-read. Works for /proc files (which report size 0).
public func readWholeFile(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        let code = errno
        switch code {
        case ENOENT: throw StyleError.io(path: path, reason: "no such file")
        case EACCES: throw StyleError.io(path: path, reason: "permission denied (the file cannot be opened for reading)")
        default: throw StyleError.io(path: path, reason: "cannot open: \(errorText(code))")
        }
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw StyleError.io(path: path, reason: "cannot stat: \(errorText(errno))") }
    guard (info.st_mode & S_IFMT) != S_IFDIR else { throw StyleError.io(path: path, reason: "is a directory, not a file") }

    var bytes: [UInt8] = []
    bytes.reserveCapacity(Int(max(info.st_size, 0)) + 1)
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            throw StyleError.io(path: path, reason: "read failed: \(errorText(errno))")
        }
        if n == 0 { break }
        bytes += chunk[0..<n]
    }
    return bytes
}

/// Writes all of `bytes` to `fd` (a file, or standard output), resuming after short writes and
/// EINTR. Returns nil, or the errno of the write that failed.
public func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Int32? {
    var done = 0
    while done < bytes.count {
        #if canImport(Glibc)
        let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
        #else
        let n = Darwin.write(fd, bytes.baseAddress! + done, bytes.count - done)
        #endif
        if n < 0 {
            if errno == EINTR { continue }
            return errno
        }
        done += n
    }
    return nil
}

/// strerror(code), e.g. "No space left on device".
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
