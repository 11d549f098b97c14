#if canImport(Glibc)
import Glibc
#endif

/// Video progress on stderr: frames done, frames/s and ETA, redrawn in place on a terminal, a plain
/// line every 10 % (every 10 frames when the total is unknown) otherwise; nothing with -q.
final class FrameProgressBar {
    let enabled: Bool
    /// Expected frames; nil when the container does not say.
    let total: Int?
    let terminal = isatty(STDERR_FILENO) != 0
    let start = monotonicSeconds()
    private var lastReported = -1
    private var drawn = false

    init(enabled: Bool, total: Int?) { self.enabled = enabled; self.total = total }

    func update(framesDone done: Int) {
        guard enabled else { return }
        let elapsed = monotonicSeconds() - start
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var text = total.map { "frame \(done)/\(max($0, done))" } ?? "frame \(done)"
        text += String(format: rate < 1 ? "  %.3g frames/s" : "  %.2f frames/s", rate)  // a minute per frame still shows
        if let total, rate > 0 { text += "  ETA " + clock(Double(max(0, total - done)) / rate) }
        if terminal {
            let bar = total.map { total -> String in
                let filled = min(24, done * 24 / max(1, total))
                return String(repeating: "█", count: filled) + String(repeating: "·", count: 24 - filled) + " "
            } ?? ""
            fputs("\r\(bar)\(text)\u{1B}[K", stderr)
            drawn = true
        } else {
            let mark = total.map { done * 10 / max(1, $0) } ?? done / 10
            guard mark != lastReported else { return }
            lastReported = mark
            fputs(text + "\n", stderr)
        }
    }

    /// Ends a drawn bar's line (once, however often it is called).
    func finish() {
        if drawn { fputs("\n", stderr) }
        drawn = false
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
