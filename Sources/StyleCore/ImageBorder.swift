/// x (C,H,W) extended by reflection (as PyTorch's ReflectionPad2d: the edge row/column is not
/// repeated) to (C, top+H+bottom, left+W+right); x itself when nothing is added.
/// Each pad must be smaller than the side it reflects.
public func reflectPad(_ x: Tensor, top: Int = 0, bottom: Int = 0, left: Int = 0, right: Int = 0) -> Tensor {
    if top == 0 && bottom == 0 && left == 0 && right == 0 { return x }
    let c = x.shape[0], h = x.shape[1], w = x.shape[2], ph = top + h + bottom, pw = left + w + right
    precondition(max(top, bottom) < h && max(left, right) < w, "reflection padding \(top),\(bottom),\(left),\(right) needs an image larger than \(h)×\(w)")
    let out = Tensor(shape: [c, ph, pw])
    // Index i of the padded axis → the source index in 0..<n (−1 → 1, n → n−2).
    func source(_ i: Int, _ n: Int) -> Int { i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i) }
    for ch in 0..<c {
        for y in 0..<ph {
            let src = x.data + (ch * h + source(y - top, h)) * w, dst = out.data + (ch * ph + y) * pw
            for xx in 0..<left { dst[xx] = src[left - xx] }
            (dst + left).update(from: src, count: w)
            for xx in 0..<right { dst[left + w + xx] = src[w - 2 - xx] }
        }
    }
    return out
}

/// The (C,height,width) window of x (C,H,W) whose top-left corner is (top,left); x itself when the
/// window is all of x.
public func crop(_ x: Tensor, top: Int = 0, left: Int = 0, height: Int, width: Int) -> Tensor {
    let c = x.shape[0], h = x.shape[1], w = x.shape[2]
    if top == 0 && left == 0 && height == h && width == w { return x }
    precondition(top >= 0 && left >= 0 && top + height <= h && left + width <= w, "crop \(height)×\(width) at (\(top),\(left)) outside \(h)×\(w)")
    let out = Tensor(shape: [c, height, width])
    for ch in 0..<c {
        for y in 0..<height {
            (out.data + (ch * height + y) * width).update(from: x.data + (ch * h + top + y) * w + left, count: width)
        }
    }
    return out
}
