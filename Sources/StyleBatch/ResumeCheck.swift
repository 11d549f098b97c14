import StyleIO

/// Whether a pair's output can be kept on a rerun: it must exist, be complete (outputs are
/// written atomically, a PNG/JPEG must end with its IEND/EOI, a WebP match its RIFF size) and hold exactly the records
/// the run would write now (the reproduction metadata: inputs, options, weights, software version,
/// and each input's SHA-256). `.npy` outputs hold no records, so they are always redone.
public enum ResumeCheck {
    public enum State: Equatable, Sendable {
        /// Nothing at the path: stylise.
        case missing
        /// Complete and recorded with the same inputs and options: skip.
        case current
        /// There, but incomplete, unreadable, or made from other inputs or options: redo; says why.
        case stale(String)
    }

    /// `expected` builds the records a run would write now from the ones stored (records that
    /// depend on the result, such as its size, are taken from the stored ones).
    public static func state(of output: String, expected: ([String: String]) throws -> [(key: String, value: String)]) -> State {
        var info = stat()
        guard stat(output, &info) == 0 else { return .missing }
        if output.lowercased().hasSuffix(".npy") { return .stale(".npy outputs record no inputs or options") }
        let stored: [(key: String, value: String)]
        do { stored = try ImageFile.readMetadata(output) } catch { return .stale("\(error)") }
        let storedByKey = Dictionary(stored.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        let wanted: [(key: String, value: String)]
        do { wanted = try expected(storedByKey) } catch { return .stale("\(error)") }
        for (key, value) in wanted where storedByKey[key] != value {
            return .stale(storedByKey[key].map { "\(key) was '\($0)', now '\(value)'" } ?? "no \(key) record")
        }
        let wantedKeys = Set(wanted.map(\.key))
        if let extra = stored.first(where: { !wantedKeys.contains($0.key) }) {
            return .stale("\(extra.key) record not written by this run")
        }
        return .current
    }
}

#if canImport(Glibc)
import Glibc
#endif
