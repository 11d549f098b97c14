#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleIO

/// Numbered image files on disk: a directory of frames, or a printf pattern such as `frames/%05d.png`.
public enum FrameSequence {
    /// Extensions an input frame may have (what `ImageFile` reads; it tells formats by their bytes).
    static let imageExtensions = ImageFile.readableExtensions

    /// Whether `path` names a frame sequence (a directory, or a name with a %d/%0Nd pattern) rather
    /// than a video file.
    public static func isSequence(_ path: String) -> Bool {
        var info = stat()
        if stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR { return true }
        return path.hasSuffix("/") || (try? Pattern(path)) != nil
    }

    /// The frames an input sequence names, in order: a directory's image files sorted by name, or a
    /// pattern's files numbered from the first of 0…4 that exists (ffmpeg's image2 rule) until the
    /// first gap.
    static func inputFrames(_ path: String) throws -> [String] {
        var info = stat()
        if stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            let frames = names.filter { imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) && !$0.hasPrefix(".") }.sorted()
            guard !frames.isEmpty else { throw VideoError.input(path: path, reason: "no image frames in this directory (.png, .jpg, .webp, .heic, .avif, .tif, .gif, .bmp or .npy)") }
            return frames.map { (path.hasSuffix("/") ? path : path + "/") + $0 }
        }
        guard !path.hasSuffix("/") else { throw VideoError.input(path: path, reason: "no such directory") }
        let pattern = try Pattern(path)
        guard let first = (0...4).first(where: { access(pattern.path(for: $0), F_OK) == 0 }) else {
            throw VideoError.input(path: path, reason: "no frame matches this pattern (looked for \(pattern.path(for: 0)) … \(pattern.path(for: 4)))")
        }
        var frames: [String] = []
        var index = first
        while access(pattern.path(for: index), F_OK) == 0 { frames.append(pattern.path(for: index)); index += 1 }
        return frames
    }

    /// A printf pattern with exactly one %d or %0Nd (and %% for a literal percent sign).
    struct Pattern {
        let prefix: String, suffix: String, width: Int

        init(_ text: String) throws {
            var prefix = "", suffix = "", width: Int? = nil
            var chars = Array(text)[...]
            while let c = chars.popFirst() {
                guard c == "%" else { if width == nil { prefix.append(c) } else { suffix.append(c) }; continue }
                if chars.first == "%" { chars.removeFirst(); if width == nil { prefix.append("%") } else { suffix.append("%") }; continue }
                var digits = ""
                while let d = chars.first, d.isASCII, d.isNumber { digits.append(d); chars.removeFirst() }
                guard chars.popFirst() == "d", width == nil, digits.isEmpty || digits.hasPrefix("0") || digits.count == 1 else {
                    throw VideoError.input(path: text, reason: "a frame pattern takes one %d or %0Nd (e.g. frames/%05d.png)")
                }
                width = Int(digits) ?? 0
            }
            guard let width else { throw VideoError.input(path: text, reason: "not a frame pattern") }
            self.prefix = prefix; self.suffix = suffix; self.width = width
        }

        func path(for index: Int) -> String {
            let digits = String(index)
            return prefix + String(repeating: "0", count: max(0, width - digits.count)) + digits + suffix
        }
    }
}
