/// Which OpenBLAS core type to run, decided from the CPU's flags.
///
/// Debian's OpenBLAS 0.3.21 (DYNAMIC_ARCH) falls back to "Prescott" on CPUs newer than it knows
/// (Sapphire Rapids: ~60 instead of ~300 GFLOP/s sgemm on 2 cores), but forcing a core the CPU
/// cannot run dies with an illegal instruction. So: the best core for the flags, only when it
/// beats OpenBLAS's own pick, and never against a user's explicit OPENBLAS_CORETYPE.
public struct BLASCoreChoice: Equatable, Sendable {
    /// The core to force, or nil to keep OpenBLAS's own choice.
    public var force: String?
    public var reason: String
    /// When the user set OPENBLAS_CORETYPE: the core the engine would otherwise make sure of (the strongest
    /// this CPU runs), so `stylize info` and `bench` can say what the setting costs.
    public var withoutUserSetting: String? = nil

    /// Rough sgemm strength of OpenBLAS's x86 core types (higher is faster on a CPU that runs it).
    public static func rank(_ core: String) -> Int {
        switch core.lowercased() {
        case "cooperlake", "sapphirerapids": return 5
        case "skylakex": return 4
        case "haswell", "zen", "excavator": return 3
        case "sandybridge", "bulldozer", "piledriver", "steamroller": return 2
        case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "barcelona", "bobcat",
             "opteron", "opteron_sse3", "athlon", "katmai", "coppermine", "northwood", "banias": return 1
        default: return 0
        }
    }

    /// The strongest core type whose instructions the CPU (and OS) supports, or nil if none helps.
    public static func bestCore(for cpu: CPUFeatures) -> String? {
        if cpu.hasAVX512Core { return cpu.avx512bf16 ? "Cooperlake" : "SkylakeX" }
        if cpu.avx2 && cpu.fma { return cpu.isAMD ? "Zen" : "Haswell" }
        if cpu.avx { return "Sandybridge" }
        return nil
    }

    /// The decision, a pure function of the flags, OpenBLAS's own pick and the user's setting.
    public static func decide(cpu: CPUFeatures, openBLASChoice: String, userSetting: String?) -> BLASCoreChoice {
        if let user = userSetting, !user.isEmpty {
            let best = bestCore(for: cpu)
            return BLASCoreChoice(force: nil, reason: "OPENBLAS_CORETYPE=\(user) set by the environment; left as is"
                                  + (best.map { " (without it the engine would run \($0) or better)" } ?? ""), withoutUserSetting: best)
        }
        guard let best = bestCore(for: cpu) else {
            return BLASCoreChoice(force: nil, reason: "CPU has no AVX; OpenBLAS's own choice kept")
        }
        if rank(openBLASChoice) >= rank(best) {
            return BLASCoreChoice(force: nil, reason: "OpenBLAS's own choice \(openBLASChoice) is already the best for this CPU (\(cpu.flagSummary))")
        }
        return BLASCoreChoice(force: best, reason: "OpenBLAS picked \(openBLASChoice), weaker than \(best), which this CPU supports (\(cpu.flagSummary))")
    }
}
