import CKernels
#if canImport(Glibc)
import Glibc
#endif

/// Instruction-set variants of the C kernels (fused attention, Winograd transforms), one chosen per process
/// from the CPU: AVX-512 F/BW/DQ/VL, else AVX2+FMA, else baseline x86-64; `STYLIZE_KERNELS` forces one.
public enum KernelVariant: String, CaseIterable, Sendable {
    case generic, avx2, avx512
    /// The AVX-512 variants' code (12×32 attention tiles, 16-float vectors) compiled for AVX2: checks their
    /// arithmetic on CPUs without AVX-512; never chosen by default.
    case avx512TilesOnAVX2 = "avx512-tiles-on-avx2"

    /// The environment variable that forces a variant (generic, avx2 or avx512) instead of the CPU's best.
    public static let forcingVariable = "STYLIZE_KERNELS"

    /// The variants `STYLIZE_KERNELS` may name (the tiles-on-AVX2 check is for tests only).
    public static let forcible: [KernelVariant] = [.generic, .avx2, .avx512]

    var isa: sk_isa {
        switch self {
        case .generic: return SK_ISA_GENERIC
        case .avx2: return SK_ISA_AVX2
        case .avx512: return SK_ISA_AVX512
        case .avx512TilesOnAVX2: return SK_ISA_AVX512_TILES_ON_AVX2
        }
    }

    init(_ isa: sk_isa) {
        switch isa {
        case SK_ISA_AVX512: self = .avx512
        case SK_ISA_AVX2: self = .avx2
        case SK_ISA_AVX512_TILES_ON_AVX2: self = .avx512TilesOnAVX2
        default: self = .generic
        }
    }

    /// Whether this CPU (and its OS) can run the variant.
    public var isSupported: Bool { sk_isa_supported(isa) != 0 }

    /// The variants this CPU can run.
    public static var supported: [KernelVariant] { allCases.filter(\.isSupported) }

    /// The variant chosen from the CPU (or `STYLIZE_KERNELS`), what runs unless a test selects another.
    public static var automatic: KernelVariant { KernelVariant(sk_isa_default()) }

    /// The variant the kernels run now.
    public static var active: KernelVariant { KernelVariant(sk_isa_active()) }

    /// The variant `STYLIZE_KERNELS` forces, nil when it is unset; throws when it names no variant this CPU runs.
    public static func forced() throws(StyleError) -> KernelVariant? {
        let code = sk_isa_forced()
        if code == -1 { return nil }
        let value = getenv(forcingVariable).map { String(cString: $0) } ?? ""
        let names = forcible.map(\.rawValue).joined(separator: ", ")
        guard code >= 0 else {
            throw StyleError.invalidArgument("\(forcingVariable)=\(value) names no kernel variant: use one of \(names), or unset it for the CPU's best")
        }
        let variant = KernelVariant(sk_isa(rawValue: UInt32(code)))
        guard variant.isSupported else {
            let runnable = forcible.filter(\.isSupported).map(\.rawValue).joined(separator: ", ")
            throw StyleError.invalidArgument("\(forcingVariable)=\(value): this CPU cannot run the \(value) kernels (it can run \(runnable); flags: \(CPUFeatures.current.flagSummary))")
        }
        return variant
    }

    /// One line for `stylize info` and `stylize bench`: which variant runs and why.
    public static var summary: String {
        let chosen = active
        if (try? forced()) ?? nil == chosen { return "\(chosen.rawValue) (forced by \(forcingVariable))" }
        return "\(chosen.rawValue) (the best this CPU runs; \(forcingVariable)=\(forcible.map(\.rawValue).joined(separator: "|")) forces one)"
    }

    /// Runs body with every kernel on `variant` (tests compare variants), then restores the previous choice.
    /// The variant must be supported; kernels called from other threads meanwhile run it too.
    public static func with<T>(_ variant: KernelVariant, _ body: () throws -> T) rethrows -> T {
        let previous = active
        precondition(sk_isa_select(variant.isa) != 0, "this CPU cannot run the \(variant.rawValue) kernels")
        defer { sk_isa_select(previous.isa) }
        return try body()
    }
}
