import CCrypto
import StyleCore

/// Lower-case hexadecimal SHA-256 of `bytes` (64 characters, as `sha256sum` prints it), computed by
/// OpenSSL's libcrypto; records which weight file produced an image.
public func sha256Hex(_ bytes: UnsafeRawBufferPointer) -> String {
    var digest = [UInt8](repeating: 0, count: Int(CCR_SHA256_BYTES))
    let status = ccr_sha256(bytes.baseAddress, bytes.count, &digest)
    precondition(status == 0, "libcrypto has no SHA-256 (OpenSSL without its default provider?)")
    let digits = Array("0123456789abcdef".utf8)
    return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
}

/// `sha256Hex` of a file's contents.
/// - Throws: `StyleError.io` naming the path when the file cannot be read.
public func sha256Hex(file path: String) throws -> String {
    try readWholeFile(path).withUnsafeBytes { sha256Hex($0) }
}
