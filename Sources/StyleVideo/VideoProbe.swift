import Foundation

/// What ffprobe says about a video file's first video stream and its audio.
public struct VideoProbe: Sendable {
    /// Stored frame size (before the rotation a player applies).
    public let width: Int
    public let height: Int
    /// r_frame_rate: the rate every frame is written at.
    public let frameRate: FrameRate
    /// Display rotation in degrees, 0, 90, 180 or 270 (ffprobe's display-matrix rotation, as the
    /// `rotate` tag states it).
    public let rotation: Int
    /// Whether the file holds at least one audio stream (copied unchanged to the output).
    public let hasAudio: Bool
    /// Seconds, when the container or stream says.
    public let duration: Double?
    /// Frames in the video stream, when the container says (nb_frames).
    public let frameCount: Int?

    /// Runs ffprobe on `path`.
    /// - Throws: `VideoError.input` for a missing or unreadable file, one ffprobe cannot decode, or one without video.
    public static func probe(_ path: String, tools: FFmpegTools) throws -> VideoProbe {
        var info = stat()
        guard stat(path, &info) == 0 else { throw VideoError.input(path: path, reason: "no such file") }
        guard info.st_mode & S_IFMT == S_IFREG else { throw VideoError.input(path: path, reason: "not a video file") }
        let process = try ChildProcess(tools.ffprobe, ["-v", "error", "-show_entries",
                                                       "stream=codec_type,width,height,r_frame_rate,nb_frames,duration:stream_side_data=rotation:stream_tags=rotate:format=duration",
                                                       "-of", "json", "file:" + path], stdout: .pipe)
        let output = readAll(process.stdout!)
        process.closeStdout()
        guard process.wait() == 0 else {
            throw VideoError.input(path: path, reason: "cannot read it as a video: \(process.lastErrorLine(strippingPath: "file:" + path))")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(output)) as? [String: Any] else {
            throw VideoError.input(path: path, reason: "cannot read it as a video: ffprobe gave no description")
        }
        let streams = json["streams"] as? [[String: Any]] ?? []
        guard let video = streams.first(where: { $0["codec_type"] as? String == "video" }) else {
            throw VideoError.input(path: path, reason: "no video stream (\(streams.isEmpty ? "no streams at all" : "only \(Set(streams.compactMap { $0["codec_type"] as? String }).sorted().joined(separator: ", "))"))")
        }
        guard let width = video["width"] as? Int, let height = video["height"] as? Int, width > 0, height > 0 else {
            throw VideoError.input(path: path, reason: "the video stream has no frame size")
        }
        guard let rateText = video["r_frame_rate"] as? String, let rate = FrameRate(rateText) else {
            throw VideoError.input(path: path, reason: "the video stream has no frame rate (r_frame_rate '\(video["r_frame_rate"] ?? "none")'); give the rate explicitly")
        }
        let sideRotation = (video["side_data_list"] as? [[String: Any]])?.compactMap { $0["rotation"] as? Int }.first
        let tagRotation = ((video["tags"] as? [String: Any])?["rotate"] as? String).flatMap { Int($0) }
        let rotation = (((sideRotation ?? tagRotation ?? 0) % 360) + 360) % 360
        let format = json["format"] as? [String: Any]
        let duration = (video["duration"] as? String).flatMap(Double.init) ?? (format?["duration"] as? String).flatMap(Double.init)
        return VideoProbe(width: width, height: height, frameRate: rate, rotation: rotation,
                          hasAudio: streams.contains { $0["codec_type"] as? String == "audio" },
                          duration: duration, frameCount: (video["nb_frames"] as? String).flatMap { Int($0) })
    }
}

/// Everything readable from `fd` until end of file.
func readAll(_ fd: Int32) -> [UInt8] {
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        bytes += chunk[0..<n]
    }
    return bytes
}
