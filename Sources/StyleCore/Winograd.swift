import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Winograd F(4×4, 3×3) (Lavin & Gray 2016) for 3×3 stride-1 convolutions: each 4×4 output tile is
// Aᵀ·[(G·w·Gᵀ) ⊙ (Bᵀ·d·B)]·A over its 6×6 input tile d, so the channel sums become 36 GEMMs (one per
// position of the 6×6 transform) with 36 instead of 144 multiplications per output pixel and channel pair.
// Work goes in bands of whole tile rows (bounded scratch at any image size); inside a band the transforms
// run in parallel over channels and the 36 GEMMs in parallel over positions.
// Transforms are vectorised along a tile row: input rows are split into 4 column phases (x mod 4), so the
// 6 columns of every tile are the contiguous runs phase[0…3][t], phase[0…1][t+1].

/// Weights of a 3×3 convolution in the Winograd domain, U[ξ] = (G·w·Gᵀ)[ξ] as (36, OC, C):
/// computed once per layer (weights are frozen), 4× the memory of the weights.
public final class Winograd3x3Weights: @unchecked Sendable {
    /// OC and C of the (OC,C,3,3) weight.
    public let outChannels: Int, channels: Int
    let u: UnsafeMutablePointer<Float>

    /// weight is (OC,C,3,3).
    public init(_ weight: Tensor) {
        precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "Winograd needs a 3×3 weight, got \(weight.shape)")
        outChannels = weight.shape[0]; channels = weight.shape[1]
        let pairs = outChannels * channels
        // Own pages, not malloc's heap: long-lived blocks there strand the freed activations around them
        // (the StyTr² forward at 512² then peaked at 1.1 GB instead of ~0.55 GB).
        let raw = mmap(nil, 36 * pairs * 4, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        precondition(raw != MAP_FAILED, "out of memory for Winograd weights (\(36 * pairs * 4) bytes)")
        u = raw!.bindMemory(to: Float.self, capacity: 36 * pairs)
        let w = weight.data, u = u
        parallelChunks(pairs, minChunk: 256) { range in
            let gw = UnsafeMutablePointer<Float>.allocate(capacity: 18)  // G·g, (6,3)
            defer { gw.deallocate() }
            for pair in range {
                let g = w + pair * 9
                for col in 0..<3 { winogradKernelTransform(g[col], g[3 + col], g[6 + col]) { gw[$0 * 3 + col] = $1 } }
                for row in 0..<6 {
                    winogradKernelTransform(gw[row * 3], gw[row * 3 + 1], gw[row * 3 + 2]) { u[(row * 6 + $0) * pairs + pair] = $1 }
                }
            }
        }
    }

    deinit { munmap(u, 36 * outChannels * channels * 4) }
}

/// G·(g0,g1,g2) for F(4,3) with points 0, ±1, ±2, ∞: hands the 6 results to `store(index, value)`.
@inline(__always)
private func winogradKernelTransform(_ g0: Float, _ g1: Float, _ g2: Float, _ store: (Int, Float) -> Void) {
    store(0, g0 / 4)
    store(1, -(g0 + g1 + g2) / 6)
    store(2, -(g0 - g1 + g2) / 6)
    store(3, g0 / 24 + g1 / 12 + g2 / 6)
    store(4, g0 / 24 - g1 / 12 + g2 / 6)
    store(5, g2)
}

/// Whether `conv3x3Winograd` applies and pays off: 3×3, stride 1, padding ≤ 1, ≥ 16 input channels
/// (on RGB input the transforms cost more than the GEMMs save; measured on VGG's conv1_1).
public func winogradApplies(weight: [Int], stride: Int, padding: Padding) -> Bool {
    weight.count == 4 && weight[2] == 3 && weight[3] == 3 && stride == 1 && padding.size <= 1 && weight[1] >= 16
}

/// Tile grid of one Winograd convolution and the bands of tile rows it is processed in.
struct WinogradTiling {
    let g: Conv2dGeometry
    let tilesY: Int, tilesX: Int
    /// Values per column phase: a tile's 6 columns reach 2 into the next tile.
    var lanes: Int { tilesX + 1 }
    let rowsPerBand: Int

    init(_ g: Conv2dGeometry, budget: Int = 4 << 20) {
        self.g = g
        tilesY = (g.outHeight + 3) / 4; tilesX = (g.outWidth + 3) / 4
        // Transformed inputs and products of one band: 36·(C+OC) floats per tile.
        rowsPerBand = max(1, min(tilesY, budget / (36 * (g.channels + g.outChannels) * tilesX)))
    }

    /// Source index on an axis of length n of padded coordinate q, or -1 for a zero (pad or beyond the padded image).
    @inline(__always) func source(_ q: Int, _ n: Int) -> Int {
        q < n + 2 * g.padding.size ? g.source(q - g.padding.size, n) : -1
    }

    /// Tiles t < count whose `width` columns from padded column 4t all lie inside the image (no pad to map).
    func interiorTiles(width: Int, count: Int) -> Range<Int> {
        let p = g.padding.size, lo = min(count, (p + 3) / 4), last = g.width + p - width
        return lo..<max(lo, min(count, last < 0 ? 0 : last / 4 + 1))
    }

    /// Tiles t < count outside `interior` (a few at each end), without visiting the interior.
    func borderTiles(_ interior: Range<Int>, count: Int) -> [Int] {
        Array(0..<interior.lowerBound) + Array(interior.upperBound..<count)
    }

    /// Runs body(first tile row, tile rows, tiles) for each band, in order.
    func forEachBand(_ body: (Int, Int, Int) -> Void) {
        var ty0 = 0
        while ty0 < tilesY {
            let rows = min(rowsPerBand, tilesY - ty0)
            body(ty0, rows, rows * tilesX)
            ty0 += rows
        }
    }
}

/// Output (OC,OH,OW) = conv3x3(input (C,H,W), weight) + bias (OC), then activation; stride 1, padding ≤ 1.
/// Same result as `conv2d` up to rounding, which is ~10× larger here (~1e-6…1e-5 of the output scale).
public func conv3x3Winograd(_ input: Tensor, weights: Winograd3x3Weights, bias: Tensor?, padding: Padding,
                            activation: Activation = .none) -> Tensor {
    let c = weights.channels, k = weights.outChannels
    let g = Conv2dGeometry(input: input.shape, weight: [k, c, 3, 3], padding: padding)
    precondition(padding.size <= 1, "Winograd convolution supports padding ≤ 1, got \(padding)")
    if let bias { precondition(bias.count == k, "conv3x3Winograd: bias \(bias.shape) for \(k) channels") }
    let tiling = WinogradTiling(g)
    let out = Tensor(shape: [k, g.outHeight, g.outWidth])
    let maxTiles = tiling.rowsPerBand * tiling.tilesX
    let v = UnsafeMutablePointer<Float>.allocate(capacity: 36 * c * maxTiles)
    let m = UnsafeMutablePointer<Float>.allocate(capacity: 36 * k * maxTiles)
    defer { v.deallocate(); m.deallocate() }
    let x = input.data, y = out.data, u = weights.u, b = bias?.data
    tiling.forEachBand { ty0, rows, tiles in
        parallelChunks(c) { channels in
            winogradInputTransform(x, tiling, channels: channels, tileRows: ty0..<(ty0 + rows), into: v, tiles: tiles)
        }
        parallelFor(iterations: 36) { xi in
            // (OC,tiles) = U[ξ] (OC,C) · V[ξ] (C,tiles)
            gemm(m: k, n: tiles, k: c, a: u + xi * k * c, lda: c, b: v + xi * c * tiles, ldb: tiles,
                 c: m + xi * k * tiles, ldc: tiles, parallel: false)
        }
        parallelChunks(k) { outChannels in
            winogradOutputTransform(m, tiling, outChannels: outChannels, tileRows: ty0..<(ty0 + rows), tiles: tiles,
                                    bias: b, relu: activation == .relu, into: y)
        }
    }
    return out
}

/// dInput (C,H,W) of `conv3x3Winograd` given dOut (OC,OH,OW): its exact adjoint (same transformed weights),
/// B·[Uᵀ·(A·dY·Aᵀ)]·Bᵀ per tile, added onto the overlapping input tiles; reflected pads fold onto their sources.
public func conv3x3WinogradBackwardInput(_ dOut: Tensor, weights: Winograd3x3Weights, inputShape: [Int],
                                         padding: Padding) -> Tensor {
    let c = weights.channels, k = weights.outChannels
    let g = Conv2dGeometry(input: inputShape, weight: [k, c, 3, 3], padding: padding)
    precondition(padding.size <= 1, "Winograd convolution supports padding ≤ 1, got \(padding)")
    precondition(dOut.shape == [k, g.outHeight, g.outWidth], "conv3x3Winograd backward: dOut \(dOut.shape)")
    let tiling = WinogradTiling(g)
    let dIn = Tensor(shape: inputShape)
    let maxTiles = tiling.rowsPerBand * tiling.tilesX
    let mBar = UnsafeMutablePointer<Float>.allocate(capacity: 36 * k * maxTiles)
    let vBar = UnsafeMutablePointer<Float>.allocate(capacity: 36 * c * maxTiles)
    defer { mBar.deallocate(); vBar.deallocate() }
    let dy = dOut.data, dx = dIn.data, u = weights.u
    tiling.forEachBand { ty0, rows, tiles in
        parallelChunks(k) { outChannels in
            winogradOutputTransformBackward(dy, tiling, outChannels: outChannels, tileRows: ty0..<(ty0 + rows),
                                            into: mBar, tiles: tiles)
        }
        parallelFor(iterations: 36) { xi in
            // (C,tiles) = U[ξ]ᵀ (C,OC) · M̄[ξ] (OC,tiles)
            gemm(transA: true, m: c, n: tiles, k: k, a: u + xi * k * c, lda: c, b: mBar + xi * k * tiles, ldb: tiles,
                 c: vBar + xi * c * tiles, ldc: tiles, parallel: false)
        }
        // One channel plane per task, so the overlapping tiles add without races.
        parallelChunks(c) { channels in
            winogradInputTransformBackward(vBar, tiling, channels: channels, tileRows: ty0..<(ty0 + rows), tiles: tiles, into: dx)
        }
    }
    return dIn
}

// MARK: - Transforms of one band (raw buffers)

/// V[ξ][c][t] (36, C, tiles) ← (Bᵀ·d·B)[ξ] of the 6×6 input tile d of every tile t in `tileRows`, for `channels`.
/// x is (C,H,W); pads are read through `tiling.source`, so no padded copy exists.
func winogradInputTransform(_ x: UnsafePointer<Float>, _ tiling: WinogradTiling, channels: Range<Int>,
                            tileRows: Range<Int>, into v: UnsafeMutablePointer<Float>, tiles: Int) {
    let h = tiling.g.height, w = tiling.g.width, tx = tiling.tilesX, lanes = tiling.lanes, cs = tiling.g.channels
    let rowLen = 4 * lanes
    let phases = UnsafeMutablePointer<Float>.allocate(capacity: 12 * rowLen)  // 6 input rows, then Bᵀ·rows
    defer { phases.deallocate() }
    let bt = phases + 6 * rowLen
    let interior = tiling.interiorTiles(width: 4, count: lanes), border = tiling.borderTiles(interior, count: lanes)
    for ch in channels {
        let plane = x + ch * h * w
        for ty in tileRows {
            for r in 0..<6 {
                let sy = tiling.source(4 * ty + r, h), dst = phases + r * rowLen
                if sy < 0 { dst.update(repeating: 0, count: rowLen); continue }
                let line = plane + sy * w
                for t in border {
                    for phase in 0..<4 { let sx = tiling.source(4 * t + phase, w); dst[phase * lanes + t] = sx < 0 ? 0 : line[sx] }
                }
                let p0 = dst, p1 = dst + lanes, p2 = dst + 2 * lanes, p3 = dst + 3 * lanes
                for t in interior {
                    let src = line + 4 * t - tiling.g.padding.size
                    p0[t] = src[0]; p1[t] = src[1]; p2[t] = src[2]; p3[t] = src[3]
                }
            }
            winogradBt(Rows6(phases, stride: rowLen), Rows6(bt, stride: rowLen), count: rowLen)
            let base = (ty - tileRows.lowerBound) * tx
            for i in 0..<6 {
                let row = bt + i * rowLen
                let dst = v + (i * 6 * cs + ch) * tiles + base
                winogradBt(Rows6(columnsOf: row, lanes: lanes), Rows6(dst, stride: cs * tiles), count: tx)
            }
        }
    }
}

/// y (OC,OH,OW) ← act(Aᵀ·M·A + bias) for the tiles in `tileRows` and `outChannels`; M is (36, OC, tiles).
func winogradOutputTransform(_ m: UnsafePointer<Float>, _ tiling: WinogradTiling, outChannels: Range<Int>,
                             tileRows: Range<Int>, tiles: Int, bias: UnsafePointer<Float>?, relu: Bool,
                             into y: UnsafeMutablePointer<Float>) {
    let oh = tiling.g.outHeight, ow = tiling.g.outWidth, tx = tiling.tilesX, ks = tiling.g.outChannels
    let rowLen = 4 * tx
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 10 * rowLen)  // M·A per row i (6), then Aᵀ·M·A (4)
    defer { buffer.deallocate() }
    let rowsA = buffer + 6 * rowLen
    let mp = UnsafeMutablePointer(mutating: m)
    for k in outChannels {
        let shift = bias?[k] ?? 0
        for ty in tileRows {
            let base = (ty - tileRows.lowerBound) * tx
            for i in 0..<6 {
                winogradAt(Rows6(mp + (i * 6 * ks + k) * tiles + base, stride: ks * tiles),
                           Rows6(buffer + i * rowLen, stride: tx), count: tx)
            }
            winogradAt(Rows6(buffer, stride: rowLen), Rows6(rowsA, stride: rowLen), count: rowLen)
            for a in 0..<min(4, oh - 4 * ty) {
                let src = rowsA + a * rowLen, line = y + (k * oh + 4 * ty + a) * ow
                let s0 = src, s1 = src + tx, s2 = src + 2 * tx, s3 = src + 3 * tx, whole = ow / 4
                for t in 0..<whole {
                    let dst = line + 4 * t
                    dst[0] = s0[t]; dst[1] = s1[t]; dst[2] = s2[t]; dst[3] = s3[t]
                }
                for col in 0..<(ow - 4 * whole) { line[4 * whole + col] = src[col * tx + whole] }
                if relu { for x in 0..<ow { line[x] = max(line[x] + shift, 0) } } else { for x in 0..<ow { line[x] += shift } }
            }
        }
    }
}

/// M̄[ξ][k][t] (36, OC, tiles) ← (A·dY·Aᵀ)[ξ], the adjoint of `winogradOutputTransform` (without bias and activation).
func winogradOutputTransformBackward(_ dy: UnsafePointer<Float>, _ tiling: WinogradTiling, outChannels: Range<Int>,
                                     tileRows: Range<Int>, into mBar: UnsafeMutablePointer<Float>, tiles: Int) {
    let oh = tiling.g.outHeight, ow = tiling.g.outWidth, tx = tiling.tilesX, ks = tiling.g.outChannels
    let rowLen = 4 * tx
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 10 * rowLen)  // dY tiles by column phase (4), then A·dY (6)
    defer { buffer.deallocate() }
    let rowsA = buffer + 4 * rowLen
    for k in outChannels {
        for ty in tileRows {
            for a in 0..<4 {
                let dst = buffer + a * rowLen, oy = 4 * ty + a
                if oy >= oh { dst.update(repeating: 0, count: rowLen); continue }
                let line = dy + (k * oh + oy) * ow, whole = ow / 4
                let d0 = dst, d1 = dst + tx, d2 = dst + 2 * tx, d3 = dst + 3 * tx
                for t in 0..<whole {
                    let src = line + 4 * t
                    d0[t] = src[0]; d1[t] = src[1]; d2[t] = src[2]; d3[t] = src[3]
                }
                for col in 0..<4 where whole < tx { let ox = 4 * whole + col; dst[col * tx + whole] = ox < ow ? line[ox] : 0 }
            }
            winogradA(Rows6(buffer, stride: rowLen), Rows6(rowsA, stride: rowLen), count: rowLen)
            let base = (ty - tileRows.lowerBound) * tx
            for i in 0..<6 {
                winogradA(Rows6(rowsA + i * rowLen, stride: tx),
                          Rows6(mBar + (i * 6 * ks + k) * tiles + base, stride: ks * tiles), count: tx)
            }
        }
    }
}

/// dx (C,H,W) += B·V̄·Bᵀ of every tile in `tileRows`, for `channels`, the adjoint of `winogradInputTransform`:
/// pad positions add onto the pixel they reflect (zero pads drop out).
func winogradInputTransformBackward(_ vBar: UnsafePointer<Float>, _ tiling: WinogradTiling, channels: Range<Int>,
                                    tileRows: Range<Int>, tiles: Int, into dx: UnsafeMutablePointer<Float>) {
    let h = tiling.g.height, w = tiling.g.width, tx = tiling.tilesX, cs = tiling.g.channels
    let rowLen = 6 * tx
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: 12 * rowLen)  // V̄·Bᵀ per row i (6), then B·V̄·Bᵀ (6)
    defer { buffer.deallocate() }
    let rowsB = buffer + 6 * rowLen
    let vp = UnsafeMutablePointer(mutating: vBar)
    let interior = tiling.interiorTiles(width: 6, count: tx), border = tiling.borderTiles(interior, count: tx)
    for ch in channels {
        let plane = dx + ch * h * w
        for ty in tileRows {
            let base = (ty - tileRows.lowerBound) * tx
            for i in 0..<6 {
                winogradB(Rows6(vp + (i * 6 * cs + ch) * tiles + base, stride: cs * tiles),
                          Rows6(buffer + i * rowLen, stride: tx), count: tx)
            }
            winogradB(Rows6(buffer, stride: rowLen), Rows6(rowsB, stride: rowLen), count: rowLen)
            for r in 0..<6 {
                let sy = tiling.source(4 * ty + r, h)
                if sy < 0 { continue }
                let src = rowsB + r * rowLen, line = plane + sy * w
                for t in border {
                    for col in 0..<6 { let sx = tiling.source(4 * t + col, w); if sx >= 0 { line[sx] += src[col * tx + t] } }
                }
                let s0 = src, s1 = src + tx, s2 = src + 2 * tx, s3 = src + 3 * tx, s4 = src + 4 * tx, s5 = src + 5 * tx
                for t in interior {
                    let dst = line + 4 * t - tiling.g.padding.size
                    dst[0] += s0[t]; dst[1] += s1[t]; dst[2] += s2[t]; dst[3] += s3[t]; dst[4] += s4[t]; dst[5] += s5[t]
                }
            }
        }
    }
}

// MARK: - 1-D transforms, vectorised over `count` tiles

/// Six rows of `count` floats that a 1-D transform reads or writes (4-row transforms use the first four).
struct Rows6 {
    var r0, r1, r2, r3, r4, r5: UnsafeMutablePointer<Float>

    /// Rows `stride` apart from `base`.
    init(_ base: UnsafeMutablePointer<Float>, stride: Int) {
        r0 = base; r1 = base + stride; r2 = base + 2 * stride; r3 = base + 3 * stride; r4 = base + 4 * stride; r5 = base + 5 * stride
    }

    /// The 6 columns of consecutive tiles in a row stored as 4 column phases of `lanes` values.
    init(columnsOf row: UnsafeMutablePointer<Float>, lanes: Int) {
        r0 = row; r1 = row + lanes; r2 = row + 2 * lanes; r3 = row + 3 * lanes; r4 = row + 1; r5 = row + lanes + 1
    }
}

/// out = Bᵀ·d (6 → 6 rows), Bᵀ of F(4,3).
@inline(__always)
func winogradBt(_ d: Rows6, _ o: Rows6, count: Int) {
    for t in 0..<count {
        let d0 = d.r0[t], d1 = d.r1[t], d2 = d.r2[t], d3 = d.r3[t], d4 = d.r4[t], d5 = d.r5[t]
        o.r0[t] = 4 * d0 - 5 * d2 + d4
        o.r1[t] = -4 * (d1 + d2) + d3 + d4
        o.r2[t] = 4 * (d1 - d2) - d3 + d4
        o.r3[t] = 2 * (d3 - d1) - d2 + d4
        o.r4[t] = 2 * (d1 - d3) - d2 + d4
        o.r5[t] = 4 * d1 - 5 * d3 + d5
    }
}

/// out = B·v (6 → 6 rows), the transpose of `winogradBt`.
@inline(__always)
func winogradB(_ v: Rows6, _ o: Rows6, count: Int) {
    for t in 0..<count {
        let v0 = v.r0[t], v1 = v.r1[t], v2 = v.r2[t], v3 = v.r3[t], v4 = v.r4[t], v5 = v.r5[t]
        o.r0[t] = 4 * v0
        o.r1[t] = 4 * (v2 - v1) + 2 * (v4 - v3) + 4 * v5
        o.r2[t] = -5 * v0 - 4 * (v1 + v2) - v3 - v4
        o.r3[t] = v1 - v2 + 2 * (v3 - v4) - 5 * v5
        o.r4[t] = v0 + v1 + v2 + v3 + v4
        o.r5[t] = v5
    }
}

/// out = Aᵀ·m (6 → 4 rows), Aᵀ of F(4,3).
@inline(__always)
func winogradAt(_ m: Rows6, _ o: Rows6, count: Int) {
    for t in 0..<count {
        let m0 = m.r0[t], m1 = m.r1[t], m2 = m.r2[t], m3 = m.r3[t], m4 = m.r4[t], m5 = m.r5[t]
        let s12 = m1 + m2, d12 = m1 - m2, s34 = m3 + m4, d34 = m3 - m4
        o.r0[t] = m0 + s12 + s34
        o.r1[t] = d12 + 2 * d34
        o.r2[t] = s12 + 4 * s34
        o.r3[t] = d12 + 8 * d34 + m5
    }
}

/// out = A·g (4 → 6 rows), the transpose of `winogradAt`.
@inline(__always)
func winogradA(_ g: Rows6, _ o: Rows6, count: Int) {
    for t in 0..<count {
        let g0 = g.r0[t], g1 = g.r1[t], g2 = g.r2[t], g3 = g.r3[t]
        o.r0[t] = g0
        o.r1[t] = g0 + g1 + g2 + g3
        o.r2[t] = g0 - g1 + g2 - g3
        o.r3[t] = g0 + 2 * g1 + 4 * g2 + 8 * g3
        o.r4[t] = g0 - 2 * g1 + 4 * g2 - 8 * g3
        o.r5[t] = g3
    }
}
