#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import XCTest

/// `stylize video` end to end with ffmpeg: clips made by tools/make_test_clips.sh (96×64, 30000/1001 fps,
/// H.264 + AAC), the tiny StyTr² weights; frames compared exactly through lossless outputs (ffv1 in .mkv,
/// PNG frames) against `stylize` on the same frames as single images.
final class VideoTests: CLITestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    /// 1 s: 30 frames at 30000/1001.
    let frames = 30

    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeTinyWeights()
        let made = try tool("/bin/bash", [Self.repository + "/tools/make_test_clips.sh", directory, "96", "64", "1"])
        XCTAssertEqual(made.status, 0, made.output)
        Files.write(path("out.mp4"), previousOutput)
    }

    // MARK: - ffmpeg helpers

    /// Runs a program to the end; its exit status and stdout+stderr.
    func tool(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func ffmpeg(_ arguments: [String]) throws {
        let result = try tool("/usr/bin/env", ["ffmpeg", "-v", "error", "-nostdin", "-y"] + arguments)
        XCTAssertEqual(result.status, 0, "ffmpeg \(arguments): \(result.output)")
    }

    /// ffprobe's value of one entry (e.g. "stream=r_frame_rate") for the file's streams of one type, one per line.
    func probe(_ file: String, _ entries: String, streams: String = "v:0", countFrames: Bool = false) throws -> String {
        let result = try tool("/usr/bin/env", ["ffprobe", "-v", "error", "-select_streams", streams] + (countFrames ? ["-count_frames"] : [])
                                + ["-show_entries", entries, "-of", "default=noprint_wrappers=1:nokey=1", file])
        XCTAssertEqual(result.status, 0, result.output)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// MD5 of a file's audio packets (stream copy): equal for two files when the audio was copied unchanged.
    func audioDigest(_ file: String) throws -> String {
        let result = try tool("/usr/bin/env", ["ffmpeg", "-v", "error", "-nostdin", "-i", file, "-map", "0:a", "-c", "copy", "-f", "md5", "-"])
        XCTAssertEqual(result.status, 0, result.output)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A video file's frames as decoded to 8-bit RGB PNGs in `name`/001.png, ….
    func decodeFrames(_ file: String, into name: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: path(name), withIntermediateDirectories: true)
        try ffmpeg(["-i", file, "-fps_mode", "passthrough", "-pix_fmt", "rgb24", path(name) + "/%03d.png"])
        return try FileManager.default.contentsOfDirectory(atPath: path(name)).sorted().map { path(name) + "/" + $0 }
    }

    /// Asserts two image files decode to the same size and 8-bit levels (reports how many samples differ).
    func assertSameImage(_ a: String, _ b: String, _ what: String = "", file: StaticString = #filePath, line: UInt = #line) {
        guard let x = try? ImageFile.read(a), let y = try? ImageFile.read(b) else { return XCTFail("cannot read \(a) or \(b)", file: file, line: line) }
        XCTAssertEqual(x.shape, y.shape, what, file: file, line: line)
        guard x.shape == y.shape else { return }
        let differing = (0..<x.count).filter { x[$0] != y[$0] }.count
        XCTAssertEqual(differing, 0, "\(what): \(differing) of \(x.count) samples differ between \(a) and \(b)", file: file, line: line)
    }

    func video(_ arguments: [String]) throws -> RunResult {
        try stylize(["video"] + arguments + ["--weights", "weights.safetensors"], in: directory, timeout: 600)
    }

    // MARK: - Round trip

    /// Default MP4 output: same frame count, size, exact rate and an unchanged audio stream; the run reports flicker.
    func testMP4KeepsFramesSizeRateAndAudio() throws {
        let result = try video(["still.mp4", "style.png", "-o", "out.mp4"])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderrLines.last?.hasPrefix("stylize: wrote out.mp4: 30 frames, 96×64 at 30000/1001 fps, ") == true, "\(result)")
        XCTAssertTrue(result.stderrLines.last?.contains(", flicker ") == true, "\(result)")
        XCTAssertEqual(try probe("out.mp4", "stream=codec_name,width,height,r_frame_rate,pix_fmt"), "h264\n96\n64\nyuv420p\n30000/1001")
        XCTAssertEqual(try probe("out.mp4", "stream=nb_read_frames", countFrames: true), "\(frames)")
        XCTAssertEqual(try probe("out.mp4", "stream=codec_name", streams: "a"), "aac")
        XCTAssertEqual(try audioDigest("out.mp4"), try audioDigest("still.mp4"))
        XCTAssertEqual(Files.temporaries(in: directory), [])
    }

    /// Lossless outputs hold exactly the single-image results: ffv1 in .mkv and PNG frames, against
    /// `stylize FRAME style.png -o ref.png` on the input's frames decoded to PNG.
    func testFramesEqualSingleImageResults() throws {
        XCTAssertEqual(try video(["still.mp4", "style.png", "-o", "out.mkv", "--codec", "ffv1", "-q"]).status, 0)
        XCTAssertEqual(try video(["pan.mp4", "style.png", "-o", "pan.mkv", "--codec", "ffv1", "-q"]).status, 0)
        XCTAssertEqual(try video(["still.mp4", "style.png", "-o", "png/%03d.png", "-q"]).status, 0)
        XCTAssertEqual(try probe("out.mkv", "stream=codec_name,width,height,r_frame_rate"), "ffv1\n96\n64\n30000/1001")
        XCTAssertEqual(try audioDigest("out.mkv"), try audioDigest("still.mp4"))
        for (clip, output) in [("still.mp4", "out.mkv"), ("pan.mp4", "pan.mkv")] {
            let inputs = try decodeFrames(clip, into: clip + "-in")
            let outputs = try decodeFrames(output, into: output + "-out")
            XCTAssertEqual(inputs.count, frames)
            XCTAssertEqual(outputs.count, frames)
            for index in [0, 11, frames - 1] {
                let reference = path("ref.png")
                let single = try stylize([inputs[index], "style.png", "-o", reference, "--weights", "weights.safetensors", "-q"], in: directory)
                XCTAssertEqual(single.status, 0, "\(single)")
                assertSameImage(outputs[index], reference, "\(output) frame \(index + 1)")
                if clip == "still.mp4" { assertSameImage(path(String(format: "png/%03d.png", index + 1)), reference, "PNG frame \(index + 1)") }
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("png")).count, frames)
    }

    /// A rotation tag (display matrix) survives; the frames stay in stored orientation, as the tag expects.
    func testRotationTagIsKept() throws {
        try ffmpeg(["-i", "still.mp4", "-c", "copy", "-metadata:s:v:0", "rotate=90", "rotated.mp4"])
        XCTAssertEqual(try probe("rotated.mp4", "stream_side_data=rotation"), "90")
        XCTAssertEqual(try video(["rotated.mp4", "style.png", "-o", "out.mp4", "-q"]).status, 0)
        XCTAssertEqual(try probe("out.mp4", "stream=width,height"), "96\n64")
        XCTAssertEqual(try probe("out.mp4", "stream_side_data=rotation"), "90")
        // Frame files cannot carry the tag: they are written upright.
        let result = try video(["rotated.mp4", "style.png", "-o", "up/", "--duration", "0.1"])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderr.contains("stylize: frames are written upright (the input's 90° rotation applied)"), "\(result)")
        XCTAssertEqual(try ImageFile.read(path("up/00001.png")).shape, [3, 96, 64])
    }

    /// --size, --fps, --start and --duration: the frames and rate asked for; an odd side is padded by 1 px for yuv420p.
    func testSizeRateAndRange() throws {
        let result = try video(["pan.mp4", "style.png", "-o", "out.mp4", "--size", "75", "--fps", "10", "--start", "0.2", "--duration", "0:0.5"])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderr.contains("stylize: frames are 75×50; written as 76×50, the last column/row repeated (yuv420p needs even sides; an RGB codec such as ffv1 keeps any size)\n"), "\(result)")
        XCTAssertEqual(try probe("out.mp4", "stream=width,height,r_frame_rate"), "76\n50\n10/1")
        XCTAssertEqual(try probe("out.mp4", "stream=nb_read_frames", countFrames: true), "5")
        // The padded column repeats the last one (exact in a lossless copy).
        XCTAssertEqual(try video(["pan.mp4", "style.png", "-o", "odd.mkv", "--codec", "ffv1", "--size", "75", "--duration", "0.1", "-q"]).status, 0)
        XCTAssertEqual(try probe("odd.mkv", "stream=width,height"), "75\n50")
    }

    /// Frame sequences on both sides: a directory in, a pattern out, at the rate given.
    func testFrameSequenceInAndOut() throws {
        let inputs = try decodeFrames("still.mp4", into: "seq")
        XCTAssertEqual(try video(["seq", "style.png", "-o", "seq.mkv", "--codec", "ffv1", "--fps", "12", "-q"]).status, 0)
        XCTAssertEqual(try probe("seq.mkv", "stream=width,height,r_frame_rate"), "96\n64\n12/1")
        XCTAssertEqual(try probe("seq.mkv", "stream=nb_read_frames", countFrames: true), "\(inputs.count)")
        XCTAssertEqual(try video(["seq/%03d.png", "style.png", "-o", "styled/f%02d.png", "--fps", "24", "--duration", "0.5", "-q"]).status, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("styled")).sorted(),
                       (1...12).map { String(format: "f%02d.png", $0) })
        let decoded = try decodeFrames("seq.mkv", into: "seq-out")
        assertSameImage(path("styled/f03.png"), decoded[2])
    }

    /// Gram mode: the first frame is the photo result; later frames start from the previous one.
    func testGramFirstFrameIsThePhotoResultAndLaterFramesWarmStart() throws {
        let result = try video(["still.mp4", "style.png", "-o", "g/%02d.png", "--mode", "gram", "--steps", "3", "--warm-steps", "1",
                                "--duration", "0.1", "--stabilize", "mask"])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderr.hasPrefix("stylize: Gram mode: "), "\(result)")
        let inputs = try decodeFrames("still.mp4", into: "g-in")
        let single = try stylize([inputs[0], "style.png", "-o", "g1.png", "--mode", "gram", "--steps", "3", "--size", "96", "-q"], in: directory)
        XCTAssertEqual(single.status, 0, "\(single)")
        assertSameImage(path("g/01.png"), path("g1.png"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: path("g")).count, 3)
    }

    // MARK: - Errors

    /// `stylize video ARGS --weights … -q`: one error line, the directory unchanged.
    func expectVideoError(_ arguments: [String], _ fragments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        try expectError(["video"] + arguments + ["--weights", "weights.safetensors", "-q"], fragments, file: file, line: line)
    }

    func testErrors() throws {
        Files.write(path("broken.mp4"), Array("this is not a video file at all".utf8))
        try ffmpeg(["-f", "lavfi", "-i", "sine=duration=0.2", "-c:a", "aac", "audio.m4a"])
        try expectVideoError(["missing.mp4", "style.png", "-o", "out.mp4"], ["error: missing.mp4: no such file\n"])
        try expectVideoError(["broken.mp4", "style.png", "-o", "out.mp4"],
                        ["error: broken.mp4: cannot read it as a video: Invalid data found when processing input\n"])
        try expectVideoError(["audio.m4a", "style.png", "-o", "out.mp4"], ["error: audio.m4a: no video stream (only audio)\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "out.mp4", "--start", "5"],
                        ["error: still.mp4: no video frames to stylise from 5.000 s (the clip lasts 1.001 s)\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "nowhere/out.mp4"],
                        ["error: nowhere/out.mp4: cannot write: directory nowhere does not exist\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "out.xyz"],
                        ["error: out.xyz: cannot write: unsupported video container '.xyz' (use .avi, .m4v, .mkv, .mov, .mp4, .nut, .webm, or a directory or %05d.png pattern for frames)\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "out.mp4", "--codec", "nonesuch"],
                        ["error: out.mp4: cannot write: ffmpeg: Unknown encoder 'nonesuch'\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "still.mp4"],
                        ["error: still.mp4: cannot write: it is the input still.mp4; choose another output path\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "out.mp4", "--stabilize-strength", "1"],
                        ["error: --stabilize-strength must be at least 0 and below 1, not 1.0\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "out.mp4", "--crf", "70"], ["error: --crf must be between 0 and 63, not 70\n"])
        let usage = try stylize(["video", "still.mp4", "style.png", "-o", "out.mp4", "--stabilize", "magic"], in: directory)
        XCTAssertEqual(usage.status, 64, "\(usage)")
        XCTAssertTrue(usage.stderr.contains("The value 'magic' is invalid for '--stabilize <stabilize>'. Please provide one of 'none', 'mask' or 'blend'."), "\(usage)")
        try expectVideoError(["still.mp4", "style.png", "-o", "out.mp4", "--fps", "fast"],
                        ["error: --fps takes a rate such as 24, 29.97 or 30000/1001, not 'fast'\n"])
        try expectVideoError(["still.mp4", "style.png", "-o", "out.mp4", "--start", "1:xx"],
                        ["error: --start takes seconds (e.g. 2.5) or [HH:]MM:SS[.ms], not '1:xx'\n"])
        mkdir(path("empty"), 0o755)
        try expectVideoError(["empty", "style.png", "-o", "out.mp4"], ["error: empty: no image frames in this directory (.png, .jpg, .webp, .heic, .avif, .tif, .gif, .bmp or .npy)\n"])
        try expectVideoError(["nodir/", "style.png", "-o", "out.mp4"], ["error: nodir/: no such directory\n"])
        // Without ffmpeg on PATH: one line saying how to install it.
        let before = Files.snapshot(directory)
        let missing = try stylize(["video", "still.mp4", "style.png", "-o", "out.mp4", "--weights", "weights.safetensors"], in: directory,
                                  environment: ["PATH": "/nonexistent"])
        assertOneLineError(missing, ["error: ffmpeg is needed for video files but was not found on PATH; install it with: apt-get install ffmpeg\n"])
        XCTAssertEqual(Files.snapshot(directory), before)
    }

    // MARK: - Interruption

    /// SIGTERM (and SIGINT) mid-clip: exit 128+signal, no temporary left, the old out.mp4 untouched.
    func testInterruptionLeavesTheOldOutput() throws {
        try ffmpeg(["-stream_loop", "9", "-i", "still.mp4", "-c", "copy", "long.mp4"])
        for sig in [SIGTERM, SIGINT] {
            let process = try RunningStylize(["video", "long.mp4", "style.png", "-o", "out.mp4", "--weights", "weights.safetensors"],
                                             directory: directory)
            XCTAssertTrue(process.waitWhileRunning(untilStderrContains: "frames/s", timeout: 120), "still stylising when the signal is sent")
            kill(process.pid, sig)
            assertInterrupted(process.wait(timeout: 60), signal: sig, keeping: "out.mp4")
        }
    }
}
