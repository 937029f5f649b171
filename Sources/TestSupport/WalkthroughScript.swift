import Foundation
import ServiceRuntime

/// A `scripts/*-walkthrough.sh` whose lines between `# --- walkthrough begin` and
/// `# --- walkthrough end` a docs page shows verbatim, and which tests run against the built
/// binaries, so the documentation cannot drift from what works.
public struct WalkthroughScript: Sendable {
    /// The script's path.
    public let path: String

    /// The script `scripts/<name>` of this repository.
    public init(_ name: String) {
        path = TestPaths.root.appendingPathComponent("scripts/\(name)").path
    }

    /// Why a walkthrough script could not be used.
    public enum Failure: Error { case markersMissing(String) }

    /// The lines between the walkthrough markers.
    public func block() throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        guard let begin = text.range(of: "# --- walkthrough begin\n"), let end = text.range(of: "# --- walkthrough end") else {
            throw Failure.markersMissing(path)
        }
        return String(text[begin.upperBound..<end.lowerBound]).trimmingCharacters(in: .newlines)
    }

    /// Whether the docs page `docs/<page>` shows the block as a `sh` code block, verbatim.
    public func isShownVerbatim(in page: String) throws -> Bool {
        let doc = try String(contentsOfFile: TestPaths.root.appendingPathComponent("docs/\(page)").path, encoding: .utf8)
        return doc.contains("```sh\n" + (try block()) + "\n```")
    }

    /// Runs the script with `BIN_DIR` = the folder of the built products and its temporary
    /// files in a directory of its own: (status, stdout, stderr).
    public func run(timeout: Duration = .seconds(120)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let directory = try TemporaryDirectory(prefix: "walkthrough")
        var environment = TestPaths.baseEnvironment()
        environment["BIN_DIR"] = URL(fileURLWithPath: TestPaths.product("aitbc") ?? "").deletingLastPathComponent().path
        environment["TMPDIR"] = directory.url.path
        return try await ChildProcess.run("/bin/bash", [path], environment: environment, directory: directory.url.path, timeout: timeout)
    }
}
