/// Everything `stylize serve` is started with; limits are enforced per request.
public struct ServerConfiguration: Sendable {
    /// Address to bind; anything but loopback needs `token`.
    public var host = "127.0.0.1"
    public var port = 8080
    /// Stylisations running at once.
    public var workers = max(1, ProcessInfo.processInfo.activeProcessorCount / 2)
    /// Stylisations waiting for a worker; one more is refused with 503.
    public var queueLimit = 8
    /// Request bodies larger than this are refused with 413 before they are read whole.
    public var maxUploadBytes = 32 << 20
    /// Images (inputs, the resized content, styles and every Gram pass) larger than this are refused.
    public var maxPixels = 4 << 20
    /// Gram mode: the most optimiser steps over all passes one request may ask for.
    public var maxSteps = 2000
    /// Gram mode answers POST /v1/stylize itself only while Σ steps × pixels of its passes stays
    /// under this (about 300 steps at 256², well within a minute on 2 cores); larger runs go to /v1/jobs.
    public var synchronousGramBudget = 300 * 256 * 256
    /// Bearer token every request but /v1/health and the page's static files must carry; nil: none.
    public var token: String?
    /// Finished jobs (and their results) are forgotten after this many seconds.
    public var jobLifetime: Double = 600
    /// At most this many finished jobs are kept (oldest forgotten first).
    public var maxFinishedJobs = 64
    /// Gram jobs send a preview image every this many steps.
    public var previewEvery = 10
    /// Encoded styles kept (transformer mode, least recently used evicted).
    public var styleCacheEntries = 16
    /// SIGTERM: running work may finish within this many seconds, then it is cancelled.
    public var shutdownGrace: Double = 10

    public init() {}

    /// Whether `host` only accepts connections from this machine.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

import Foundation
