import StyleBatch
import XCTest

final class CPUGrantTests: XCTestCase {
    func testSlurmThenCgroupQuotaCappedByCoresOnline() {
        XCTAssertEqual(CPUGrant.detect(environment: ["SLURM_CPUS_PER_TASK": "3"], cpuMax: "100000 100000\n", online: 8),
                       CPUGrant(threads: 3, source: "SLURM_CPUS_PER_TASK=3"))
        XCTAssertEqual(CPUGrant.detect(environment: ["SLURM_CPUS_PER_TASK": "16"], cpuMax: nil, online: 8)?.threads, 8)
        XCTAssertEqual(CPUGrant.detect(environment: [:], cpuMax: "150000 100000\n", online: 8),
                       CPUGrant(threads: 2, source: "cgroup cpu.max 150000 100000"))
        XCTAssertEqual(CPUGrant.detect(environment: [:], cpuMax: "50000 100000\n", online: 8)?.threads, 1)
        XCTAssertNil(CPUGrant.detect(environment: [:], cpuMax: "max 100000\n", online: 8))
        XCTAssertNil(CPUGrant.detect(environment: [:], cpuMax: "800000 100000\n", online: 8))
        XCTAssertNil(CPUGrant.detect(environment: ["SLURM_CPUS_PER_TASK": "0"], cpuMax: nil, online: 8))
    }
}
