#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import StyleCore
import StyleIO
import StyleTransfer
import StyleVideo

struct Video: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "video",
        abstract: "Stylise a video or frame sequence, each style encoded once.",
        discussion: """
        IN and OUT are video files (anything ffmpeg reads; OUT's container from its extension: H.264 in .mp4, .mov, .mkv and .avi, VP9 in .webm) or frame sequences: a directory (OUT: DIR/00001.png, …) or a printf pattern such as frames/%05d.png. Frames travel through ffmpeg pipes as 8-bit RGB. The audio is copied unchanged; the frame rate, size and rotation tag are kept (yuv420p needs even sides: an odd side is padded by 1 px, repeating the last row or column).

        Transformer mode encodes each style once for the whole clip. Gram mode runs the whole schedule (--steps) on the first frame only: every later frame starts from the previous frame's result and runs --warm-steps steps at full size (default: half of --steps), which also steadies the strokes; --warm-steps 0 stylises every frame from scratch like a photo. Frames keep their size in both modes unless --size is given.

        The run ends with the clip's flicker: sum |out(t) - out(t-1)| / sum |in(t) - in(t-1)| over all consecutive frames. --stabilize mask blends the previous output into the pixels whose input did not change; moving pixels keep their own stylisation, so motion is not smeared.

        Examples:
          stylize video clip.mp4 painting.png -o out.mp4
          stylize video clip.mp4 painting.png -o out.mp4 --stabilize mask
          stylize video clip.mov a.png b.png -o out.mkv --style-blend 2,1 \\
                --start 5 --duration 10
          stylize video frames/%05d.png painting.png -o styled/ --fps 24
        """)

    @OptionGroup var inputs: InputArguments<Video>
    @Option(name: .shortAndLong, help: "Output video file (.mp4, .mkv, .mov, .webm, .avi, .nut), directory, or frame pattern.") var output: String
    @Option(help: "Frame rate of the output, e.g. 24 or 30000/1001 (default: the input's; frame sequences 25).") var fps: String?
    @Option(help: "Skip this much of the input first: seconds or [HH:]MM:SS[.ms].") var start: String?
    @Option(help: "Stylise this much of the input: seconds or [HH:]MM:SS[.ms] (default: to the end).") var duration: String?
    @Option(parsing: .unconditional, help: "Constant rate factor of H.264/H.265/VP9 (0–63, lower is better and bigger).") var crf: Int = 18
    @Option(help: "ffmpeg encoder, e.g. libx265, or ffv1 (lossless, any size) (default: libx264; libvpx-vp9 for .webm).") var codec: String?
    @Option(help: "none, mask (hold the previous output where the input is still) or blend (average over time everywhere; smears motion).") var stabilize: Stabilization = .none
    @Option(parsing: .unconditional, help: "Stabilisation: weight of the previous output where the input is still, in [0,1).") var stabilizeStrength: Float = 0.8
    @Option(parsing: .unconditional, help: "Stabilisation (mask): input change per channel (0–1) from which a pixel counts as moving.") var stabilizeThreshold: Float = 0.1
    @Option(parsing: .unconditional, help: "Gram: steps of every frame after the first, started from the previous result (default: half of --steps; 0: every frame from scratch).") var warmSteps: Int?
    @OptionGroup var style: StyleArguments
    @Flag(name: .shortAndLong, help: "No messages on stderr except errors.") var quiet = false

    func validate() throws { try inputs.requireInputAndStyles() }

    var input: String { inputs.input! }
    var styles: [String] { inputs.styles }

    func run() throws {
        installVideoSignalHandlers()
        do {
            let options = try style.styleOptions()
            let stylizer = try Stylizer(options: options, weights: style.weightsLocation, styleCount: styles.count)
            var job = VideoJobOptions(input: input, output: output)
            if let fps {
                guard let rate = FrameRate(fps) else { throw StyleError.invalidArgument("{fps} takes a rate such as 24, 29.97 or 30000/1001, not '\(fps)'") }
                job.fps = rate
            }
            job.start = try start.map { try Self.parseTime($0, field: "start") }
            job.duration = try duration.map { try Self.parseTime($0, field: "duration") }
            job.crf = crf
            job.codec = codec
            job.stabilization = stabilize
            job.stabilizationStrength = stabilizeStrength
            job.stabilizationThreshold = stabilizeThreshold
            job.warmSteps = warmSteps ?? max(1, (options.gram.steps + 1) / 2)

            let styleImages = try styles.map { try ImageFile.read($0, maxPixels: options.maxPixels) }
            let video = try VideoJob(options: job, stylizer: stylizer, styles: styleImages)
            if !quiet {
                fputs("stylize: \(stylizer.reason)\n", stderr)
                for note in video.notes { fputs("stylize: \(oneLine(note))\n", stderr) }
            }
            let bar = FrameProgressBar(enabled: !quiet, total: video.expectedFrames)
            let summary = try video.run(note: { note in
                if !quiet { bar.finish(); fputs("stylize: \(oneLine(note))\n", stderr) }
            }, progress: bar.update)
            bar.finish()
            if !quiet {
                let seconds = monotonicSeconds() - bar.start
                let flicker = summary.flicker.map { String(format: "%.3f", $0) } ?? "n/a (fewer than 2 frames, or an input that changes by under half a level per sample)"
                fputs("stylize: wrote \(oneLine(output)): \(summary.frames) frames, \(summary.width)×\(summary.height) at \(summary.frameRate) fps, "
                      + String(format: "%.3g frames/s", Double(summary.frames) / max(seconds, 1e-9)) + ", flicker \(flicker)\n", stderr)
            }
        } catch {
            fail(error, content: input, styles: styles)
        }
    }

    /// "2.5" or "[HH:]MM:SS[.ms]" → seconds.
    static func parseTime(_ text: String, field: String) throws -> Double {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        let numbers = parts.map { Double($0) }
        guard (1...3).contains(parts.count), numbers.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }),
              parts.dropLast().allSatisfy({ Int($0) != nil }) else {
            throw InvalidOption(field, "takes seconds (e.g. 2.5) or [HH:]MM:SS[.ms], not '\(text)'")
        }
        return numbers.reduce(0) { $0 * 60 + $1! }
    }
}

/// Ctrl-C or SIGTERM mid-clip: stop ffmpeg, remove the temporary output (an existing OUT stays as it
/// was), exit 130/143. A broken pipe to ffmpeg is reported as ffmpeg's error instead of killing us.
func installVideoSignalHandlers() {
    signal(SIGPIPE, SIG_IGN)
    for sig in [SIGINT, SIGTERM] {
        signal(sig) { sig in
            killFFmpegChildrenForSignal()
            AtomicFile.removePendingTemporaries()
            _exit(128 + sig)
        }
    }
}

extension Video: InputArgumentsHelp {
    static let input = ArgumentHelp("Input video file, directory of frames, or frame pattern (e.g. frames/%05d.png).", valueName: "input")
    static let styles = ArgumentHelp("Style image(s) (PNG, JPEG, WebP, HEIC, AVIF, TIFF, GIF, BMP or .npy), several blended (see --style-blend).")
}

extension Stabilization: ExpressibleByArgument {}
