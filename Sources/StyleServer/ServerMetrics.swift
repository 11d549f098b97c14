import Hummingbird
import Prometheus

/// Prometheus metrics in a registry of the server's own (not the process-wide MetricsSystem, so
/// several servers in one test process do not mix): requests, latency, queue, jobs, style cache.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map { .milliseconds(Int64($0 * 1000)) }

    func recordRequest(method: String, path: String, status: Int, duration: Duration) {
        registry.makeCounter(name: "stylize_http_requests_total", labels: [("method", method), ("path", path), ("status", "\(status)")]).increment()
        registry.makeDurationHistogram(name: "stylize_http_request_duration_seconds", labels: [("method", method), ("path", path)],
                                       buckets: Self.latencyBuckets).record(duration)
    }

    /// The text exposition, with the gauges read now.
    func exposition(work: WorkQueue, jobs: JobStore, cache: StyleCache) -> String {
        let load = work.load
        registry.makeGauge(name: "stylize_queue_depth", help: "Stylisations waiting for a worker").set(Double(load.waiting))
        registry.makeGauge(name: "stylize_workers_busy", help: "Stylisations running").set(Double(load.running))
        registry.makeGauge(name: "stylize_workers", help: "Stylisations that may run at once").set(Double(work.workers))
        for (state, count) in jobs.countsByState {
            registry.makeGauge(name: "stylize_jobs", labels: [("state", state.rawValue)]).set(Double(count))
        }
        let counts = cache.counts
        registry.makeGauge(name: "stylize_style_cache_hits", help: "Encoded-style cache hits since start").set(Double(counts.hits))
        registry.makeGauge(name: "stylize_style_cache_misses", help: "Encoded-style cache misses since start").set(Double(counts.misses))
        registry.makeGauge(name: "stylize_style_cache_entries", help: "Encoded styles held").set(Double(counts.entries))
        return registry.emitToString()
    }
}

/// Counts every request and its latency by method, route pattern and status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        do {
            let response = try await next(request, context)
            record(request, context, response.status.code, start)
            return response
        } catch {
            record(request, context, (error as? any HTTPResponseError)?.status.code ?? 500, start)
            throw error
        }
    }

    private func record(_ request: Request, _ context: Context, _ status: Int, _ start: ContinuousClock.Instant) {
        metrics.recordRequest(method: request.method.rawValue, path: context.endpointPath ?? "unmatched", status: status,
                              duration: ContinuousClock.now - start)
    }
}
