import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Temporary files (`.<name>.tmp-XXXXXX`, see AtomicFile) that a killed earlier run left for some
/// of `outputs`. Each output belongs to one shard, so a shard may delete its own outputs'
/// leftovers without touching a file another shard is writing right now.
public enum StaleTemporaries {
    /// Removes them; returns the paths removed. Names too long for AtomicFile's template are left.
    @discardableResult
    public static func remove(for outputs: [String], in directory: String) throws -> [String] {
        let mine = Set(outputs.map { $0.split(separator: "/").last.map(String.init) ?? $0 })
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        var removed: [String] = []
        for name in try listDirectory(directory) where name.hasPrefix(".") {
            guard let tmp = name.range(of: ".tmp-", options: .backwards), name.distance(from: tmp.upperBound, to: name.endIndex) == 6,
                  mine.contains(String(name[name.index(after: name.startIndex)..<tmp.lowerBound])) else { continue }
            if unlink(base + name) == 0 { removed.append(base + name) }
        }
        return removed
    }
}
