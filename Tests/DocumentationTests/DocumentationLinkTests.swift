import Foundation
import ServiceRuntime
import TestSupport
import Testing

/// Issue 12: the docs point only at files in the repository. Every relative Markdown link
/// (`[text](path)`) and every file path (with a `/`) quoted in backticks that ends in `.md`,
/// `.sh`, `.yaml` or `.swift` in README.md, docs/ and protocols/ must name a file or folder of this checkout
/// (relative to the document, or to the repository root). The shared specification lives
/// outside the repository: documents name it in words, never as a path.
@Suite struct DocumentationLinkTests {
    static let root = TestPaths.root

    /// README.md and every Markdown file under docs/ and protocols/.
    static var documents: [URL] {
        var found = [root.appendingPathComponent("README.md")]
        for folder in ["docs", "protocols"] {
            let enumerator = FileManager.default.enumerator(
                at: root.appendingPathComponent(folder), includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                if url.pathExtension == "md" { found.append(url) }
            }
        }
        return found.sorted { $0.path < $1.path }
    }

    /// `[text](target)` targets and backticked paths of `text`, without fenced code blocks
    /// (commands in them name files they create).
    static func references(in text: String) -> [String] {
        var prose: [Substring] = []
        var fenced = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("```") {
                fenced.toggle()
                continue
            }
            if !fenced { prose.append(line) }
        }
        let body = prose.joined(separator: "\n")
        var found: [String] = []
        let link = /\]\(([^)\s]+)\)/
        for match in body.matches(of: link) { found.append(String(match.output.1)) }
        // Paths only (a bare `Statement.swift` names a type's file, not where it is).
        let quoted = /`([A-Za-z0-9_.-]*\/[A-Za-z0-9_.\/-]+\.(?:md|sh|yaml|swift))`/
        for match in body.matches(of: quoted) { found.append(String(match.output.1)) }
        return found
    }

    @Test func everyReferencedFileExists() throws {
        var missing: [String] = []
        for document in Self.documents {
            let text = try String(contentsOf: document, encoding: .utf8)
            for reference in Self.references(in: text) {
                if reference.contains("://") || reference.hasPrefix("#") || reference.hasPrefix("mailto:") { continue }
                let path = String(reference.split(separator: "#", maxSplits: 1).first ?? "")
                if path.isEmpty { continue }
                // Globs and placeholders (`<name>.md`, `*.yaml`) describe files; they name none.
                if path.contains("*") || path.contains("<") || path.contains("{") { continue }
                let besideDocument = document.deletingLastPathComponent().appendingPathComponent(path).path
                let fromRoot = Self.root.appendingPathComponent(path).path
                if !FileManager.default.fileExists(atPath: besideDocument), !FileManager.default.fileExists(atPath: fromRoot) {
                    let name = document.path.replacingOccurrences(of: Self.root.path + "/", with: "")
                    missing.append("\(name): \(reference)")
                }
            }
        }
        #expect(missing.isEmpty, "references to files not in the repository:\n\(missing.joined(separator: "\n"))")
    }

    @Test func referencesAreFound() {
        let text = "See [the spec](docs/a.md#x), `scripts/b.sh` and [site](https://x.org).\n```sh\ncat `c.md`\n```\n"
        #expect(Self.references(in: text) == ["docs/a.md#x", "https://x.org", "scripts/b.sh"])
    }
}

/// Issue 12: every shell block of the docs runs as written (in CI, `scripts/doc-blocks.py run`)
/// or is marked illustrative, and every block a walkthrough script runs is extracted by it.
@Suite struct DocumentationBlockTests {
    @Test(.enabled(if: TestPaths.onPath("python3") != nil, "needs python3"))
    func everyShellBlockIsRunOrMarkedIllustrative() async throws {
        let script = TestPaths.root.appendingPathComponent("scripts/doc-blocks.py").path
        // Its own directory: the child's output files go there, not into the repository.
        let directory = try TemporaryDirectory(prefix: "doc-blocks")
        let result = try await ChildProcess.run(
            TestPaths.onPath("python3") ?? "python3", [script, "check"], environment: TestPaths.baseEnvironment(),
            directory: directory.url.path)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("0 problems"))
    }
}
