/// How a convolution treats pixels outside the image.
public enum Padding: Sendable, Equatable {
    case zero(Int)
    /// PyTorch's ReflectionPad2d: the edge pixel is not repeated (needs pad < size).
    case reflect(Int)

    public var size: Int {
        switch self { case let .zero(p), let .reflect(p): return p }
    }
}

/// Geometry of one 2-D convolution over a (C,H,W) image with an (OC,C,KH,KW) weight.
public struct Conv2dGeometry: Sendable, Equatable {
    public var channels, height, width, outChannels, kernelH, kernelW, stride: Int
    public var padding: Padding
    public var outHeight: Int { (height + 2 * padding.size - kernelH) / stride + 1 }
    public var outWidth: Int { (width + 2 * padding.size - kernelW) / stride + 1 }
    var patch: Int { channels * kernelH * kernelW }
    var isPointwise: Bool { kernelH == 1 && kernelW == 1 && stride == 1 && padding.size == 0 }

    public init(input: [Int], weight: [Int], stride: Int = 1, padding: Padding = .zero(0)) {
        precondition(input.count == 3 && weight.count == 4 && input[0] == weight[1],
                     "conv2d: input \(input) does not fit weight \(weight)")
        channels = input[0]; height = input[1]; width = input[2]
        outChannels = weight[0]; kernelH = weight[2]; kernelW = weight[3]
        self.stride = stride; self.padding = padding
        if case let .reflect(p) = padding {
            precondition(p < height && p < width, "reflection padding \(p) needs an image larger than \(height)×\(width)")
        }
        precondition(outHeight > 0 && outWidth > 0, "conv2d: kernel \(kernelH)×\(kernelW) larger than padded \(height)×\(width)")
    }

    /// Source coordinate of padded coordinate i on an axis of length n, or -1 for a zero pad.
    @inline(__always) func source(_ i: Int, _ n: Int) -> Int {
        if i >= 0 && i < n { return i }
        switch padding {
        case .zero: return -1
        case .reflect: return i < 0 ? -i : 2 * n - 2 - i
        }
    }

    /// Output rows per im2col tile, so the column buffer stays near `budget` floats.
    func tileRows(budget: Int = 4 << 20) -> Int {
        max(1, min(outHeight, budget / max(1, patch * outWidth)))
    }

    /// Runs `body` on each tile of `tileRows()` output rows, top to bottom, with one column buffer
    /// ((C·KH·KW), rows·OW floats) that all tiles reuse.
    func forEachRowTile(_ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        let rows = tileRows()
        let col = UnsafeMutablePointer<Float>.allocate(capacity: patch * rows * outWidth)
        defer { col.deallocate() }
        var y0 = 0
        while y0 < outHeight {
            let y1 = min(outHeight, y0 + rows)
            body(y0..<y1, col)
            y0 = y1
        }
    }
}

public enum Activation: Sendable { case none, relu }

/// Output (OC,OH,OW) = conv(input (C,H,W), weight (OC,C,KH,KW)) + bias (OC), then activation.
/// GEMM over im2col tiles of a few output rows, so no full im2col buffer exists at high resolution.
public func conv2d(_ input: Tensor, weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Padding = .zero(0),
                   activation: Activation = .none, precision: Precision = .fp32) -> Tensor {
    let g = Conv2dGeometry(input: input.shape, weight: weight.shape, stride: stride, padding: padding)
    let out = Tensor(shape: [g.outChannels, g.outHeight, g.outWidth])
    let plane = g.outHeight * g.outWidth
    if let bias {
        precondition(bias.count == g.outChannels, "conv2d: bias \(bias.shape) for \(g.outChannels) channels")
        for o in 0..<g.outChannels { (out.data + o * plane).update(repeating: bias.data[o], count: plane) }
    }
    if g.isPointwise {
        // weight (OC,C) · input (C,HW)
        gemm(m: g.outChannels, n: plane, k: g.channels, a: weight.data, lda: g.channels, b: input.data, ldb: plane,
             beta: bias == nil ? 0 : 1, c: out.data, ldc: plane, precision: precision)
    } else {
        g.forEachRowTile { rows, col in
            im2col(input.data, g, rows: rows, into: col)
            let n = rows.count * g.outWidth
            gemm(m: g.outChannels, n: n, k: g.patch, a: weight.data, lda: g.patch, b: col, ldb: n,
                 beta: bias == nil ? 0 : 1, c: out.data + rows.lowerBound * g.outWidth, ldc: plane, precision: precision)
        }
    }
    if activation == .relu { reluInPlace(out) }
    return out
}

/// col ((C·KH·KW), rows·OW) ← the input patches of output rows `rows`.
func im2col(_ x: UnsafePointer<Float>, _ g: Conv2dGeometry, rows: Range<Int>, into col: UnsafeMutablePointer<Float>) {
    let ow = g.outWidth, n = rows.count * ow, p = g.padding.size
    parallelChunks(g.patch, minChunk: 4) { range in
        for r in range {
            let c = r / (g.kernelH * g.kernelW), kh = (r / g.kernelW) % g.kernelH, kw = r % g.kernelW
            let plane = x + c * g.height * g.width
            var dst = col + r * n
            for oy in rows {
                let iy = g.source(oy * g.stride - p + kh, g.height)
                if iy < 0 { dst.update(repeating: 0, count: ow); dst += ow; continue }
                let line = plane + iy * g.width
                if g.stride == 1 {
                    // Interior columns are one contiguous run; only the pad columns need mapping.
                    let lo = min(ow, max(0, p - kw)), hi = max(lo, min(ow, g.width + p - kw))
                    for ox in 0..<lo { let ix = g.source(ox - p + kw, g.width); dst[ox] = ix < 0 ? 0 : line[ix] }
                    (dst + lo).update(from: line + (lo - p + kw), count: hi - lo)
                    for ox in hi..<ow { let ix = g.source(ox - p + kw, g.width); dst[ox] = ix < 0 ? 0 : line[ix] }
                } else {
                    for ox in 0..<ow {
                        let ix = g.source(ox * g.stride - p + kw, g.width)
                        dst[ox] = ix < 0 ? 0 : line[ix]
                    }
                }
                dst += ow
            }
        }
    }
}

/// dInput (C,H,W) = convᵀ(dOut (OC,OH,OW), weight): the input gradient of `conv2d` (weights frozen).
/// GEMM weightᵀ·dOut per row tile, then col2im adds each patch back, reflected pads onto their sources.
public func conv2dBackwardInput(_ dOut: Tensor, weight: Tensor, inputShape: [Int], stride: Int = 1,
                                padding: Padding = .zero(0)) -> Tensor {
    let g = Conv2dGeometry(input: inputShape, weight: weight.shape, stride: stride, padding: padding)
    precondition(dOut.shape == [g.outChannels, g.outHeight, g.outWidth], "conv2d backward: dOut \(dOut.shape)")
    let dIn = Tensor(shape: inputShape)
    let plane = g.outHeight * g.outWidth
    if g.isPointwise {
        gemm(transA: true, m: g.channels, n: plane, k: g.outChannels, a: weight.data, lda: g.channels,
             b: dOut.data, ldb: plane, c: dIn.data, ldc: plane)
        return dIn
    }
    g.forEachRowTile { rows, col in
        let n = rows.count * g.outWidth
        gemm(transA: true, m: g.patch, n: n, k: g.outChannels, a: weight.data, lda: g.patch,
             b: dOut.data + rows.lowerBound * g.outWidth, ldb: plane, c: col, ldc: n)
        col2imAdd(col, g, rows: rows, into: dIn.data)
    }
    return dIn
}

/// dInput += the patches in col, the adjoint of `im2col`; parallel over input channels (no write races).
func col2imAdd(_ col: UnsafePointer<Float>, _ g: Conv2dGeometry, rows: Range<Int>, into dx: UnsafeMutablePointer<Float>) {
    let ow = g.outWidth, n = rows.count * ow, p = g.padding.size, kk = g.kernelH * g.kernelW
    if p == 0 && g.stride == 1 {
        // No padding: each input row gathers its KH·KW shifted output rows as contiguous runs, parallel over
        // (channel, input row) so 3 channels keep every core busy; input rows rows.lower ..< rows.upper + KH − 1.
        let firstRow = rows.lowerBound, inRows = rows.count + g.kernelH - 1
        parallelChunks(g.channels * inRows, minChunk: 8) { range in
            for r in range {
                let c = r / inRows, iy = firstRow + r % inRows
                let line = dx + (c * g.height + iy) * g.width
                for kh in 0..<g.kernelH where rows.contains(iy - kh) {
                    for kw in 0..<g.kernelW {
                        let src = col + (c * kk + kh * g.kernelW + kw) * n + (iy - kh - firstRow) * ow
                        let dst = line + kw
                        for ox in 0..<ow { dst[ox] += src[ox] }
                    }
                }
            }
        }
        return
    }
    parallelChunks(g.channels) { range in
        for c in range {
            let plane = dx + c * g.height * g.width
            for k in 0..<kk {
                let kh = k / g.kernelW, kw = k % g.kernelW
                var src = col + (c * kk + k) * n
                for oy in rows {
                    let iy = g.source(oy * g.stride - p + kh, g.height)
                    if iy >= 0 {
                        let line = plane + iy * g.width
                        for ox in 0..<ow {
                            let ix = g.source(ox * g.stride - p + kw, g.width)
                            if ix >= 0 { line[ix] += src[ox] }
                        }
                    }
                    src += ow
                }
            }
        }
    }
}
