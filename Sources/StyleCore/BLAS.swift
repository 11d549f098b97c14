import CBLAS
#if canImport(Glibc)
import Glibc
#endif

/// OpenBLAS, loaded once on first use with the core type chosen by `BLASCoreChoice`.
public enum BLAS {
    public struct Info: Sendable {
        public var library: String
        public var config: String
        public var core: String
        public var openBLASChoice: String
        public var reason: String
        /// OPENBLAS_CORETYPE as the environment set it (nil: unset), and the core the engine would run without it.
        public var environmentCore: String?
        public var coreWithoutEnvironment: String?
        /// Threads the engine uses for BLAS work (each OpenBLAS call itself is single-threaded).
        public var threads: Int
        public var cpu: CPUFeatures
    }

    /// Loads OpenBLAS (once). Throws if it is not installed, or if `STYLIZE_KERNELS` names a variant this CPU cannot run.
    public static func load() throws -> Info {
        switch state {
        case let .success(info): return info
        case let .failure(error): throw error
        }
    }

    /// Cores the engine spreads its work over (OpenBLAS's own thread count, i.e. the CPUs online),
    /// lowered to `WorkerLimit`.
    static var cores: Int { WorkerLimit.capped(onlineCores) }

    private static let onlineCores: Int = {
        if case let .success(info) = state { return max(1, info.threads) }
        return 1
    }()

    /// `load()` for kernels, which cannot throw. Entry points call `load()` first and report its error;
    /// a caller that did not still gets that error as one line and exit status 1, not a crash.
    @inline(__always) static func ensureLoaded() {
        if case let .failure(error) = state { exitReporting(error) }
    }

    private static func exitReporting(_ error: StyleError) -> Never {
        flockfile(stderr)  // one line even if several worker threads get here; never unlocked
        fputs("error: \(error)\n", stderr)
        _exit(1)
    }

    private static let state: Result<Info, StyleError> = {
        // A kernel variant STYLIZE_KERNELS forces is checked with the engine's other start-up facts.
        do throws(StyleError) { _ = try KernelVariant.forced() } catch { return .failure(error) }
        var err = [CChar](repeating: 0, count: 512)
        func open() -> Result<Void, StyleError> {
            sb_load(&err, Int32(err.count)) == 0 ? .success(()) : .failure(.blas(String(cString: err)))
        }
        if case let .failure(e) = open() { return .failure(e) }
        let cpu = CPUFeatures.current
        let native = String(cString: sb_corename())
        let user = getenv("OPENBLAS_CORETYPE").map { String(cString: $0) }
        let choice = BLASCoreChoice.decide(cpu: cpu, openBLASChoice: native, userSetting: user)
        if let core = choice.force {
            // OpenBLAS reads the variable when it initialises: reload it with the variable set.
            sb_unload()
            setenv("OPENBLAS_CORETYPE", core, 1)
            let reopened = open()
            unsetenv("OPENBLAS_CORETYPE")
            if case let .failure(e) = reopened { return .failure(e) }
        }
        // OpenBLAS single-threaded: the engine splits work across cores itself (gemm, attention
        // heads), so no OpenBLAS worker spins (sched_yield) while the engine's own loops run.
        let threads = Int(sb_num_threads())
        sb_set_num_threads(1)
        return .success(Info(library: String(cString: sb_library_path()), config: String(cString: sb_config()),
                             core: String(cString: sb_corename()), openBLASChoice: native, reason: choice.reason,
                             environmentCore: user.flatMap { $0.isEmpty ? nil : $0 }, coreWithoutEnvironment: choice.withoutUserSetting,
                             threads: threads, cpu: cpu))
    }()
}
