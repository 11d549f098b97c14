import ArgumentParser
import Foundation
import StyleServer
import StyleTransfer
#if canImport(Glibc)
import Glibc
#endif

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve stylisation over HTTP: an API, jobs with progress, a page.",
        discussion: """
        The API is described at /openapi.json, the page is at /. Loopback only unless a bearer token is \
        given (--token-file FILE or $STYLIZE_TOKEN; never on the command line). SIGTERM or Ctrl-C: stop \
        taking work, let running work finish for 10 s, cancel the rest, exit 0.
        """)

    @Option(help: "Address to bind; anything but 127.0.0.1/localhost/::1 needs a token.") var host = "127.0.0.1"
    @Option(help: "Port (0: any free port, printed on stderr).") var port = 8080
    @Option(help: "Weights directory or stytr2 .safetensors file (default: $STYLIZE_WEIGHTS, else ./weights; without StyTr² weights only Gram mode runs).") var weights: String?
    @Option(help: "Stylisations at once (default: one per two cores).") var workers: Int?
    @Option(help: "Stylisations that may wait for a worker; more get 503 with Retry-After.") var queue = 8
    @Option(help: "Largest request body in MiB; larger uploads get 413.") var maxUploadMb = 32
    @Option(help: "Largest image (input, resized content or style, Gram pass) in pixels.") var maxPixels = 4 << 20
    @Option(help: "File holding the bearer token clients must send (Authorization: Bearer …).") var tokenFile: String?

    func run() throws {
        var config = ServerConfiguration()
        config.host = host
        config.port = port
        config.queueLimit = queue
        config.maxUploadBytes = maxUploadMb << 20
        config.maxPixels = maxPixels
        if let workers { config.workers = workers }
        for (flag, value, range) in [("--port", port, 0...65535), ("--workers", config.workers, 1...256), ("--queue", queue, 0...10_000),
                                     ("--max-upload-mb", maxUploadMb, 1...4096), ("--max-pixels", maxPixels, 256...Int.max)]
        where !range.contains(value) {
            let allowed = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "between \(range.lowerBound) and \(range.upperBound)"
            fail(ValidationError("\(flag) must be \(allowed), not \(value)"))
        }
        config.token = try readToken()
        guard config.isLoopback || config.token != nil else {
            fail(ValidationError("--host \(host) accepts connections from other machines: give a bearer token with --token-file FILE or $STYLIZE_TOKEN, or bind to 127.0.0.1"))
        }
        if let weights, !FileManager.default.fileExists(atPath: weights) {
            fail(ValidationError("--weights \(weights) does not exist; give the directory holding stytr2.safetensors (or vgg19.safetensors)"))
        }
        // Requests allocate and free tensors of megabytes from several threads: with glibc's adaptive mmap
        // threshold those came from the heap and RSS crept up ~0.5 MB per request; mmap'd, they return to the system.
        _ = mallopt(-3 /* M_MMAP_THRESHOLD */, 1 << 20)
        let service: StyleService
        do {
            let engine = try StyleEngine(weights: resolveWeights(weights), styleCacheEntries: config.styleCacheEntries)
            service = try StyleService(configuration: config, engine: engine)
            for reason in engine.reasons { fputs("stylize: \(reason)\n", stderr) }
        } catch {
            fail(error)
        }
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var failure: Error?
        let modes = service.modes.joined(separator: ", ")
        Task {
            do {
                try await service.run { port in
                    fputs("stylize: serving \(modes) on http://\(host.contains(":") ? "[\(host)]" : host):\(port)\n", stderr)
                }
            } catch {
                failure = error
            }
            done.signal()
        }
        done.wait()
        if let failure { fail(failure) }
    }

    /// The token from --token-file (first line) or $STYLIZE_TOKEN; nil if neither is given.
    func readToken() throws -> String? {
        if let tokenFile {
            guard let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                fail(ValidationError("--token-file \(tokenFile) cannot be read"))
            }
            let token = text.split(whereSeparator: \.isNewline).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard token.count >= 16 else { fail(ValidationError("--token-file \(tokenFile): the token must be at least 16 characters")) }
            return token
        }
        if let token = ProcessInfo.processInfo.environment["STYLIZE_TOKEN"], !token.isEmpty {
            guard token.count >= 16 else { fail(ValidationError("$STYLIZE_TOKEN must be at least 16 characters")) }
            return token
        }
        return nil
    }
}

/// glibc's malloc tuning (malloc.h, not in Swift's Glibc module).
@_silgen_name("mallopt") private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
