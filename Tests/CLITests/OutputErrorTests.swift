#if canImport(Glibc)
import Glibc
#endif
import Foundation
import StyleCore
import StyleIO
import XCTest

/// Outputs that cannot be written: one `error: …` line naming the output, exit 1, inputs and any
/// existing output byte-identical, no temporary files.
final class OutputErrorTests: CLITestCase {
    func run(_ output: String, _ extra: [String] = []) -> [String] {
        ["content.png", "style.png", "-o", output, "--weights", "weights.safetensors", "-q"] + extra
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        try writeTinyWeights()
    }

    func testOutputInMissingDirectory() throws {
        try expectError(run("no/such/dir/out.png"), ["no/such/dir/out.png", "cannot write", "directory no/such/dir does not exist"])
        XCTAssertFalse(Files.exists(path("no")), "the missing directory is not created")
        try expectError(run(path("gone/out.npy")), [path("gone/out.npy"), "does not exist"])
    }

    func testOutputThroughAFile() throws {
        try expectError(run("content.png/out.png"), ["content.png/out.png", "content.png is not a directory"])
    }

    func testReadOnlyDirectory() throws {
        if getuid() != 0 {
            mkdir(path("ro"), 0o555)
            try expectError(run("ro/out.png"), ["ro/out.png", "no permission to create files in ro"])
        }
        // Not writable even by root: procfs and sysfs do not allow creating files.
        let proc = try stylize(run("/proc/out.png"), in: directory)
        assertOneLineError(proc, ["/proc/out.png", "cannot write"])
        XCTAssertFalse(Files.exists("/proc/out.png"))
        let sys = try stylize(run("/sys/out.png"), in: directory)
        assertOneLineError(sys, ["/sys/out.png", "cannot write"])
        XCTAssertEqual(Files.read(path("out.png")), previousOutput)
        XCTAssertEqual(Files.temporaries(in: directory), [])
    }

    func testReadOnlyFileSystemReplacingExistingFile() throws {
        // /proc/version exists and cannot be replaced: the existing file stays, nothing is created.
        let before = Files.read("/proc/version")
        let result = try stylize(run("/proc/version.png"), in: directory)
        assertOneLineError(result, ["/proc/version.png", "cannot write"])
        XCTAssertEqual(Files.read("/proc/version"), before)
    }

    func testOutputSameAsInput() throws {
        let content = Files.read(path("content.png"))
        try expectError(run("content.png"), ["content.png", "cannot write", "it is the input image content.png"])
        try expectError(run("./style.png"), ["./style.png", "it is the input image style.png"])
        try expectError(run(path("content.png")), [path("content.png"), "it is the input image"])
        // Another name for the same file: a symbolic link and a hard link.
        symlink("content.png", path("alias.png"))
        try expectError(run("alias.png"), ["alias.png", "it is the input image content.png"])
        link(path("style.png"), path("hard.png"))
        try expectError(run("hard.png"), ["hard.png", "it is the input image style.png"])
        XCTAssertEqual(Files.read(path("content.png")), content)
    }

    /// Output errors come before any work (a Gram run with default steps takes a minute): the error is
    /// the only line on stderr, with no mode line or progress before it.
    func testOutputErrorsComeBeforeTheWork() throws {
        for output in ["no/such/dir/out.png", "content.png/out.png", "/proc/out.png", "."] {
            try expectError(["content.png", "style.png", "-o", output, "--mode", "gram"], [output, "cannot write"])
        }
    }

    func testOutputIsADirectory() throws {
        mkdir(path("folder.png"), 0o755)
        try expectError(run("folder.png"), ["folder.png", "is a directory"])
        try expectError(run("outdir/"), ["outdir/", "cannot write"])
        try expectError(run("folder.png/"), ["folder.png/", "cannot write"])
        try expectError(run("."), ["."])
    }

    /// /proc exists, but its file system answers "no such file" to any new name: say that, not that
    /// the directory is missing.
    func testOutputWhereTheFileSystemRefusesNewFiles() throws {
        let result = try expectError(run("/proc/x.png"), [])
        XCTAssertEqual(result.stderr, "error: /proc/x.png: cannot write: cannot create a file in /proc: its file system does not allow new files; choose another directory\n")
        XCTAssertFalse(Files.exists("/proc/x.png"))
    }

    /// An existing directory as -o: say it is one and how to name a file in it (not "no extension").
    func testOutputNamesAnExistingDirectory() throws {
        mkdir(path("results"), 0o755)
        for output in ["results", "results/"] {
            let result = try expectError(run(output), [])
            XCTAssertEqual(result.stderr, "error: \(output): cannot write: it is a directory; name a file inside it, e.g. results/out.png\n")
        }
        let dot = try expectError(run("."), [])
        XCTAssertEqual(dot.stderr, "error: .: cannot write: it is a directory; name a file inside it, e.g. ./out.png\n")
        let missing = try expectError(run("missing/"), [])
        XCTAssertEqual(missing.stderr, "error: missing/: cannot write: the path ends in '/', so it names a directory; name a file, e.g. missing/out.png\n")
    }

    func testUnsupportedExtension() throws {
        try expectError(run("out.xcf"), ["out.xcf", "unsupported extension '.xcf'", ".png, .jpg, .jpeg, .webp or .npy"])
        try expectError(run("out.bmp"), ["out.bmp", "'.bmp' files can be read but not written", ".png, .jpg, .jpeg, .webp or .npy"])
        try expectError(run("out"), ["no extension", ".png, .jpg, .jpeg, .webp or .npy"])
        try expectError(run(""), ["cannot write"])
    }

    func testUnsupportedExtensionIsReportedBeforeAnyWork() throws {
        // A bad output name must not wait for (or be masked by) the inputs or the model.
        try expectError(["missing.png", "style.png", "-o", "out.gif", "-q"], ["out.gif", "'.gif' files can be read but not written"])
        try expectError(["missing.png", "style.png", "-o", "out.xcf", "-q"], ["out.xcf", "unsupported extension '.xcf'"])
    }

    func testSuccessfulRunReplacesExistingOutputAtomically() throws {
        chmod(path("out.png"), 0o640)
        let result = try stylize(run("out.png"), in: directory)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr, "")
        XCTAssertEqual(try ImageFile.read(path("out.png")).shape, [3, 32, 40])
        var info = stat()
        XCTAssertEqual(stat(path("out.png"), &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o640, "the replaced file keeps its permissions")
        XCTAssertEqual(Files.temporaries(in: directory), [])
    }
}
