// Safetensors weight files: a memory-mapped, bounds-checked reader and an atomic float32 writer.
//
// Layout (https://github.com/huggingface/safetensors): an 8-byte little-endian u64 header length N,
// N bytes of UTF-8 JSON, then the data section. The JSON maps each tensor name to
// {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]} (offsets relative to the data
// section) and may hold "__metadata__": {"key": "string value", ...}.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import StyleCore

/// A safetensors file, memory-mapped for its lifetime; serves its tensors as `Tensor`s.
///
/// Opening validates the whole header (JSON structure, shapes, offsets, overlaps) so later reads
/// cannot go out of bounds; every problem is a one-line `StyleError.weights` naming the file.
///
/// - F32 tensors whose data is 4-byte aligned are zero-copy views into the mapping; each view keeps
///   this object (and so the mapping) alive. Unaligned F32 data is copied.
/// - F16 and BF16 tensors are widened into new float32 tensors on every call.
/// - Tensors of other dtypes (I64, U8, …) do not stop the file from opening (checkpoints often carry
///   e.g. an I64 `num_batches_tracked`); reading one throws.
///
/// The mapping is private and writable, so writing through a returned view is copy-on-write: it never
/// reaches the file on disk, but later views of the same tensor from this object do see it. Treat
/// weights as read-only. Replace weight files with `write` (atomic rename), never truncate them in
/// place: truncating a mapped file makes later reads fault.
public final class SafeTensorsFile: WeightProvider, @unchecked Sendable {
    /// The largest header accepted, the same limit as the reference implementation.
    public static let maxHeaderBytes = 100_000_000

    /// The path the file was opened from (used in error messages).
    public let path: String
    /// The string pairs of the header's `__metadata__` (empty if it has none).
    public let metadata: [String: String]
    /// Every tensor name, sorted.
    public let names: [String]

    private let entries: [String: Entry]
    private let base: UnsafeMutableRawPointer
    private let mappedBytes: Int
    /// File offset of the data section: 8 + header length.
    private let dataStart: Int

    /// Opens and validates the safetensors file at `path`.
    ///
    /// - Throws: `StyleError.io` if the file cannot be opened or mapped,
    ///   `StyleError.weights` if its contents are not a valid safetensors file.
    public init(path: String) throws {
        let (base, size) = try Self.map(path)
        let header: Header
        do {
            header = try Self.parseHeader(base: UnsafeRawPointer(base), size: size, path: path)
        } catch {
            munmap(base, size)
            throw error
        }
        self.path = path
        self.base = base
        self.mappedBytes = size
        self.dataStart = header.dataStart
        self.entries = header.entries
        self.metadata = header.metadata
        self.names = header.entries.keys.sorted()
    }

    deinit { munmap(base, mappedBytes) }

    /// The whole file's bytes, from the same mapping the tensors are read from (e.g. to hash it).
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: mappedBytes))
    }

    /// The shape of tensor `name`, or nil if the file has no such tensor.
    public func shape(of name: String) -> [Int]? { entries[name]?.shape }

    /// Tensor `name` as float32: a view into the mapping for aligned F32 data, otherwise a new tensor.
    ///
    /// - Throws: `StyleError.weights` if there is no such tensor or its dtype is not F32, F16 or BF16.
    public func tensor(_ name: String) throws -> Tensor {
        guard let entry = entries[name] else { throw failure("missing tensor '\(name)'") }
        guard let dtype = entry.dtype else {
            throw failure("tensor '\(name)' has dtype \(entry.dtypeName); only F32, F16, BF16 are supported")
        }
        // A fresh tensor for empty data: a view would point at (or past) the end of the mapping.
        guard entry.count > 0 else { return Tensor(shape: entry.shape) }
        let source = UnsafeRawPointer(base + dataStart + entry.begin)
        switch dtype {
        case .f32:
            #if _endian(little)
            if Int(bitPattern: source) % MemoryLayout<Float>.alignment == 0 {
                let floats = (base + dataStart + entry.begin).bindMemory(to: Float.self, capacity: entry.count)
                return Tensor(shape: entry.shape, borrowing: floats, owner: self)
            }
            #endif
            let t = Tensor(shape: entry.shape)
            for i in 0..<entry.count {
                t.data[i] = Float(bitPattern: UInt32(littleEndian: source.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
            }
            return t
        case .f16:
            let t = Tensor(shape: entry.shape)
            for i in 0..<entry.count {
                t.data[i] = Self.widenHalf(UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)))
            }
            return t
        case .bf16:
            let t = Tensor(shape: entry.shape)
            for i in 0..<entry.count {
                // bfloat16 is the top half of a float32.
                let bits = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))
                t.data[i] = Float(bitPattern: UInt32(bits) << 16)
            }
            return t
        }
    }

    /// Tensor `name`, which must have exactly shape `expected`.
    ///
    /// - Throws: `StyleError.weights` if it is missing, of an unsupported dtype, or shaped otherwise
    ///   ("tensor 'x' has shape [a, b], expected [c, d]").
    public func tensor(_ name: String, shape expected: [Int]) throws -> Tensor {
        guard let entry = entries[name] else { throw failure("missing tensor '\(name)'") }
        guard entry.shape == expected else {
            throw failure("tensor '\(name)' has shape \(entry.shape), expected \(expected)")
        }
        return try tensor(name)
    }

    /// The metadata value for `key`.
    ///
    /// - Throws: `StyleError.weights` ("missing metadata 'key'") if the header has no such key.
    public func requireMetadata(_ key: String) throws -> String {
        guard let value = metadata[key] else { throw failure("missing metadata '\(key)'") }
        return value
    }

    /// The metadata value for `key`, parsed as a decimal integer.
    ///
    /// - Throws: `StyleError.weights` if the key is missing or its value is not an integer.
    public func intMetadata(_ key: String) throws -> Int {
        let value = try requireMetadata(key)
        guard let number = Int(value) else { throw failure("metadata '\(key)' is \"\(value)\", not an integer") }
        return number
    }

    private func failure(_ reason: String) -> StyleError { .weights(path: path, reason: reason) }

    // MARK: - Writing

    /// Writes `tensors` as F32 with `metadata` to `path`, atomically via `AtomicFile` (temp file in the
    /// same directory, then rename), so readers — including ones that have the old file mapped — never see a partial file.
    ///
    /// Tensors are stored in name order; the header is padded with spaces so the data section starts
    /// at a multiple of 8 bytes, which keeps every tensor 4-byte aligned for zero-copy reading.
    ///
    /// - Throws: `StyleError.write` for duplicate or reserved (`__metadata__`) names, or if the file
    ///   cannot be written.
    public static func write(_ tensors: [(String, Tensor)], metadata: [String: String], to path: String) throws {
        var byName: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            guard name != metadataKey else { throw StyleError.write(path: path, reason: "'\(metadataKey)' is reserved and cannot name a tensor") }
            guard byName.updateValue(tensor, forKey: name) == nil else {
                throw StyleError.write(path: path, reason: "duplicate tensor name '\(name)'")
            }
        }
        let order = byName.keys.sorted()

        var json = "{"
        var fields: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }
            fields.append("\(jsonString(metadataKey)):{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for name in order {
            let t = byName[name]!
            let end = offset + 4 * t.count
            let shape = t.shape.map(String.init).joined(separator: ",")
            fields.append("\(jsonString(name)):{\"dtype\":\"F32\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += fields.joined(separator: ",") + "}"
        var header = Array(json.utf8)
        // Spaces are JSON whitespace; they bring the data section to a multiple of 8.
        header += [UInt8](repeating: 0x20, count: (8 - (8 + header.count) % 8) % 8)
        guard header.count <= maxHeaderBytes else {
            throw StyleError.write(path: path, reason: "header is \(header.count) bytes, above the \(maxHeaderBytes)-byte limit readers accept")
        }

        try AtomicFile.stream(to: path) { sink in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try sink($0) }
            try header.withUnsafeBytes { try sink($0) }
            for name in order {
                let t = byName[name]!
                #if _endian(little)
                try sink(UnsafeRawBufferPointer(start: t.data, count: 4 * t.count))
                #else
                let little = (0..<t.count).map { t.data[$0].bitPattern.littleEndian }
                try little.withUnsafeBytes { try sink($0) }
                #endif
            }
        }
    }

    /// `s` as a JSON string literal (quotes, backslashes and control characters escaped; other text as UTF-8).
    private static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: - Reading the header

    private static let metadataKey = "__metadata__"

    /// The element types that can be read as float32.
    private enum DType: String {
        case f32 = "F32", f16 = "F16", bf16 = "BF16"
        var size: Int { self == .f32 ? 4 : 2 }
    }

    /// Byte sizes of the other safetensors dtypes, so their entries' layout is still checked.
    private static let otherDTypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "F8_E8M0": 1,
        "I16": 2, "U16": 2, "I32": 4, "U32": 4, "F64": 8, "I64": 8, "U64": 8, "C64": 8,
    ]

    private struct Entry {
        var dtype: DType?       // nil: a dtype this reader cannot convert
        var dtypeName: String
        var shape: [Int]
        var count: Int
        var begin: Int
        var end: Int
    }

    private struct Header {
        var dataStart: Int
        var entries: [String: Entry]
        var metadata: [String: String]
    }

    /// Opens `path` and maps all of it private and writable (copy-on-write).
    private static func map(_ path: String) throws -> (UnsafeMutableRawPointer, Int) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StyleError.io(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw StyleError.io(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw StyleError.io(path: path, reason: "not a regular file") }
        let size = Int(info.st_size)
        // Checked before mmap, which rejects a length of 0.
        guard size >= 8 else {
            throw StyleError.weights(path: path, reason: "file is \(size) bytes, too short for the 8-byte header length of a safetensors file")
        }
        guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw StyleError.io(path: path, reason: "cannot map: \(String(cString: strerror(errno)))")
        }
        return (base, size)
    }

    /// Parses and validates the header of the `size`-byte file mapped at `base`.
    private static func parseHeader(base: UnsafeRawPointer, size: Int, path: String) throws -> Header {
        func failure(_ reason: String) -> StyleError { .weights(path: path, reason: reason) }

        let declared = UInt64(littleEndian: base.loadUnaligned(as: UInt64.self))
        // Compared as UInt64 first: a corrupt length need not fit in an Int.
        guard declared <= UInt64(maxHeaderBytes) else {
            throw failure("header length \(declared) is above the \(maxHeaderBytes)-byte limit (corrupt or not a safetensors file)")
        }
        let headerLength = Int(declared)
        guard headerLength <= size - 8 else {
            throw failure("header length \(headerLength) exceeds the \(size - 8) bytes after the length field")
        }
        let dataStart = 8 + headerLength
        let dataBytes = size - dataStart

        let root: JSON
        do {
            var parser = JSONParser(bytes: UnsafeBufferPointer(start: (base + 8).assumingMemoryBound(to: UInt8.self), count: headerLength))
            root = try parser.parseDocument()
        } catch let error as JSONParser.Failure {
            throw failure("header is not valid JSON: \(error.message)")
        }
        guard case let .object(members) = root else { throw failure("header is not a JSON object") }

        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        var seen = Set<String>()
        for (name, value) in members {
            guard seen.insert(name).inserted else { throw failure("header has key '\(name)' twice") }
            if name == metadataKey {
                metadata = try parseMetadata(value, failure: failure)
            } else {
                entries[name] = try parseEntry(name, value, dataBytes: dataBytes, failure: failure)
            }
        }

        // Sorted by start, each non-empty tensor must begin at or after the end of the one before.
        let spans = entries.filter { $0.value.begin < $0.value.end }
            .sorted { ($0.value.begin, $0.value.end, $0.key) < ($1.value.begin, $1.value.end, $1.key) }
        for (previous, next) in zip(spans, spans.dropFirst()) where next.value.begin < previous.value.end {
            throw failure("tensors '\(previous.key)' (bytes \(previous.value.begin)..<\(previous.value.end)) and '\(next.key)' (bytes \(next.value.begin)..<\(next.value.end)) overlap")
        }
        return Header(dataStart: dataStart, entries: entries, metadata: metadata)
    }

    private static func parseMetadata(_ value: JSON, failure: (String) -> StyleError) throws -> [String: String] {
        if case .null = value { return [:] }
        guard case let .object(pairs) = value else { throw failure("'\(metadataKey)' is not a JSON object") }
        var metadata: [String: String] = [:]
        for (key, item) in pairs {
            guard case let .string(text) = item else {
                throw failure("metadata value for '\(key)' is \(item.kind), not a string")
            }
            guard metadata.updateValue(text, forKey: key) == nil else { throw failure("metadata has key '\(key)' twice") }
        }
        return metadata
    }

    private static func parseEntry(_ name: String, _ value: JSON, dataBytes: Int, failure: (String) -> StyleError) throws -> Entry {
        guard case let .object(fields) = value else { throw failure("entry '\(name)' is \(value.kind), not an object") }
        func field(_ key: String) throws -> JSON {
            guard let found = fields.first(where: { $0.key == key }) else { throw failure("tensor '\(name)' has no '\(key)'") }
            return found.value
        }

        let dtypeValue = try field("dtype")
        guard case let .string(dtypeName) = dtypeValue else {
            throw failure("tensor '\(name)' has a 'dtype' that is \(dtypeValue.kind), not a string")
        }
        let dtype = DType(rawValue: dtypeName)
        let elementSize = dtype?.size ?? otherDTypeSizes[dtypeName]

        let shapeValue = try field("shape")
        guard case let .array(dims) = shapeValue else {
            throw failure("tensor '\(name)' has a 'shape' that is \(shapeValue.kind), not an array")
        }
        var shape: [Int] = []
        var count = 1
        var overflow = false
        for dim in dims {
            guard case let .number(literal) = dim, let n = Int(literal), n >= 0 else {
                throw failure("tensor '\(name)' has shape entry \(dim.text); dimensions must be non-negative integers")
            }
            shape.append(n)
            let (product, overflowed) = count.multipliedReportingOverflow(by: n)
            count = product
            overflow = overflow || overflowed
        }
        // Checked after the loop: a later 0 does not excuse an absurd dimension, but needs no message of its own.
        guard !overflow else { throw failure("tensor '\(name)' has shape \(shape), too many elements") }

        let offsetsValue = try field("data_offsets")
        guard case let .array(offsets) = offsetsValue, offsets.count == 2,
              case let .number(beginText) = offsets[0], case let .number(endText) = offsets[1],
              let begin = Int(beginText), let end = Int(endText), begin >= 0, end >= 0
        else {
            throw failure("tensor '\(name)' has 'data_offsets' \(offsetsValue.text); expected [begin, end] of non-negative integers")
        }
        guard begin <= end else { throw failure("tensor '\(name)' has data_offsets [\(begin), \(end)] with begin after end") }
        guard end <= dataBytes else {
            throw failure("tensor '\(name)' has data_offsets [\(begin), \(end)] beyond the \(dataBytes)-byte data section")
        }
        if let elementSize {
            let (needed, overflowed) = count.multipliedReportingOverflow(by: elementSize)
            guard !overflowed, needed == end - begin else {
                throw failure("tensor '\(name)' has \(end - begin) bytes of data, but shape \(shape) of \(dtypeName) needs \(overflowed ? "more than \(Int.max)" : String(needed))")
            }
        }
        return Entry(dtype: dtype, dtypeName: dtypeName, shape: shape, count: count, begin: begin, end: end)
    }

    // MARK: - Float16

    /// IEEE binary16 bits as a float32 (exact: every half value is a float).
    static func widenHalf(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h & 0x3ff)
        switch exponent {
        case 0:
            // Zero or subnormal: mantissa · 2⁻²⁴, exact in float32.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1f:
            // Infinity or NaN, payload kept.
            return Float(bitPattern: sign | 0x7f80_0000 | mantissa << 13)
        default:
            // Rebias the exponent from 15 to 127.
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
