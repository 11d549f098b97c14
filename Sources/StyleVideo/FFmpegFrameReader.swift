#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore

/// Decodes a video file's first video stream with ffmpeg into (3,H,W) frames read from a raw rgb24
/// pipe, in stored orientation (-noautorotate: the writer restores the rotation tag).
final class FFmpegFrameReader {
    let width: Int, height: Int
    private let path: String
    private let process: ChildProcess
    private var buffer: [UInt8]
    private var finished = false

    /// `start` and `duration` in seconds select part of the clip; `fps` resamples it (ffmpeg's fps filter);
    /// `autorotate` applies the rotation tag to the frames (for outputs that cannot carry one).
    init(_ path: String, probe: VideoProbe, tools: FFmpegTools, start: Double?, duration: Double?, fps: FrameRate?, autorotate: Bool) throws {
        self.path = path
        let turned = autorotate && probe.rotation % 180 == 90
        (width, height) = turned ? (probe.height, probe.width) : (probe.width, probe.height)
        var arguments = ["-v", "error", "-nostdin"] + (autorotate ? [] : ["-noautorotate"])
        if let start { arguments += ["-ss", seconds(start)] }
        arguments += ["-i", "file:" + path]
        if let duration { arguments += ["-t", seconds(duration)] }
        arguments += ["-map", "0:v:0", "-an", "-sn", "-dn", "-fps_mode", "passthrough"]  // one frame out per frame decoded
        if let fps { arguments += ["-vf", "fps=\(fps)"] }
        arguments += ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
        process = try ChildProcess(tools.ffmpeg, arguments, stdout: .pipe)
        buffer = [UInt8](repeating: 0, count: width * height * 3)
    }

    /// The next frame, or nil at the end of the clip.
    /// - Throws: `VideoError.input` when ffmpeg fails to decode.
    func next() throws -> Tensor? {
        guard !finished, let fd = process.stdout else { return nil }
        var filled = 0
        let total = buffer.count
        while filled < total {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, total - filled) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            filled += n
        }
        guard filled == total else {
            finished = true
            process.closeStdout()
            if process.wait() != 0 {
                throw VideoError.input(path: path, reason: "ffmpeg cannot decode it: \(process.lastErrorLine(strippingPath: "file:" + path))")
            }
            return nil
        }
        return buffer.withUnsafeBytes { RGB24.tensor(from: $0, width: width, height: height) }
    }

    /// Stops ffmpeg if frames are left (e.g. after an error downstream).
    func close() {
        process.closeStdout()
        process.kill()
    }
}

/// Seconds as ffmpeg's time syntax, to the microsecond.
func seconds(_ t: Double) -> String { String(format: "%.6f", t) }
