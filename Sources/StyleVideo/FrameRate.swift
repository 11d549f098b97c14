/// A frame rate as the exact fraction ffmpeg uses (r_frame_rate), e.g. 30000/1001.
public struct FrameRate: Equatable, Sendable, CustomStringConvertible {
    public let numerator: Int
    public let denominator: Int

    public init?(numerator: Int, denominator: Int) {
        guard numerator > 0, denominator > 0 else { return nil }
        let g = gcd(numerator, denominator)
        self.numerator = numerator / g
        self.denominator = denominator / g
    }

    /// "30000/1001", "25" or "29.97" (decimals up to 1/1000 kept exactly: 29.97 → 2997/100).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 2, let n = Int(parts[0]), let d = Int(parts[1]) {
            self.init(numerator: n, denominator: d)
        } else if parts.count == 1, let n = Int(text) {
            self.init(numerator: n, denominator: 1)
        } else if parts.count == 1, let x = Double(text), x.isFinite, x > 0, x < 1e6 {
            self.init(numerator: Int((x * 1000).rounded()), denominator: 1000)
        } else {
            return nil
        }
    }

    /// Frames per second.
    public var value: Double { Double(numerator) / Double(denominator) }

    /// ffmpeg's notation: "30000/1001", or "25" when whole.
    public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
}

private func gcd(_ a: Int, _ b: Int) -> Int { b == 0 ? a : gcd(b, a % b) }
