import Foundation
import Hummingbird
import Logging
import NIOPosix
import ServiceLifecycle
import StyleCore
import StyleIO
import StyleTransfer

/// The running service: configuration, loaded models, worker queue, jobs and metrics.
public final class StyleService: @unchecked Sendable {
    public let configuration: ServerConfiguration
    let engine: StyleEngine
    let work: WorkQueue
    let jobs: JobStore
    let metrics = ServerMetrics()
    let assets: WebAssets
    let bundledStyles: BundledStyles
    let blas: BLAS.Info?
    private let lock = NSLock()
    private var stopping = false

    public init(configuration: ServerConfiguration, engine: StyleEngine) throws {
        self.configuration = configuration
        self.engine = engine
        work = WorkQueue(workers: configuration.workers, queueLimit: configuration.queueLimit)
        jobs = JobStore(lifetime: configuration.jobLifetime, maxFinished: configuration.maxFinishedJobs)
        assets = try WebAssets.load()
        bundledStyles = try BundledStyles.load()
        blas = try? BLAS.load()
    }

    deinit { work.stopAccepting() }

    /// False once a shutdown has begun (GET /v1/ready answers 503 then).
    var isReady: Bool {
        lock.lock(); defer { lock.unlock() }
        return !stopping
    }

    /// Reads a multipart body into a checked, decoded request; `job` requests get previews.
    func decodedRequest(_ request: Request, job: Bool) async throws -> DecodedRequest {
        let (engine, configuration) = (engine, configuration)
        return try await readForm(request, checkRoom: true) { parts in
            let style = try StyleRequest(parts: parts, engine: engine, previewEvery: job ? configuration.previewEvery : nil)
            return try DecodedRequest(style, limits: configuration)
        }
    }

    /// Reads a multipart body (413 past the upload limit, counted while it streams), then parses it and runs
    /// `use` on the parts off Swift's cooperative pool. `checkRoom` refuses (503) before reading when the
    /// work queue is full.
    func readForm<T: Sendable>(_ request: Request, checkRoom: Bool, _ use: @escaping @Sendable ([FormPart]) throws -> T) async throws -> T {
        let limit = configuration.maxUploadBytes
        let tooLarge = APIError(.contentTooLarge, "the upload is larger than this server's limit of \(limit >> 20) MiB (--max-upload-mb)")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        if checkRoom { try work.checkRoom() }  // refuse before reading and decoding an upload there is no room for
        let boundary = try MultipartForm.boundary(contentType: request.headers[.contentType])
        var body = ByteBuffer()
        for try await chunk in request.body {
            guard body.readableBytes + chunk.readableBytes <= limit else { throw tooLarge }
            body.writeImmutableBuffer(chunk)
        }
        // Parsing and decoding take milliseconds of CPU each: off Swift's cooperative pool (two threads on two
        // cores), so /v1/health and the event loops stay responsive under load.
        let received = body
        return try await NIOThreadPool.singleton.runIfActive { try use(try MultipartForm.parse(received, boundary: boundary)) }
    }

    /// Stylises and encodes on a worker; `job` (if any) receives progress, previews and cancellation.
    func render(_ decoded: DecodedRequest, job: Job? = nil) throws -> RenderedImage {
        let preview: ((Int, Tensor) throws -> Void)? = job.map { job in
            { step, image in job.preview(step: step, dataURL: try Self.previewDataURL(image)) }
        }
        let names = (content: decoded.request.content.name, styles: decoded.request.styles.map(\.name))
        do {
            let start = ContinuousClock.now
            let (image, records) = try engine.run(decoded, progress: job.map { job in { job.progress($0) } }, snapshot: preview,
                                                  isCancelled: job.map { job in { job.isCancelRequested } })
            let elapsed = ContinuousClock.now - start
            let metadata = [RenderedImage.Metadata(key: "Software", value: "stylize serve")]
                + records.map { RenderedImage.Metadata(key: $0.key, value: $0.value) }
            let bytes = try ImageFile.encode(image, as: decoded.request.format, quality: decoded.request.stylizer.options.quality,
                                             metadata: metadata.map { ($0.key, $0.value) })
            return RenderedImage(bytes: bytes, format: decoded.request.format, metadata: metadata,
                                 librarySeconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        } catch let error as StyleError {
            throw APIError(error, field: nil)
        } catch let error as ImageTooSmall {
            throw APIError(error, names: names)
        } catch let error as InvalidOption {
            throw APIError(error)
        }
    }

    /// A small JPEG of `image` (long side ≤ 256) as a data: URL for the page's preview.
    static func previewDataURL(_ image: Tensor) throws -> String {
        let small = max(image.shape[1], image.shape[2]) > 256 ? resizeLongSide(image, to: 256) : image
        return "data:image/jpeg;base64," + Data(try ImageFile.encode(small, as: .jpeg, quality: 80)).base64EncodedString()
    }

    /// POST /v1/stylize: Gram runs larger than the synchronous budget are sent to /v1/jobs.
    func stylizeNow(_ decoded: DecodedRequest) async throws -> RenderedImage {
        guard decoded.gramWork <= configuration.synchronousGramBudget else {
            throw APIError(.unprocessableContent, "this Gram run (\(decoded.plan.steps) steps up to \(decoded.plan.result.width)×\(decoded.plan.result.height)) is too long to wait for in one request; POST the same form to /v1/jobs and follow /v1/jobs/{id}/events", field: "mode")
        }
        return try await work.run { try self.render(decoded) }
    }

    /// POST /v1/jobs: queues the work and returns the job at once.
    func startJob(_ decoded: DecodedRequest) throws -> Job {
        let job = Job(steps: decoded.plan.steps)
        jobs.add(job)
        do {
            try work.enqueue({ [self] in
                guard job.begin() else { return }
                do {
                    job.finish(.done, result: try render(decoded, job: job))
                } catch is CancellationError {
                    job.finish(.cancelled)
                } catch let error as APIError {
                    job.finish(.failed, error: error)
                } catch {
                    job.finish(.failed, error: APIError(.internalServerError, "\(error)"))
                }
            }, rejected: { _ in job.cancel() })
        } catch {
            jobs.remove(job)
            throw error
        }
        return job
    }

    /// SIGTERM: refuse new work, let queued and running work finish for up to the grace period, then
    /// drop what still waits (503) and cancel running jobs.
    func drain() async {
        lock.withLock { stopping = true }
        work.stopAccepting()
        if await work.waitUntilIdle(timeout: configuration.shutdownGrace) { return }
        work.rejectWaiting()
        for job in jobs.all { job.cancel() }
        _ = await work.waitUntilIdle(timeout: .infinity)
    }

    /// The HTTP application on `configuration.host`:`port`.
    public func makeApplication(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        var logger = Logger(label: "stylize-serve")
        logger.logLevel = .warning
        return Application(router: buildRouter(self),
                           configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "stylize"),
                           onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
                           logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then drains (see `drain`) and returns.
    public func run(onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var logger = Logger(label: "stylize-serve")
        logger.logLevel = .warning
        let group = ServiceGroup(configuration: .init(services: [makeApplication(onServerRunning: onServerRunning), DrainOnShutdown(service: self)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// Shut down first (services stop in reverse order): drains the work before the HTTP server quiesces,
/// so event streams and waiting requests end and the server's own shutdown does not wait on them.
struct DrainOnShutdown: Service {
    let service: StyleService

    func run() async throws {
        try? await gracefulShutdown()
        await service.drain()
    }
}

extension StyleService {
    /// The modes this server runs ("transformer" only with StyTr² weights).
    public var modes: [String] { engine.modes }
}
