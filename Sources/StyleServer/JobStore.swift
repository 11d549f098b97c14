import Foundation

/// Jobs by id; finished ones are forgotten after `lifetime` seconds or when more than `maxFinished` are kept.
final class JobStore: @unchecked Sendable {
    private let lock = NSLock()
    private var jobs: [String: Job] = [:]
    let lifetime: Double
    let maxFinished: Int

    init(lifetime: Double, maxFinished: Int) {
        self.lifetime = lifetime
        self.maxFinished = maxFinished
    }

    func add(_ job: Job) {
        lock.lock(); jobs[job.id] = job; lock.unlock()
        sweep()
    }

    func remove(_ job: Job) {
        lock.lock(); jobs[job.id] = nil; lock.unlock()
    }

    /// The job, unless it is unknown or expired.
    func job(_ id: String) -> Job? {
        sweep()
        lock.lock(); defer { lock.unlock() }
        return jobs[id]
    }

    var all: [Job] {
        lock.lock(); defer { lock.unlock() }
        return Array(jobs.values)
    }

    /// Number of jobs in each state (for /metrics).
    var countsByState: [Job.State: Int] {
        var counts = Dictionary(uniqueKeysWithValues: Job.State.allCases.map { ($0, 0) })
        for job in all { counts[job.status.state, default: 0] += 1 }
        return counts
    }

    private func sweep() {
        let now = Date()
        lock.lock(); defer { lock.unlock() }
        var finished = jobs.values.compactMap { job in job.finished.map { (job.id, $0) } }
        for (id, time) in finished where now.timeIntervalSince(time) >= lifetime { jobs[id] = nil }
        finished.removeAll { now.timeIntervalSince($0.1) >= lifetime }
        if finished.count > maxFinished {
            for (id, _) in finished.sorted(by: { $0.1 < $1.1 }).prefix(finished.count - maxFinished) { jobs[id] = nil }
        }
    }
}
