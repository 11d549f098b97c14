import StyleCore

/// NumPy `.npy` files holding float arrays.
///
/// Reads versions 1.0, 2.0 and 3.0 of the format with dtype float32 `<f4` (bit-exact) or float64
/// `<f8` (rounded to float32), C order. Everything else (Fortran order, other dtypes, big-endian
/// data, malformed headers, data shorter than the shape) is refused with a message that says what
/// is wrong. Writes version 1.0, `<f4`, C order, header padded so the data starts at a multiple
/// of 64 bytes, exactly as `numpy.save` does.
public enum NPY {
    /// The `\x93NUMPY` magic that starts every `.npy` file.
    public static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]

    /// Element types that can be read.
    enum DType {
        case float32, float64
        var size: Int { self == .float32 ? 4 : 8 }
    }

    /// What the header says: dtype, shape and where the data starts.
    struct Header {
        var dtype: DType
        var shape: [Int]
        var dataOffset: Int
        var count: Int
    }

    /// Reads a `.npy` file into a tensor of its shape.
    public static func read(_ path: String) throws -> Tensor {
        try read(data: readWholeFile(path), path: path)
    }

    /// Decodes the bytes of a `.npy` file; `path` is only used in error messages.
    /// `validateShape` runs after the header is parsed and before anything is allocated, so callers
    /// can refuse shapes they do not want (e.g. images over a pixel limit).
    public static func read(data bytes: [UInt8], path: String,
                            validateShape: ([Int]) throws -> Void = { _ in }) throws -> Tensor {
        let header = try parseHeader(bytes, path: path)
        try validateShape(header.shape)
        let available = bytes.count - header.dataOffset
        let (needed, overflow) = header.count.multipliedReportingOverflow(by: header.dtype.size)
        guard !overflow, available >= needed else {
            let type = header.dtype == .float32 ? "float32" : "float64"
            let size = overflow ? "more than \(Int.max)" : String(needed)
            throw StyleError.decode(path: path, reason: "truncated .npy data: shape \(shapeText(header.shape)) of \(type) needs \(size) bytes, the file has \(available)")
        }
        let tensor = Tensor(shape: header.shape)
        bytes.withUnsafeBytes { raw in
            let src = raw.baseAddress! + header.dataOffset
            switch header.dtype {
            case .float32:
                #if _endian(little)
                UnsafeMutableRawPointer(tensor.data).copyMemory(from: src, byteCount: needed)
                #else
                for i in 0..<header.count {
                    tensor.data[i] = Float(bitPattern: UInt32(littleEndian: src.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
                }
                #endif
            case .float64:
                for i in 0..<header.count {
                    let bits = UInt64(littleEndian: src.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
                    tensor.data[i] = Float(Double(bitPattern: bits))
                }
            }
        }
        return tensor
    }

    /// Writes `tensor` as a version 1.0 `<f4` C-order `.npy` file, atomically (see `AtomicFile`).
    /// Values are stored exactly, unclamped.
    public static func write(_ tensor: Tensor, to path: String) throws {
        try AtomicFile.write(encode(tensor), to: path)
    }

    /// The bytes of a `.npy` file holding `tensor` (float32, little-endian, C order).
    public static func encode(_ tensor: Tensor) -> [UInt8] {
        var dict = Array("{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText(tensor.shape)), }".utf8)
        // Pad with spaces and end with "\n" so that magic + version + length + header is a multiple of 64.
        // Version 1.0 has a 2-byte header length; only a rank in the thousands would need 2.0's 4 bytes.
        let version1 = (magic.count + 4 + dict.count + 1 + 63) / 64 * 64 - (magic.count + 4) <= 65535
        let prefix = magic.count + 2 + (version1 ? 2 : 4)
        let total = (prefix + dict.count + 1 + 63) / 64 * 64
        dict += [UInt8](repeating: 0x20, count: total - prefix - dict.count - 1) + [0x0A]

        var out = magic + (version1 ? [1, 0] : [2, 0])
        let length = dict.count
        out += version1 ? [UInt8(length & 0xFF), UInt8(length >> 8)]
                        : [UInt8(length & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length >> 16 & 0xFF), UInt8(length >> 24)]
        out += dict
        let start = out.count
        out += [UInt8](repeating: 0, count: 4 * tensor.count)
        out.withUnsafeMutableBytes { raw in
            #if _endian(little)
            raw.baseAddress!.advanced(by: start).copyMemory(from: tensor.data, byteCount: 4 * tensor.count)
            #else
            for i in 0..<tensor.count {
                raw.storeBytes(of: tensor.data[i].bitPattern.littleEndian, toByteOffset: start + 4 * i, as: UInt32.self)
            }
            #endif
        }
        return out
    }

    /// Python tuple notation: `()`, `(5,)`, `(3, 4, 5)`.
    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    // MARK: - Header parsing

    static func parseHeader(_ bytes: [UInt8], path: String) throws -> Header {
        func fail(_ reason: String) -> StyleError { .decode(path: path, reason: reason) }
        guard bytes.count >= 6, Array(bytes[0..<6]) == magic else {
            throw fail("not a .npy file (no \\x93NUMPY magic)")
        }
        guard bytes.count >= 10 else { throw fail("truncated .npy header: the file is only \(bytes.count) bytes") }
        let major = bytes[6], minor = bytes[7]
        let lengthStart = 8
        let headerStart: Int
        let headerLength: Int
        switch major {
        case 1:
            headerStart = 10
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header: the file is only \(bytes.count) bytes") }
            headerStart = 12
            headerLength = (0..<4).reduce(0) { $0 | Int(bytes[lengthStart + $1]) << (8 * $1) }
        default:
            throw fail("unsupported .npy format version \(major).\(minor) (1.0, 2.0 and 3.0 are supported)")
        }
        guard bytes.count - headerStart >= headerLength else {
            throw fail("truncated .npy header: it claims \(headerLength) bytes but the file ends after \(bytes.count - headerStart)")
        }
        let text = Array(bytes[headerStart..<headerStart + headerLength])
        var parser = PyLiteralParser(text: text)
        let value: PyValue
        do {
            value = try parser.parseHeader()
        } catch let error as PyLiteralParser.Failure {
            throw fail("malformed .npy header: \(error.message)")
        }
        guard case let .dict(entries) = value else { throw fail("malformed .npy header: not a dictionary") }
        func entry(_ key: String) throws -> PyValue {
            guard let v = entries.first(where: { $0.0 == key })?.1 else { throw fail("malformed .npy header: no '\(key)' key") }
            return v
        }

        guard case let .string(descr) = try entry("descr") else {
            throw fail("unsupported dtype (structured or non-string 'descr'); only float32 '<f4' and float64 '<f8' are supported")
        }
        let dtype: DType
        switch descr {
        case "<f4": dtype = .float32
        case "<f8": dtype = .float64
        case ">f4", ">f8":
            throw fail("big-endian data ('\(descr)') is not supported; save it with arr.astype('<\(descr.dropFirst())')")
        default:
            throw fail("dtype '\(descr)' is not supported; only float32 '<f4' and float64 '<f8' are")
        }
        guard case let .bool(fortran) = try entry("fortran_order") else {
            throw fail("malformed .npy header: 'fortran_order' is not True or False")
        }
        guard !fortran else {
            throw fail("Fortran-order arrays are not supported; save np.ascontiguousarray(arr) instead")
        }
        guard case let .tuple(items) = try entry("shape") else { throw fail("malformed .npy header: 'shape' is not a tuple") }
        var shape: [Int] = []
        var count = 1
        for item in items {
            guard case let .int(n) = item else { throw fail("malformed .npy header: 'shape' holds a non-integer") }
            guard n >= 0 else { throw fail("malformed .npy header: negative dimension in shape") }
            let (product, overflow) = count.multipliedReportingOverflow(by: n)
            guard !overflow else { throw fail("shape \(shapeText(shape + [n])) is too large") }
            count = product
            shape.append(n)
        }
        return Header(dtype: dtype, shape: shape, dataOffset: headerStart + headerLength, count: count)
    }
}

/// The subset of Python literals found in `.npy` headers.
enum PyValue {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PyValue])
    case list([PyValue])
    case dict([(String, PyValue)])
}

/// Parses a Python literal dictionary such as `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`.
struct PyLiteralParser {
    struct Failure: Error { let message: String }

    let text: [UInt8]
    var index = 0

    init(text: [UInt8]) { self.text = text }

    /// The header dictionary, followed only by whitespace (the padding and final newline).
    mutating func parseHeader() throws -> PyValue {
        skipSpace()
        guard peek == UInt8(ascii: "{") else { throw Failure(message: "it does not start with '{'") }
        let value = try parseValue(depth: 0)
        skipSpace()
        guard index == text.count else { throw Failure(message: "unexpected text after the dictionary") }
        return value
    }

    private var peek: UInt8? { index < text.count ? text[index] : nil }

    private mutating func skipSpace() {
        while let c = peek, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 || c == 0x00 { index += 1 }
    }

    private mutating func expect(_ c: Character) throws {
        skipSpace()
        guard peek == c.asciiValue else { throw Failure(message: "expected '\(c)' at byte \(index)") }
        index += 1
    }

    private mutating func parseValue(depth: Int) throws -> PyValue {
        guard depth < 16 else { throw Failure(message: "nested too deeply") }
        skipSpace()
        guard let c = peek else { throw Failure(message: "it ends in the middle of a value") }
        switch c {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"):
            index += 1
            var entries: [(String, PyValue)] = []
            while true {
                skipSpace()
                if peek == UInt8(ascii: "}") { index += 1; return .dict(entries) }
                guard case let .string(key) = try parseValue(depth: depth + 1) else { throw Failure(message: "dictionary key is not a string") }
                try expect(":")
                entries.append((key, try parseValue(depth: depth + 1)))
                skipSpace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                try expect("}")
                return .dict(entries)
            }
        case UInt8(ascii: "("), UInt8(ascii: "["):
            let close = c == UInt8(ascii: "(") ? UInt8(ascii: ")") : UInt8(ascii: "]")
            index += 1
            var items: [PyValue] = []
            while true {
                skipSpace()
                if peek == close { index += 1; break }
                items.append(try parseValue(depth: depth + 1))
                skipSpace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                guard peek == close else { throw Failure(message: "expected ',' or '\(Character(UnicodeScalar(close)))' at byte \(index)") }
                index += 1
                break
            }
            return close == UInt8(ascii: ")") ? .tuple(items) : .list(items)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            return .int(try parseInt())
        default:
            for (word, value) in [("True", PyValue.bool(true)), ("False", .bool(false)), ("None", .none)] {
                let w = Array(word.utf8)
                if text.count - index >= w.count && Array(text[index..<index + w.count]) == w {
                    index += w.count
                    return value
                }
            }
            throw Failure(message: "unexpected character '\(Character(UnicodeScalar(c)))' at byte \(index)")
        }
    }

    private mutating func parseString() throws -> String {
        let quote = text[index]
        index += 1
        var bytes: [UInt8] = []
        while let c = peek {
            index += 1
            if c == quote { return String(decoding: bytes, as: UTF8.self) }
            if c == UInt8(ascii: "\\") {
                guard let next = peek else { break }
                index += 1
                bytes.append(next)  // dtype strings never need real escapes; keep the escaped byte
            } else {
                bytes.append(c)
            }
        }
        throw Failure(message: "unterminated string")
    }

    private mutating func parseInt() throws -> Int {
        var negative = false
        if peek == UInt8(ascii: "-") || peek == UInt8(ascii: "+") {
            negative = peek == UInt8(ascii: "-")
            index += 1
        }
        var value = 0
        var digits = 0
        while let c = peek, c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int(c - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw Failure(message: "integer too large at byte \(index)") }
            value = a
            digits += 1
            index += 1
        }
        guard digits > 0 else { throw Failure(message: "expected a digit at byte \(index)") }
        if peek == UInt8(ascii: "L") { index += 1 }  // Python 2 long suffix, as in old files
        return negative ? -value : value
    }
}
