/// exp on 8 lanes at once (Cephes expf: range reduction by ln 2, degree-5 polynomial),
/// within 2 ulp of expf for x ≥ −87.3; smaller x give ~1e-38 instead of 0, harmless in softmax.
/// Attention at 512² needs over 10⁹ exponentials: a scalar libm call per score would dominate.
@inline(__always)
public func exp8(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let x = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.7))
    // n = round(x / ln 2) with the 1.5·2²³ trick, which vectorises (|x/ln 2| < 2²²).
    let shifter = SIMD8<Float>(repeating: 12_582_912)
    let shifted = x * 1.442_695_04 + shifter
    let n = shifted - shifter
    let r = x - n * 0.693_359_375 + n * 2.121_944_4e-4
    var p = SIMD8<Float>(repeating: 1.987_569_15e-4)
    p = p * r + 1.398_199_95e-3
    p = p * r + 8.333_451_9e-3
    p = p * r + 4.166_579_59e-2
    p = p * r + 1.666_666_55e-1
    p = p * r + 5.000_000_12e-1
    let y = p * r * r + r + 1
    // The low mantissa bits of `shifted` hold n: 2ⁿ is built directly in the exponent field.
    let exponent = (unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
    return y * unsafeBitCast(exponent, to: SIMD8<Float>.self)
}

/// row[j] = exp(row[j] − shift) for j < count; returns Σ row[j]. The softmax inner loop.
@inline(__always)
public func expShiftedSum(_ row: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
    var acc = SIMD8<Float>()
    var j = 0
    let s = SIMD8<Float>(repeating: shift)
    let raw = UnsafeMutableRawPointer(row)
    while j + 8 <= count {
        let e = exp8(raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self) - s)
        raw.storeBytes(of: e, toByteOffset: j * 4, as: SIMD8<Float>.self)
        acc += e
        j += 8
    }
    var sum = acc.sum()
    if j < count {
        var tail = SIMD8<Float>(repeating: -.infinity)
        for t in 0..<(count - j) { tail[t] = row[j + t] }
        let e = exp8(tail - s)
        for t in 0..<(count - j) { row[j + t] = e[t]; sum += e[t] }
    }
    return sum
}

/// max of row[0..<count] (−∞ when empty).
@inline(__always)
public func rowMaximum(_ row: UnsafePointer<Float>, count: Int) -> Float {
    var m = SIMD8<Float>(repeating: -.infinity)
    var j = 0
    let raw = UnsafeRawPointer(row)
    while j + 8 <= count {
        m = pointwiseMax(m, raw.loadUnaligned(fromByteOffset: j * 4, as: SIMD8<Float>.self))
        j += 8
    }
    var result = m.max()
    while j < count { result = max(result, row[j]); j += 1 }
    return result
}
