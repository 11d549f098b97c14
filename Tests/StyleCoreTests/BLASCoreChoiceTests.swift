import Foundation
import XCTest
@testable import StyleCore

/// BLASCoreChoice.decide over a table of CPU flag sets, and the OpenBLAS actually loaded.
final class BLASCoreChoiceTests: XCTestCase {
    static let intel = "GenuineIntel", amd = "AuthenticAMD"
    static let avx2 = CPUFeatures(vendor: intel, avx: true, avx2: true, fma: true)
    static let avx512 = CPUFeatures(vendor: intel, avx: true, avx2: true, fma: true, avx512f: true, avx512bw: true,
                                    avx512dq: true, avx512vl: true)

    func testDecisionTable() {
        var bf16 = Self.avx512
        bf16.avx512bf16 = true
        let zen = CPUFeatures(vendor: Self.amd, avx: true, avx2: true, fma: true)
        let avx512FOnly = CPUFeatures(vendor: Self.intel, avx: true, avx2: true, fma: true, avx512f: true)
        let noAVX = CPUFeatures(vendor: Self.intel)
        let avxOnly = CPUFeatures(vendor: Self.intel, avx: true)

        let table: [(String, CPUFeatures, openBLAS: String, user: String?, force: String?)] = [
            ("AVX-512 F/BW/DQ/VL, OpenBLAS Prescott", Self.avx512, "Prescott", nil, "SkylakeX"),
            ("AVX-512 + avx512_bf16, OpenBLAS Prescott", bf16, "Prescott", nil, "Cooperlake"),
            ("AVX-512 + avx512_bf16, OpenBLAS SkylakeX", bf16, "SkylakeX", nil, "Cooperlake"),
            ("AMD AVX2+FMA, OpenBLAS Zen", zen, "Zen", nil, nil),
            ("AMD AVX2+FMA, OpenBLAS Prescott", zen, "Prescott", nil, "Zen"),
            ("Intel AVX2+FMA, OpenBLAS Prescott", Self.avx2, "Prescott", nil, "Haswell"),
            ("AVX-512F without BW, OpenBLAS Prescott", avx512FOnly, "Prescott", nil, "Haswell"),
            ("AVX-512 but user set OPENBLAS_CORETYPE", Self.avx512, "Prescott", "Haswell", nil),
            ("no AVX, OpenBLAS Prescott", noAVX, "Prescott", nil, nil),
            ("no AVX, OpenBLAS Core2", noAVX, "Core2", nil, nil),
            ("AVX only, OpenBLAS Prescott", avxOnly, "Prescott", nil, "Sandybridge"),
            ("AVX-512, OpenBLAS already SkylakeX", Self.avx512, "SkylakeX", nil, nil),
            ("AVX-512, OpenBLAS already Cooperlake", Self.avx512, "Cooperlake", nil, nil),
            ("AVX-512, OpenBLAS lower-case skylakex", Self.avx512, "skylakex", nil, nil),
            ("Intel AVX2+FMA, OpenBLAS Haswell", Self.avx2, "Haswell", nil, nil),
            ("AVX-512, empty user setting counts as unset", Self.avx512, "Prescott", "", "SkylakeX"),
        ]
        for (name, cpu, openBLAS, user, force) in table {
            let choice = BLASCoreChoice.decide(cpu: cpu, openBLASChoice: openBLAS, userSetting: user)
            XCTAssertEqual(choice.force, force, "\(name): \(choice.reason)")
            XCTAssertFalse(choice.reason.isEmpty, name)
        }
    }

    func testAVX512WithoutBWIsNeverSkylakeX() {
        for missing in ["bw", "dq", "vl"] {
            var cpu = Self.avx512
            switch missing {
            case "bw": cpu.avx512bw = false
            case "dq": cpu.avx512dq = false
            default: cpu.avx512vl = false
            }
            let choice = BLASCoreChoice.decide(cpu: cpu, openBLASChoice: "Prescott", userSetting: nil)
            XCTAssertNotEqual(choice.force, "SkylakeX", "AVX-512 without \(missing)")
            XCTAssertNotEqual(choice.force, "Cooperlake", "AVX-512 without \(missing)")
        }
    }

    /// cpuid + xgetbv detection agrees with the kernel's view of the same CPU (Linux only).
    func testCPUFeaturesAgreeWithProcCpuinfo() throws {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else {
            throw XCTSkip("no /proc/cpuinfo flags")
        }
        let flags = Set(line.split(separator: ":").last!.split(separator: " ").map(String.init))
        let cpu = CPUFeatures.current
        let checked: [(String, Bool)] = [
            ("avx", cpu.avx), ("avx2", cpu.avx2), ("fma", cpu.fma), ("avx512f", cpu.avx512f), ("avx512bw", cpu.avx512bw),
            ("avx512dq", cpu.avx512dq), ("avx512vl", cpu.avx512vl), ("avx512_bf16", cpu.avx512bf16),
        ]
        for (flag, detected) in checked { XCTAssertEqual(detected, flags.contains(flag), "\(flag) (\(cpu.brand))") }
    }

    func testBLASLoadsAndReportsCore() throws {
        let info = try BLAS.load()
        XCTAssertFalse(info.core.isEmpty)
        XCTAssertFalse(info.library.isEmpty)
        XCTAssertGreaterThan(info.threads, 0)
        print("OpenBLAS \(info.library): core \(info.core) (own choice \(info.openBLASChoice)), \(info.threads) threads; \(info.reason)")
        // Whatever core was chosen, this CPU must run it: one small sgemm.
        let c = matmul(Tensor(shape: [1, 2], values: [1, 2]), Tensor(shape: [2, 1], values: [3, 4]))
        XCTAssertEqual(c.values, [11])
    }
}
