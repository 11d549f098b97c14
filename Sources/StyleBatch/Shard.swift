/// Which part of a batch one process runs: pair k of the sorted pair list (`BatchPlan.pairs`)
/// belongs to shard k mod count, so processes 0…count−1 cover every pair exactly once, in any
/// order, and each shard's pairs are spread over all contents and styles.
public struct Shard: Equatable, Sendable {
    public let index: Int
    public let count: Int
    /// Where the numbers came from, for the log: "given as 1/4", "SLURM_ARRAY_TASK_ID=5 − SLURM_ARRAY_TASK_MIN=4 of …".
    public let source: String

    /// The whole batch in one process.
    public static let whole = Shard(index: 0, count: 1, source: "the whole batch")

    public init(index: Int, count: Int, source: String) {
        self.index = index; self.count = count; self.source = source
    }

    /// Environment variable holding the total shard count where the scheduler does not provide it
    /// (a Kubernetes Indexed Job's completions; a Slurm index resubmitted on its own, whose
    /// SLURM_ARRAY_TASK_COUNT would be 1).
    public static let countVariable = "STYLIZE_SHARD_COUNT"
    /// Added to the scheduler's index: lets several arrays (or Jobs) of at most MaxArraySize
    /// (or 100,000 completions) tasks each cover one larger shard count.
    public static let offsetVariable = "STYLIZE_SHARD_OFFSET"

    /// `I/N` (0 ≤ I < N) or `auto`, which reads the scheduler's variables:
    /// - Slurm job array: SLURM_ARRAY_TASK_ID; with STYLIZE_SHARD_COUNT set, the index is the ID
    ///   itself (plus STYLIZE_SHARD_OFFSET) and the count that variable; otherwise the index is
    ///   (ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP and the count SLURM_ARRAY_TASK_COUNT.
    /// - Kubernetes Indexed Job: JOB_COMPLETION_INDEX (plus STYLIZE_SHARD_OFFSET) of
    ///   STYLIZE_SHARD_COUNT shards (set it to the Job's completions).
    /// - Throws: `ShardError` naming what is missing or out of range.
    public static func parse(_ text: String, environment: [String: String]) throws -> Shard {
        if text == "auto" { return try fromScheduler(environment) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]), n >= 1, (0..<n).contains(i) else {
            throw ShardError("takes I/N with 0 ≤ I < N (e.g. 0/4) or auto, not '\(text)'")
        }
        return Shard(index: i, count: n, source: "given as \(text)")
    }

    private static func fromScheduler(_ env: [String: String]) throws -> Shard {
        func number(_ name: String) throws -> Int? {
            guard let text = env[name], !text.isEmpty else { return nil }
            guard let value = Int(text), value >= 0 else { throw ShardError("\(name) must be a whole number ≥ 0, not '\(text)'") }
            return value
        }
        let offset = try number(offsetVariable) ?? 0
        let offsetNote = offset == 0 ? "" : " + \(offsetVariable)=\(offset)"
        let explicitCount = try number(countVariable)
        if explicitCount == 0 { throw ShardError("\(countVariable) must be at least 1") }
        let index: Int, count: Int, source: String
        if let id = try number("SLURM_ARRAY_TASK_ID") {
            if let explicitCount {
                (index, count) = (id + offset, explicitCount)
                source = "SLURM_ARRAY_TASK_ID=\(id)\(offsetNote) of \(countVariable)=\(explicitCount)"
            } else {
                guard let total = try number("SLURM_ARRAY_TASK_COUNT") else {
                    throw ShardError("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not; set \(countVariable) to the number of shards")
                }
                let low = try number("SLURM_ARRAY_TASK_MIN") ?? 0, step = max(1, try number("SLURM_ARRAY_TASK_STEP") ?? 1)
                guard id >= low, (id - low) % step == 0 else {
                    throw ShardError("SLURM_ARRAY_TASK_ID=\(id) is not on the array's range (SLURM_ARRAY_TASK_MIN=\(low), step \(step)); set \(countVariable) to the number of shards")
                }
                (index, count) = ((id - low) / step + offset, total)
                source = "SLURM_ARRAY_TASK_ID=\(id)" + (low == 0 ? "" : " − SLURM_ARRAY_TASK_MIN=\(low)") + (step == 1 ? "" : " ÷ step \(step)")
                    + offsetNote + " of SLURM_ARRAY_TASK_COUNT=\(total)"
            }
        } else if let id = try number("JOB_COMPLETION_INDEX") {
            guard let explicitCount else {
                throw ShardError("JOB_COMPLETION_INDEX is set but \(countVariable) is not: set it in the Job's env to the Job's completions")
            }
            (index, count) = (id + offset, explicitCount)
            source = "JOB_COMPLETION_INDEX=\(id)\(offsetNote) of \(countVariable)=\(explicitCount)"
        } else {
            throw ShardError("found neither SLURM_ARRAY_TASK_ID (a Slurm job array) nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job); give I/N instead")
        }
        guard index < count else {
            throw ShardError("shard index \(index) (\(source)) is not below the shard count \(count): number the array's tasks from 0 to \(count - 1), or fix \(countVariable)")
        }
        return Shard(index: index, count: count, source: source)
    }

    /// True when pair number `k` of the sorted pair list is this shard's.
    public func contains(pair k: Int) -> Bool { k % count == index }

    /// This shard's pairs of `plan`, in sorted order.
    public func pairs(of plan: BatchPlan) -> [BatchPlan.Pair] {
        plan.pairs.enumerated().filter { contains(pair: $0.offset) }.map(\.element)
    }

    /// "2/4".
    public var label: String { "\(index)/\(count)" }
}

/// A shard argument or scheduler variable that cannot be used: `problem` says which and why; the
/// CLI prefixes its option ("--shard takes I/N …", "--shard auto: found neither …").
public struct ShardError: Error, CustomStringConvertible {
    public let problem: String
    init(_ problem: String) { self.problem = problem }
    public var description: String { "shard " + problem }
}
