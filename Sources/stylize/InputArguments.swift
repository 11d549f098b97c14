import ArgumentParser

/// What `InputArguments` says in `--help`: the one part of INPUT STYLE… that differs between commands.
protocol InputArgumentsHelp {
    /// The first positional argument (its `valueName` names it in usage errors).
    static var input: ArgumentHelp { get }
    static var styles: ArgumentHelp { get }
}

/// The positional arguments `stylize run` and `stylize video` share: the input (a content image,
/// a video), then one or more style images.
struct InputArguments<Help: InputArgumentsHelp>: ParsableArguments {
    // Optional only so that `run --list FILE` can go without it; `requireInputAndStyles()` asks for it otherwise.
    @Argument(help: Help.input) var input: String?
    @Argument(help: Help.styles) var styles: [String] = []

    /// The usage error of a missing input or style. The commands' `validate()` call it (only `run`
    /// knows when the input may be left out).
    func requireInputAndStyles() throws {
        guard input != nil else { throw ValidationError("Missing expected argument '<\(Help.input.valueName ?? "input")>'") }
        guard !styles.isEmpty else { throw ValidationError("Missing expected argument '<styles> ...': give at least one style image") }
    }
}
