import StyleCore
import StyleTransfer
#if canImport(Glibc)
import Glibc
#endif

/// Prints `error: message` on one line and exits 1: the CLI's only way to fail. `content` and `styles`
/// name the inputs for errors that point at one of them.
func fail(_ error: Error, content: String = "the content image", styles: [String] = []) -> Never {
    fputs("error: \(cliMessage(error, content: content, styles: styles))\n", stderr)
    exit(1)
}

/// The error's message in the CLI's words (options as flags), on one line.
func cliMessage(_ error: Error, content: String = "the content image", styles: [String] = []) -> String {
    let text: String
    switch error {
    case let e as InvalidOption: text = e.message(naming: flag)
    case let e as StyleError: text = e.message(naming: flag)
    case let e as ImageTooSmall:
        let name: String
        switch e.role {
        case .content: name = "content image " + content
        case let .style(i): name = "style image " + (i < styles.count ? styles[i] : "\(i + 1)")
        }
        text = e.message(name: name, naming: flag)
    default: text = "\(error)"
    }
    return oneLine(text)
}

/// The flag of an option field: "style_size" → "--style-size".
func flag(_ field: String) -> String {
    field == "style" ? "STYLE" : "--" + field.replacingAll("_", with: "-")
}

/// text with line breaks written as \n and \r: a path or a name from a file never splits a message.
func oneLine(_ text: String) -> String {
    var line = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": line += "\\n"
        case "\r": line += "\\r"
        default: line.unicodeScalars.append(scalar)
        }
    }
    return line
}

extension String {
    func replacingAll(_ character: Character, with replacement: String) -> String {
        split(separator: character, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
