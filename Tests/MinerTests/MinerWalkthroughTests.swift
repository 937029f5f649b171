import Foundation
import TestSupport
import Testing

/// docs/miner.md shows the commands of scripts/miner-walkthrough.sh verbatim, and the script
/// runs green against the real binaries (coordinator + aitbc-miner + aitbc).
@Suite struct MinerWalkthroughTests {
    static let script = TestPaths.root.appendingPathComponent("scripts/miner-walkthrough.sh").path
    static let doc = TestPaths.root.appendingPathComponent("docs/miner.md").path

    /// The lines between the walkthrough markers of the script.
    static func scriptBlock() throws -> String {
        let text = try String(contentsOfFile: script, encoding: .utf8)
        let begin = try #require(text.range(of: "# --- walkthrough begin\n"))
        let end = try #require(text.range(of: "# --- walkthrough end"))
        return String(text[begin.upperBound..<end.lowerBound]).trimmingCharacters(in: .newlines)
    }

    @Test func documentationShowsTheScriptVerbatim() throws {
        let doc = try String(contentsOfFile: Self.doc, encoding: .utf8)
        #expect(doc.contains("```sh\n" + (try Self.scriptBlock()) + "\n```"))
    }

    @Test(
        .enabled(
            if: TestPaths.product("aitbc-coordinator") != nil && TestPaths.product("aitbc-miner") != nil
                && TestPaths.product("aitbc") != nil && TestPaths.onPath("curl") != nil && TestPaths.onPath("python3") != nil,
            "needs the built binaries, curl and python3"))
    func walkthroughRunsEndToEnd() async throws {
        let directory = try TemporaryDirectory(prefix: "miner-walkthrough")
        var environment = TestPaths.baseEnvironment()
        environment["BIN_DIR"] = URL(fileURLWithPath: TestPaths.product("aitbc-miner") ?? "").deletingLastPathComponent().path
        environment["TMPDIR"] = directory.url.path
        let result = try await ChildProcess.run(
            "/bin/bash", [Self.script], environment: environment, directory: directory.url.path, timeout: .seconds(120))
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("miner walkthrough complete"))
        #expect(result.stdout.contains("work claims: both receipts carry the miner's signed claim"))
        #expect(result.stderr.contains(": valid"))
    }
}
