import StyleIO

/// SHA-256 (hex) of input files' bytes, each file hashed once per run however many pairs use it.
/// Outputs record these, so an input replaced under the same name makes its outputs stale.
public final class InputDigests {
    private var known: [String: String] = [:]

    public init() {}

    /// The digest of `path`'s contents.
    /// - Throws: `StyleError.io` when the file cannot be read.
    public func digest(of path: String) throws -> String {
        if let hex = known[path] { return hex }
        let hex = try sha256Hex(file: path)
        known[path] = hex
        return hex
    }
}
