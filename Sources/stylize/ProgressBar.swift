import StyleTransfer
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
    var remaining = RemainingTime()

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: GramProgress) {
        guard enabled, p.totalSteps > 0 else { return }
        let step = p.step, total = p.totalSteps, fraction = min(1, p.workDone)
        let now = monotonicSeconds(), elapsed = now - start
        let eta = remaining.update(workDone: fraction, now: now)
        let losses = "content \(short(p.contentLoss))  style \(short(p.styleLoss))  total \(short(p.totalLoss))"
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

    private func clock(_ seconds: Double?) -> String {
        guard let seconds else { return "…" }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}

import Foundation
