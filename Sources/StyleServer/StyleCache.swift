import Foundation
import StyleTransfer

/// Prepared styles (transformer mode: StyTr²'s style encoder output) keyed by the SHA-256 of the style
/// file's bytes and the options that shape them, least recently used evicted: a repeated style skips the encoder.
final class StyleCache: @unchecked Sendable {
    private let capacity: Int
    private let lock = NSLock()
    private var entries: [String: (style: PreparedStyle, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0
    private(set) var hits = 0
    private(set) var misses = 0

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// The style stored under `key`, or `prepare()`'s, stored for next time.
    func prepared(key: String, prepare: () throws -> PreparedStyle) rethrows -> PreparedStyle {
        if let found = lookUp(key) { return found }
        let style = try prepare()
        store(style, key)
        return style
    }

    var counts: (hits: Int, misses: Int, entries: Int) {
        lock.lock(); defer { lock.unlock() }
        return (hits, misses, entries.count)
    }

    private func lookUp(_ key: String) -> PreparedStyle? {
        lock.lock(); defer { lock.unlock() }
        clock += 1
        guard let entry = entries[key] else { misses += 1; return nil }
        hits += 1
        entries[key] = (entry.style, clock)
        return entry.style
    }

    private func store(_ style: PreparedStyle, _ key: String) {
        guard capacity > 0 else { return }
        lock.lock(); defer { lock.unlock() }
        clock += 1
        if entries[key] == nil, entries.count >= capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries[oldest] = nil
        }
        entries[key] = (style, clock)
    }
}
