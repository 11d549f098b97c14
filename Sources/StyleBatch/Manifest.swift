import Foundation
import StyleCore

/// One line of a shard's manifest (JSON lines): what happened to one pair in one run.
/// A rerun appends to the same file, so a pair can have several lines; the last one is its state.
public struct ManifestEntry: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        /// Stylised and written in this run.
        case written
        /// Its output was already current (see `ResumeCheck`).
        case skipped
        /// Could not be done; `error` says why.
        case failed
    }

    public var content: String
    public var style: String
    public var output: String
    public var status: Status
    /// Wall-clock seconds spent on the pair, to the millisecond: the resume check for skipped pairs;
    /// for the first pair of each style in a run, also the style's preparation.
    public var seconds: Double
    /// The one-line error of a failed pair.
    public var error: String?
    /// "I/N": the shard that ran it.
    public var shard: String
    /// How many pairs that shard has, so a report can tell pairs never reached from pairs done.
    public var shardPairs: Int

    public init(pair: BatchPlan.Pair, status: Status, seconds: Double, error: String? = nil, shard: Shard, shardPairs: Int) {
        content = pair.content; style = pair.style; output = pair.output
        self.status = status
        self.seconds = (seconds * 1000).rounded() / 1000
        self.error = error
        self.shard = shard.label
        self.shardPairs = shardPairs
    }

    enum CodingKeys: String, CodingKey {
        case content, style, output, status, seconds, error, shard
        case shardPairs = "shard_pairs"
    }
}

/// Appends manifest lines to a file, each with one write(2) on an O_APPEND descriptor, so a task
/// killed at any moment leaves whole lines only.
public final class ManifestWriter {
    public let path: String
    private let fd: Int32
    private let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// Opens (creating) `path` for appending.
    /// - Throws: `StyleError.write` when it cannot be created or opened.
    public init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw StyleError.write(path: path, reason: "cannot open the manifest: \(String(cString: strerror(errno)))") }
    }

    deinit { close(fd) }

    /// Appends one line.
    /// - Throws: `StyleError.write` when the line cannot be written whole.
    public func append(_ entry: ManifestEntry) throws {
        let line = Array(try encoder.encode(entry)) + [0x0A]
        let n = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard n == line.count else {
            throw StyleError.write(path: path, reason: "cannot append to the manifest: \(n < 0 ? String(cString: strerror(errno)) : "short write")")
        }
    }
}

/// Manifest files: their default names and reading them back.
public enum Manifest {
    /// The default manifest of a shard inside the output directory: "stylize-manifest-2-of-4.jsonl".
    public static func defaultName(for shard: Shard) -> String { "stylize-manifest-\(shard.index)-of-\(shard.count).jsonl" }

    /// True for names `defaultName` makes.
    public static func isManifestName(_ name: String) -> Bool { name.hasPrefix("stylize-manifest-") && name.hasSuffix(".jsonl") }

    /// The entries of one manifest file, in order, and how many lines could not be read as entries.
    /// - Throws: `StyleError.io` when the file cannot be read.
    public static func read(_ path: String) throws -> (entries: [ManifestEntry], unreadableLines: Int) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StyleError.io(path: path, reason: "cannot read the manifest")
        }
        let decoder = JSONDecoder()
        var entries: [ManifestEntry] = [], unreadable = 0
        for line in data.split(separator: 0x0A) where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
            if let entry = try? decoder.decode(ManifestEntry.self, from: Data(line)) { entries.append(entry) } else { unreadable += 1 }
        }
        return (entries, unreadable)
    }
}

#if canImport(Glibc)
import Glibc
#endif
