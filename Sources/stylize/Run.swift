import ArgumentParser
import StyleCore

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Stylise CONTENT with STYLE (the default command).")
    @Argument(help: "Content image (.png, .jpg, .npy).") var content: String
    @Argument(help: "Style image (.png, .jpg, .npy).") var style: String
    @Option(name: .shortAndLong, help: "Output file (.png, .jpg, .npy).") var output: String

    func run() throws {
        fail(StyleError.invalidArgument("not implemented yet"))
    }
}
