import Foundation

/// At most `workers` stylisations at once on threads of their own (they block for seconds, so they
/// stay off Swift's cooperative pool and NIO's event loops), at most `queueLimit` waiting; beyond
/// that `enqueue` refuses with 503 and Retry-After instead of letting latency grow without bound.
final class WorkQueue: @unchecked Sendable {
    let workers: Int
    let queueLimit: Int
    private let condition = NSCondition()
    /// Work waiting for a worker, and how to tell its requester it will not run.
    private var waiting: [(run: () -> Void, reject: (APIError) -> Void)] = []
    private var running = 0
    private var accepting = true
    private var threads: [Thread] = []
    /// Callers of `waitUntilIdle`, by ticket, resumed once nothing runs or waits (or at their timeout).
    private var idleWaiters: [Int: CheckedContinuation<Bool, Never>] = [:]
    private var nextTicket = 0

    init(workers: Int, queueLimit: Int) {
        self.workers = max(1, workers)
        self.queueLimit = max(0, queueLimit)
        for index in 0..<self.workers {
            let thread = Thread { self.workLoop() }  // holds the queue until `stopAccepting` lets the loop end
            thread.name = "stylize-worker-\(index)"
            thread.stackSize = 16 << 20
            threads.append(thread)
            thread.start()
        }
    }

    /// (running, waiting) now.
    var load: (running: Int, waiting: Int) {
        condition.lock(); defer { condition.unlock() }
        return (running, waiting.count)
    }

    /// Nothing running or waiting.
    var isIdle: Bool {
        condition.lock(); defer { condition.unlock() }
        return isIdleLocked
    }

    private var isIdleLocked: Bool { running == 0 && waiting.isEmpty }

    /// Returns true as soon as nothing runs or waits (at once if so now), false if `timeout` seconds
    /// pass first. Woken by the worker that finishes the last work, not by polling.
    func waitUntilIdle(timeout: Double) async -> Bool {
        await withCheckedContinuation { continuation in
            condition.lock()
            if isIdleLocked {
                condition.unlock()
                return continuation.resume(returning: true)
            }
            let ticket = nextTicket
            nextTicket += 1
            idleWaiters[ticket] = continuation
            condition.unlock()
            guard timeout.isFinite else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + max(0, timeout)) { [self] in
                condition.lock()
                let expired = idleWaiters.removeValue(forKey: ticket)
                condition.unlock()
                expired?.resume(returning: false)
            }
        }
    }

    /// Takes the idle waiters if the queue is idle now (called with the lock held; resume them after unlocking).
    private func takeIdleWaitersLocked() -> [CheckedContinuation<Bool, Never>] {
        guard isIdleLocked, !idleWaiters.isEmpty else { return [] }
        defer { idleWaiters = [:] }
        return Array(idleWaiters.values)
    }

    /// Queues `work`; throws a 503 when every worker is busy and the queue is full, or after `stopAccepting`.
    /// `rejected` hears if the work is dropped by `rejectWaiting` instead.
    func enqueue(_ work: @escaping () -> Void, rejected: @escaping (APIError) -> Void) throws {
        condition.lock(); defer { condition.unlock() }
        try checkRoomLocked()
        waiting.append((work, rejected))
        condition.signal()
    }

    /// Throws the 503 `enqueue` would throw now (the body is then not read at all).
    func checkRoom() throws {
        condition.lock(); defer { condition.unlock() }
        try checkRoomLocked()
    }

    private func checkRoomLocked() throws {
        guard accepting else { throw APIError.busy("the server is shutting down", retryAfter: 5) }
        guard running + waiting.count < workers + queueLimit else {
            throw APIError.busy("all \(workers) workers are busy and the queue of \(queueLimit) is full; retry later", retryAfter: 2)
        }
    }

    /// Runs `work` on a worker and returns its result (the caller's task waits, no thread blocks).
    func run<T>(_ work: @escaping () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try enqueue({ continuation.resume(with: Result { try work() }) }, rejected: { continuation.resume(throwing: $0) })
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Refuses new work from now on; queued work still runs, then the worker threads end.
    func stopAccepting() {
        condition.lock(); accepting = false; condition.broadcast(); condition.unlock()
    }

    /// Drops the work still waiting (shutdown after the grace period): each requester gets a 503.
    func rejectWaiting() {
        condition.lock()
        let dropped = waiting
        waiting = []
        let woken = takeIdleWaitersLocked()
        condition.unlock()
        for item in dropped { item.reject(APIError.busy("the server is shutting down", retryAfter: 5)) }
        for waiter in woken { waiter.resume(returning: true) }
    }

    private func workLoop() {
        while true {
            condition.lock()
            while waiting.isEmpty {
                if !accepting { condition.unlock(); return }
                condition.wait()
            }
            let work = waiting.removeFirst().run
            running += 1
            condition.unlock()
            work()
            condition.lock()
            running -= 1
            let woken = takeIdleWaitersLocked()
            condition.unlock()
            for waiter in woken { waiter.resume(returning: true) }
        }
    }
}
