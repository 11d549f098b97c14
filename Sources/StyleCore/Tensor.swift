#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A dense float32 array, row-major, with an explicit shape.
///
/// A class, so passing a tensor never copies its values; `reshaped` shares storage.
/// Storage is either owned (64-byte aligned, zero-filled) or borrowed from an owner such as a
/// memory-mapped weight file, which the tensor keeps alive.
public final class Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let count: Int
    public let data: UnsafeMutablePointer<Float>
    private let owner: AnyObject?
    /// Bytes of the anonymous mapping that holds a large owned tensor, 0 for heap storage.
    private let mappedBytes: Int

    /// Owned tensors from this size on get their own pages, asked to be 2 MB huge pages: the kernel
    /// hands them out zeroed (no fill pass) with 1/512 of the page faults of 4 KB pages.
    static let mappedThreshold = 4 << 20

    /// A zero-filled tensor of `shape`.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        let bytes = max(count, 1) * 4
        owner = nil
        if bytes >= Self.mappedThreshold, let raw = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
           raw != MAP_FAILED {
            _ = madvise(raw, bytes, MADV_HUGEPAGE)  // advisory: without THP the pages are just 4 KB
            data = raw.bindMemory(to: Float.self, capacity: count)
            mappedBytes = bytes
        } else {
            data = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64).bindMemory(to: Float.self, capacity: max(count, 1))
            data.initialize(repeating: 0, count: max(count, 1))
            mappedBytes = 0
        }
    }

    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    /// A view of memory owned by `owner` (kept alive by the tensor).
    public init(shape: [Int], borrowing pointer: UnsafeMutablePointer<Float>, owner: AnyObject) {
        self.shape = shape
        count = shape.reduce(1, *)
        data = pointer
        self.owner = owner
        mappedBytes = 0
    }

    deinit {
        if owner != nil { return }
        if mappedBytes > 0 { munmap(data, mappedBytes) } else { UnsafeMutableRawPointer(data).deallocate() }
    }

    public var rank: Int { shape.count }
    public var values: [Float] { Array(UnsafeBufferPointer(start: data, count: count)) }
    public var buffer: UnsafeMutableBufferPointer<Float> { UnsafeMutableBufferPointer(start: data, count: count) }

    /// Same storage, another shape with the same element count.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        precondition(newShape.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        return Tensor(shape: newShape, borrowing: data, owner: self)
    }

    public func copy() -> Tensor {
        let t = Tensor(shape: shape)
        t.data.update(from: data, count: count)
        return t
    }

    public subscript(_ i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    public func fill(_ value: Float) { data.update(repeating: value, count: count) }

    /// Largest |x|, the scale that tolerances are taken relative to.
    public var maxAbs: Float {
        var m: Float = 0
        for i in 0..<count { m = max(m, abs(data[i])) }
        return m
    }
}
