/// Arithmetic of the engine's matrix products: fp32, or bf16 operands with fp32 accumulation
/// (AVX512-BF16 `vdpbf16ps`: StyTr²'s projections, attention and CNN decoder; Gram mode stays fp32).
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
            return nil
        }
    }

    /// Throws the refusal, as an option error of field "precision", when `cpu` cannot run this precision.
    public func check(on cpu: CPUFeatures = .current) throws {
        if let problem = unavailability(on: cpu) { throw InvalidOption("precision", "\(rawValue) \(problem); use {precision} fp32") }
    }

    /// The precisions this CPU can run, for `stylize info`.
    public static func available(on cpu: CPUFeatures) -> [Precision] {
        allCases.filter { $0.unavailability(on: cpu) == nil }
    }
}
