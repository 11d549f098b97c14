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

    /// A zero-filled tensor of `shape`.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        count = shape.reduce(1, *)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        data = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        data.initialize(repeating: 0, count: max(count, 1))
        owner = nil
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
    }

    deinit {
        if owner == nil { UnsafeMutableRawPointer(data).deallocate() }
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
