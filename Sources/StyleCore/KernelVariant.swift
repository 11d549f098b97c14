import CKernels

/// Instruction-set variants of the C kernels (fused attention, Winograd transforms), one chosen per process
/// from the CPU: AVX2+FMA where the CPU has it, else baseline x86-64. The AVX-512 variants have never run on
/// a CPU we test on, so they are chosen only when the CPU has AVX-512 F/BW/DQ/VL and `STYLIZE_ENABLE_AVX512=1`.
public enum KernelVariant: String, CaseIterable, Sendable {
    case generic, avx2, avx512
    /// The AVX-512 variants' code (12×32 attention tiles, 16-float vectors) compiled for AVX2: checks their
    /// arithmetic on CPUs without AVX-512; never chosen by default.
    case avx512TilesOnAVX2 = "avx512-tiles-on-avx2"

    /// The environment variable that opts in to the untested AVX-512 variants.
    public static let optInVariable = "STYLIZE_ENABLE_AVX512"

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

    /// The variant chosen from the CPU (and `STYLIZE_ENABLE_AVX512`), what runs unless a test selects another.
    public static var automatic: KernelVariant { KernelVariant(sk_isa_default()) }

    /// The variant the kernels run now.
    public static var active: KernelVariant { KernelVariant(sk_isa_active()) }

    /// Whether `STYLIZE_ENABLE_AVX512=1` is set.
    public static var untestedOptIn: Bool { sk_isa_untested_opt_in() != 0 }

    /// One line for `stylize info` and `stylize bench`: which variant runs and why.
    public static var summary: String {
        let chosen = active
        if KernelVariant.avx512.isSupported && chosen != .avx512 {
            return "\(chosen.rawValue) (this CPU has AVX-512: \(optInVariable)=1 enables the AVX-512 kernels, never run on a CPU with it yet)"
        }
        if chosen == .avx512 { return "avx512 (opted in by \(optInVariable)=1: these kernels were never checked on a CPU with AVX-512)" }
        return chosen.rawValue
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
