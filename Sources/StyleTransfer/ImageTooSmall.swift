import StyleCore

/// An input image too small for the engine once the options have resized it, with the option that fixes it.
public struct ImageTooSmall: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Role: Equatable, Sendable {
        case content
        /// The style image at this index of the styles passed to `Stylizer.stylize`.
        case style(Int)
    }

    public let role: Role
    /// The image as given.
    public let width: Int, height: Int
    /// The image as the engine would use it (Gram mode: at its smallest pass).
    public let usedWidth: Int, usedHeight: Int
    /// The engine's smallest side.
    public let minimumSide: Int
    /// What to change, naming options as `{field}`.
    public let fix: String

    /// "content image (300×10) …", with `name` the image as the user knows it (a file name) and options
    /// rendered by `option`.
    public func message(name: String, naming option: (String) -> String) -> String {
        let used = (usedWidth, usedHeight) == (width, height) ? "" : ", used at \(usedWidth)×\(usedHeight)"
        return "\(name) is \(width)×\(height)\(used): too small, each side must be at least \(minimumSide) px there; \(renderOptionNames(fix, option))"
    }

    public var description: String {
        switch role {
        case .content: return message(name: "the content image", naming: { $0 })
        case let .style(i): return message(name: "style image \(i + 1)", naming: { $0 })
        }
    }
}
