import StyleCore

/// GET /v1/info: what this server can do and with which weights, CPU and limits.
struct ServiceInfo: Codable, Sendable {
    struct Limits: Codable, Sendable {
        var workers: Int
        var queue: Int
        var max_upload_mb: Int
        var max_pixels: Int
        var max_steps: Int
        var synchronous_gram_budget: Int
        var job_lifetime_seconds: Double
        var preview_every: Int
        var style_cache_entries: Int
    }

    var modes: [String]
    var weights: [StyleEngine.WeightFile]
    var cpu: String
    var cpu_flags: String
    var blas_library: String
    var blas_core: String
    var blas_core_reason: String
    var blas_core_without_environment: String?
    var blas_threads: Int
    var auth: Bool
    var limits: Limits

    init(_ service: StyleService) {
        let c = service.configuration
        modes = service.engine.modes
        weights = service.engine.weightFiles
        cpu = service.blas.map { $0.cpu.brand.isEmpty ? "unknown (\($0.cpu.vendor))" : $0.cpu.brand } ?? "unknown"
        cpu_flags = service.blas?.cpu.flagSummary ?? ""
        blas_library = service.blas?.library ?? "not loaded"
        blas_core = service.blas?.core ?? "unknown"
        blas_core_reason = service.blas?.reason ?? "OpenBLAS did not load"
        blas_core_without_environment = service.blas?.environmentCore == nil ? nil : service.blas?.coreWithoutEnvironment
        blas_threads = service.blas?.threads ?? 0
        auth = c.token != nil
        limits = Limits(workers: service.work.workers, queue: service.work.queueLimit, max_upload_mb: c.maxUploadBytes >> 20,
                        max_pixels: c.maxPixels, max_steps: c.maxSteps, synchronous_gram_budget: c.synchronousGramBudget,
                        job_lifetime_seconds: c.jobLifetime, preview_every: c.previewEvery, style_cache_entries: c.styleCacheEntries)
    }
}
