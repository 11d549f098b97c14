import Dispatch

/// Runs body(range) over [0, n) split into contiguous chunks, on all cores.
/// For the non-BLAS loops (im2col, norms) that would otherwise leave a core idle.
public func parallelChunks(_ n: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard n > 0 else { return }
    let workers = min(max(1, WorkerLimit.capped(activeCores)), max(1, n / max(minChunk, 1)))
    if workers == 1 { body(0..<n); return }
    let chunks = workers * 4
    let size = (n + chunks - 1) / chunks
    parallelFor(iterations: (n + size - 1) / size) { c in
        body((c * size)..<min(n, (c + 1) * size))
    }
}

private let activeCores = ProcessInfoCores.count

enum ProcessInfoCores {
    static let count: Int = {
        #if canImport(Glibc)
        return Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        #else
        return 1
        #endif
    }()
}

#if canImport(Glibc)
import Glibc
#endif
