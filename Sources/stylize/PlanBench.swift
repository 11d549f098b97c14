import ArgumentParser
import Foundation
import StyleBatch
import StyleCore
import StyleIO

/// Planning a batch from a `--list` file: what every task of a sharded run does before its first
/// pair (read the list, check the output names, sort, take its shard). The listed files need not
/// exist: planning opens none of them.
struct PlanBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plan", abstract: "Time planning a batch from a --list of N pairs (files need not exist).")
    @Option(help: "Listed pairs.") var pairs = 1_000_000
    @Option(help: "paths (content paths, one style) or pairs (content<TAB>style, --styles distinct styles).") var form = "paths"
    @Option(help: "Distinct styles of the pairs form.") var styles = 1000
    @Option(help: "Shards: the time includes taking shard 0's pairs.") var shards = 1000
    @Option(help: "Timed repetitions (best is reported).") var repeats = 3

    func run() throws {
        do {
            guard pairs >= 1, styles >= 1, shards >= 1, ["paths", "pairs"].contains(form) else {
                throw StyleError.invalidArgument("--pairs, --styles and --shards must be at least 1 and --form paths or pairs")
            }
            let directory = NSTemporaryDirectory() + "/stylize-plan-bench-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            // Names as a large photo collection has them: nested directories, shuffled (the plan sorts them).
            var lines: [String] = []
            lines.reserveCapacity(pairs)
            var random = SplitMix64(seed: 25)
            for i in 0..<pairs {
                let content = "photos/\(i % 997)/IMG_\(String(i, radix: 10)).jpg"
                lines.append(form == "paths" ? content : content + "\tstyles/style_\(Int(random.next() % UInt64(styles))).png")
            }
            lines.shuffle(using: &random)
            let list = directory + "/list.txt"
            try (lines.joined(separator: "\n") + "\n").write(toFile: list, atomically: false, encoding: .utf8)
            lines = []
            let shard = Shard(index: 0, count: shards, source: "bench")
            var mine = 0
            let best = try bestSeconds(of: repeats) {
                let plan = try BatchPlan(list: list, style: form == "paths" ? "styles/one.png" : nil, directory: directory + "/out", format: .png)
                mine = shard.pairs(of: plan).count
            }
            print(String(format: "plan %d listed pairs (%@ form): %.3f s, %.2f µs per pair, shard 0/%d has %d; peak RSS %.0f MB",
                         pairs, form, best, best / Double(pairs) * 1e6, shards, mine, peakRSSMegabytes()))
        } catch { fail(error) }
    }
}
