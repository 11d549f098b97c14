import Foundation
import StyTr2
import StyleIO

/// Encoded styles (StyTr²'s style encoder output, (Ns,D) tokens) keyed by the SHA-256 of the style
/// file's bytes and the style size, least recently used evicted: a repeated style skips the encoder.
final class StyleCache: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var entries: [String: (style: StyTr2.EncodedStyle, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private(set) var hits = 0
    private(set) var misses = 0

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// The cached encoding of these style bytes at `styleSize`, or `encode()`'s, stored for next time.
    func encoded(styleBytes: [UInt8], styleSize: Int, encode: () throws -> StyTr2.EncodedStyle) rethrows -> StyTr2.EncodedStyle {
        let key = SHA256.hash(styleBytes).hex + "/\(styleSize)"
        if let found = lookUp(key) { return found }
        let style = try encode()
        store(style, key)
        return style
    }

    var counts: (hits: Int, misses: Int, entries: Int) {
        lock.lock(); defer { lock.unlock() }
        return (hits, misses, entries.count)
    }

    private func lookUp(_ key: String) -> StyTr2.EncodedStyle? {
        lock.lock(); defer { lock.unlock() }
        clock += 1
        guard let entry = entries[key] else { misses += 1; return nil }
        hits += 1
        entries[key] = (entry.style, clock)
        return entry.style
    }

    private func store(_ style: StyTr2.EncodedStyle, _ key: String) {
        guard capacity > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        clock += 1
        if entries[key] == nil, entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries[oldest] = nil
        }
        entries[key] = (style, clock)
    }
}
