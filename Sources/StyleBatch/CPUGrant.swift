#if canImport(Glibc)
import Glibc
#endif

/// How many CPUs a scheduler granted this task: Slurm's SLURM_CPUS_PER_TASK, else the cgroup v2
/// CPU quota (/sys/fs/cgroup/cpu.max "QUOTA PERIOD", rounded up; Kubernetes' limits.cpu), never
/// more than the cores online. nil when neither limits the task.
public struct CPUGrant: Equatable, Sendable {
    public let threads: Int
    /// What it was read from, for the log: "SLURM_CPUS_PER_TASK=4", "cgroup cpu.max 200000 100000".
    public let source: String

    public static let cgroupFile = "/sys/fs/cgroup/cpu.max"

    public init(threads: Int, source: String) {
        self.threads = threads; self.source = source
    }

    /// `cpuMax` is the text of cgroup v2's cpu.max (nil: not readable).
    public static func detect(environment: [String: String], cpuMax: String?, online: Int) -> CPUGrant? {
        if let text = environment["SLURM_CPUS_PER_TASK"], let n = Int(text), n >= 1 {
            return CPUGrant(threads: min(n, online), source: "SLURM_CPUS_PER_TASK=\(n)")
        }
        let fields = (cpuMax ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" })
        if fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 {
            let n = (quota + period - 1) / period
            if n < online { return CPUGrant(threads: max(1, n), source: "cgroup cpu.max \(quota) \(period)") }
        }
        return nil
    }

    /// `detect` on this process: its environment, the cgroup file, sysconf's cores online.
    public static func current(environment: [String: String]) -> CPUGrant? {
        detect(environment: environment, cpuMax: readSmallFile(cgroupFile), online: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// The first 256 bytes of a small file as text (cpu.max is one short line), nil when unreadable.
    private static func readSmallFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        return n >= 0 ? String(decoding: buffer[..<n], as: UTF8.self) : nil
    }
}
