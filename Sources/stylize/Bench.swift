import ArgumentParser
import GramStyle
import StyTr2
import StyleCore
#if canImport(Glibc)
import Glibc
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure this machine: sgemm GFLOP/s (speed figures live here, never in tests).",
        subcommands: [SGEMM.self, StyTr2Forward.self, GramStep.self])

    struct SGEMM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sgemm", abstract: "sgemm N³ GFLOP/s (best of several runs).")
        @Option(help: "Matrix size N.") var size = 2048
        @Option(help: "Timed repetitions.") var repeats = 5

        func run() throws {
            let info: BLAS.Info
            do { info = try BLAS.load() } catch { fail(error) }
            let n = size
            let a = Tensor(shape: [n, n]), b = Tensor(shape: [n, n]), c = Tensor(shape: [n, n])
            for i in 0..<a.count { a[i] = Float(i % 7) * 0.1; b[i] = Float(i % 5) * 0.1 }
            var best = Double.infinity
            for r in 0...repeats {
                let t0 = monotonicSeconds()
                gemm(m: n, n: n, k: n, a: a.data, lda: n, b: b.data, ldb: n, c: c.data, ldc: n)
                if r > 0 { best = min(best, monotonicSeconds() - t0) }  // the first run warms up threads
            }
            let gflops = 2 * Double(n) * Double(n) * Double(n) / best / 1e9
            print(String(format: "sgemm %d³: %.1f GFLOP/s (%.3f s) — core %@, %d threads, CPU %@",
                         n, gflops, best, info.core, info.threads, info.cpu.brand))
        }
    }
}

/// StyTr² forward at official dimensions with seeded weights (no weight file needed).
struct StyTr2Forward: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stytr2", abstract: "Time one StyTr² forward pass (official dimensions, seeded weights).")
    @Option(help: "Content size: N (N×N) or WxH, e.g. 2048x1152.") var size = "512"
    @Option(help: "Style side in pixels (default: the content's long side).") var styleSize: Int?
    @Option(help: "Timed repetitions.") var repeats = 1

    func run() throws {
        do {
            let info = try BLAS.load()
            let sides = size.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
            guard sides.count <= 2, let width = sides.first, let height = sides.last, width >= 16, height >= 16 else {
                throw StyleError.invalidArgument("--size must be N or WxH with sides of at least 16, not '\(size)'")
            }
            let styleSide = styleSize ?? max(width, height)
            let c = StyTr2Configuration.official
            let model = try StyTr2(configuration: c, weights: SeededWeights(seed: 2022, shapes: c.tensorShapes(cnnChannels: [256, 256, 256, 256, 128, 128, 64, 64, 3])))
            let content = Tensor(shape: [3, height, width]), style = Tensor(shape: [3, styleSide, styleSide])
            for i in 0..<content.count { content[i] = Float(i % 251) / 251 }
            for i in 0..<style.count { style[i] = Float(i % 241) / 241 }
            var best = Double.infinity
            for _ in 0..<repeats {
                let t0 = monotonicSeconds()
                _ = try model.stylize(content: content, style: style)
                best = min(best, monotonicSeconds() - t0)
            }
            print(String(format: "stytr2 forward %d×%d, style %d²: %.2f s, peak RSS %.0f MB — core %@, %d threads, CPU %@",
                         width, height, styleSide, best, peakRSSMegabytes(), info.core, info.threads, info.cpu.brand))
        } catch { fail(error) }
    }
}

/// Gatys L-BFGS steps on VGG-19 (seeded, vgg_normalised layout, content relu4_2, Gram at relu1_1…relu5_1).
struct GramStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gram", abstract: "Time Gatys L-BFGS steps on VGG-19 (seeded weights); prints seconds per step.")
    @Option(help: "Image side in pixels.") var size = 512
    @Option(help: "Timed L-BFGS steps (after one warm-up step).") var steps = 5

    func run() throws {
        do {
            let info = try BLAS.load()
            let vgg = VGG19.random(seed: 2022, layout: .normalised)
            let content = Tensor(shape: [3, size, size]), style = Tensor(shape: [3, size, size])
            for i in 0..<content.count { content[i] = Float(i % 251) / 251; style[i] = Float(i % 241) / 241 }
            var options = GramOptions()
            options.steps = 1
            options.optimiser = .lbfgs(lineSearch: .none)
            _ = try gramStylize(content: content, style: style, network: vgg, options: options)
            options.steps = steps
            let t0 = monotonicSeconds()
            _ = try gramStylize(content: content, style: style, network: vgg, options: options)
            let perStep = (monotonicSeconds() - t0) / Double(steps)
            print(String(format: "gram L-BFGS step %d²: %.2f s, peak RSS %.0f MB — core %@, %d threads, CPU %@",
                         size, perStep, peakRSSMegabytes(), info.core, info.threads, info.cpu.brand))
        } catch { fail(error) }
    }
}

/// Peak resident set size of this process so far (getrusage), in MB.
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
