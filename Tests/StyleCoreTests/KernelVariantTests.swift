import XCTest
@testable import StyleCore
#if canImport(Glibc)
import Glibc
#endif

/// The choice of kernel variant: the C dispatcher's CPU checks agree with StyleCore's own cpuid reading,
/// the best variant runs unless STYLIZE_KERNELS forces one, and tests can select a variant and get the
/// previous one back.
final class KernelVariantTests: XCTestCase {
    func testSupportMatchesTheCPUFlags() {
        let cpu = CPUFeatures.current
        XCTAssertTrue(KernelVariant.generic.isSupported)
        XCTAssertEqual(KernelVariant.avx2.isSupported, cpu.avx2 && cpu.fma, cpu.flagSummary)
        XCTAssertEqual(KernelVariant.avx512TilesOnAVX2.isSupported, cpu.avx2 && cpu.fma, cpu.flagSummary)
        XCTAssertEqual(KernelVariant.avx512.isSupported, cpu.hasAVX512Core && cpu.fma, cpu.flagSummary)
    }

    func testTheBestVariantUnlessTheVariableForcesOne() throws {
        let cpu = CPUFeatures.current
        let best: KernelVariant = cpu.hasAVX512Core && cpu.fma ? .avx512 : cpu.avx2 && cpu.fma ? .avx2 : .generic
        let name = KernelVariant.forcingVariable
        let saved = getenv(name).map { String(cString: $0) }
        defer { if let saved { setenv(name, saved, 1) } else { unsetenv(name) } }
        unsetenv(name)
        XCTAssertEqual(KernelVariant.automatic, best, "unset: the best the CPU runs (\(cpu.flagSummary))")
        XCTAssertNil(try KernelVariant.forced())
        for variant in KernelVariant.forcible where variant.isSupported {
            setenv(name, variant.rawValue, 1)
            XCTAssertEqual(KernelVariant.automatic, variant)
            XCTAssertEqual(try KernelVariant.forced(), variant)
        }
        setenv(name, "avx9", 1)
        XCTAssertEqual(KernelVariant.automatic, best, "an unknown name is refused at start-up, never run")
        XCTAssertThrowsError(try KernelVariant.forced()) { error in
            XCTAssertEqual("\(error)", "STYLIZE_KERNELS=avx9 names no kernel variant: use one of generic, avx2, avx512, or unset it for the CPU's best")
        }
        if !KernelVariant.avx512.isSupported {
            setenv(name, "avx512", 1)
            XCTAssertThrowsError(try KernelVariant.forced()) { XCTAssertTrue("\($0)".contains("this CPU cannot run the avx512 kernels"), "\($0)") }
        }
    }

    func testSelectingAVariantAndRestoringIt() {
        let before = KernelVariant.active
        KernelVariant.with(.generic) { XCTAssertEqual(KernelVariant.active, .generic) }
        XCTAssertEqual(KernelVariant.active, before)
    }
}
