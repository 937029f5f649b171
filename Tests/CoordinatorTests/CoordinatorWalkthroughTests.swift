import Foundation
import TestSupport
import Testing

/// docs/coordinator.md shows the lifecycle commands of scripts/coordinator-walkthrough.sh
/// verbatim, and the script runs green against the real binaries.
@Suite struct CoordinatorWalkthroughTests {
    static let script = TestPaths.root.appendingPathComponent("scripts/coordinator-walkthrough.sh").path
    static let doc = TestPaths.root.appendingPathComponent("docs/coordinator.md").path

    /// The lines between the walkthrough markers of the script.
    static func scriptBlock() throws -> String {
        let text = try String(contentsOfFile: script, encoding: .utf8)
        guard let begin = text.range(of: "# --- walkthrough begin\n"), let end = text.range(of: "# --- walkthrough end") else {
            throw WalkthroughFailure.markersMissing
        }
        return String(text[begin.upperBound..<end.lowerBound]).trimmingCharacters(in: .newlines)
    }

    @Test func documentationShowsTheScriptVerbatim() throws {
        let doc = try String(contentsOfFile: Self.doc, encoding: .utf8)
        #expect(doc.contains("```sh\n" + (try Self.scriptBlock()) + "\n```"))
    }

    @Test(
        .enabled(
            if: TestPaths.product("aitbc-coordinator") != nil && TestPaths.product("aitbc") != nil
                && TestPaths.onPath("curl") != nil && TestPaths.onPath("python3") != nil,
            "needs the built aitbc-coordinator and aitbc binaries, curl and python3"))
    func walkthroughRunsEndToEnd() async throws {
        let directory = try TemporaryDirectory(prefix: "walkthrough")
        var environment = TestPaths.baseEnvironment()
        let bin = URL(fileURLWithPath: TestPaths.product("aitbc-coordinator") ?? "").deletingLastPathComponent().path
        environment["BIN_DIR"] = bin
        environment["TMPDIR"] = directory.url.path
        let result = try await ChildProcess.run(
            "/bin/bash", [Self.script], environment: environment, directory: directory.url.path, timeout: .seconds(120))
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.contains("walkthrough complete"))
        #expect(result.stderr.contains(": valid"))
    }
}

enum WalkthroughFailure: Error { case markersMissing }
