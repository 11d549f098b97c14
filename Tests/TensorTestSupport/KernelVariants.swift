import StyleCore
import XCTest

/// Runs body once on every kernel variant this CPU can run except AVX-512 (its own tests run it, see
/// `onAVX512`), with the variant selected; body gets it for its messages.
public func forEachKernelVariant(_ body: (KernelVariant) throws -> Void) rethrows {
    for variant in KernelVariant.supported where variant != .avx512 {
        try KernelVariant.with(variant) { try body(variant) }
    }
}

/// Runs body on the AVX-512 kernels, or skips the test on a CPU without AVX-512 F/BW/DQ/VL, saying so.
public func onAVX512(_ kernels: String, _ body: () throws -> Void) throws {
    guard KernelVariant.avx512.isSupported else {
        throw XCTSkip("this CPU lacks AVX-512 F/BW/DQ/VL (it has: \(CPUFeatures.current.flagSummary)), so the AVX-512 \(kernels) did not run")
    }
    try KernelVariant.with(.avx512, body)
}
