import HTTPTypes
import Hummingbird

/// Every route of the service (see Web/openapi.json, the contract); handlers are the small functions below.
func buildRouter(_ service: StyleService) -> Router<BasicRequestContext> {
    let router = Router()
    router.add(middleware: JSONErrorMiddleware())
    router.add(middleware: MetricsMiddleware(metrics: service.metrics))
    if let token = service.configuration.token { router.add(middleware: BearerTokenMiddleware(token: token)) }

    for file in WebAssets.files { router.get(RouterPath(file.path)) { _, _ in service.assets.response(file.path) } }
    router.get("/v1/health") { _, _ in jsonResponse(["status": "ok"]) }
    router.get("/v1/ready") { _, _ in try ready(service) }
    router.get("/v1/info") { _, _ in jsonResponse(ServiceInfo(service)) }
    router.get("/v1/styles") { _, _ in jsonResponse(service.bundledStyles.listing) }
    router.get("/v1/styles/:name") { _, context in try service.bundledStyles.response(context.parameters.get("name") ?? "", thumbnail: false) }
    router.get("/v1/styles/:name/thumbnail") { _, context in try service.bundledStyles.response(context.parameters.get("name") ?? "", thumbnail: true) }
    router.post("/v1/decode") { request, _ in
        let maxPixels = service.configuration.maxPixels
        let jpeg = try await service.readForm(request, checkRoom: false) { try DisplayImage.jpeg(parts: $0, maxPixels: maxPixels) }
        return Response(status: .ok, headers: [.contentType: "image/jpeg"], body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
    }
    router.get("/metrics") { _, _ in
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                 body: .init(byteBuffer: ByteBuffer(string: service.metrics.exposition(work: service.work, jobs: service.jobs, cache: service.engine.styles))))
    }
    router.post("/v1/stylize") { request, _ in try await service.stylizeNow(try await service.decodedRequest(request, job: false)).response }
    router.post("/v1/jobs") { request, _ in
        let job = try service.startJob(try await service.decodedRequest(request, job: true))
        return jsonResponse(["id": job.id], status: .accepted, headers: [.location: "/v1/jobs/\(job.id)"])
    }
    router.get("/v1/jobs/:id") { _, context in jsonResponse(try findJob(service, context).status) }
    router.delete("/v1/jobs/:id") { _, context in
        let job = try findJob(service, context)
        job.cancel()
        return jsonResponse(job.status)
    }
    router.get("/v1/jobs/:id/result") { _, context in try result(try findJob(service, context)) }
    router.get("/v1/jobs/:id/events") { _, context in events(try findJob(service, context)) }
    return router
}

private func ready(_ service: StyleService) throws -> Response {
    guard service.isReady else { throw APIError.busy("the server is shutting down", retryAfter: 5) }
    return jsonResponse(["status": "ready"])
}

private func findJob(_ service: StyleService, _ context: BasicRequestContext) throws -> Job {
    let id = context.parameters.get("id") ?? ""
    guard let job = service.jobs.job(id) else {
        throw APIError(.notFound, "no job '\(RenderedImage.headerValue(String(id.prefix(64))))' (unknown, or finished more than \(Int(service.configuration.jobLifetime)) s ago)")
    }
    return job
}

/// 200 with the image when done; 409 while it runs or when it failed or was cancelled.
private func result(_ job: Job) throws -> Response {
    let status = job.status
    if status.state == .done, let image = job.result { return image.response }
    switch status.state {
    case .queued, .running: throw APIError(.conflict, "job \(job.id) is \(status.state.rawValue) (step \(status.step) of \(status.steps)); the result exists once its state is done")
    default: throw APIError(.conflict, "job \(job.id) is \(status.state.rawValue)" + (status.error.map { ": \($0)" } ?? ""), field: status.field)
    }
}

/// Server-Sent Events: the state now, then progress, previews and the final state; the stream ends with the job.
private func events(_ job: Job) -> Response {
    Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: ResponseBody { writer in
        for await event in job.events() { try await writer.write(ByteBuffer(string: event.text)) }
        try await writer.finish(nil)
    })
}
