/// Transitional: keeps StyleTransfer's `SHA256.hash(bytes).hex` (Engine.identity) building until it
/// calls `sha256Hex(bytes)`; delete this file then.
public enum SHA256 {
    public struct Digest { public let hex: String }
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Digest { Digest(hex: sha256Hex(bytes)) }
}
