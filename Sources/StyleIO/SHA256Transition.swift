/// Transitional: keeps StyleTransfer's `SHA256.hash(file:).hex` building until it calls `sha256Hex`
/// (issue 14 moves the digest onto the mapped weights); delete this file then.
public enum SHA256 {
    public struct Digest { public let hex: String }
    public static func hash(file path: String) throws -> Digest { Digest(hex: try sha256Hex(file: path)) }
}
