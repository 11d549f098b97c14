#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import PNGTestSupport
import XCTest

/// Bad content/style inputs: each run fails with one `error: …` line naming the file, exit 1,
/// and leaves the directory (with its previous `out.png`) exactly as it was.
final class InputErrorTests: CLITestCase {
    /// stylize CONTENT STYLE -o out.png with valid tiny weights, quiet.
    func run(_ content: String, _ style: String = "style.png", _ extra: [String] = []) -> [String] {
        [content, style, "-o", "out.png", "--weights", "weights.safetensors", "-q"] + extra
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeTinyWeights()
    }

    // MARK: - Files that cannot be read

    func testMissingFile() throws {
        try expectError(run("missing.png"), ["error: missing.png: no such file"])
        try expectError(run("content.png", "nowhere/style.jpg"), ["nowhere/style.jpg", "no such file"])
        try expectError(run(path("gone.npy")), [path("gone.npy"), "no such file"])
    }

    func testPathWithLineBreakStaysOnOneLine() throws {
        try expectError(run("two\nlines.png"), [#"two\nlines.png"#, "no such file"])
    }

    /// A directory is a batch input (BatchTests): refused when it holds no images or -o names a file.
    func testDirectoryWhereAFileIsExpected() throws {
        mkdir(path("folder.png"), 0o755)
        try expectError(run("folder.png"), ["folder.png", "holds no image files (.png, .jpg, .webp, .heic, .avif, .tif, .gif, .bmp or .npy)"])
        // A single run writes a file: a directory at -o is refused.
        try expectError(["content.png", "style.png", "-o", "folder.png"], ["folder.png", "cannot write: it is a directory"])
        try expectError(run("content.png", "."), ["out.png", "it is a file", "output directory"])
    }

    func testPathThroughAFile() throws {
        try expectError(run("content.png/inner.png"), ["content.png/inner.png", "Not a directory"])
    }

    func testUnreadableFile() throws {
        // Unreadable even for root: /proc/self/mem opens, but reading address 0 fails with EIO.
        try expectError(run("/proc/self/mem"), ["/proc/self/mem", "read failed"])

        Files.write(path("locked.png"), Images.png(width: 20, height: 20), mode: 0)
        // Root reads any file, so as root stylize runs as nobody (the directory must then be reachable).
        var launcher: [String] = []
        if getuid() == 0 {
            guard access(setpriv, X_OK) == 0 else { throw XCTSkip("running as root without \(setpriv)") }
            launcher = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
            chmod(directory, 0o755)
        }
        try expectError(run("locked.png"), ["locked.png", "permission denied"], launcher: launcher)
        try expectError(run("content.png", "locked.png"), ["locked.png", "permission denied"], launcher: launcher)
    }

    let setpriv = "/usr/bin/setpriv"

    // MARK: - Files that cannot be decoded

    func testEmptyFile() throws {
        Files.write(path("empty.png"), [])
        try expectError(run("empty.png"), ["empty.png", "file is empty"])
        try expectError(run("content.png", "empty.png"), ["empty.png", "file is empty"])
    }

    func testTruncatedPNG() throws {
        let png = Images.png(width: 64, height: 48)
        Files.write(path("cut.png"), Array(png.prefix(png.count * 6 / 10)))
        try expectError(run("cut.png"), ["cut.png", "truncated PNG"])
        Files.write(path("five.png"), Array(png.prefix(5)))
        try expectError(run("five.png"), ["five.png", "truncated PNG", "only 5 bytes"])
        Files.write(path("header.png"), Array(png.prefix(40)))
        try expectError(run("content.png", "header.png"), ["header.png", "truncated PNG"])
        // A 60-byte file whose zTXt chunk claims 1.3 GB (found by the PNG fuzzer: libpng allocated it).
        let claim = Array(png.prefix(33)) + TestPNG.be32(0x5000_0019) + Array("zTXtT\u{0}\u{0}x".utf8) + [0xDA, 0x63, 0x60, 0, 0]
        Files.write(path("bomb.png"), claim)
        try expectError(run("bomb.png"), ["bomb.png", "truncated PNG"])
    }

    func testTruncatedJPEG() throws {
        let jpeg = Images.jpeg(width: 64, height: 48)
        Files.write(path("cut.jpg"), Array(jpeg.prefix(jpeg.count * 6 / 10)))
        try expectError(run("cut.jpg"), ["cut.jpg", "truncated JPEG"])
        Files.write(path("two.jpg"), Array(jpeg.prefix(2)))
        try expectError(run("two.jpg"), ["two.jpg", "truncated JPEG"])
        Files.write(path("head.jpg"), Array(jpeg.prefix(200)))
        try expectError(run("content.png", "head.jpg"), ["head.jpg", "JPEG"])
    }

    func testTextFileNamedPNG() throws {
        Files.write(path("notes.png"), Array("These are my notes, not an image.\n".utf8))
        try expectError(run("notes.png"), ["notes.png", "not an image file this reads", "text file"])
        Files.write(path("anim.png"), Array("GIF89a\u{1}\u{0}\u{1}\u{0}".utf8))
        try expectError(run("anim.png"), ["anim.png", "GIF"])
    }

    func testPNGWithBadCRC() throws {
        let png = Images.png(width: 64, height: 48)
        var header = png
        header[29] ^= 0xFF  // IHDR's CRC: signature 8 + length 4 + type 4 + data 13
        Files.write(path("ihdr.png"), header)
        try expectError(run("ihdr.png"), ["ihdr.png", "cannot decode", "IHDR", "CRC"])

        // Intact pixel data, wrong CRC on the IDAT chunk: found when the chunk ends.
        var idat = png
        let (start, length) = try XCTUnwrap(chunk("IDAT", in: png))
        idat[start + 8 + length] ^= 0x01
        Files.write(path("idat.png"), idat)
        try expectError(run("content.png", "idat.png"), ["idat.png", "cannot decode", "IDAT", "CRC"])

        // A flipped bit inside the compressed data: zlib usually notices first.
        var data = png
        data[start + 8 + 20] ^= 0x01
        Files.write(path("data.png"), data)
        try expectError(run("data.png"), ["data.png", "cannot decode", "IDAT"])

        // A bad CRC on an ancillary chunk is only a warning in libpng: the image still decodes.
        let text = TestPNG.chunk("tEXt", Array("Comment\u{0}hello".utf8))
        var ancillary = Array(png[0..<33]) + text + Array(png[33...])
        ancillary[33 + text.count - 1] ^= 0x01
        Files.write(path("text.png"), ancillary)
        let result = try stylize(["text.png", "style.png", "-o", "text-out.png", "--weights", "weights.safetensors", "-q"], in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
    }

    /// (offset of the length field, data length) of the first chunk of `type`.
    func chunk(_ type: String, in png: [UInt8]) -> (Int, Int)? {
        var i = 8
        while i + 12 <= png.count {
            let n = Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3])
            if Array(png[i + 4..<i + 8]) == Array(type.utf8) { return (i, n) }
            i += 12 + n
        }
        return nil
    }

    func testCorruptJPEGData() throws {
        var jpeg = Images.jpeg(width: 64, height: 48)
        // Overwrite the start of the entropy-coded data with a marker that cannot be there.
        guard let sos = (0..<jpeg.count - 1).first(where: { jpeg[$0] == 0xFF && jpeg[$0 + 1] == 0xDA }) else {
            return XCTFail("no SOS marker")
        }
        let length = Int(jpeg[sos + 2]) << 8 | Int(jpeg[sos + 3])
        for i in 0..<16 { jpeg[sos + 2 + length + i] = 0xFF }
        jpeg[sos + 2 + length + 16] = 0xC4  // a DHT marker inside the scan
        Files.write(path("bad.jpg"), jpeg)
        let result = try stylize(run("bad.jpg"), in: directory)
        // libjpeg may recover from corrupt entropy data (with a warning) or refuse it; either way no crash,
        // and a refusal is a single line.
        XCTAssertFalse(result.signaled, "\(result)")
        if result.status != 0 { assertOneLineError(result, ["bad.jpg"]) }
    }

    // MARK: - Images too large

    func testHeaderClaimingHugeImageIsRefusedBeforeAllocation() throws {
        // 100000×100000 RGB would need 120 GB as float32; the header alone must be refused.
        Files.write(path("huge.png"), TestPNG.headerOnly(width: 100_000, height: 100_000))
        let started = Date()
        try expectError(run("huge.png"), ["huge.png", "100000×100000", "more than the limit", "--max-pixels"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 20, "refused from the header, not after decoding")

        // 65500×65500 JPEG: a small file whose SOF claims a huge frame.
        var jpeg = Images.jpeg(width: 16, height: 16)
        guard let sof = (0..<jpeg.count - 1).first(where: { jpeg[$0] == 0xFF && (jpeg[$0 + 1] == 0xC0 || jpeg[$0 + 1] == 0xC2) }) else {
            return XCTFail("no SOF marker")
        }
        jpeg[sof + 5] = 0xFF; jpeg[sof + 6] = 0xDC  // height 65500
        jpeg[sof + 7] = 0xFF; jpeg[sof + 8] = 0xDC  // width 65500
        Files.write(path("huge.jpg"), jpeg)
        try expectError(run("content.png", "huge.jpg"), ["huge.jpg", "65500×65500", "more than the limit"])

        // A .npy header claiming (3, 100000, 100000) with no data.
        Files.write(path("huge.npy"), Images.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 100000, 100000), }", dataBytes: 0))
        try expectError(run("huge.npy"), ["huge.npy", "100000×100000", "more than the limit"])
    }

    func testMaxPixels() throws {
        // content.png is 40×32 = 1280 pixels, style.png 24×24 = 576.
        try expectError(run("content.png", "style.png", ["--max-pixels", "1279"]), ["content.png", "40×32 = 1280 pixels", "limit of 1279"])
        try expectError(run("style.png", "content.png", ["--max-pixels", "1000"]), ["content.png", "40×32 = 1280 pixels", "limit of 1000"])
        // Exactly at the limit passes the check (the run itself succeeds).
        let result = try stylize(run("content.png", "style.png", ["--max-pixels", "1280"]) , in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
    }

    // MARK: - .npy

    func testNPYWithWrongDtypeShapeOrOrder() throws {
        let cases: [(String, String, Int, [String])] = [
            ("int.npy", "{'descr': '<i4', 'fortran_order': False, 'shape': (3, 16, 16), }", 3 * 16 * 16 * 4,
             ["dtype '<i4' is not supported", "'<f4'"]),
            ("half.npy", "{'descr': '<f2', 'fortran_order': False, 'shape': (3, 16, 16), }", 3 * 16 * 16 * 2,
             ["dtype '<f2' is not supported"]),
            ("big.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (3, 16, 16), }", 3 * 16 * 16 * 4,
             ["big-endian"]),
            ("fortran.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 16, 16), }", 3 * 16 * 16 * 4,
             ["Fortran-order arrays are not supported"]),
            ("four.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 16, 16), }", 4 * 16 * 16 * 4,
             ["(3, H, W)", "(4, 16, 16)"]),
            ("flat.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (768,), }", 768 * 4,
             ["(3, H, W)", "(768,)"]),
            ("short.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 16, 16), }", 100,
             ["truncated .npy data"]),
            ("garbled.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 16, 16 }", 3 * 16 * 16 * 4,
             ["malformed .npy header"]),
            ("noshape.npy", "{'descr': '<f4', 'fortran_order': False}", 0, ["no 'shape' key"]),
        ]
        for (name, header, dataBytes, fragments) in cases {
            Files.write(path(name), Images.npy(header: header, dataBytes: dataBytes))
            try expectError(run(name), [name, "cannot decode"] + fragments)
        }
        Files.write(path("version9.npy"), NPY.magic + [9, 0, 0, 0])
        try expectError(run("content.png", "version9.npy"), ["version9.npy", "unsupported .npy format version 9.0"])
    }
}
