import ArgumentParser
import StyleCore
#if canImport(Glibc)
import Glibc
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure this machine: sgemm GFLOP/s (speed figures live here, never in tests).",
        subcommands: [SGEMM.self])

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

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}
