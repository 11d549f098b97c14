/// PNG files built by hand (stored deflate blocks, no zlib), so every colour type, bit depth,
/// tRNS variant and interlacing can be tested without fixture files (StyleIOTests, CLITests).
public enum TestPNG {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func crc32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        ~bytes.reduce(~UInt32(0)) { crcTable[Int(($0 ^ UInt32($1)) & 0xFF)] ^ ($0 >> 8) }
    }

    public static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    /// A zlib stream of stored (uncompressed) deflate blocks.
    public static func zlibStored(_ raw: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, raw.count - offset)
            let final: UInt8 = offset + n == raw.count ? 1 : 0
            out += [final, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += raw[offset..<offset + n]
            offset += n
        } while offset < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }

    public static func channels(_ colorType: UInt8) -> Int { [0: 1, 2: 3, 3: 1, 4: 2, 6: 4][colorType]! }

    /// One scanline: filter byte 0, then the samples packed MSB first (16-bit big-endian).
    public static func packRow(_ samples: ArraySlice<Int>, bitDepth: Int) -> [UInt8] {
        var row: [UInt8] = [0]
        if bitDepth == 16 {
            for s in samples { row += [UInt8(s >> 8), UInt8(s & 0xFF)] }
        } else if bitDepth == 8 {
            row += samples.map { UInt8($0) }
        } else {
            var byte = 0, used = 0
            for s in samples {
                byte = byte << bitDepth | s
                used += bitDepth
                if used == 8 { row.append(UInt8(byte)); byte = 0; used = 0 }
            }
            if used > 0 { row.append(UInt8(byte << (8 - used))) }
        }
        return row
    }

    /// A PNG of `samples` (row-major, `channels(colorType)` per pixel, each < 2^bitDepth).
    public static func make(width: Int, height: Int, colorType: UInt8, bitDepth: Int, samples: [Int],
                     palette: [UInt8] = [], trns: [UInt8]? = nil, interlaced: Bool = false) -> [UInt8] {
        let ch = channels(colorType)
        precondition(samples.count == width * height * ch)
        var raw: [UInt8] = []
        if interlaced {
            // Adam7 passes: (x0, y0, dx, dy).
            for (x0, y0, dx, dy) in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)] {
                guard x0 < width, y0 < height else { continue }
                for y in stride(from: y0, to: height, by: dy) {
                    var pass: [Int] = []
                    for x in stride(from: x0, to: width, by: dx) { pass += samples[(y * width + x) * ch..<(y * width + x + 1) * ch] }
                    raw += packRow(pass[...], bitDepth: bitDepth)
                }
            }
        } else {
            for y in 0..<height { raw += packRow(samples[y * width * ch..<(y + 1) * width * ch], bitDepth: bitDepth) }
        }
        var png = signature
        png += chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [UInt8(bitDepth), colorType, 0, 0, interlaced ? 1 : 0])
        if !palette.isEmpty { png += chunk("PLTE", palette) }
        if let trns { png += chunk("tRNS", trns) }
        png += chunk("IDAT", zlibStored(raw))
        png += chunk("IEND", [])
        return png
    }

    /// The chunks of a PNG as (type, data).
    public static func chunks(_ png: [UInt8]) -> [(String, [UInt8])] {
        var out: [(String, [UInt8])] = []
        var i = 8
        while i + 12 <= png.count {
            let n = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            out.append((String(decoding: png[i + 4..<i + 8], as: UTF8.self), Array(png[i + 8..<i + 8 + n])))
            i += 12 + n
        }
        return out
    }

    /// A PNG whose sample (x, y, channel) is `sample(x, y, c)` (< 2^bitDepth).
    public static func make(width: Int, height: Int, colorType: UInt8, bitDepth: Int, palette: [UInt8] = [],
                            trns: [UInt8]? = nil, sample: (Int, Int, Int) -> Int) -> [UInt8] {
        let ch = channels(colorType)
        var samples: [Int] = []
        samples.reserveCapacity(width * height * ch)
        for y in 0..<height { for x in 0..<width { for c in 0..<ch { samples.append(sample(x, y, c)) } } }
        return make(width: width, height: height, colorType: colorType, bitDepth: bitDepth, samples: samples, palette: palette, trns: trns)
    }

    /// An image that only has a header: IHDR claiming width×height, one empty IDAT, IEND.
    public static func headerOnly(width: UInt32, height: UInt32) -> [UInt8] {
        signature + chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
            + chunk("IDAT", zlibStored([0])) + chunk("IEND", [])
    }
}
