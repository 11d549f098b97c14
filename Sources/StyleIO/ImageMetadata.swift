#if canImport(Glibc)
import Glibc
#endif
import StyleCore

extension ImageFile {
    /// The key/value records `write(_:to:quality:metadata:)` stored: PNG tEXt/iTXt chunks, JPEG
    /// comments split at the first ": ", or a WebP file's XMP records, in file order. Reads only
    /// chunk headers, the records and the file's last bytes, so checking thousands of outputs stays cheap.
    /// - Throws: `StyleError.io` when the file cannot be read; `StyleError.decode` when it is not a
    ///   complete PNG, JPEG or WebP (no IEND chunk / EOI marker at its end, a RIFF size other than the
    ///   file's) or is another format (`.npy` and the read-only formats hold no records).
    public static func readMetadata(_ path: String) throws -> [(key: String, value: String)] {
        let file = try RandomAccessFile(path)
        defer { file.close() }
        let head = try file.bytes(at: 0, count: 8)
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return try pngRecords(file, path: path) }
        if head.starts(with: [0xFF, 0xD8]) { return try jpegRecords(file, path: path) }
        if head.starts(with: Array("RIFF".utf8)) { return try webpRecords(file, path: path) }
        throw StyleError.decode(path: path, reason: "not a PNG, JPEG or WebP file, so it holds no stylize records")
    }

    /// The records of the XMP chunk; the RIFF size must be the file's (a cut file is incomplete).
    private static func webpRecords(_ file: RandomAccessFile, path: String) throws -> [(key: String, value: String)] {
        let header = try file.bytes(at: 0, count: 12)
        let riffSize = header[4..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard Array(header[8..<12]) == Array("WEBP".utf8) else {
            throw StyleError.decode(path: path, reason: "not a WebP file (a RIFF file of another kind), so it holds no stylize records")
        }
        guard riffSize + 8 == file.size else {
            throw StyleError.decode(path: path, reason: "incomplete WebP (its RIFF header announces \(riffSize + 8) bytes, the file has \(file.size))")
        }
        var offset = 12
        while offset + 8 <= file.size {
            let chunk = try file.bytes(at: offset, count: 8)
            let length = chunk[4..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
            if Array(chunk[0..<4]) == Array("XMP ".utf8) {
                return XMPRecords.records(in: try file.bytes(at: offset + 8, count: length))
            }
            offset += 8 + length + length % 2  // chunks are padded to an even size
        }
        return []
    }

    /// Text chunks before the first IDAT (where libpng writes them); the file must end with IEND.
    private static func pngRecords(_ file: RandomAccessFile, path: String) throws -> [(key: String, value: String)] {
        let iend: [UInt8] = [0, 0, 0, 0, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82]
        guard file.size >= 8 + 12, try file.bytes(at: file.size - 12, count: 12) == iend else {
            throw StyleError.decode(path: path, reason: "incomplete PNG (no IEND chunk at the end)")
        }
        var records: [(key: String, value: String)] = []
        var offset = 8
        while offset + 8 <= file.size {
            let header = try file.bytes(at: offset, count: 8)
            let length = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: header[4..<8], as: UTF8.self)
            if type == "IDAT" || type == "IEND" { break }
            if type == "tEXt" || type == "iTXt" {
                let data = try file.bytes(at: offset + 8, count: length)
                if let record = textRecord(data, international: type == "iTXt") { records.append(record) }
            }
            offset += 12 + length
        }
        return records
    }

    /// tEXt: keyword NUL text. iTXt: keyword NUL compression-flag method language NUL translated NUL
    /// text (compressed iTXt is skipped: ImageFile never writes it).
    private static func textRecord(_ data: [UInt8], international: Bool) -> (key: String, value: String)? {
        guard let nul = data.firstIndex(of: 0) else { return nil }
        let key = String(decoding: data[..<nul], as: UTF8.self)
        guard international else { return (key, String(decoding: data[(nul + 1)...], as: UTF8.self)) }
        guard nul + 2 < data.count, data[nul + 1] == 0,
              let language = data[(nul + 3)...].firstIndex(of: 0),
              let translated = data[(language + 1)...].firstIndex(of: 0) else { return nil }
        return (key, String(decoding: data[(translated + 1)...], as: UTF8.self))
    }

    /// COM segments before the first SOS marker; the file must end with EOI.
    private static func jpegRecords(_ file: RandomAccessFile, path: String) throws -> [(key: String, value: String)] {
        guard file.size >= 4, try file.bytes(at: file.size - 2, count: 2) == [0xFF, 0xD9] else {
            throw StyleError.decode(path: path, reason: "incomplete JPEG (no EOI marker at the end)")
        }
        var records: [(key: String, value: String)] = []
        var offset = 2
        while offset + 4 <= file.size {
            let header = try file.bytes(at: offset, count: 4)
            guard header[0] == 0xFF else { break }
            let marker = header[1]
            if marker == 0xDA || marker == 0xD9 { break }
            if marker == 0x01 || (0xD0...0xD7).contains(marker) || marker == 0xFF { offset += marker == 0xFF ? 1 : 2; continue }
            let length = Int(header[2]) << 8 | Int(header[3])
            if marker == 0xFE, length >= 2 {
                let text = String(decoding: try file.bytes(at: offset + 4, count: length - 2), as: UTF8.self)
                if let colon = text.range(of: ": ") {
                    records.append((String(text[..<colon.lowerBound]), String(text[colon.upperBound...])))
                }
            }
            offset += 2 + length
        }
        return records
    }
}

/// A read-only file read by offset (pread), for formats whose interesting parts are scattered.
private struct RandomAccessFile {
    let fd: Int32
    let path: String
    let size: Int

    init(_ path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StyleError.io(path: path, reason: "cannot open: \(errorText(errno))") }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            Glibc.close(fd)
            throw StyleError.io(path: path, reason: "not a regular file")
        }
        self.path = path
        size = Int(info.st_size)
    }

    /// Exactly `count` bytes from `offset`; a file shorter than that is incomplete.
    func bytes(at offset: Int, count: Int) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset + count <= size else {
            throw StyleError.decode(path: path, reason: "truncated (a chunk runs past the end of the file)")
        }
        var result = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = result.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw StyleError.io(path: path, reason: "read failed: \(n < 0 ? errorText(errno) : "unexpected end of file")") }
            done += n
        }
        return result
    }

    func close() { Glibc.close(fd) }
}
