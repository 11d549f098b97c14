import CKernels
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
// The transforms are C (CKernels/winograd.c), vectorised along a tile row per instruction set.

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
    let rowsPerBand: Int

    init(_ g: Conv2dGeometry, budget: Int = 4 << 20) {
        self.g = g
        tilesY = (g.outHeight + 3) / 4; tilesX = (g.outWidth + 3) / 4
        // Transformed inputs and products of one band: 36·(C+OC) floats per tile.
        rowsPerBand = max(1, min(tilesY, budget / (36 * (g.channels + g.outChannels) * tilesX)))
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
                            activation: Activation = .none, precision: Precision = .fp32) -> Tensor {
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
                 c: m + xi * k * tiles, ldc: tiles, parallel: false, precision: precision)
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

// MARK: - Transforms of one band (CKernels/winograd.c, one variant per instruction set)

extension WinogradTiling {
    /// The geometry as the C transforms take it.
    var kernelGeometry: sk_winograd_geometry {
        var isReflect: Int32 = 0
        if case .reflect = g.padding { isReflect = 1 }
        return sk_winograd_geometry(channels: g.channels, height: g.height, width: g.width, out_channels: g.outChannels,
                                    out_height: g.outHeight, out_width: g.outWidth, padding: g.padding.size,
                                    reflect: isReflect, tiles_x: tilesX)
    }
}

/// V[ξ][c][t] (36, C, tiles) ← (Bᵀ·d·B)[ξ] of the 6×6 input tile d of every tile t in `tileRows`, for `channels`.
/// x is (C,H,W); pads are read through the geometry, so no padded copy exists.
func winogradInputTransform(_ x: UnsafePointer<Float>, _ tiling: WinogradTiling, channels: Range<Int>,
                            tileRows: Range<Int>, into v: UnsafeMutablePointer<Float>, tiles: Int) {
    var g = tiling.kernelGeometry
    sk_winograd_input_transform(x, &g, channels.lowerBound, channels.upperBound, tileRows.lowerBound, tileRows.upperBound, v, tiles)
}

/// y (OC,OH,OW) ← act(Aᵀ·M·A + bias) for the tiles in `tileRows` and `outChannels`; M is (36, OC, tiles).
func winogradOutputTransform(_ m: UnsafePointer<Float>, _ tiling: WinogradTiling, outChannels: Range<Int>,
                             tileRows: Range<Int>, tiles: Int, bias: UnsafePointer<Float>?, relu: Bool,
                             into y: UnsafeMutablePointer<Float>) {
    var g = tiling.kernelGeometry
    sk_winograd_output_transform(m, &g, outChannels.lowerBound, outChannels.upperBound, tileRows.lowerBound,
                                 tileRows.upperBound, tiles, bias, relu ? 1 : 0, y)
}

/// M̄[ξ][k][t] (36, OC, tiles) ← (A·dY·Aᵀ)[ξ], the adjoint of `winogradOutputTransform` (without bias and activation).
func winogradOutputTransformBackward(_ dy: UnsafePointer<Float>, _ tiling: WinogradTiling, outChannels: Range<Int>,
                                     tileRows: Range<Int>, into mBar: UnsafeMutablePointer<Float>, tiles: Int) {
    var g = tiling.kernelGeometry
    sk_winograd_output_transform_backward(dy, &g, outChannels.lowerBound, outChannels.upperBound, tileRows.lowerBound,
                                          tileRows.upperBound, mBar, tiles)
}

/// dx (C,H,W) += B·V̄·Bᵀ of every tile in `tileRows`, for `channels`, the adjoint of `winogradInputTransform`:
/// pad positions add onto the pixel they reflect (zero pads drop out).
func winogradInputTransformBackward(_ vBar: UnsafePointer<Float>, _ tiling: WinogradTiling, channels: Range<Int>,
                                    tileRows: Range<Int>, tiles: Int, into dx: UnsafeMutablePointer<Float>) {
    var g = tiling.kernelGeometry
    sk_winograd_input_transform_backward(vBar, &g, channels.lowerBound, channels.upperBound, tileRows.lowerBound,
                                         tileRows.upperBound, tiles, dx)
}
