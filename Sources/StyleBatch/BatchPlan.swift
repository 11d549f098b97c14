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
/// A `--list` file (`BatchList`) names the contents, or the pairs, instead.
public struct BatchPlan: Sendable {
    /// The distinct content files, sorted.
    public let contents: [String]
    /// The distinct style files, sorted.
    public let styles: [String]
    public let directory: String
    public let format: ImageFile.Format
    /// Every pair, sorted by (content, style): the order shards are cut from (`Shard.contains`).
    public let pairs: [Pair]

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
        let contents = try Self.expand(content).sorted(), styles = try Self.expand(style).sorted()
        let listed = contents.flatMap { content in styles.map { (content: content, style: $0, line: 0) } }
        try self.init(listed, list: nil, directory: directory, format: format)
    }

    /// The pairs of a `--list` file (see `BatchList`): with `style` (a file, directory or pattern),
    /// each listed content with each of its styles; without, the listed content<TAB>style pairs.
    /// Checks as the other initializer does, without a stat per listed file; errors about a pair
    /// (`BatchListError`) name its line.
    public init(list: String, style: String?, directory: String, format: ImageFile.Format) throws {
        let entries = try BatchList.read(list, pairs: style == nil)
        let styles = try style.map { try Self.expand($0).sorted() }
        let listed = entries.flatMap { entry in (styles ?? [entry.style!]).map { (content: entry.content, style: $0, line: entry.line) } }
        try self.init(listed, list: list, directory: directory, format: format)
    }

    /// `listed` in list order (`line` 0 when not from a list): checked, then sorted. Linear but
    /// for the sort: one dictionary of outputs, and a stat only for an input whose name is an
    /// output's name (`_stylized_`), the one way an input can be overwritten (outputs are renamed
    /// into place, so only a path that names the output itself sees it replaced).
    private init(_ listed: [(content: String, style: String, line: Int)], list: String?, directory: String, format: ImageFile.Format) throws {
        self.directory = directory
        self.format = format
        var info = stat()
        if stat(directory, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
            throw StyleError.write(path: directory, reason: "it is a file, but with a directory or pattern as input -o names the output directory")
        }
        let prefix = directory + (directory.hasSuffix("/") ? "" : "/"), ext = "." + format.fileExtension
        var stems: [String: String] = [:]
        func stem(_ path: String) -> String {
            if let known = stems[path] { return known }
            let name = Self.stem(path)
            stems[path] = name
            return name
        }
        var pairs: [Pair] = []
        pairs.reserveCapacity(listed.count)
        var seen: [String: Int] = [:]
        seen.reserveCapacity(listed.count)
        for (index, (content, style, line)) in listed.enumerated() {
            let output = prefix + Self.stem(content) + "_stylized_" + stem(style) + ext
            if let earlier = seen.updateValue(index, forKey: output) {
                let (c, s, before) = listed[earlier]
                guard let list else {
                    throw StyleError.invalidArgument("\(c) with \(s) and \(content) with \(style) would both be written to \(output); rename one of the inputs")
                }
                throw BatchListError(file: list, line: line, problem: c == content && s == style
                    ? "repeats line \(before) (\(content) with \(style)); list each pair once"
                    : "\(content) with \(style) would be written to \(output), as line \(before)'s \(c) with \(s) is; rename one of the inputs")
            }
            pairs.append(Pair(content: content, style: style, output: output))
        }
        if list != nil { pairs.sort { ($0.content, $0.style) < ($1.content, $1.style) } }
        var contents: [String] = []
        for pair in pairs where pair.content != contents.last { contents.append(pair.content) }
        self.pairs = pairs
        self.contents = contents
        styles = stems.keys.sorted()
        for input in contents + styles where Self.mayBeOutput(input) {
            let output = prefix + Self.fileName(input)
            if seen[output] != nil, let id = FileID(input), FileID(output) == id {
                throw StyleError.write(path: output, reason: "it is one of the input images; choose another output directory")
            }
        }
    }

    /// How many pairs the batch has.
    public var count: Int { pairs.count }

    /// One content × style pair and where it is written.
    public struct Pair: Hashable, Sendable {
        public let content: String
        public let style: String
        public let output: String

        public init(content: String, style: String, output: String) {
            self.content = content; self.style = style; self.output = output
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
        let name = fileName(path)
        guard let dot = name.utf8.lastIndex(of: UInt8(ascii: ".")), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// True when `path` holds "_stylized_", which every output name does: a plain byte search, as this
    /// runs once per listed input and the generic `firstRange(of:)` costs microseconds a call.
    static func mayBeOutput(_ path: String) -> Bool {
        let marker: StaticString = "_stylized_"
        let found = path.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            let m = UnsafeBufferPointer(start: marker.utf8Start, count: marker.utf8CodeUnitCount)
            guard bytes.count >= m.count else { return false }
            for start in 0...(bytes.count - m.count) where bytes[start] == m[0] {
                if (1..<m.count).allSatisfy({ bytes[start + $0] == m[$0] }) { return true }
            }
            return false
        }
        return found ?? path.contains("_stylized_")
    }

    /// The last component of a path: "a/b.png" → "b.png" ("a/b/" → "b").
    static func fileName(_ path: String) -> String {
        var end = path.endIndex
        while end > path.startIndex, path.utf8[path.utf8.index(before: end)] == UInt8(ascii: "/") { end = path.utf8.index(before: end) }
        let start = path.utf8[..<end].lastIndex(of: UInt8(ascii: "/")).map { path.utf8.index(after: $0) } ?? path.startIndex
        return String(path[start..<end])
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
