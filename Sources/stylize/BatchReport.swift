import ArgumentParser
import Foundation
import StyleBatch
import StyleCore

/// `stylize batch-report DIR…`: merges the shards' manifests into one report.
struct BatchReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "batch-report",
        abstract: "Merge a sharded batch's manifests: totals, slowest, failures.",
        discussion: "Exit status: 0 when every pair of every shard is written or skipped, 2 when some failed or are missing, 1 when no manifest can be read.")

    @Argument(help: "Output directories (their stylize-manifest-*.jsonl files) or manifest files.") var paths: [String]
    @Flag(help: "Print the report as one JSON object.") var json = false
    @Option(help: "How many of the slowest pairs to list.") var slowest: Int = 10

    func run() throws {
        do {
            guard slowest >= 0 else { throw StyleError.invalidArgument("{slowest} must be 0 or more, not \(slowest)") }
            var manifests: [(path: String, entries: [ManifestEntry], unreadableLines: Int)] = []
            for path in paths {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                    throw StyleError.io(path: path, reason: "no such file or directory")
                }
                let files = isDirectory.boolValue
                    ? try FileManager.default.contentsOfDirectory(atPath: path).filter(Manifest.isManifestName).sorted()
                        .map { (path.hasSuffix("/") ? path : path + "/") + $0 }
                    : [path]
                guard !files.isEmpty else {
                    throw StyleError.io(path: path, reason: "holds no stylize-manifest-*.jsonl files (a batch writes them into its output directory)")
                }
                for file in files {
                    let (entries, unreadable) = try Manifest.read(file)
                    manifests.append((file, entries, unreadable))
                }
            }
            let report = BatchReport(manifests: manifests, slowestCount: slowest)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text, terminator: "")
            }
            if !report.isComplete { Glibc.exit(Run.somePairsFailedStatus) }
        } catch {
            fail(error)
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
