import Foundation
import StyleBatch
import StyleCore
import StyleIO
import StyleTransfer
#if canImport(Glibc)
import Glibc
#endif

extension Run {
    /// Exit status of a batch in which some pairs failed (1 stays for errors that stop the run).
    static let somePairsFailedStatus: Int32 = 2

    /// Stylises this shard's content × style pairs into the directory `output`, loading the weights
    /// once and preparing each style once. A pair whose output is current (`ResumeCheck`) is
    /// skipped; one that fails is reported on one line and recorded in the manifest, and the run goes on.
    func runBatch(_ options: StyleOptions) throws {
        let environment = ProcessInfo.processInfo.environment
        let shard = try shardToRun(environment)
        let format = (format ?? .png).format
        let plan = try list.map { try BatchPlan(list: $0, style: styles.first, directory: output, format: format) }
            ?? BatchPlan(content: content, style: styles[0], directory: output, format: format)
        let grant = CPUGrant.current(environment: environment)
        WorkerLimit.set(grant?.threads)
        let stylizer = try Stylizer(options: options, weights: style.weightsLocation)
        try plan.createDirectory()
        let mine = shard.pairs(of: plan)
        let slash = output.hasSuffix("/") ? "" : "/"
        let manifestPath = self.manifest ?? output + slash + Manifest.defaultName(for: shard)
        // Only an earlier run of this shard, which made its manifest, can have left temporary files:
        // a first run does not list a possibly huge output directory.
        let earlierRun = access(manifestPath, F_OK) == 0
        let manifest = try ManifestWriter(path: manifestPath)
        if earlierRun { try StaleTemporaries.remove(for: mine.map(\.output), in: output) }
        if !quiet {
            let part = shard.count == 1 ? "\(plan.count) pairs" : "shard \(shard.label) (\(shard.source)): \(mine.count) of \(plan.count) pairs"
            let threads = grant.map { "; \($0.threads) thread\($0.threads == 1 ? "" : "s") (\($0.source))" } ?? ""
            fputs("stylize: \(stylizer.reason); \(part) into \(output)\(threads)\n", stderr)
        }
        let digests = InputDigests()
        var written = 0, skipped = 0, done = 0
        /// The pair's manifest line and, with --json, its record; `shape`: the output's (written or skipped).
        func record(_ pair: BatchPlan.Pair, _ status: ManifestEntry.Status, since started: Double, shape: [Int]? = nil, error: Error? = nil) throws {
            done += 1
            let seconds = monotonicSeconds() - started
            let message = error.map { cliMessage($0, content: pair.content, styles: [pair.style]) }
            if let message { fputs("error: \(oneLine("\(pair.content) with \(pair.style): \(message)"))\n", stderr) }
            try manifest.append(ManifestEntry(pair: pair, status: status, seconds: seconds, error: message, shard: shard, shardPairs: mine.count))
            if json {
                var result = ResultRecord(content: pair.content, styles: [pair.style], output: pair.output)
                result.status = status
                if let shape { result.finish(stylizer, shape: shape, seconds: seconds) }
                result.error = message
                result.print()
            }
        }
        // Grouped once (not filtered per style): a list of pairs may name as many styles as pairs.
        let pairsByStyle = Dictionary(grouping: mine, by: \.style)
        for style in plan.styles {
            var prepared: Result<PreparedStyle, Error>?
            for pair in pairsByStyle[style] ?? [] {
                let started = monotonicSeconds()
                var recordedShape: [Int]?
                let state = ResumeCheck.state(of: pair.output) { stored in
                    recordedShape = try Self.recordedShape(stored)
                    return try pairMetadata(stylizer, pair, result: Tensor(shape: recordedShape!), digests: digests)
                }
                if state == .current {
                    skipped += 1
                    try record(pair, .skipped, since: started, shape: recordedShape)
                    if !quiet { fputs("[\(done)/\(mine.count)] \(pair.output): up to date, skipped\n", stderr) }
                    continue
                }
                if case let .stale(reason) = state, !quiet { fputs("\(pair.output): redoing it (\(oneLine(reason)))\n", stderr) }
                let bar = ProgressBar(enabled: !quiet)
                do {
                    if prepared == nil { prepared = Result { try stylizer.prepareStyle(ImageFile.read(style, maxPixels: options.maxPixels)) } }
                    let result = try stylizer.stylize(content: ImageFile.read(pair.content, maxPixels: options.maxPixels), styles: [prepared!.get()],
                                                      progress: bar.update) { step, image in
                        try ImageFile.write(image, to: Self.snapshotPath(pair.output, step: step), quality: options.quality)
                    }
                    bar.finish()
                    try ImageFile.write(result, to: pair.output, quality: options.quality,
                                        metadata: try pairMetadata(stylizer, pair, result: result, digests: digests))
                    written += 1
                    try record(pair, .written, since: started, shape: result.shape)
                    if !quiet { fputs("[\(done)/\(mine.count)] \(pair.output)\n", stderr) }
                } catch {
                    bar.finish()
                    try record(pair, .failed, since: started, error: error)
                }
            }
        }
        if !quiet {
            fputs("\(written) of \(mine.count) pairs written" + (skipped > 0 ? ", \(skipped) skipped (already current)" : "") + "\n", stderr)
        }
        if written + skipped < mine.count { Glibc.exit(Self.somePairsFailedStatus) }
    }

    /// The shard `--shard` names (the whole batch without it).
    func shardToRun(_ environment: [String: String]) throws -> Shard {
        guard let shard else { return .whole }
        do {
            return try Shard.parse(shard, environment: environment)
        } catch let error as ShardError {
            throw StyleError.invalidArgument("{shard} \(shard == "auto" ? "auto: " : "")\(error.problem)")
        }
    }

    /// What a pair's output records: the reproduction metadata plus the SHA-256 of each input's bytes,
    /// so a rerun can tell a current output from one made of other inputs or options.
    func pairMetadata(_ stylizer: Stylizer, _ pair: BatchPlan.Pair, result: Tensor, digests: InputDigests) throws -> [(key: String, value: String)] {
        Self.metadata(stylizer, content: pair.content, styles: [pair.style], result: result).map { (key: $0.0, value: $0.1) }
            + [("stylize:content-sha256", try digests.digest(of: pair.content)), ("stylize:style-sha256", try digests.digest(of: pair.style))]
    }

    /// The result shape an output records ("stylize:size" W×H → [3, H, W]), which the other records
    /// (Gram mode's passes) are derived from.
    static func recordedShape(_ stored: [String: String]) throws -> [Int] {
        let parts = (stored["stylize:size"] ?? "").split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2, parts.allSatisfy({ (1...ImageFile.maxSide).contains($0) }) else {
            throw StyleError.invalidArgument("no valid stylize:size record")
        }
        return [3, parts[1], parts[0]]
    }
}
