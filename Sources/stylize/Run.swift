import GramStyle
import ArgumentParser
import Foundation
import StyleBatch
import StyleCore
import StyleIO
import StyleTransfer

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Stylise CONTENT with one or more STYLE images and write OUTPUT (the default command).")

    @OptionGroup var inputs: InputArguments<Run>
    @Option(name: .shortAndLong, help: "Output file: .png, .jpg/.jpeg, .webp or .npy (exact float32, unclamped); - for stdout. Batch: the output directory.") var output: String
    @Option(help: "Format for -o - and batch runs (default png).") var format: OutputFormat?
    @Option(help: "Batch: run shard I of N (I/N; pair k of the sorted pairs is shard k mod N's), or auto: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (see tools/slurm, tools/kubernetes).") var shard: String?
    @Option(help: "Batch: JSON-lines record, one line per pair (default: OUT/stylize-manifest-I-of-N.jsonl).") var manifest: String?
    @Option(help: "Batch: a file of content paths, one a line, each with STYLE; or, with no STYLE, of content<TAB>style lines. Relative paths start from the list's directory.") var list: String?
    @OptionGroup var style: StyleArguments
    @Flag(name: .shortAndLong, help: "No messages on stderr except warnings and errors.") var quiet = false
    @Flag(help: "Print one JSON object per result on stdout: inputs, output, size, mode, weights or seed, seconds, error; in a batch also each pair's status (written, skipped or failed).") var json = false

    func validate() throws {
        guard list != nil else { return try inputs.requireInputAndStyles() }
        guard inputs.styles.isEmpty else {
            throw ValidationError("--list takes one STYLE argument (the list holds content paths) or none (it holds content<TAB>style lines), not \(inputs.styles.count + 1)")
        }
    }

    /// The content argument; with --list, the list (what a record of the whole run names).
    var content: String { list ?? inputs.input! }
    /// The style arguments; with --list, the one positional argument, if any.
    var styles: [String] { list == nil ? inputs.styles : inputs.input.map { [$0] } ?? [] }

    var isBatch: Bool { list != nil || BatchPlan.isBatchInput(content) || styles.contains(where: BatchPlan.isBatchInput) }

    func run() throws {
        installSignalHandlers()
        let started = monotonicSeconds()
        var record = ResultRecord(content: content, styles: styles, output: output)
        do {
            if isBatch {
                guard styles.count == 1 || list != nil, style.styleBlend == nil else {
                    throw StyleError.invalidArgument("a batch takes one style argument (a file, directory or pattern) and no {style_blend}")
                }
                guard output != "-" else { throw StyleError.invalidArgument("a batch writes files: -o names its output directory, not -") }
                return try runBatch(style.styleOptions())
            }
            guard shard == nil, manifest == nil else {
                throw StyleError.invalidArgument("{\(shard != nil ? "shard" : "manifest")} is for batch runs (a directory or pattern as input, or --list)")
            }
            let options = try style.styleOptions()
            let stylizer = try Stylizer(options: options, weights: style.weightsLocation, styleCount: styles.count)
            let toStdout = output == "-"
            guard format == nil || toStdout else {
                throw StyleError.invalidArgument("{format} is for -o - and batch runs; a single run takes the format from -o's extension")
            }
            guard !toStdout || options.gram.snapshotEvery == 0 else {
                throw StyleError.invalidArgument("{save_every} writes files next to the output: give -o a file name, not -")
            }
            guard !(toStdout && json) else { throw StyleError.invalidArgument("{json} prints to stdout, and so does -o -: choose one") }
            let fileFormat = toStdout ? (format ?? .png).format : try ImageFile.outputFormat(for: output)
            try refuseOverwritingInputs()
            let contentImage = try readImage(content, maxPixels: options.maxPixels)
            let styleImages = try styles.map { try readImage($0, maxPixels: options.maxPixels) }
            if !toStdout { try AtomicFile.checkWritable(output) }  // fail now, not after a minute of optimisation
            if !quiet { fputs("stylize: \(stylizer.reason)\n", stderr) }
            let bar = ProgressBar(enabled: !quiet)
            var unchanged: UnchangedImage?
            let result = try stylizer.stylize(content: contentImage, styles: styleImages, progress: bar.update, snapshot: { step, image in
                try ImageFile.write(image, to: Self.snapshotPath(output, step: step), quality: options.quality)
            }, unchanged: { unchanged = $0 })
            bar.finish()
            // Even with -q: exit 0 with the input written back must not pass unnoticed.
            if let unchanged { fputs("warning: \(unchanged)\n", stderr) }
            let metadata = Self.metadata(stylizer, content: content, styles: styles, result: result)
                + (unchanged.map { [("stylize:warning", "\($0)")] } ?? [])
            if toStdout {
                try writeStandardOutput(ImageFile.encode(result, as: fileFormat, quality: options.quality, metadata: metadata, path: "stdout"))
            } else {
                try ImageFile.write(result, to: output, quality: options.quality, metadata: metadata)
            }
            record.finish(stylizer, result: result, seconds: monotonicSeconds() - started)
            if json { record.print() }
        } catch {
            if json && output != "-" {
                record.error = cliMessage(error, content: content, styles: styles)
                record.print()
            }
            fail(error, content: content, styles: styles)
        }
    }

    /// Text written into PNG and JPEG outputs: what reproduces the result.
    static func metadata(_ stylizer: Stylizer, content: String, styles: [String], result: Tensor) -> [(String, String)] {
        [("Software", "stylize \(Stylize.version)")] + stylizer.metadata(content: content, styles: styles, result: result).map { ($0.key, $0.value) }
    }

    /// out.png, step 50 → out.step0050.png (the extension stays last so the format is kept).
    static func snapshotPath(_ output: String, step: Int) -> String {
        let slash = output.lastIndex(of: "/").map { output.index(after: $0) } ?? output.startIndex
        let name = output[slash...]
        let stepName = "step" + String(repeating: "0", count: max(0, 4 - String(step).count)) + String(step)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return output + "." + stepName }
        return String(output[..<dot]) + "." + stepName + String(output[dot...])
    }

    /// An output path that is one of the inputs would destroy it.
    func refuseOverwritingInputs() throws {
        for input in [content] + styles where input != "-" {
            var a = stat(), b = stat()
            if stat(output, &a) == 0, stat(input, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
                throw StyleError.write(path: output, reason: "it is the input image \(input); choose another output path")
            }
        }
    }
}

extension Run: InputArgumentsHelp {
    static let input = ArgumentHelp("Content image (PNG, JPEG, WebP, HEIC, AVIF, TIFF, GIF, BMP or .npy float32 (3,H,W)), - for stdin, or a directory or quoted glob pattern of them (batch).", valueName: "content")
    static let styles = ArgumentHelp("Style image(s) (any format the content may be), several blended (see --style-blend); or one directory or quoted glob pattern (batch).")
}

/// An image file, or standard input for "-".
func readImage(_ path: String, maxPixels: Int) throws -> Tensor {
    guard path == "-" else { return try ImageFile.read(path, maxPixels: maxPixels) }
    let bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
    guard !bytes.isEmpty else { throw StyleError.io(path: "stdin", reason: "no image on standard input (pipe one in, e.g. < photo.jpg)") }
    return try ImageFile.read(data: bytes, path: "stdin", maxPixels: maxPixels)
}

/// Writes bytes to standard output whole; a closed pipe is an error, not a crash.
func writeStandardOutput(_ bytes: [UInt8]) throws {
    signal(SIGPIPE, SIG_IGN)
    if let error = bytes.withUnsafeBytes({ writeAll($0, to: STDOUT_FILENO) }) {
        throw StyleError.write(path: "stdout", reason: String(cString: strerror(error)))
    }
}

/// The output formats by the names users type.
enum OutputFormat: String, CaseIterable, ExpressibleByArgument {
    case png, jpg, webp, npy
    init?(argument: String) { self.init(rawValue: argument == "jpeg" ? "jpg" : argument) }
    var format: ImageFile.Format {
        switch self {
        case .png: .png
        case .jpg: .jpeg
        case .webp: .webp
        case .npy: .npy
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
