import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import StyleIO
import XCTest
@testable import StyleServer

/// /v1/jobs: 202, state, events, result, cancel, expiry, and 503 when the queue is full.
final class JobRouteTests: XCTestCase {
    /// A Gram job of exactly `steps` steps (Adam: L-BFGS may converge early on a tiny image).
    func gramForm(size: Int = 48, steps: Int) throws -> Form {
        var form = Form()
        form.file("content", "c.png", try pngImage(width: 48, height: 32, seed: 1))
        form.file("style", "s.png", try pngImage(width: 32, height: 32, seed: 4))
        for (name, value) in [("mode", "gram"), ("size", "\(size)"), ("steps", "\(steps)"), ("multiscale", "off"), ("optimizer", "adam")] { form.text(name, value) }
        return form
    }

    func status(_ client: some TestClientProtocol, _ id: String) async throws -> Job.Status {
        let response = try await client.execute(uri: "/v1/jobs/\(id)", method: .get)
        XCTAssertEqual(response.status, .ok)
        return try JSONDecoder().decode(Job.Status.self, from: Data(response.body.readableBytesView))
    }

    func waitUntil(_ client: some TestClientProtocol, _ id: String, _ done: (Job.Status) -> Bool) async throws -> Job.Status {
        for _ in 0..<3000 {
            let s = try await status(client, id)
            if done(s) { return s }
            try await Task.sleep(for: .milliseconds(10))
        }
        XCTFail("job \(id) never reached the expected state")
        return try await status(client, id)
    }

    func start(_ client: some TestClientProtocol, _ form: Form) async throws -> String {
        let response = try await client.execute(uri: "/v1/jobs", method: .post, headers: Form.headers, body: form.body)
        XCTAssertEqual(response.status, .accepted)
        let id = try JSONDecoder().decode([String: String].self, from: Data(response.body.readableBytesView))["id"] ?? ""
        XCTAssertEqual(response.headers[.location], "/v1/jobs/\(id)")
        return id
    }

    func testGramJobRunsWithProgressEventsPreviewsAndResult() async throws {
        let service = try makeService(transformer: false) { $0.previewEvery = 2 }
        try await service.makeApplication().test(.router) { client in
            let id = try await self.start(client, try self.gramForm(steps: 4))
            let final = try await self.waitUntil(client, id) { $0.state.isFinal }
            XCTAssertEqual(final, Job.Status(id: id, state: .done, step: 4, steps: 4, error: nil, field: nil))
            let result = try await client.execute(uri: "/v1/jobs/\(id)/result", method: .get)
            XCTAssertEqual(result.status, .ok)
            XCTAssertEqual(try ImageFile.read(data: Array(result.body.readableBytesView), path: "r.png").shape, [3, 32, 48])
            XCTAssertEqual(result.headers[HTTPField.Name("X-Stylize-Mode")!], "gram")
            // A finished job's stream: its state and latest preview, then the end.
            let events = try await client.execute(uri: "/v1/jobs/\(id)/events", method: .get)
            XCTAssertEqual(events.headers[.contentType], "text/event-stream")
            let text = String(decoding: events.body.readableBytesView, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("event: state\ndata: {\"id\":\"\(id)\",\"state\":\"done\",\"step\":4,\"steps\":4}\n\n"), text)
            XCTAssertTrue(text.contains("event: preview\ndata: {\"image\":\"data:image/jpeg;base64,"), text)
        }
    }

    func testLiveEventsCarryEveryStepAndTheFinalState() async throws {
        let service = try makeService(transformer: false) { $0.previewEvery = 3 }
        try await service.makeApplication().test(.router) { client in
            // The queue's one worker is busy with a long job, so the second job is still queued when its stream opens.
            let blocker = try await self.start(client, try self.gramForm(steps: 1500))
            let id = try await self.start(client, try self.gramForm(steps: 6))
            async let stream = client.execute(uri: "/v1/jobs/\(id)/events", method: .get)
            _ = try await self.waitUntil(client, blocker) { $0.state == .running }
            try await Task.sleep(for: .milliseconds(100))
            _ = try await client.execute(uri: "/v1/jobs/\(blocker)", method: .delete)
            let text = String(decoding: try await stream.body.readableBytesView, as: UTF8.self)
            let names = text.split(separator: "\n").filter { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) }
            XCTAssertEqual(names.first, "state")
            XCTAssertEqual(names.filter { $0 == "progress" }.count, 6, text)
            XCTAssertEqual(names.filter { $0 == "preview" }.count, 2, text)
            XCTAssertEqual(names.last, "state")
            XCTAssertTrue(text.contains("\"state\":\"done\""))
            XCTAssertTrue(text.contains("\"step\":6,\"steps\":6"))
        }
    }

    func testCancelStopsARunningJobAndResultIs409() async throws {
        let service = try makeService(transformer: false)
        try await service.makeApplication().test(.router) { client in
            let id = try await self.start(client, try self.gramForm(steps: 1500))
            _ = try await self.waitUntil(client, id) { $0.state == .running && $0.step >= 1 }
            let early = try await client.execute(uri: "/v1/jobs/\(id)/result", method: .get)
            XCTAssertEqual(early.status, .conflict)
            let cancel = try await client.execute(uri: "/v1/jobs/\(id)", method: .delete)
            XCTAssertEqual(cancel.status, .ok)
            let final = try await self.waitUntil(client, id) { $0.state.isFinal }
            XCTAssertEqual(final.state, .cancelled)
            XCTAssertLessThan(final.step, 1500)
            let late = try await client.execute(uri: "/v1/jobs/\(id)/result", method: .get)
            XCTAssertEqual(late.status, .conflict)
            XCTAssertEqual(late.error?.error, "job \(id) is cancelled")
        }
    }

    func testFullQueueIs503WithRetryAfter() async throws {
        let service = try makeService(transformer: false) { $0.queueLimit = 0 }
        try await service.makeApplication().test(.router) { client in
            let id = try await self.start(client, try self.gramForm(steps: 1500))
            let refused = try await client.execute(uri: "/v1/jobs", method: .post, headers: Form.headers, body: try self.gramForm(steps: 2).body)
            XCTAssertEqual(refused.status, .serviceUnavailable)
            XCTAssertEqual(refused.headers[.retryAfter], "2")
            XCTAssertEqual(refused.error?.error, "all 1 workers are busy and the queue of 0 is full; retry later")
            let sync = try await client.execute(uri: "/v1/stylize", method: .post, headers: Form.headers, body: try self.gramForm(steps: 2).body)
            XCTAssertEqual(sync.status, .serviceUnavailable)
            _ = try await client.execute(uri: "/v1/jobs/\(id)", method: .delete)
            _ = try await self.waitUntil(client, id) { $0.state.isFinal }
        }
    }

    func testUnknownAndExpiredJobsAre404() async throws {
        let service = try makeService(transformer: false) { $0.jobLifetime = 0 }
        try await service.makeApplication().test(.router) { client in
            let unknown = try await client.execute(uri: "/v1/jobs/nope", method: .get)
            XCTAssertEqual(unknown.status, .notFound)
            XCTAssertEqual(unknown.error?.error, "no job 'nope' (unknown, or finished more than 0 s ago)")
            let id = try await self.start(client, try self.gramForm(steps: 1))
            var waited = 0
            while waited < 3000, service.jobs.all.contains(where: { $0.id == id && !$0.status.state.isFinal }) {
                try await Task.sleep(for: .milliseconds(10))
                waited += 1
            }
            for uri in ["/v1/jobs/\(id)", "/v1/jobs/\(id)/result", "/v1/jobs/\(id)/events"] {
                let response = try await client.execute(uri: uri, method: .get)
                XCTAssertEqual(response.status, .notFound, uri)
            }
        }
    }

    func testBadJobFormIs400BeforeQueueing() async throws {
        let service = try makeService(transformer: false)
        var form = try gramForm(steps: 2)
        form.text("steps", "3")
        let body = form.body
        let response = try await service.makeApplication().test(.router) { client in
            try await client.execute(uri: "/v1/jobs", method: .post, headers: Form.headers, body: body)
        }
        XCTAssertEqual(response.status, .badRequest)
        XCTAssertEqual(response.error, .init(error: "steps is given twice", field: "steps"))
        XCTAssertTrue(service.jobs.all.isEmpty)
    }

    func testShutdownRefusesNewWorkThenCancelsRunningAndDropsWaitingJobs() async throws {
        let service = try makeService(transformer: false) { $0.shutdownGrace = 0.3 }
        try await service.makeApplication().test(.router) { client in
            let running = try await self.start(client, try self.gramForm(steps: 1500))
            let waiting = try await self.start(client, try self.gramForm(steps: 1500))
            _ = try await self.waitUntil(client, running) { $0.state == .running }
            await service.drain()
            let (first, second) = (try await self.status(client, running), try await self.status(client, waiting))
            XCTAssertEqual(first.state, .cancelled)
            XCTAssertEqual(second, Job.Status(id: waiting, state: .cancelled, step: 0, steps: 1500))
            XCTAssertTrue(service.work.isIdle)
            let refused = try await client.execute(uri: "/v1/jobs", method: .post, headers: Form.headers, body: try self.gramForm(steps: 2).body)
            XCTAssertEqual(refused.status, .serviceUnavailable)
            XCTAssertEqual(refused.error?.error, "the server is shutting down")
            let ready = try await client.execute(uri: "/v1/ready", method: .get)
            XCTAssertEqual(ready.status, .serviceUnavailable)
        }
    }

    /// Work that ends within the grace period finishes; drain returns when the worker finishes it
    /// (woken, not at the end of the hour's grace: the 60 s expectation would fail first).
    func testShutdownLetsWorkThatEndsWithinTheGracePeriodFinish() async throws {
        let service = try makeService(transformer: false) { $0.shutdownGrace = 3600 }
        try await service.makeApplication().test(.router) { client in
            let job = try await self.start(client, try self.gramForm(steps: 40))
            _ = try await self.waitUntil(client, job) { $0.state != .queued }
            let drained = self.expectation(description: "drain returned")
            Task { await service.drain(); drained.fulfill() }
            await self.fulfillment(of: [drained], timeout: 60)
            let finished = try await self.status(client, job)
            XCTAssertEqual(finished.state, .done)
            XCTAssertEqual(finished.step, finished.steps, "every step ran: \(finished)")
            XCTAssertTrue(service.work.isIdle)
        }
    }
}
