import ArgumentParser
import StyleCore

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The CPU, the BLAS library, its core type and why, threads.")

    func run() throws {
        let info: BLAS.Info
        do { info = try BLAS.load() } catch { fail(error) }
        print("""
        stylize \(Stylize.version)
        CPU:           \(info.cpu.brand.isEmpty ? "unknown" : info.cpu.brand) (\(info.cpu.vendor))
        CPU flags:     \(info.cpu.flagSummary)
        BLAS library:  \(info.library)
        BLAS config:   \(info.config.trimmingSpaces)
        BLAS core:     \(info.core)
        OpenBLAS pick: \(info.openBLASChoice)
        why:           \(info.reason)
        environment:   \(info.environmentCore.map { "OPENBLAS_CORETYPE=\($0); without it: \(info.coreWithoutEnvironment ?? "OpenBLAS's own pick")" } ?? "OPENBLAS_CORETYPE not set")
        threads:       \(info.threads)
        kernels:       \(KernelVariant.summary)
        precision:     \(precisionSummary(info.cpu))
        """)
    }
}

/// "fp32" and, for each precision this CPU cannot run, why: one line of `stylize info`.
func precisionSummary(_ cpu: CPUFeatures) -> String {
    let refused = Precision.allCases.compactMap { p in p.unavailability(on: cpu).map { "\(p.rawValue) \($0)" } }
    return Precision.available(on: cpu).map(\.rawValue).joined(separator: ", ")
        + (refused.isEmpty ? "" : " (" + refused.joined(separator: "; ") + ")")
}
