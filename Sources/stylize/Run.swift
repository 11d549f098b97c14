import ArgumentParser
import StyleCore
import StyleIO
import StyleTransfer
#if canImport(Glibc)
import Glibc
#endif

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Stylise CONTENT with STYLE and write OUTPUT (the default command).")

    @Argument(help: "Content image (.png, .jpg or .npy float32 (3,H,W)).") var content: String
    @Argument(help: "Style image (.png, .jpg or .npy).") var style: String
    @Option(name: .shortAndLong, help: "Output file: .png, .jpg/.jpeg or .npy (exact float32, unclamped).") var output: String
    @Option(help: "auto (StyTr² if its weights are there, else Gram), transformer or gram.") var mode: String = "auto"
    @Option(help: "Weights directory or .safetensors file (default: $STYLIZE_WEIGHTS, else ./weights).") var weights: String?
    @Option(help: "Resize the content's long side to N pixels first (transformer default: keep; gram default: 512).") var size: Int?
    @Option(help: "Resize the style's long side to N pixels (0 keeps it).") var styleSize: Int = 512
    @Option(help: "JPEG quality, 1–100.") var quality: Int = 92
    @Option(help: "Refuse images with more pixels than this (checked before decoding).") var maxPixels: Int = ImageFile.defaultMaxPixels
    @Flag(name: .shortAndLong, help: "No messages on stderr except errors.") var quiet = false

    func run() throws {
        installSignalHandlers()
        do {
            var options = StyleOptions()
            guard let m = StyleMode(rawValue: mode) else {
                throw StyleError.invalidArgument("--mode must be auto, transformer or gram, not '\(mode)'")
            }
            guard (1...100).contains(quality) else { throw StyleError.invalidArgument("--quality must be between 1 and 100, not \(quality)") }
            options.mode = m; options.weights = weights; options.size = size
            options.styleSize = styleSize; options.maxPixels = maxPixels
            try options.validate()
            _ = try ImageFile.outputFormat(for: output)
            try refuseOverwritingInputs()
            let contentImage = try ImageFile.read(content, maxPixels: maxPixels)
            let styleImage = try ImageFile.read(style, maxPixels: maxPixels)
            let stylizer = try Stylizer(options: options)
            if !quiet { fputs("stylize: \(stylizer.modeDescription)\n", stderr) }
            let result = try stylizer.stylize(content: contentImage, style: styleImage)
            try ImageFile.write(result, to: output, quality: quality,
                                metadata: [("Software", "stylize \(Stylize.version)"), ("stylize:mode", stylizer.mode.rawValue)])
        } catch {
            fail(error)
        }
    }

    /// An output path that is one of the inputs would destroy it.
    func refuseOverwritingInputs() throws {
        for input in [content, style] {
            var a = stat(), b = stat()
            if stat(output, &a) == 0, stat(input, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
                throw StyleError.write(path: output, reason: "it is the input image \(input); choose another output path")
            }
        }
    }
}

/// Ctrl-C or SIGTERM mid-run: remove half-written temporary outputs, exit 130/143.
func installSignalHandlers() {
    signal(SIGINT) { sig in
        AtomicFile.removePendingTemporaries()
        _exit(128 + sig)
    }
    signal(SIGTERM) { sig in
        AtomicFile.removePendingTemporaries()
        _exit(128 + sig)
    }
}
