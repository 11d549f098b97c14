#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import StyleTransfer

/// What `VideoJob` reads, writes and how.
public struct VideoJobOptions: Sendable {
    /// A video file, a directory of frames or a printf pattern (`frames/%05d.png`).
    public var input: String
    /// A video file (container from the extension), a directory (frames named 00001.png, …) or a pattern.
    public var output: String
    /// Resample to this rate (default: the input's r_frame_rate; 25 for frame sequences).
    public var fps: FrameRate? = nil
    /// Seconds skipped at the start, and the length kept (default: to the end).
    public var start: Double? = nil
    public var duration: Double? = nil
    /// Encoder (default H.264, VP9 for .webm) and its constant rate factor.
    public var codec: String? = nil
    public var crf = 18
    public var stabilization = Stabilization.none
    public var stabilizationStrength: Float = 0.8
    public var stabilizationThreshold: Float = 0.1
    /// Gram mode: optimiser steps of every frame after the first (which runs the whole schedule), started
    /// from the previous frame's result; 0 runs every frame cold, from the content, like a photo.
    public var warmSteps = 10

    public init(input: String, output: String) { self.input = input; self.output = output }
}

/// The outcome of a finished job.
public struct VideoSummary: Sendable {
    public let frames: Int
    public let width: Int, height: Int
    public let frameRate: FrameRate
    /// See `FlickerMeter`; nil for fewer than two frames or a still input.
    public let flicker: Double?
}

/// Stylises every frame of a clip: frames from ffmpeg (or image files) → resize (`options.size`) →
/// `Stylizer.stylizeFrame` (styles prepared once; Gram mode warm-started from the previous frame) →
/// clamp → `TemporalStabilizer` → `FlickerMeter` → ffmpeg (or image files).
///
/// A video output is written through `AtomicFile`: ffmpeg muxes into a temporary file next to the output,
/// renamed over it only once complete, so an existing file survives any failure or interruption.
public final class VideoJob {
    public let options: VideoJobOptions
    private let stylizer: Stylizer
    private let styles: [Tensor]
    private let input: Input
    private let output: Output
    private let tools: FFmpegTools?
    public let frameRate: FrameRate
    /// Frames the job expects to write (from the container or duration × rate), for progress; nil if unknown.
    public let expectedFrames: Int?

    private enum Input { case video(VideoProbe), frames([String]) }
    private enum Output { case video(VideoEncoding), frames(FrameSequence.Pattern) }

    /// Checks everything that can be checked before the first frame: tools on PATH, the input's streams,
    /// the output's container or pattern and that it can be created.
    /// - Throws: `VideoError`, `StyleError`, `InvalidOption` (start, duration, stabilize_strength, stabilize_threshold, warm_steps, crf).
    public init(options: VideoJobOptions, stylizer: Stylizer, styles: [Tensor]) throws {
        self.options = options
        self.stylizer = stylizer
        self.styles = styles
        let inputIsVideo = !FrameSequence.isSequence(options.input)
        let outputIsVideo = !FrameSequence.isSequence(options.output)
        tools = inputIsVideo || outputIsVideo ? try FFmpegTools.locate() : nil

        if let start = options.start, !(start >= 0 && start.isFinite) { throw InvalidOption("start", "must be 0 or more seconds, not \(start)") }
        if let duration = options.duration, !(duration > 0 && duration.isFinite) { throw InvalidOption("duration", "must be more than 0 seconds, not \(duration)") }
        guard options.stabilizationStrength >= 0 && options.stabilizationStrength < 1 else {
            throw InvalidOption("stabilize_strength", "must be at least 0 and below 1, not \(options.stabilizationStrength)")
        }
        guard options.stabilizationThreshold > 0 && options.stabilizationThreshold <= 1 else {
            throw InvalidOption("stabilize_threshold", "must be above 0 and at most 1, not \(options.stabilizationThreshold)")
        }
        guard options.warmSteps >= 0 else { throw InvalidOption("warm_steps", "must be 0 (no warm start) or more, not \(options.warmSteps)") }

        if outputIsVideo {
            output = .video(try VideoEncoding(path: options.output, codec: options.codec, crf: options.crf))
        } else {
            output = .frames(try Self.outputPattern(options.output))
        }
        if inputIsVideo {
            let probe = try VideoProbe.probe(options.input, tools: tools!)
            input = .video(probe)
            frameRate = options.fps ?? probe.frameRate
            if options.fps == nil, options.start == nil, options.duration == nil, let n = probe.frameCount {
                expectedFrames = n
            } else if let total = probe.duration {
                let span = min(max(0, total - (options.start ?? 0)), options.duration ?? .infinity)
                expectedFrames = Int((span * frameRate.value).rounded())
            } else {
                expectedFrames = nil
            }
        } else {
            let frames = try FrameSequence.inputFrames(options.input)
            let rate = options.fps ?? FrameRate(numerator: 25, denominator: 1)!
            frameRate = rate
            let first = Int(((options.start ?? 0) * rate.value).rounded())
            let count = options.duration.map { Int(($0 * rate.value).rounded()) } ?? frames.count
            let kept = Array(frames.dropFirst(first).prefix(count))
            input = .frames(kept)
            expectedFrames = kept.count
        }
        if expectedFrames == 0 { throw Self.noFrames(options, input) }
        try refuseOverwritingInput()
        if case .video = output { try AtomicFile.checkWritable(options.output) }
    }

    /// Notes worth a line on stderr before the run (what is dropped or adjusted).
    public var notes: [String] {
        var notes: [String] = []
        if case let .video(probe) = input, case .frames = output {
            if probe.hasAudio { notes.append("the audio is not written to frame files") }
            if probe.rotation != 0 { notes.append("frames are written upright (the input's \(probe.rotation)° rotation applied)") }
        }
        return notes
    }

    /// Runs the clip. `note` receives one-off remarks (e.g. padding to even sides), `progress` the frame
    /// count after each frame.
    /// - Throws: `VideoError`, `StyleError`, `CancellationError`.
    public func run(note: (String) -> Void = { _ in }, progress: (_ framesDone: Int) -> Void = { _ in }) throws -> VideoSummary {
        let prepared = try styles.enumerated().map { try stylizer.prepareStyle($0.element, index: $0.offset) }
        switch output {
        case let .video(encoding):
            var summary: VideoSummary?
            var failure: Error?  // AtomicFile would wrap it in a StyleError
            do {
                try AtomicFile.write(to: options.output) { temporary in
                    var writer: FFmpegVideoWriter?
                    defer { writer?.abandon() }
                    do {
                        summary = try process(prepared, note: note, progress: progress) { frame in
                            if writer == nil {
                                writer = try startWriter(temporary: temporary, width: frame.shape[2], height: frame.shape[1], encoding: encoding, note: note)
                            }
                            try writer!.write(evenSided(frame, writer!))
                        }
                        try writer?.finish()
                        writer = nil
                    } catch {
                        failure = error
                        throw error
                    }
                }
            } catch {
                throw failure ?? error
            }
            return summary!
        case let .frames(pattern):
            var index = 1
            return try process(prepared, note: note, progress: progress) { frame in
                try ImageFile.write(frame, to: pattern.path(for: index))
                index += 1
            }
        }
    }

    /// The frame loop; `emit` writes one finished frame.
    private func process(_ prepared: [PreparedStyle], note: (String) -> Void, progress: (Int) -> Void,
                         emit: (Tensor) throws -> Void) throws -> VideoSummary {
        let stabilizer = TemporalStabilizer(mode: options.stabilization, strength: options.stabilizationStrength,
                                            threshold: options.stabilizationThreshold)
        var meter = FlickerMeter()
        var warmStart: Tensor? = nil
        var frames = 0
        var size = (width: 0, height: 0)
        let next = try frameSource()
        defer { next.close() }
        while let raw = try next.read() {
            let frame = stylizer.options.size.map { resizeLongSide(raw, to: $0) } ?? raw
            let result = try stylizer.stylizeFrame(frame, styles: prepared, warmStart: warmStart, warmSteps: options.warmSteps)
            warmStart = options.warmSteps > 0 ? result.warmStart : nil
            let out = stabilizer.apply(stylized: clamped(result.image), input: frame)
            meter.add(input: frame, output: out)
            try emit(out)
            frames += 1
            size = (out.shape[2], out.shape[1])
            progress(frames)
        }
        guard frames > 0 else { throw Self.noFrames(options, input) }
        return VideoSummary(frames: frames, width: size.width, height: size.height, frameRate: frameRate, flicker: meter.flicker)
    }

    /// Reads frames one by one and stops its process on close.
    private struct FrameSource {
        let read: () throws -> Tensor?
        let close: () -> Void
    }

    private func frameSource() throws -> FrameSource {
        switch input {
        case let .video(probe):
            let uprightFrames: Bool
            if case .frames = output { uprightFrames = true } else { uprightFrames = false }
            let reader = try FFmpegFrameReader(options.input, probe: probe, tools: tools!, start: options.start, duration: options.duration,
                                               fps: options.fps, autorotate: uprightFrames)
            return FrameSource(read: reader.next, close: reader.close)
        case let .frames(paths):
            var index = 0
            var shape: [Int]? = nil
            return FrameSource(read: {
                guard index < paths.count else { return nil }
                let frame = try ImageFile.read(paths[index])
                if let shape, frame.shape != shape {
                    throw VideoError.input(path: paths[index], reason: "frame is \(frame.shape[2])×\(frame.shape[1]), the first was \(shape[2])×\(shape[1]); all frames must have one size")
                }
                shape = frame.shape
                index += 1
                return frame
            }, close: {})
        }
    }

    private func startWriter(temporary: String, width: Int, height: Int, encoding: VideoEncoding, note: (String) -> Void) throws -> FFmpegVideoWriter {
        var (w, h) = (width, height)
        if encoding.needsEvenSides && (w % 2 == 1 || h % 2 == 1) {
            (w, h) = (w + w % 2, h + h % 2)
            note("frames are \(width)×\(height); written as \(w)×\(h), the last column/row repeated (\(encoding.pixelFormat!) needs even sides; an RGB codec such as ffv1 keeps any size)")
        }
        var rotation = 0, audio: String? = nil
        if case let .video(probe) = input {
            rotation = probe.rotation
            audio = probe.hasAudio ? options.input : nil
        }
        return try FFmpegVideoWriter(temporary: temporary, reportingAs: options.output, width: w, height: h, frameRate: frameRate,
                                     rotation: rotation, encoding: encoding, audioFrom: audio, start: options.start,
                                     duration: options.duration, tools: tools!)
    }

    /// frame padded by repeating its last column/row up to the writer's size (at most 1 px each).
    private func evenSided(_ frame: Tensor, _ writer: FFmpegVideoWriter) -> Tensor {
        let h = frame.shape[1], w = frame.shape[2]
        guard (h, w) != (writer.height, writer.width) else { return frame }
        let out = Tensor(shape: [3, writer.height, writer.width])
        for c in 0..<3 {
            for y in 0..<writer.height {
                let src = frame.data + (c * h + min(y, h - 1)) * w
                let dst = out.data + (c * writer.height + y) * writer.width
                dst.update(from: src, count: w)
                if writer.width > w { dst[w] = src[w - 1] }
            }
        }
        return out
    }

    private static func noFrames(_ options: VideoJobOptions, _ input: Input) -> VideoError {
        var range = ""
        if options.start != nil || options.duration != nil {
            range = String(format: " from %.3f s", options.start ?? 0) + (options.duration.map { String(format: " for %.3f s", $0) } ?? "")
            if case let .video(probe) = input, let d = probe.duration { range += String(format: " (the clip lasts %.3f s)", d) }
        }
        return VideoError.input(path: options.input, reason: "no video frames to stylise\(range)")
    }

    /// An output naming the input file would destroy it.
    private func refuseOverwritingInput() throws {
        var a = stat(), b = stat()
        if stat(options.output, &a) == 0, stat(options.input, &b) == 0, a.st_dev == b.st_dev, a.st_ino == b.st_ino {
            throw StyleError.write(path: options.output, reason: "it is the input \(options.input); choose another output path")
        }
    }

    /// A directory output (created if missing) → `DIR/%05d.png`; a pattern → itself. Checks the extension.
    private static func outputPattern(_ path: String) throws -> FrameSequence.Pattern {
        var info = stat()
        let isDirectory = path.hasSuffix("/") || (stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
        let patternText = isDirectory ? (path.hasSuffix("/") ? path : path + "/") + "%05d.png" : path
        let pattern = try FrameSequence.Pattern(patternText)
        _ = try ImageFile.outputFormat(for: pattern.path(for: 1))
        let directory = (pattern.path(for: 1) as NSString).deletingLastPathComponent
        if !directory.isEmpty && access(directory, F_OK) != 0 {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw StyleError.write(path: directory, reason: "cannot create the frame directory: \((error as NSError).localizedDescription)")
            }
        }
        try AtomicFile.checkWritable(pattern.path(for: 1))
        return pattern
    }
}

/// x with every value clamped to [0,1] (the levels every written frame holds).
private func clamped(_ x: Tensor) -> Tensor {
    let y = Tensor(shape: x.shape)
    let s = x.data, d = y.data
    for i in 0..<x.count { d[i] = min(max(s[i], 0), 1) }
    return y
}
