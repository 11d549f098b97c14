import CBLAS

/// The CPU's own feature flags (cpuid), masked by what the OS saves on context switch (xgetbv).
public struct CPUFeatures: Equatable, Sendable {
    public var vendor: String
    public var brand: String
    public var avx = false
    public var avx2 = false
    public var fma = false
    public var avx512f = false
    public var avx512bw = false
    public var avx512dq = false
    public var avx512vl = false
    public var avx512bf16 = false

    public init(vendor: String, brand: String = "", avx: Bool = false, avx2: Bool = false, fma: Bool = false,
                avx512f: Bool = false, avx512bw: Bool = false, avx512dq: Bool = false, avx512vl: Bool = false,
                avx512bf16: Bool = false) {
        self.vendor = vendor; self.brand = brand; self.avx = avx; self.avx2 = avx2; self.fma = fma
        self.avx512f = avx512f; self.avx512bw = avx512bw; self.avx512dq = avx512dq; self.avx512vl = avx512vl
        self.avx512bf16 = avx512bf16
    }

    public var isAMD: Bool { vendor == "AuthenticAMD" || vendor == "HygonGenuine" }
    public var hasAVX512Core: Bool { avx512f && avx512bw && avx512dq && avx512vl }

    /// Flags of the machine this process runs on.
    public static let current: CPUFeatures = {
        func cpuid(_ leaf: UInt32, _ sub: UInt32 = 0) -> [UInt32] {
            var r: [UInt32] = [0, 0, 0, 0]
            r.withUnsafeMutableBufferPointer { sb_cpuid(leaf, sub, $0.baseAddress) }
            return r
        }
        func ascii(_ words: [UInt32]) -> String {
            var bytes: [UInt8] = []
            for w in words { for i in 0..<4 { bytes.append(UInt8((w >> (8 * UInt32(i))) & 0xff)) } }
            return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: " ")
        }
        let leaf0 = cpuid(0)
        var f = CPUFeatures(vendor: ascii([leaf0[1], leaf0[3], leaf0[2]]))
        if cpuid(0x8000_0000)[0] >= 0x8000_0004 {
            f.brand = ascii(cpuid(0x8000_0002) + cpuid(0x8000_0003) + cpuid(0x8000_0004))
        }
        guard leaf0[0] >= 7 else { return f }
        let l1 = cpuid(1), l7 = cpuid(7, 0), l7s1 = cpuid(7, 1)
        let osxsave = l1[2] & (1 << 27) != 0
        let xcr0 = osxsave ? sb_xgetbv0() : 0
        let osAVX = xcr0 & 0x6 == 0x6          // XMM and YMM state saved
        let osAVX512 = xcr0 & 0xE6 == 0xE6     // plus opmask and ZMM state saved
        f.avx = osAVX && l1[2] & (1 << 28) != 0
        f.fma = osAVX && l1[2] & (1 << 12) != 0
        f.avx2 = osAVX && l7[1] & (1 << 5) != 0
        f.avx512f = osAVX512 && l7[1] & (1 << 16) != 0
        f.avx512dq = osAVX512 && l7[1] & (1 << 17) != 0
        f.avx512bw = osAVX512 && l7[1] & (1 << 30) != 0
        f.avx512vl = osAVX512 && l7[1] & (1 << 31) != 0
        f.avx512bf16 = osAVX512 && l7s1[0] & (1 << 5) != 0
        return f
    }()

    public var flagSummary: String {
        let named: [(String, Bool)] = [("avx", avx), ("avx2", avx2), ("fma", fma), ("avx512f", avx512f),
                                       ("avx512bw", avx512bw), ("avx512dq", avx512dq), ("avx512vl", avx512vl),
                                       ("avx512_bf16", avx512bf16)]
        let on = named.filter { $0.1 }.map { $0.0 }
        return on.isEmpty ? "none of avx/avx2/avx512" : on.joined(separator: " ")
    }
}

private extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
