import ArgumentParser
import StyleCore

@main
struct Stylize: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "stylize",
        abstract: "Neural style transfer: StyTr² (one forward pass) or Gatys et al. (Gram-matrix optimisation).",
        discussion: """
        Examples:
          stylize photo.jpg painting.png -o out.png                 # transformer mode if weights/stytr2.safetensors exists
          stylize photo.jpg painting.png -o out.png --size 768      # resize the long side to 768 first
          stylize photo.jpg painting.png -o out.npy --mode transformer --weights weights/
          stylize photos/ 'styles/*.jpg' -o results/                # batch: every pair, results/<content>_stylized_<style>.png
          stylize info                                              # CPU, BLAS library and core type
          stylize bench sgemm                                       # sgemm 2048³ GFLOP/s on this machine
        """,
        version: version,
        subcommands: [Run.self, Info.self, Bench.self, Serve.self],
        defaultSubcommand: Run.self)
}

/// Prints `error: message` on one line and exits non-zero: the CLI's only way to fail.
func fail(_ error: Error) -> Never {
    FileHandleStderr.write("error: \(oneLine(error))\n")
    exit(1)
}

/// The error's message on one line (see `oneLine(_: String)`).
func oneLine(_ error: Error) -> String {
    oneLine((error as? StyleError)?.description ?? "\(error)")
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

enum FileHandleStderr {
    static func write(_ s: String) { fputs(s, stderr) }
}

#if canImport(Glibc)
import Glibc
#endif
