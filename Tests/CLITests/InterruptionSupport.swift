#if canImport(Glibc)
import Glibc
#endif
import Foundation
import XCTest

// What the interruption tests of `run` (SignalTests) and `video` (VideoTests) share: waiting for the
// moment to send the signal, and the state a signal must leave.

extension RunningStylize {
    /// Waits until stderr holds `text`, the process ends or `timeout` seconds pass; true when it is still running.
    @discardableResult
    func waitWhileRunning(untilStderrContains text: String, timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !stderrSoFar.contains(text) && process.isRunning && Date() < deadline { usleep(5000) }
        return process.isRunning
    }
}

extension CLITestCase {
    /// Asserts what SIGINT/SIGTERM must leave: exit 128+signal from the handler (not death by the
    /// signal), no temporary file in the test directory, and `output` still holding its previous bytes.
    func assertInterrupted(_ result: RunResult, signal: Int32, keeping output: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(result.signaled, "the handler exits with _exit(128+signal): \(result)", file: file, line: line)
        XCTAssertEqual(result.status, 128 + signal, "\(result)", file: file, line: line)
        XCTAssertEqual(Files.temporaries(in: directory), [], "no temporary file left", file: file, line: line)
        XCTAssertEqual(Files.read(path(output)), previousOutput, "the previous \(output) is untouched", file: file, line: line)
    }
}
