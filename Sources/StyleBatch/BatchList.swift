import StyleCore
import StyleIO

/// The inputs a `--list` file names, so that a batch of 10⁶ pairs need not list directories.
///
/// One entry a line, in one of two forms, chosen by the caller (a STYLE argument or none):
/// - paths: each line is a content path (the style comes from the STYLE argument);
/// - pairs: each line is `content<TAB>style`.
///
/// Relative paths resolve against the list file's directory, so a list made next to its images
/// means the same from any working directory (a list in the working directory: the same as cwd).
/// Empty lines are skipped and a trailing CR (a CRLF file) is dropped. Nothing is stat'ed: a
/// listed file that is missing fails its own pair when the pair runs, as an unreadable image does.
public enum BatchList {
    /// One listed line: its content, its style (pairs form) and its line number (from 1).
    public struct Entry: Equatable, Sendable {
        public let content: String
        public let style: String?
        public let line: Int
    }

    /// The entries of the list at `path`, in file order.
    /// - Parameter pairs: true for the `content<TAB>style` form, false for content paths.
    /// - Throws: `StyleError.io` when the file cannot be read or holds no entries;
    ///   `BatchListError` naming the first malformed line.
    public static func read(_ path: String, pairs: Bool) throws -> [Entry] {
        let bytes: [UInt8]
        do { bytes = try readWholeFile(path) } catch let StyleError.io(_, reason) {
            throw StyleError.io(path: path, reason: "cannot read the list: \(reason)")
        }
        let base = path.lastIndex(of: "/").map { String(path[...$0]) } ?? ""
        var entries: [Entry] = []
        entries.reserveCapacity(bytes.count / 32)
        var number = 0, start = 0
        // A UTF-8 byte-order mark before the first line is not part of its path.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count {
            number += 1
            var end = start
            while end < bytes.count && bytes[end] != 0x0A { end += 1 }
            var last = end
            if last > start && bytes[last - 1] == 0x0D { last -= 1 }
            defer { start = end + 1 }
            if last == start { continue }
            let fields = try parseLine(bytes[start..<last], pairs: pairs, file: path, line: number)
            entries.append(Entry(content: resolve(fields.content, against: base),
                                 style: fields.style.map { resolve($0, against: base) }, line: number))
        }
        guard !entries.isEmpty else {
            throw StyleError.io(path: path, reason: pairs ? "the list holds no content<TAB>style lines" : "the list holds no content paths")
        }
        return entries
    }

    /// One non-empty line split into its fields, each checked.
    static func parseLine(_ line: ArraySlice<UInt8>, pairs: Bool, file: String, line number: Int) throws -> (content: String, style: String?) {
        func problem(_ text: String) -> BatchListError { BatchListError(file: file, line: number, problem: text) }
        let tabs = line.lazy.filter { $0 == 0x09 }.count
        if !pairs && tabs > 0 {
            throw problem("a tab in a content path: with a STYLE argument each line is one content path; give no STYLE argument to list content<TAB>style pairs")
        }
        if pairs && tabs != 1 {
            throw problem(tabs == 0 ? "no tab: without a STYLE argument each line is content<TAB>style; give a STYLE argument to list content paths only"
                                    : "\(tabs + 1) tab-separated fields; a line is content<TAB>style, two fields")
        }
        let parts = line.split(separator: 0x09, maxSplits: 1, omittingEmptySubsequences: false)
        let names = pairs ? ["content path", "style path"] : ["content path"]
        var fields: [String] = []
        for (part, name) in zip(parts, names) {
            guard !part.isEmpty else { throw problem("empty \(name); write one, or delete the line") }
            guard !part.contains(0) else { throw problem("a NUL byte in the \(name)") }
            guard let text = String(validating: part, as: UTF8.self) else { throw problem("the \(name) is not UTF-8 text") }
            guard part.first != 0x20 && part.last != 0x20 else {
                throw problem("the \(name) '\(text)' begins or ends with a space; remove it (list paths cannot begin or end with spaces)")
            }
            fields.append(text)
        }
        return (fields[0], pairs ? fields[1] : nil)
    }

    /// `path` as written when absolute, else `base` (the list's directory, with its slash) + `path`.
    static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") || base.isEmpty ? path : base + path
    }
}

/// A malformed line of a `--list` file: "photos.txt:7: 3 tab-separated fields; …".
public struct BatchListError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int
    public let problem: String

    public init(file: String, line: Int, problem: String) {
        self.file = file; self.line = line; self.problem = problem
    }

    public var description: String { "\(file):\(line): \(problem)" }
}
