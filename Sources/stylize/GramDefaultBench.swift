import ArgumentParser
import Foundation
import GramStyle
import StyleCore
import StyleIO
import StyleTransfer

/// Whole Gram-mode runs of the no-weights default (seeded random network), one per schedule, in one
/// process: wall and CPU seconds, seconds per pass, the losses of each result under the final pass's
/// objective, its look scores (`LookScores`), and how far the progress bar's ETA was from the time
/// that was actually left. By default the schedule of issue 18 (main's default before issue 24) and
/// today's, alternating over `--rounds`, so both see the same machine.
struct GramDefaultRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gram-default",
        abstract: "Time whole no-weights Gram runs (seeded random network), one per --schedule, and check the ETA.")
    @Option(help: "Content image.") var content = "tools/samples/astronaut.png"
    @Option(help: "Style image.") var style = "tools/samples/strokes.png"
    @Option(help: "Long side of the result.") var size = StyleOptions.defaultGramSize
    @Option(help: "A schedule to run (repeatable): 'default'; 'before-24', the default before issue 24 (128:100,256:40,512:6 at 1.25 evaluations per step, no range penalty); or passes LONGSIDE:STEPS with --size last and an optional @E, L-BFGS evaluations per step (1.25 when not given, PyTorch's), e.g. 128:100,256:60,512:20 (the default before issue 18), with today's other defaults.")
    var schedule: [String] = ["before-24", "default"]
    @Option(help: "Run the schedules this many times, in turn (the times of each round are printed).") var rounds = 1
    @Option(help: "Write each result to DIR/<n>.npy (n = the schedule's position, from 1).") var outputDir: String?
    @Flag(help: "Print the predicted and the actual time left at every step.") var etaLog = false

    func run() throws {
        do {
            let info = try BLAS.load()
            let contentImage = try ImageFile.read(content), styleImage = try ImageFile.read(style)
            print("gram-default \(size) px, \(content) × \(style) — core \(info.core), \(info.threads) threads, CPU \(info.cpu.brand)\(info.coreNote)")
            for round in 1...max(1, rounds) {
                if rounds > 1 { print("round \(round)") }
                for (index, text) in schedule.enumerated() {
                    var options = StyleOptions()
                    options.mode = .gram
                    options.size = size
                    if text == "before-24" {
                        try Self.apply(schedule: "\(size / 4):100,\(size / 2):40,\(size):6", size: size, to: &options)
                        options.gram.rangeWeight = 0
                    } else if text != "default" {
                        try Self.apply(schedule: text, size: size, to: &options)
                    }
                    let stylizer = try Stylizer(options: options, weights: .directory(NSTemporaryDirectory() + "/stylize-bench-no-weights"))
                    var reports: [(step: Int, work: Double, seconds: Double, eta: Double?)] = []
                    var remaining = RemainingTime()
                    let wall0 = monotonicSeconds(), cpu0 = cpuSeconds()
                    let result = try stylizer.stylize(content: contentImage, styles: [styleImage]) { p in
                        let now = monotonicSeconds() - wall0
                        reports.append((p.step, p.workDone, now, remaining.update(workDone: p.workDone, now: now)))
                    }
                    let wall = monotonicSeconds() - wall0, cpu = cpuSeconds() - cpu0
                    let c = resizeLongSide(contentImage, to: size)
                    guard case let .gram(network) = stylizer.engine else { throw StyleError.invalidArgument("Gram mode did not run") }
                    let loss = try finalPassLoss(of: result, content: c, styles: [styleImage], weights: [1], network: network, options: options.gram)
                    let passes = try gramPasses(content: (c.shape[1], c.shape[2]), styles: [], options: options.gram,
                                                minimumSide: network.minimumSide(for: options.gram))
                    // Seconds per pass: from the previous pass's last report to this pass's last one.
                    var ends: [Double] = [], lastStep = 0
                    for pass in passes {
                        lastStep += pass.steps
                        ends.append(reports.last { $0.step <= lastStep }?.seconds ?? 0)
                    }
                    let perPass = zip(ends, [0] + ends).map { String(format: "%.1f", $0 - $1) }.joined(separator: " + ")
                    // Relative ETA error at each step while at least a tenth of the run is left (near the end
                    // a second is a large share of what is left).
                    let worst = reports.compactMap { r -> Double? in
                        let left = wall - r.seconds
                        guard let eta = r.eta, left >= 0.1 * wall else { return nil }
                        return abs(eta - left) / left
                    }.max() ?? 0
                    let look = try LookScores.score(result: result, content: c, style: styleImage, styleScale: options.gram.styleScale)
                    print(String(format: "%d. %@@%g: %.2f s wall, %.2f s CPU (%@ s per pass); final-pass loss content %.4f style %.4f total %.4f; look: held-out style %.3f, edges %.2f, saturation %.2f, content %.3f; ETA error ≤ %.0f %% while ≥ 10 %% of the run is left",
                                 index + 1, passes.map { "\($0.longSide):\($0.steps)" }.joined(separator: ","), options.gram.evaluationsPerStep, wall, cpu, perPass,
                                 loss.content, loss.style, loss.total, look.heldOutStyle, look.edgeRatio, look.saturationRatio, look.contentCorrelation, worst * 100))
                    if etaLog {
                        for r in reports { print(String(format: "   step %d work %.4f at %.2f s: ETA %@, actual %.2f s", r.step, r.work, r.seconds, r.eta.map { String(format: "%.2f s", $0) } ?? "-", wall - r.seconds)) }
                    }
                    if let outputDir {
                        try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
                        try ImageFile.write(result, to: "\(outputDir)/\(index + 1).npy")
                    }
                }
            }
        } catch { fail(error) }
    }

    /// "128:100,256:60,512:20" → multiscale 128:100,256:60 and steps 20 (the last pass must be at `size`),
    /// with 1.25 evaluations per step; "…@3" → 3.
    static func apply(schedule text: String, size: Int, to options: inout StyleOptions) throws {
        let parts = text.split(separator: "@", maxSplits: 1).map(String.init)
        options.gram.evaluationsPerStep = 1.25
        if parts.count == 2 {
            guard let e = Double(parts[1]), e >= 1 else {
                throw StyleError.invalidArgument("--schedule: evaluations per step after @ must be a number ≥ 1, not '\(parts[1])'")
            }
            options.gram.evaluationsPerStep = e
        }
        let passes = parts[0].split(separator: ",").map(String.init)
        guard let last = passes.last, last.hasPrefix("\(size):"), let steps = Int(last.dropFirst("\(size):".count)) else {
            throw StyleError.invalidArgument("--schedule must end with the final pass \(size):STEPS, not '\(text)'")
        }
        options.gram.steps = steps
        try options.set("multiscale", to: passes.count == 1 ? "off" : passes.dropLast().joined(separator: ","))
    }
}

/// User + system CPU seconds of this process so far (all threads).
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}
