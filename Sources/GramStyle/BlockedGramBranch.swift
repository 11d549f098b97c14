import StyleCore

extension RandomFeatureNetwork {
    /// One ReLU branch with valid borders whose only loss reads its Gram matrix, on its pyramid level x
    /// (3,h,w), in `PixelBlocks` of its (C, oh·ow) output, each block on one thread with single-threaded
    /// BLAS calls. Forward, per block: im2col (3k², n) → F_b = W·col (C, n) → ReLU → ssyrk into its
    /// group's partial Gram; G = Σ partials / (C·oh·ow) goes to `gramLoss`. Backward, per block:
    /// g_b = S·F_b (S = (dG + dGᵀ)/(C·oh·ow), C×C) where F_b > 0, else 0; col = Wᵀ·g_b; col2im into the
    /// block's own slice of input rows (its output rows and the k − 1 below), the slices then added
    /// into `dx` row by row in block order. F is kept in `buffers` between the two passes; its gradient
    /// exists one block at a time; every buffer is reused across evaluations.
    func blockedGram(_ layer: Layer, input x: Tensor, buffers: EvaluationBuffers,
                     gramLoss: (_ layer: String, _ gram: Tensor, _ gramGradient: Tensor?) throws -> Void,
                     addingGradientTo dx: Tensor?) throws {
        let c = layer.weight.shape[0], k = layer.weight.shape[2], patch = 3 * k * k
        let h = x.shape[1], w = x.shape[2], oh = h - k + 1, ow = w - k + 1, pixels = oh * ow
        let blocks = PixelBlocks(pixels: pixels), n = PixelBlocks.blockPixels
        // Per thread: col (3k², n) and a tile (C, n) of features or their gradient.
        let workers = laneCount(dx == nil ? blocks.groups : blocks.blocks), perWorker = (patch + c) * n
        let scratch = buffers.floats("scratch", count: workers * perWorker)
        let features = dx == nil ? nil : buffers.floats("features", count: c * pixels)
        let partials = buffers.floats("gram partials", count: blocks.groups * c * c)
        let weight = layer.weight.data, input = x.data

        parallelLanes(blocks.groups, lanes: min(workers, blocks.groups)) { worker, group in
            let col = scratch + worker * perWorker, tile = col + patch * n
            let first = blocks.blockRange(group: group).lowerBound
            for b in blocks.blockRange(group: group) {
                let range = blocks.pixelRange(b), m = range.count
                im2colValid(input, height: h, width: w, kernel: k, outWidth: ow, pixels: range, into: col)
                let out = features.map { $0 + range.lowerBound } ?? tile, ld = features == nil ? m : pixels
                gemm(m: c, n: m, k: patch, a: weight, lda: patch, b: col, ldb: m, c: out, ldc: ld, parallel: false)
                for i in 0..<c { reluRow(out + i * ld, count: m) }
                syrkUpper(n: c, k: m, a: out, lda: ld, beta: b == first ? 0 : 1, c: partials + group * c * c, ldc: c)
            }
        }
        let gram = Tensor(shape: [c, c])
        sumGramPartials(partials, groups: blocks.groups, channels: c, scale: 1 / Double(c * pixels), into: gram.data)
        let dGram = dx.map { _ in Tensor(shape: [c, c]) }
        try gramLoss(layer.name, gram, dGram)
        guard let dx, let dGram, let features else { return }

        let s = symmetrisedGramGradient(dGram, scale: 1 / Float(c * pixels))
        // Input rows a block's gradient reaches: its output rows (at most ⌈(n−1)/ow⌉ + 1) and k − 1 more.
        func firstRow(_ b: Int) -> Int { blocks.pixelRange(b).lowerBound / ow }
        func span(_ b: Int) -> Int { (blocks.pixelRange(b).upperBound - 1) / ow - firstRow(b) + k }
        let sliceFloats = 3 * (min(oh, (n - 1) / ow + 2) + k - 1) * w
        let slices = buffers.floats("gradient slices", count: blocks.blocks * sliceFloats)
        parallelLanes(blocks.blocks, lanes: workers) { worker, b in
            let col = scratch + worker * perWorker, tile = col + patch * n
            let range = blocks.pixelRange(b), m = range.count, f = features + range.lowerBound
            gemm(m: c, n: m, k: c, a: s.data, lda: c, b: f, ldb: pixels, c: tile, ldc: m, parallel: false)
            for i in 0..<c { maskRow(tile + i * m, where: f + i * pixels, count: m) }
            gemm(transA: true, m: patch, n: m, k: c, a: weight, lda: patch, b: tile, ldb: m, c: col, ldc: m, parallel: false)
            col2imValid(col, width: w, kernel: k, outWidth: ow, pixels: range, firstRow: firstRow(b), span: span(b),
                        into: slices + b * sliceFloats)
        }
        // dx row iy of channel ch += the slices of the blocks whose output rows iy−k+1 … iy reach it, in block order.
        let d = dx.data
        parallelChunks(3 * h, minChunk: 8) { rows in
            for r in rows {
                let ch = r / h, iy = r % h, line = d + r * w
                let lo = max(0, iy - k + 1) * ow / n, hi = (min(oh - 1, iy) * ow + ow - 1) / n
                for b in lo...hi {
                    let top = firstRow(b), rowsOfB = span(b)
                    guard iy >= top && iy < top + rowsOfB else { continue }
                    let src = slices + b * sliceFloats + (ch * rowsOfB + iy - top) * w
                    addRow(line, src, count: w)
                }
            }
        }
    }
}

/// col (3k², n) ← the k×k windows of x (3,h,w) at output pixels `pixels` (row-major over (oh, ow),
/// ow = w − k + 1): the im2col of a valid convolution for one block of pixels.
func im2colValid(_ x: UnsafePointer<Float>, height h: Int, width w: Int, kernel k: Int, outWidth ow: Int,
                 pixels: Range<Int>, into col: UnsafeMutablePointer<Float>) {
    let m = pixels.count
    for r in 0..<(3 * k * k) {
        let ch = r / (k * k), kh = (r / k) % k, kw = r % k
        let plane = x + ch * h * w + kh * w + kw, dst = col + r * m
        var p = pixels.lowerBound
        while p < pixels.upperBound {
            let oy = p / ow, ox = p % ow, end = min(pixels.upperBound, (oy + 1) * ow)
            (dst + (p - pixels.lowerBound)).update(from: plane + oy * w + ox, count: end - p)
            p = end
        }
    }
}

/// slice (3, span, w), input rows firstRow ..< firstRow + span ← Σ over the windows of `pixels` of
/// their column of col (3k², n): the adjoint of `im2colValid` for one block, into the block's own rows.
func col2imValid(_ col: UnsafePointer<Float>, width w: Int, kernel k: Int, outWidth ow: Int, pixels: Range<Int>,
                 firstRow: Int, span: Int, into slice: UnsafeMutablePointer<Float>) {
    let m = pixels.count
    slice.update(repeating: 0, count: 3 * span * w)
    for r in 0..<(3 * k * k) {
        let ch = r / (k * k), kh = (r / k) % k, kw = r % k
        let plane = slice + (ch * span + kh - firstRow) * w + kw, src = col + r * m
        var p = pixels.lowerBound
        while p < pixels.upperBound {
            let oy = p / ow, ox = p % ow, end = min(pixels.upperBound, (oy + 1) * ow)
            let dst = plane + oy * w + ox, from = src + (p - pixels.lowerBound)
            addRow(dst, from, count: end - p)
            p = end
        }
    }
}

// Row loops in explicit 8-float vectors: the package builds for baseline x86-64, where the compiler
// leaves the selects of ReLU and its mask scalar.

/// x[0..<n] ← max(x, 0) (ReLU in place).
@inline(__always) func reluRow(_ x: UnsafeMutablePointer<Float>, count n: Int) {
    var j = 0
    while j + 8 <= n {
        let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(x + j).storeBytes(of: v.replacing(with: 0, where: v .< 0), as: SIMD8<Float>.self)
        j += 8
    }
    while j < n { x[j] = x[j] < 0 ? 0 : x[j]; j += 1 }
}

/// g[0..<n] ← g where the ReLU output y > 0, else 0 (ReLU backward in place).
@inline(__always) func maskRow(_ g: UnsafeMutablePointer<Float>, where y: UnsafePointer<Float>, count n: Int) {
    var j = 0
    while j + 8 <= n {
        let v = UnsafeRawPointer(g + j).loadUnaligned(as: SIMD8<Float>.self)
        let out = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(g + j).storeBytes(of: v.replacing(with: 0, where: out .<= 0), as: SIMD8<Float>.self)
        j += 8
    }
    while j < n { g[j] = y[j] > 0 ? g[j] : 0; j += 1 }
}

/// x[0..<n] += y[0..<n].
@inline(__always) func addRow(_ x: UnsafeMutablePointer<Float>, _ y: UnsafePointer<Float>, count n: Int) {
    var j = 0
    while j + 8 <= n {
        let v = UnsafeRawPointer(x + j).loadUnaligned(as: SIMD8<Float>.self) + UnsafeRawPointer(y + j).loadUnaligned(as: SIMD8<Float>.self)
        UnsafeMutableRawPointer(x + j).storeBytes(of: v, as: SIMD8<Float>.self)
        j += 8
    }
    while j < n { x[j] += y[j]; j += 1 }
}
