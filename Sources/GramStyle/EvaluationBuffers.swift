/// Scratch memory that the evaluations of one objective reuse (feature maps, per-block partial sums,
/// per-thread tiles), so repeated L-BFGS evaluations neither map and zero fresh pages nor run a β = 0
/// pass: each buffer is taken as it is and fully overwritten by its user. Not for concurrent
/// evaluations: one per `GramObjective`, whose evaluations run one after another.
public final class EvaluationBuffers {
    private var storage: [String: (pointer: UnsafeMutablePointer<Float>, capacity: Int)] = [:]

    public init() {}

    /// At least `count` floats under `key`, contents undefined; grown (and the old contents dropped) when too small.
    func floats(_ key: String, count: Int) -> UnsafeMutablePointer<Float> {
        if let held = storage[key], held.capacity >= count { return held.pointer }
        storage[key]?.pointer.deallocate()
        let pointer = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        storage[key] = (pointer, max(count, 1))
        return pointer
    }

    /// Floats held in all buffers.
    var capacity: Int { storage.values.reduce(0) { $0 + $1.capacity } }

    deinit { for held in storage.values { held.pointer.deallocate() } }
}
