/// Arithmetic of the engine's matrix products. Only fp32 is implemented; bf16 (bf16 operands, fp32
/// accumulation with AVX512-BF16 `vdpbf16ps`, issue 18) is refused on every CPU until its kernels exist.
public enum Precision: String, CaseIterable, Sendable {
    case fp32, bf16

    /// Why this CPU cannot run the precision, as the rest of a sentence after "precision bf16 ", or nil when it can.
    public func unavailability(on cpu: CPUFeatures) -> String? {
        switch self {
        case .fp32:
            return nil
        case .bf16:
            guard cpu.avx512bf16 && cpu.hasAVX512Core else {
                return "needs a CPU with AVX512-BF16 (this CPU has: \(cpu.flagSummary.split(separator: " ").joined(separator: ", ")))"
            }
            return "is not built yet: this CPU has AVX512-BF16, but stylize has no bf16 kernels so far"
        }
    }

    /// The precisions this CPU can run, for `stylize info`.
    public static func available(on cpu: CPUFeatures) -> [Precision] {
        allCases.filter { $0.unavailability(on: cpu) == nil }
    }
}
