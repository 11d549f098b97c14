import Hummingbird
import Prometheus

/// Prometheus metrics in a registry of the server's own (not the process-wide MetricsSystem, so
/// several servers in one test process do not mix): requests, latency, queue, jobs, style cache.
final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    static let latencyBuckets: [Duration] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120].map { .milliseconds(Int64($0 * 1000)) }

    /// "stylize_NAME_UNIT" with its # HELP line.
    private static func metric(_ name: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "stylize", metricName: name, unitName: unit, helpText: help)
    }

    func recordRequest(method: String, path: String, status: Int, duration: Duration) {
        registry.makeCounter(descriptor: Self.metric("http_requests", "total", "HTTP requests by method, route and status"),
                             labels: [("method", method), ("path", path), ("status", "\(status)")]).increment()
        registry.makeDurationHistogram(descriptor: Self.metric("http_request_duration", "seconds", "HTTP request latency by method and route"),
                                       labels: [("method", method), ("path", path)], buckets: Self.latencyBuckets).record(duration)
    }

    /// The text exposition, with the gauges read now.
    func exposition(work: WorkQueue, jobs: JobStore, cache: StyleCache) -> String {
        let load = work.load
        registry.makeGauge(descriptor: Self.metric("queue_depth", "", "Stylisations waiting for a worker")).set(Double(load.waiting))
        registry.makeGauge(descriptor: Self.metric("workers_busy", "", "Stylisations running")).set(Double(load.running))
        registry.makeGauge(descriptor: Self.metric("workers", "", "Stylisations that may run at once")).set(Double(work.workers))
        for (state, count) in jobs.countsByState {
            registry.makeGauge(descriptor: Self.metric("jobs", "", "Jobs held, by state"), labels: [("state", state.rawValue)]).set(Double(count))
        }
        let counts = cache.counts
        registry.makeGauge(descriptor: Self.metric("style_cache_hits", "", "Prepared-style cache hits since start")).set(Double(counts.hits))
        registry.makeGauge(descriptor: Self.metric("style_cache_misses", "", "Prepared-style cache misses since start")).set(Double(counts.misses))
        registry.makeGauge(descriptor: Self.metric("style_cache_entries", "", "Prepared styles held")).set(Double(counts.entries))
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
