/// What can go wrong with a video or frame sequence, each rendered as one line a user can act on.
public enum VideoError: Error, CustomStringConvertible, Equatable {
    /// ffmpeg or ffprobe is not on PATH.
    case toolsMissing(String)
    /// An input that ffprobe/ffmpeg cannot read, or that holds no usable video.
    case input(path: String, reason: String)
    /// An output that ffmpeg cannot produce.
    case output(path: String, reason: String)

    public var description: String {
        switch self {
        case let .toolsMissing(name):
            return "\(name) is needed for video files but was not found on PATH; install it with: apt-get install ffmpeg"
        case let .input(path, reason): return "\(path): \(reason)"
        case let .output(path, reason): return "\(path): cannot write: \(reason)"
        }
    }
}
