#if canImport(Glibc)
import Glibc
#endif
import StyleCore

/// What the written video file is: container (from the extension), codec and its settings.
public struct VideoEncoding: Sendable {
    /// ffmpeg's muxer name for the output's extension.
    public let muxer: String
    /// ffmpeg's encoder name.
    public let codec: String
    /// yuv420p for the lossy defaults (what every player decodes; needs even sides); nil lets ffmpeg choose
    /// (e.g. an RGB format for ffv1, which keeps frames exactly).
    public let pixelFormat: String?
    /// Constant rate factor for x264/x265/VP9 (lower = better, bigger).
    public let crf: Int?

    static let muxers = ["mp4": "mp4", "m4v": "mp4", "mov": "mov", "mkv": "matroska", "webm": "webm", "avi": "avi", "nut": "nut"]

    /// The encoding for an output path: H.264 (yuv420p, `crf`) in MP4/MOV/MKV/AVI, VP9 in WebM, or `codec`.
    /// - Throws: `VideoError.output` for an extension that names no supported container; `InvalidOption` ("crf").
    public init(path: String, codec requested: String?, crf: Int) throws {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        let ext = name.contains(".") ? String(name[name.index(after: name.lastIndex(of: ".")!)...]).lowercased() : ""
        guard let muxer = Self.muxers[ext] else {
            let known = Self.muxers.keys.sorted().map { "." + $0 }.joined(separator: ", ")
            throw VideoError.output(path: path, reason: ext.isEmpty ? "the name has no extension to choose the container from (\(known), or a directory or %05d.png pattern for frames)"
                                    : "unsupported video container '.\(ext)' (use \(known), or a directory or %05d.png pattern for frames)")
        }
        guard (0...63).contains(crf) else { throw InvalidOption("crf", "must be between 0 and 63, not \(crf)") }
        self.muxer = muxer
        codec = requested ?? (muxer == "webm" ? "libvpx-vp9" : "libx264")
        let lossy = ["libx264", "libx265", "libvpx-vp9"].contains(codec)
        pixelFormat = lossy ? "yuv420p" : nil
        self.crf = lossy ? crf : nil
    }

    /// yuv420p stores chroma at half size, so both sides must be even.
    var needsEvenSides: Bool { pixelFormat == "yuv420p" }
}

/// Encodes (3,H,W) frames into a video file with two ffmpeg processes: the first reads rgb24 frames from
/// a pipe and encodes them into NUT on its stdout (NUT keeps the exact frame-rate time base); the second
/// muxes that stream with the input's audio (copied unchanged) and the rotation tag into `temporary`.
/// (ffmpeg 5.1 drops a `rotate` tag on encoded streams but keeps it on copied ones, hence two steps.)
final class FFmpegVideoWriter {
    let width: Int, height: Int
    private let output: String, temporary: String
    private let encoder: ChildProcess
    private let muxer: ChildProcess
    private var buffer: [UInt8]

    /// - Parameters:
    ///   - audioFrom: the input video file whose audio streams are copied, with the same start and duration.
    ///   - reportingAs: the final output path, for messages.
    init(temporary: String, reportingAs output: String, width: Int, height: Int, frameRate: FrameRate, rotation: Int,
         encoding: VideoEncoding, audioFrom input: String?, start: Double?, duration: Double?, tools: FFmpegTools) throws {
        self.output = output
        self.temporary = temporary
        self.width = width; self.height = height
        var encode = ["-v", "error", "-nostdin", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "\(width)x\(height)",
                      "-framerate", "\(frameRate)", "-i", "pipe:0", "-c:v", encoding.codec]
        if let format = encoding.pixelFormat { encode += ["-pix_fmt", format] }
        if let crf = encoding.crf { encode += ["-crf", "\(crf)"] + (encoding.codec == "libvpx-vp9" ? ["-b:v", "0"] : []) }
        encode += ["-f", "nut", "pipe:1"]
        encoder = try ChildProcess(tools.ffmpeg, encode, stdin: .pipe, stdout: .pipe)

        var mux = ["-v", "error", "-nostdin", "-f", "nut", "-i", "pipe:0"]
        if let input {
            if let start { mux += ["-ss", seconds(start)] }
            if let duration { mux += ["-t", seconds(duration)] }
            mux += ["-i", "file:" + input]
        }
        mux += ["-map", "0:v:0"] + (input != nil ? ["-map", "1:a?"] : []) + ["-c", "copy"]
        if rotation != 0 { mux += ["-metadata:s:v:0", "rotate=\(rotation)"] }
        mux += ["-f", encoding.muxer, "-y", "file:" + temporary]
        do {
            muxer = try ChildProcess(tools.ffmpeg, mux, stdin: .descriptor(encoder.stdout!))
        } catch {
            encoder.kill()
            throw error
        }
        encoder.closeStdout()  // the muxer holds the pipe now
        buffer = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// Sends one frame (3,height,width) to the encoder.
    /// - Throws: `VideoError.output` when ffmpeg has stopped (its message).
    func write(_ frame: Tensor) throws {
        precondition(frame.shape == [3, height, width], "frame \(frame.shape) for a \(width)×\(height) video")
        buffer.withUnsafeMutableBytes { RGB24.pack(frame, into: $0) }
        guard let fd = encoder.stdin else { throw failure() }
        var sent = 0
        let failed = buffer.withUnsafeBytes { raw -> Bool in
            while sent < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + sent, raw.count - sent)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return true }  // EPIPE: the encoder exited (SIGPIPE is ignored)
                sent += n
            }
            return false
        }
        if failed { throw failure() }
    }

    /// Ends the stream and waits for both processes.
    /// - Throws: `VideoError.output` when either failed.
    func finish() throws {
        encoder.closeStdin()
        let encoded = encoder.wait(), muxed = muxer.wait()
        guard encoded == 0, muxed == 0 else { throw failure() }
    }

    /// Stops both processes at once.
    func abandon() {
        encoder.closeStdin()
        encoder.kill()
        muxer.kill()
    }

    /// The first stage's message when it failed, else the muxer's.
    private func failure() -> VideoError {
        encoder.closeStdin()
        let encoded = encoder.wait()
        muxer.wait()
        let process = encoded != 0 ? encoder : muxer
        return VideoError.output(path: output, reason: "ffmpeg: \(process.lastErrorLine(strippingPath: "file:" + temporary))")
    }
}
