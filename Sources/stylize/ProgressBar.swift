#if canImport(Glibc)
import Glibc
#endif

/// Gram-mode progress on stderr: a bar redrawn in place on a terminal, a plain line every 10 %
/// otherwise (logs, pipes); nothing with -q.
final class ProgressBar {
    let enabled: Bool
    let terminal = isatty(STDERR_FILENO) != 0
    let start = monotonicSeconds()
    var lastTenth = -1
    var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(step: Int, total: Int, content: Double, style: Double, sum: Double) {
        guard enabled, total > 0 else { return }
        let fraction = min(1, Double(step) / Double(total))
        let elapsed = monotonicSeconds() - start
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let losses = "content \(short(content))  style \(short(style))  total \(short(sum))"
        if terminal {
            let width = 24, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            fputs("\r\(bar) \(step)/\(total)  \(losses)  ETA \(clock(eta))\u{1B}[K", stderr)
            drawn = true
        } else {
            let tenth = Int(fraction * 10)
            guard tenth != lastTenth else { return }
            lastTenth = tenth
            fputs("step \(step)/\(total)  \(losses)  elapsed \(clock(elapsed))  ETA \(clock(eta))\n", stderr)
        }
    }

    /// Ends a drawn bar's line (once, however often it is called).
    func finish() {
        if drawn { fputs("\n", stderr) }
        drawn = false
    }

    private func short(_ x: Double) -> String {
        x == 0 ? "0" : (abs(x) >= 1e4 || abs(x) < 1e-2 ? String(format: "%.3e", x) : String(format: "%.3f", x))
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}

import Foundation
