import XCTest
@testable import StyleCore
#if canImport(Glibc)
import Glibc
#endif

/// The choice of kernel variant: the C dispatcher's CPU checks agree with StyleCore's own cpuid reading,
/// AVX-512 runs only on a CPU that has it and only when opted in, and tests can select a variant and get
/// the previous one back.
final class KernelVariantTests: XCTestCase {
    func testSupportMatchesTheCPUFlags() {
        let cpu = CPUFeatures.current
        XCTAssertTrue(KernelVariant.generic.isSupported)
        XCTAssertEqual(KernelVariant.avx2.isSupported, cpu.avx2 && cpu.fma, cpu.flagSummary)
        XCTAssertEqual(KernelVariant.avx512TilesOnAVX2.isSupported, cpu.avx2 && cpu.fma, cpu.flagSummary)
        XCTAssertEqual(KernelVariant.avx512.isSupported, cpu.hasAVX512Core && cpu.fma, cpu.flagSummary)
    }

    func testAVX512OnlyWhenTheCPUHasItAndTheVariableOptsIn() {
        let cpu = CPUFeatures.current, best: KernelVariant = cpu.avx2 && cpu.fma ? .avx2 : .generic
        let saved = getenv(KernelVariant.optInVariable).map { String(cString: $0) }
        defer { if let saved { setenv(KernelVariant.optInVariable, saved, 1) } else { unsetenv(KernelVariant.optInVariable) } }
        unsetenv(KernelVariant.optInVariable)
        XCTAssertEqual(KernelVariant.automatic, best, "no opt-in: never AVX-512")
        setenv(KernelVariant.optInVariable, "0", 1)
        XCTAssertEqual(KernelVariant.automatic, best, "only 1 opts in")
        setenv(KernelVariant.optInVariable, "1", 1)
        XCTAssertEqual(KernelVariant.automatic, cpu.hasAVX512Core && cpu.fma ? .avx512 : best, "opted in: AVX-512 only where the CPU has it")
    }

    func testSelectingAVariantAndRestoringIt() {
        let before = KernelVariant.active
        KernelVariant.with(.generic) { XCTAssertEqual(KernelVariant.active, .generic) }
        XCTAssertEqual(KernelVariant.active, before)
    }
}
