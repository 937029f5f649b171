import Foundation
import ServiceRuntime

/// A `scripts/*-walkthrough.sh` that runs the block a docs page shows (extracted from the page by
/// `scripts/doc-blocks.py extract`, never a copy), and which tests run against the built
/// binaries, so the documentation cannot drift from what works.
public struct WalkthroughScript: Sendable {
    /// The script's path.
    public let path: String

    /// The script `scripts/<name>` of this repository.
    public init(_ name: String) {
        path = TestPaths.root.appendingPathComponent("scripts/\(name)").path
    }

    /// Whether the script runs the block named `block` of `docs/<page>` through
    /// `doc-blocks.py extract`, and the page has such a block.
    public func runsTheBlock(_ block: String, of page: String) throws -> Bool {
        let script = try String(contentsOfFile: path, encoding: .utf8)
        let doc = try String(contentsOfFile: TestPaths.root.appendingPathComponent("docs/\(page)").path, encoding: .utf8)
        return script.contains("doc-blocks.py\" extract docs/\(page) \(block)")
            && (doc.contains("<!-- block: \(block) -->\n```sh\n") || doc.contains("<!-- block: \(block), script-only -->\n```sh\n"))
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
