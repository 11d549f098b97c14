import StyleCore
import StyleIO
#if canImport(Glibc)
import Glibc
#endif

/// Every content × style pair of a batch run and the file each is written to:
/// `DIRECTORY/<content stem>_stylized_<style stem>.<ext>`.
///
/// An input is a batch input when it is a directory (its image files — `ImageFile.readableExtensions`:
/// .png, .jpg, .webp, .heic, .avif, .tif, .gif, .bmp, .npy and their variants —, hidden ones excepted, sorted by name) or a glob pattern that is not itself an existing file (expanded
/// with glob(3), sorted; directories it matches are skipped). Any other argument is one file.
public struct BatchPlan: Sendable {
    public let contents: [String]
    public let styles: [String]
    public let directory: String
    public let format: ImageFile.Format

    /// Extensions a directory's images are picked by.
    static let imageExtensions = ImageFile.readableExtensions

    /// True when `argument` names a directory or is a glob pattern rather than one file.
    public static func isBatchInput(_ argument: String) -> Bool {
        var info = stat()
        if stat(argument, &info) == 0 { return info.st_mode & S_IFMT == S_IFDIR }
        return argument.contains { "*?[".contains($0) }
    }

    /// Expands both inputs (a plain file stays one file) and checks that the pairs' output names
    /// are distinct and that none of them is an input. The directory itself is not created here.
    public init(content: String, style: String, directory: String, format: ImageFile.Format) throws {
        contents = try Self.expand(content)
        styles = try Self.expand(style)
        self.directory = directory
        self.format = format
        var info = stat()
        if stat(directory, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
            throw StyleError.write(path: directory, reason: "it is a file, but with a directory or pattern as input -o names the output directory")
        }
        var inputs: Set<FileID> = []
        for path in contents + styles { if let id = FileID(path) { inputs.insert(id) } }
        var seen: [String: (String, String)] = [:]
        for style in styles {
            for content in contents {
                let output = outputPath(content: content, style: style)
                if let (c, s) = seen[output] {
                    throw StyleError.invalidArgument("\(c) with \(s) and \(content) with \(style) would both be written to \(output); rename one of the inputs")
                }
                seen[output] = (content, style)
                if let id = FileID(output), inputs.contains(id) {
                    throw StyleError.write(path: output, reason: "it is one of the input images; choose another output directory")
                }
            }
        }
    }

    /// How many pairs the batch has.
    public var count: Int { contents.count * styles.count }

    /// One content × style pair and where it is written.
    public struct Pair: Hashable, Sendable {
        public let content: String
        public let style: String
        public let output: String

        public init(content: String, style: String, output: String) {
            self.content = content; self.style = style; self.output = output
        }
    }

    /// Every pair, sorted by (content, style): the order shards are cut from (`Shard.contains`).
    public var pairs: [Pair] {
        contents.sorted().flatMap { content in
            styles.sorted().map { Pair(content: content, style: $0, output: outputPath(content: content, style: $0)) }
        }
    }

    /// Where the pair is written.
    public func outputPath(content: String, style: String) -> String {
        let ext = format.fileExtension
        let slash = directory.hasSuffix("/") ? "" : "/"
        return directory + slash + Self.stem(content) + "_stylized_" + Self.stem(style) + "." + ext
    }

    /// Creates the output directory and any missing parents.
    public func createDirectory() throws {
        try Self.makeDirectories(directory)
    }

    /// mkdir -p: path and any missing parents; errors name the directory that could not be made.
    static func makeDirectories(_ path: String) throws {
        if isDirectory(path) { return }
        if let slash = path.dropLast().lastIndex(of: "/"), slash != path.startIndex {
            try makeDirectories(String(path[..<slash]))
        }
        guard mkdir(path, 0o777) == 0 || (errno == EEXIST && isDirectory(path)) else {
            throw StyleError.write(path: path, reason: "cannot create the directory: \(String(cString: strerror(errno)))")
        }
    }

    /// The file name without directory and last extension: "a/b.photo.png" → "b.photo".
    static func stem(_ path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The files an input names, sorted; throws when a directory or pattern names none.
    static func expand(_ argument: String) throws -> [String] {
        guard isBatchInput(argument) else { return [argument] }
        var info = stat()
        if stat(argument, &info) == 0 {
            let names = try listDirectory(argument)
            let base = argument.hasSuffix("/") ? argument : argument + "/"
            let images = names.filter { name in
                guard !name.hasPrefix("."), let dot = name.lastIndex(of: ".") else { return false }
                return imageExtensions.contains(name[name.index(after: dot)...].lowercased()) && !isDirectory(base + name)
            }.sorted().map { base + $0 }
            guard !images.isEmpty else {
                throw StyleError.io(path: argument, reason: "the directory holds no image files (.png, .jpg, .webp, .heic, .avif, .tif, .gif, .bmp or .npy)")
            }
            return images
        }
        var matches = glob_t()
        defer { globfree(&matches) }
        let status = glob(argument, 0, nil, &matches)
        guard status == 0 || status == GLOB_NOMATCH else {
            throw StyleError.io(path: argument, reason: status == GLOB_NOSPACE ? "out of memory expanding the pattern" : "cannot read a directory the pattern names")
        }
        let files = (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }.filter { !isDirectory($0) }
        guard !files.isEmpty else { throw StyleError.io(path: argument, reason: "no files match this pattern") }
        return files
    }

    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }
}

/// A file's identity (device, inode): two paths with equal IDs are the same file.
struct FileID: Hashable {
    var device: UInt64, inode: UInt64

    /// nil when nothing exists at `path`.
    init?(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        device = UInt64(info.st_dev); inode = UInt64(info.st_ino)
    }
}

/// Names in a directory (without "." and ".."), in readdir order.
func listDirectory(_ path: String) throws -> [String] {
    guard let dir = opendir(path) else {
        throw StyleError.io(path: path, reason: "cannot list the directory: \(String(cString: strerror(errno)))")
    }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
