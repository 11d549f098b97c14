import Dispatch

/// An upper bound on the threads the engine's parallel loops use, e.g. the CPUs a batch scheduler
/// granted (Slurm's --cpus-per-task, a container's CPU quota), so a task on a shared node does not
/// run one thread per core of the whole machine. nil (the default): every core online.
/// Set it before stylising; loops already running keep the width they started with.
public enum WorkerLimit {
    nonisolated(unsafe) private static var limit: Int?

    /// Caps the engine at `threads` (≥ 1), or removes the cap with nil.
    public static func set(_ threads: Int?) {
        precondition(threads.map { $0 >= 1 } ?? true, "worker limit must be at least 1")
        limit = threads
    }

    /// The cap set with `set`, nil when there is none.
    public static var current: Int? { limit }

    /// `cores` (what a loop would use without a cap) lowered to the cap.
    public static func capped(_ cores: Int) -> Int { min(cores, limit ?? cores) }
}

/// `DispatchQueue.concurrentPerform(iterations:)` on at most `WorkerLimit` threads: without a cap
/// exactly concurrentPerform; with one, `cap` lanes each take every cap-th iteration.
public func parallelFor(iterations: Int, _ body: (Int) -> Void) {
    guard let cap = WorkerLimit.current, cap < iterations else {
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
        return
    }
    if cap == 1 { for i in 0..<iterations { body(i) }; return }
    DispatchQueue.concurrentPerform(iterations: cap) { lane in
        for i in stride(from: lane, to: iterations, by: cap) { body(i) }
    }
}
