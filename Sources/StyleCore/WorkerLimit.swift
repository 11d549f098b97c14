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
    parallelLanes(iterations, lanes: cap) { body($1) }
}

/// Runs body(lane, i) for every i in 0..<iterations on `lanes` threads, lane w taking i = w, w + lanes, …:
/// the lane index may select scratch memory, never change a result.
public func parallelLanes(_ iterations: Int, lanes: Int, _ body: (_ lane: Int, _ i: Int) -> Void) {
    if lanes <= 1 { for i in 0..<iterations { body(0, i) }; return }
    DispatchQueue.concurrentPerform(iterations: lanes) { lane in
        for i in stride(from: lane, to: iterations, by: lanes) { body(lane, i) }
    }
}

/// Lanes for `units` independent work units: the cores online, capped by `WorkerLimit`, at most `units`.
public func laneCount(_ units: Int) -> Int {
    max(1, min(units, WorkerLimit.capped(ProcessInfoCores.count)))
}
