import Foundation
import StyleTransfer

/// One asynchronous stylisation: its state, progress, result and the event streams watching it.
final class Job: @unchecked Sendable {
    enum State: String, Codable, CaseIterable, Sendable {
        case queued, running, done, failed, cancelled
        var isFinal: Bool { self == .done || self == .failed || self == .cancelled }
    }

    /// GET /v1/jobs/{id}.
    struct Status: Codable, Sendable, Equatable {
        var id: String
        var state: State
        var step: Int
        var steps: Int
        var error: String?
        var field: String?
    }

    /// One Server-Sent Event.
    enum Event: Sendable {
        case progress(Progress)
        case preview(step: Int, image: String)
        case state(Status)

        struct Progress: Codable, Sendable {
            var step: Int
            var steps: Int
            var content_loss: Double
            var style_loss: Double
            var total_loss: Double
            var eta_seconds: Double?
        }

        struct Preview: Codable, Sendable {
            var step: Int
            var image: String
        }

        /// "event: NAME\ndata: JSON\n\n".
        var text: String {
            switch self {
            case .progress(let p): return Self.format("progress", encodeJSON(p))
            case .preview(let step, let image): return Self.format("preview", encodeJSON(Preview(step: step, image: image)))
            case .state(let s): return Self.format("state", encodeJSON(s))
            }
        }

        private static func format(_ name: String, _ data: [UInt8]) -> String {
            "event: \(name)\ndata: \(String(decoding: data, as: UTF8.self))\n\n"
        }
    }

    let id: String
    private let lock = NSLock()
    private var state = State.queued
    private var step = 0
    private let steps: Int
    private var error: APIError.ErrorBody?
    private var remaining = RemainingTime()
    private var finishedAt: Date?
    private var cancelRequested = false
    private var resultImage: RenderedImage?
    private var latestPreview: Event?
    private var watchers: [UUID: AsyncStream<Event>.Continuation] = [:]

    init(steps: Int) {
        id = UUID().uuidString.lowercased()
        self.steps = steps
    }

    var status: Status {
        lock.lock(); defer { lock.unlock() }
        return statusLocked
    }

    private var statusLocked: Status { Status(id: id, state: state, step: step, steps: steps, error: error?.error, field: error?.field) }

    /// When the job reached its final state.
    var finished: Date? {
        lock.lock(); defer { lock.unlock() }
        return finishedAt
    }

    var result: RenderedImage? {
        lock.lock(); defer { lock.unlock() }
        return resultImage
    }

    /// Polled by the optimiser between steps.
    var isCancelRequested: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelRequested
    }

    /// Asks the job to stop: a queued job is cancelled at once, a running one at its next step.
    func cancel() {
        lock.lock()
        cancelRequested = true
        let wasQueued = state == .queued
        lock.unlock()
        if wasQueued { finish(.cancelled) }
    }

    /// A worker takes the job; false if it was cancelled while it waited.
    func begin() -> Bool {
        lock.lock()
        guard state == .queued else { lock.unlock(); return false }
        state = .running
        let status = statusLocked
        lock.unlock()
        publish(.state(status))
        return true
    }

    /// One optimizer step, with the time left from the pixel-weighted share of work done (`RemainingTime`).
    func progress(_ p: GramProgress) {
        lock.lock()
        step = p.step
        let eta = remaining.update(workDone: p.workDone, now: Date().timeIntervalSinceReferenceDate)
        lock.unlock()
        publish(.progress(.init(step: p.step, steps: p.totalSteps, content_loss: p.contentLoss, style_loss: p.styleLoss,
                                total_loss: p.totalLoss, eta_seconds: eta)))
    }

    func preview(step: Int, dataURL: String) {
        let event = Event.preview(step: step, image: dataURL)
        lock.lock(); latestPreview = event; lock.unlock()
        publish(event)
    }

    /// The final state, once; watchers get it and their streams end.
    func finish(_ final: State, result: RenderedImage? = nil, error: APIError? = nil) {
        lock.lock()
        guard !state.isFinal else { lock.unlock(); return }
        state = final
        if final == .done { step = steps }
        resultImage = result
        self.error = error.map { APIError.ErrorBody(error: $0.message, field: $0.field) }
        finishedAt = Date()
        let status = statusLocked
        let ending = watchers
        watchers = [:]
        lock.unlock()
        for watcher in ending.values {
            watcher.yield(.state(status))
            watcher.finish()
        }
    }

    /// Events from now on, starting with the current state and the latest preview; ends with the final state.
    func events() -> AsyncStream<Event> {
        let (stream, continuation) = AsyncStream<Event>.makeStream(bufferingPolicy: .bufferingNewest(64))
        lock.lock()
        continuation.yield(.state(statusLocked))
        if let latestPreview { continuation.yield(latestPreview) }
        if state.isFinal {
            continuation.finish()
        } else {
            let key = UUID()
            watchers[key] = continuation
            continuation.onTermination = { [weak self] _ in
                guard let self else { return }
                self.lock.lock(); self.watchers[key] = nil; self.lock.unlock()
            }
        }
        lock.unlock()
        return stream
    }

    private func publish(_ event: Event) {
        lock.lock(); let current = Array(watchers.values); lock.unlock()
        for watcher in current { watcher.yield(event) }
    }
}
