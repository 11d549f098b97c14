import ArgumentParser
import GramStyle
import StyTr2
import StyleCore
#if canImport(Glibc)
import Glibc
#endif

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure this machine (speed figures live here, not in tests).",
        subcommands: [SGEMM.self, AttentionCore.self, StyTr2Forward.self, GramStep.self, GramEvaluation.self, ConvLayer.self,
                      GramDefaultRun.self, GramLook.self, PlanBench.self])

    struct SGEMM: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sgemm", abstract: "sgemm N³ GFLOP/s (best of several runs).")
        @Option(help: "Matrix size N.") var size = 2048
        @Option(help: "Timed repetitions.") var repeats = 5
        @Option(help: "fp32 (OpenBLAS) or bf16 (the engine's AVX512-BF16 kernel).") var precision: Precision = .fp32

        func run() throws {
            let info: BLAS.Info
            do { info = try BLAS.load(); try precision.check() } catch { fail(error) }
            let n = size
            let a = Tensor(shape: [n, n]), b = Tensor(shape: [n, n]), c = Tensor(shape: [n, n])
            for i in 0..<a.count { a[i] = Float(i % 7) * 0.1; b[i] = Float(i % 5) * 0.1 }
            // One untimed run first: it starts OpenBLAS's threads.
            let best = bestSeconds(of: repeats, warmUp: true) {
                gemm(m: n, n: n, k: n, a: a.data, lda: n, b: b.data, ldb: n, c: c.data, ldc: n, precision: precision)
            }
            let gflops = 2 * Double(n) * Double(n) * Double(n) / best / 1e9
            print(String(format: "%@ %d³: %.1f GFLOP/s (%.3f s) — core %@, %d threads, CPU %@%@",
                         precision == .fp32 ? "sgemm" : "bf16 gemm", n, gflops, best, info.core, info.threads, info.cpu.brand, info.coreNote))
        }
    }
}

/// The attention core alone (softmax(Q·Kᵀ/√dh)·V over all heads, no projections) at StyTr²'s width.
struct AttentionCore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attention", abstract: "Time the streaming attention core (d 512, 8 heads), the bulk of StyTr² at high resolution.")
    @Option(help: "Query and key tokens (4096 = a 512² image in 8×8 patches).") var tokens = 4096
    @Option(help: "Timed repetitions (best is reported).") var repeats = 3
    @Option(help: "Query rows per block.") var queryBlock = AttentionBlocking().queryBlock
    @Option(help: "Keys per block.") var keyBlock = AttentionBlocking().keyBlock
    @Option(help: "fp32, or bf16 (QKᵀ and PV as bf16 dot products; needs AVX512-BF16).") var precision: Precision = .fp32

    func run() throws {
        do {
            let info = try BLAS.load()
            try precision.check()
            guard tokens >= 1, queryBlock >= 1, keyBlock >= 1 else {
                throw StyleError.invalidArgument("--tokens, --query-block and --key-block must be at least 1")
            }
            let n = tokens, d = 512, heads = 8
            let q = Tensor(shape: [n, d]), k = Tensor(shape: [n, d]), v = Tensor(shape: [n, d]), out = Tensor(shape: [n, d])
            for i in 0..<q.count { q[i] = Float(i % 13) * 0.05 - 0.3; k[i] = Float(i % 11) * 0.05 - 0.25; v[i] = Float(i % 7) * 0.1 }
            let best = bestSeconds(of: repeats) {
                let packed = packKeysValues(k: k.data, v: v.data, nk: n, d: d, heads: heads, precision: precision)
                streamingAttention(q: q.data, packed: packed, out: out.data, nq: n, nk: n, d: d, heads: heads,
                                   blocking: AttentionBlocking(queryBlock: queryBlock, keyBlock: keyBlock), precision: precision)
            }
            let flops = 4 * Double(n) * Double(n) * Double(d)
            print(String(format: "attention core %d tokens, blocks %d×%d, %@: %.3f s, %.1f GFLOP/s — kernels %@, core %@, %d threads, CPU %@%@",
                         n, queryBlock, keyBlock, precision.rawValue, best, flops / best / 1e9, KernelVariant.active.rawValue, info.core, info.threads, info.cpu.brand, info.coreNote))
        } catch { fail(error) }
    }
}

/// StyTr² forward at official dimensions with seeded weights (no weight file needed).
struct StyTr2Forward: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stytr2", abstract: "Time one StyTr² forward pass (official dimensions, seeded weights).")
    @Option(help: "Content size: N (N×N) or WxH, e.g. 2048x1152.") var size = "512"
    @Option(help: "Style side in pixels (default: the content's long side).") var styleSize: Int?
    @Option(help: "Timed repetitions.") var repeats = 1
    @Option(help: "Style strength α; below 1 adds the content-self decoder pass.") var alpha: Float = 1
    @Option(help: "Style images blended (each adds a style encoder and decoder pass).") var styles = 1
    @Option(help: "fp32, or bf16 (bf16 operands, fp32 accumulation; needs AVX512-BF16).") var precision: Precision = .fp32

    func run() throws {
        do {
            let info = try BLAS.load()
            try precision.check()
            let sides = size.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
            guard sides.count <= 2, let width = sides.first, let height = sides.last, width >= 16, height >= 16 else {
                throw StyleError.invalidArgument("--size must be N or WxH with sides of at least 16, not '\(size)'")
            }
            let styleSide = styleSize ?? max(width, height)
            let c = StyTr2Configuration.official, cnnChannels = [256, 256, 256, 256, 128, 128, 64, 64, 3]
            let model = try StyTr2Model(configuration: c, weights: SeededWeights(seed: 2022, shapes: c.tensorShapes(cnnChannels: cnnChannels)))
            let content = benchImage([3, height, width], period: 251), style = benchImage([3, styleSide, styleSide], period: 241)
            let best = try bestSeconds(of: repeats) {
                _ = try model.stylize(content: content, styles: Array(repeating: style, count: styles), alpha: alpha, precision: precision)
            }
            // The effective rate is for the plain forward (one style, α = 1), the pass the yardstick counts.
            let flops = Self.directFLOPs(c, content: (height, width), styleSide: styleSide, cnnChannels: cnnChannels)
            let rate = styles == 1 && alpha == 1 ? String(format: ", %.0f GFLOP/s effective (%.0f GFLOP direct)", flops / best / 1e9, flops / 1e9) : ""
            print(String(format: "stytr2 forward %d×%d, style %d² (α %.2g, %d style%@, %@): %.2f s%@, peak RSS %.0f MB — kernels %@, core %@, %d threads, CPU %@%@",
                         width, height, styleSide, alpha, styles, styles == 1 ? "" : "s", precision.rawValue, best, rate, peakRSSMegabytes(), KernelVariant.active.rawValue, info.core, info.threads, info.cpu.brand, info.coreNote))
        } catch { fail(error) }
    }
}

extension StyTr2Forward {
    /// FLOPs of the direct computation (2 per multiply-add; convolutions as direct sums, attention dense) of a
    /// forward pass on an H×W content and a side² style: the yardstick of effective GFLOP/s.
    static func directFLOPs(_ c: StyTr2Configuration, content: (height: Int, width: Int), styleSide: Int, cnnChannels: [Int]) -> Double {
        func tokens(_ h: Int, _ w: Int) -> Double { Double((h + c.patchSize - 1) / c.patchSize * ((w + c.patchSize - 1) / c.patchSize)) }
        let nc = tokens(content.height, content.width), ns = tokens(styleSide, styleSide)
        let d = Double(c.dModel), f = Double(c.ffn)
        let embedding = 2 * (nc + ns) * d * 3 * Double(c.patchSize * c.patchSize)
        let cape = 2 * d * d * Double(c.capePool * c.capePool)
        // Projections of queries and output (n queries) and keys and values (m keys), scores and weighted values.
        func attention(_ n: Double, _ m: Double) -> Double { 2 * n * d * 2 * d + 2 * m * d * 2 * d + 2 * 2 * n * m * d }
        func feedForward(_ n: Double) -> Double { 2 * 2 * n * d * f }
        let transformer = Double(c.encoderCLayers) * (attention(nc, nc) + feedForward(nc))
            + Double(c.encoderSLayers) * (attention(ns, ns) + feedForward(ns))
            + Double(c.decoderLayers) * (attention(nc, nc) + attention(nc, ns) + feedForward(nc))
        var cnn = 0.0, channels = d, pixels = nc
        for (index, out) in zip(c.cnnConvs, cnnChannels) {
            if c.cnnUpsampleBefore.contains(index) { pixels *= 4 }
            cnn += 2 * Double(out) * channels * 9 * pixels
            channels = Double(out)
        }
        return embedding + cape + transformer + cnn
    }
}

/// Gatys L-BFGS steps on VGG-19 (seeded, vgg_normalised layout, content relu4_2, Gram at relu1_1…relu5_1).
struct GramStep: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gram", abstract: "Time Gatys L-BFGS steps on VGG-19 (seeded weights); prints seconds per step.")
    @Option(help: "Image side in pixels.") var size = 512
    @Option(help: "Timed L-BFGS steps (after one warm-up step).") var steps = 5
    @Option(help: "Style term: gram, mrf (patches of relu3_1 and relu4_1) or both.") var styleLoss = "gram"
    @Option(help: "Style patches every N feature pixels (mrf, both).") var mrfStride = 2

    func run() throws {
        do {
            let info = try BLAS.load()
            let vgg = VGG19.random(seed: 2022, layout: .normalised)
            let content = benchImage([3, size, size], period: 251), style = benchImage([3, size, size], period: 241)
            var options = GramOptions()
            guard let kind = StyleLossKind(rawValue: styleLoss), mrfStride >= 1 else {
                throw StyleError.invalidArgument("--style-loss must be gram, mrf or both and --mrf-stride at least 1")
            }
            options.styleLoss = kind
            options.mrf.styleStride = mrfStride
            options.steps = 1
            options.lineSearch = .none
            _ = try gramStylize(content: content, style: style, network: vgg, options: options)  // warm-up: one step
            options.steps = steps
            let perStep = try bestSeconds(of: 1) { _ = try gramStylize(content: content, style: style, network: vgg, options: options) } / Double(steps)
            print(String(format: "gram L-BFGS step %d² (style loss %@): %.2f s, peak RSS %.0f MB — kernels %@, core %@, %d threads, CPU %@%@",
                         size, styleLoss, perStep, peakRSSMegabytes(), KernelVariant.active.rawValue, info.core, info.threads, info.cpu.brand, info.coreNote))
        } catch { fail(error) }
    }
}

/// One 3×3 convolution layer on the Winograd path, forward and input gradient: the transforms weigh most where
/// channels are few and pixels many (StyTr²'s last decoder layers, VGG-19's first blocks).
struct ConvLayer: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "conv", abstract: "Time one 3×3 Winograd convolution layer, forward and input gradient.")
    @Option(help: "Image side in pixels.") var size = 512
    @Option(help: "Input and output channels.") var channels = 64
    @Option(help: "Timed repetitions (best is reported, after one untimed).") var repeats = 5

    func run() throws {
        do {
            let info = try BLAS.load()
            guard size >= 4, channels >= 16 else { throw StyleError.invalidArgument("--size must be at least 4 and --channels at least 16") }
            let x = benchImage([channels, size, size], period: 251), w = Tensor(shape: [channels, channels, 3, 3]), b = Tensor(shape: [channels])
            for i in 0..<w.count { w[i] = Float(i % 13) * 0.01 - 0.06 }
            let weights = Winograd3x3Weights(w)
            var y = x
            let forward = bestSeconds(of: repeats, warmUp: true) {
                y = conv3x3Winograd(x, weights: weights, bias: b, padding: .reflect(1), activation: .relu)
            }
            let backward = bestSeconds(of: repeats, warmUp: true) {
                _ = conv3x3WinogradBackwardInput(y, weights: weights, inputShape: x.shape, padding: .reflect(1))
            }
            print(String(format: "conv 3×3 %d→%d channels %d²: %.4f s forward + input gradient (forward %.4f s, input gradient %.4f s) — kernels %@, core %@, %d threads, CPU %@%@",
                         channels, channels, size, forward + backward, forward, backward, KernelVariant.active.rawValue, info.core, info.threads, info.cpu.brand, info.coreNote))
        } catch { fail(error) }
    }
}

/// One Gram objective evaluation (loss, forward and backward to the image gradient): what each L-BFGS
/// iteration and line-search probe costs, PyTorch's forward+backward in tools/bench_pytorch.py.
struct GramEvaluation: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gram-eval", abstract: "Time one Gram objective evaluation, forward and backward (seeded VGG-19 or the random network).")
    @Option(help: "Image side in pixels.") var size = 512
    @Option(help: "vgg19 (seeded weights, vgg_normalised layout) or random (the no-weights network).") var network = "vgg19"
    @Option(help: "Timed evaluations (best is reported, after one untimed).") var repeats = 3

    func run() throws {
        do {
            let info = try BLAS.load()
            let net: FeatureNetwork
            switch network {
            case "vgg19": net = VGG19.random(seed: 2022, layout: .normalised)
            case "random": net = try RandomFeatureNetwork(seed: 0)
            default: throw StyleError.invalidArgument("--network must be vgg19 or random, not '\(network)'")
            }
            let content = benchImage([3, size, size], period: 251), style = benchImage([3, size, size], period: 241)
            let objective = try GramObjective(network: net, content: content, style: style, options: GramOptions())
            let gradient = Tensor(shape: content.shape)
            let best = try bestSeconds(of: repeats, warmUp: true) { _ = try objective.evaluate(content, gradient: gradient) }
            print(String(format: "gram objective evaluation %d² (%@, forward+backward): %.3f s, peak RSS %.0f MB — kernels %@, core %@, %d threads, CPU %@%@",
                         size, network, best, peakRSSMegabytes(), KernelVariant.active.rawValue, info.core, info.threads, info.cpu.brand, info.coreNote))
        } catch { fail(error) }
    }
}

/// Peak resident set size of this process so far (getrusage), in MB.
func peakRSSMegabytes() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

/// A deterministic input of `shape`: element i is (i mod period) / period. Content and style use
/// different primes (251, 241), so the two never line up.
func benchImage(_ shape: [Int], period: Int) -> Tensor {
    let t = Tensor(shape: shape)
    for i in 0..<t.count { t[i] = Float(i % period) / Float(period) }
    return t
}

/// Shortest wall time of `repeats` runs of body (at least one), after an untimed one if `warmUp`.
func bestSeconds(of repeats: Int, warmUp: Bool = false, _ body: () throws -> Void) rethrows -> Double {
    if warmUp { try body() }
    var best = Double.infinity
    for _ in 0..<max(1, repeats) {
        let t0 = monotonicSeconds()
        try body()
        best = min(best, monotonicSeconds() - t0)
    }
    return best
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

extension BLAS.Info {
    /// ", OPENBLAS_CORETYPE=X set by the environment (engine's pick otherwise: Y)" when the variable decided the core.
    var coreNote: String {
        guard let environmentCore else { return "" }
        return ", OPENBLAS_CORETYPE=\(environmentCore) set by the environment (the engine's pick otherwise: \(coreWithoutEnvironment ?? "OpenBLAS's own"))"
    }
}

