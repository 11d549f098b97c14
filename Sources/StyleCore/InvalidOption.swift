/// An option of the library boundary (`StyleOptions`, `GramOptions`) outside its allowed values.
///
/// `field` is the option's name in snake_case ("alpha", "style_size"); `problem` says what is wrong and
/// may name other options as `{field}`. Each front end renders the names in its own words: the CLI as
/// flags (`--alpha must be between 0 and 1, not 1.5`), the HTTP service as form fields.
public struct InvalidOption: Error, Equatable, Sendable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(_ field: String, _ problem: String) {
        self.field = field
        self.problem = problem
    }

    /// "field problem", option names rendered by `name`.
    public func message(naming name: (String) -> String) -> String {
        name(field) + " " + renderOptionNames(problem, name)
    }

    public var description: String { message { $0 } }
}

/// text with every `{field}` replaced by `name(field)`.
public func renderOptionNames(_ text: String, _ name: (String) -> String) -> String {
    var out = "", rest = Substring(text)
    while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
        out += rest[..<open] + name(String(rest[rest.index(after: open)..<close]))
        rest = rest[rest.index(after: close)...]
    }
    return out + rest
}
