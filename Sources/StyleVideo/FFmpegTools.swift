#if canImport(Glibc)
import Glibc
#endif

/// The ffmpeg and ffprobe executables, found on PATH.
public struct FFmpegTools: Sendable {
    public let ffmpeg: String
    public let ffprobe: String

    /// Looks both up in `searchPath` (default: $PATH).
    /// - Throws: `VideoError.toolsMissing` naming the first one missing.
    public static func locate(searchPath: String? = nil) throws -> FFmpegTools {
        let path = searchPath ?? getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        func find(_ name: String) throws -> String {
            for directory in path.split(separator: ":", omittingEmptySubsequences: false) {
                let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
                var info = stat()
                if stat(candidate, &info) == 0, info.st_mode & S_IFMT == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
            }
            throw VideoError.toolsMissing(name)
        }
        return FFmpegTools(ffmpeg: try find("ffmpeg"), ffprobe: try find("ffprobe"))
    }
}
