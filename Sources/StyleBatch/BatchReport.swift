import Foundation

/// The merged state of a batch from its shards' manifests: totals, the slowest pairs, every failure,
/// and what is still missing (shards with no manifest, pairs a killed shard never reached).
public struct BatchReport: Encodable {
    /// The manifest files read, sorted.
    public var files: [String]
    /// Lines that were not manifest entries (none unless a file was edited or cut by hand).
    public var unreadableLines: Int
    /// Shard counts the entries name (one, unless runs with different --shard N wrote here).
    public var shardCounts: [Int]
    /// Shard indices with no entry, when all entries agree on one shard count.
    public var missingShards: [Int]
    /// Pairs the seen shards hold (from each entry's shard_pairs).
    public var expectedPairs: Int
    /// Distinct outputs with an entry.
    public var pairs: Int
    /// Final state of each pair (its last entry): written, skipped (current from an earlier run), failed.
    public var written: Int, skipped: Int, failed: Int
    /// "written" entries in all runs: more than `pairs` written means some output was redone.
    public var writes: Int
    /// Outputs written in more than one run (stale outputs redone, or a shard run twice at once).
    public var writtenMoreThanOnce: [String]
    /// The slowest written pairs, slowest first.
    public var slowest: [ManifestEntry]
    /// Every pair whose final state is failed.
    public var failures: [ManifestEntry]

    /// True when every pair of every shard is written or skipped.
    public var isComplete: Bool { failed == 0 && missingShards.isEmpty && pairs == expectedPairs && shardCounts.count == 1 }

    enum CodingKeys: String, CodingKey {
        case files, pairs, written, skipped, failed, writes, slowest, failures
        case unreadableLines = "unreadable_lines", shardCounts = "shard_counts", missingShards = "missing_shards"
        case expectedPairs = "expected_pairs", writtenMoreThanOnce = "written_more_than_once"
    }

    /// Merges manifests given as (path, entries in file order, unreadable lines).
    public init(manifests: [(path: String, entries: [ManifestEntry], unreadableLines: Int)], slowestCount: Int = 10) {
        files = manifests.map(\.path).sorted()
        unreadableLines = manifests.reduce(0) { $0 + $1.unreadableLines }
        var final: [String: ManifestEntry] = [:], writesPerOutput: [String: Int] = [:]
        var shardPairs: [String: Int] = [:]
        for manifest in manifests.sorted(by: { $0.path < $1.path }) {
            var last: [String: ManifestEntry] = [:]
            for entry in manifest.entries {
                last[entry.output] = entry
                shardPairs[entry.shard] = max(shardPairs[entry.shard] ?? 0, entry.shardPairs)
                if entry.status == .written { writesPerOutput[entry.output, default: 0] += 1 }
            }
            // Each pair belongs to one shard, so one file; should two files hold it, success wins.
            for (output, entry) in last where final[output] == nil || final[output]!.status == .failed {
                final[output] = entry
            }
        }
        let labels = shardPairs.keys.compactMap { label -> (Int, Int)? in
            let parts = label.split(separator: "/")
            guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
            return (i, n)
        }
        shardCounts = Set(labels.map(\.1)).sorted()
        if shardCounts.count == 1, let n = shardCounts.first {
            missingShards = Set(0..<n).subtracting(labels.map(\.0)).sorted()
        } else {
            missingShards = []
        }
        expectedPairs = shardPairs.values.reduce(0, +)
        pairs = final.count
        written = final.values.filter { $0.status == .written }.count
        skipped = final.values.filter { $0.status == .skipped }.count
        failed = final.values.filter { $0.status == .failed }.count
        writes = writesPerOutput.values.reduce(0, +)
        writtenMoreThanOnce = writesPerOutput.filter { $0.value > 1 }.keys.sorted()
        slowest = Array(final.values.filter { $0.status == .written }
            .sorted { ($0.seconds, $1.output) > ($1.seconds, $0.output) }.prefix(slowestCount))
        failures = final.values.filter { $0.status == .failed }.sorted { $0.output < $1.output }
    }

    /// Human-readable lines: the totals, what is missing, the slowest pairs, every failure.
    public var text: String {
        var lines = ["\(pairs) of \(expectedPairs) pairs: \(written) written, \(skipped) skipped (already current), \(failed) failed"
            + " (\(files.count) manifest\(files.count == 1 ? "" : "s"), shards of \(shardCounts.map(String.init).joined(separator: ", ")))"]
        if !missingShards.isEmpty {
            lines.append("shards with no manifest: \(missingShards.map(String.init).joined(separator: ", ")) (not run yet, or killed before their first pair)")
        }
        if pairs < expectedPairs { lines.append("\(expectedPairs - pairs) pairs not reached yet (a shard stopped early: run it again)") }
        if shardCounts.count > 1 { lines.append("warning: manifests from runs with different shard counts; totals may mix two plans") }
        if unreadableLines > 0 { lines.append("warning: \(unreadableLines) manifest lines could not be read") }
        if !writtenMoreThanOnce.isEmpty {
            lines.append("\(writtenMoreThanOnce.count) outputs written in more than one run (redone as stale, or a shard ran twice)")
        }
        if !slowest.isEmpty {
            lines.append("slowest:")
            lines += slowest.map { String(format: "  %8.3f s  ", $0.seconds) + "\($0.content) × \($0.style) → \($0.output)" }
        }
        if !failures.isEmpty {
            lines.append("failures:")
            lines += failures.map { "  \($0.content) × \($0.style): \($0.error ?? "no error recorded")" }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
