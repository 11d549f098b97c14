
/// How the pixel sums of the Gram mode (Gram matrices, their backward pass) are split: blocks of
/// `blockPixels` consecutive pixels, and consecutive blocks in at most `maximumGroups` groups. Fixed by
/// the pixel count alone, so every sum has one order whatever the thread count (issue 25): a group's
/// blocks add up in block order into the group's partial sum, the partials in group order.
struct PixelBlocks {
    /// 4096 pixels: a block of 128 channels is 2 MB, near the L2 cache, and a 512² image has ~70 blocks.
    static let blockPixels = 4096
    /// At most 64 partial sums (64·C² floats) at any image size.
    static let maximumGroups = 64

    let pixels: Int, blocks: Int, blocksPerGroup: Int, groups: Int

    init(pixels: Int) {
        self.pixels = pixels
        blocks = max(1, (pixels + Self.blockPixels - 1) / Self.blockPixels)
        blocksPerGroup = (blocks + Self.maximumGroups - 1) / Self.maximumGroups
        groups = (blocks + blocksPerGroup - 1) / blocksPerGroup
    }

    /// Pixels [start, end) of block b.
    func pixelRange(_ b: Int) -> Range<Int> { (b * Self.blockPixels)..<min(pixels, (b + 1) * Self.blockPixels) }

    /// The blocks of group g.
    func blockRange(group g: Int) -> Range<Int> { (g * blocksPerGroup)..<min(blocks, (g + 1) * blocksPerGroup) }
}
