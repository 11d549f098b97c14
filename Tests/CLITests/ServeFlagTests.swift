import XCTest

/// `stylize serve` refuses what it cannot run, before it binds: one `error:` line naming the flag, exit 1.
final class ServeFlagTests: CLITestCase {
    func testBadFlagsAndAnUnprotectedPublicAddressAreRefused() throws {
        let cases: [([String], String)] = [
            (["--port", "70000"], "error: --port must be between 0 and 65535, not 70000"),
            (["--workers", "0"], "error: --workers must be between 1 and 256, not 0"),
            (["--max-pixels", "3"], "error: --max-pixels must be at least 256, not 3"),
            (["--weights", "nowhere"], "error: --weights nowhere does not exist; give the directory holding stytr2.safetensors (or vgg19.safetensors)"),
            (["--host", "0.0.0.0"], "error: --host 0.0.0.0 accepts connections from other machines: give a bearer token with --token-file FILE or $STYLIZE_TOKEN, or bind to 127.0.0.1"),
            (["--host", "0.0.0.0", "--token-file", "missing.txt"], "error: --token-file missing.txt cannot be read"),
        ]
        for (flags, message) in cases {
            let result = try stylize(["serve"] + flags, in: directory, environment: ["STYLIZE_TOKEN": ""], timeout: 60)
            assertOneLineError(result, [message])
            XCTAssertEqual(result.stderr, message + "\n")
        }
        Files.write(directory + "/short.txt", Array("short\n".utf8))
        assertOneLineError(try stylize(["serve", "--host", "0.0.0.0", "--token-file", "short.txt"], in: directory, timeout: 60),
                           ["error: --token-file short.txt: the token must be at least 16 characters"])
    }
}
