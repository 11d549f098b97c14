import ArgumentParser
import StyleCore

@main
struct Stylize: ParsableCommand {
    static let version = "0.2.0"

    static let configuration = CommandConfiguration(
        commandName: "stylize",
        abstract: "Neural style transfer: StyTr² (one forward pass) or Gatys et al. (Gram-matrix optimisation).",
        discussion: """
        Examples:
          stylize photo.jpg painting.png -o out.png
              transformer mode if weights/stytr2.safetensors exists, else Gram mode
          stylize photo.jpg painting.png -o out.png --size 768
              resize the content's long side to 768 first
          stylize - painting.png -o - < photo.jpg > out.png
              read the content from stdin, write a PNG to stdout
          stylize photos/ 'styles/*.jpg' -o results/
              batch: every pair, results/<content>_stylized_<style>.png
          stylize info
              CPU, BLAS library and core type
          stylize bench sgemm
              sgemm 2048³ GFLOP/s on this machine
        """,
        version: version,
        subcommands: [Run.self, Video.self, Info.self, Bench.self, BatchReportCommand.self, Serve.self],
        defaultSubcommand: Run.self)

    /// `stylize -h` and `stylize --help` show the main job's options, then the other commands.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments == ["-h"] || arguments == ["--help"] else { return main(arguments) }
        print(helpMessage(for: Run.self, columns: 80))
        print("""

        OTHER COMMANDS:
        \(configuration.subcommands.filter { $0 != Run.self }.map { "  \($0._commandName.padding(12))\($0.configuration.abstract)" }.joined(separator: "\n"))

          See 'stylize help <command>' for their options.
        """)
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self + " " : self + String(repeating: " ", count: width - count) }
}
