import Foundation
import TestSupport
import Testing

/// docs/sdk.md shows the SDK examples verbatim: every `<!-- sdk-example: NAME -->` block equals
/// the `// example: NAME` … `// end example` region of Sources/aitbc-sdk-examples/Examples.swift,
/// which `swift build` compiles, and every region is on the page.
@Suite struct SDKExampleDocumentationTests {
    static func read(_ path: String) throws -> String {
        try String(contentsOf: TestPaths.root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The example regions of the source, by name.
    static func regions(_ source: String) -> [String: String] {
        var found: [String: String] = [:]
        var name: String?
        var lines: [Substring] = []
        for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
            if let current = name {
                if line == "// end example" {
                    found[current] = lines.joined(separator: "\n")
                    name = nil
                } else {
                    lines.append(line)
                }
            } else if line.hasPrefix("// example: ") {
                name = String(line.dropFirst("// example: ".count))
                lines = []
            }
        }
        return found
    }

    /// The page's example blocks, by name.
    static func blocks(_ page: String) -> [String: String] {
        var found: [String: String] = [:]
        let lines = page.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index < lines.count {
            let line = lines[index]
            index += 1
            guard line.hasPrefix("<!-- sdk-example: "), line.hasSuffix(" -->"), index < lines.count, lines[index] == "```swift" else { continue }
            let name = String(line.dropFirst("<!-- sdk-example: ".count).dropLast(" -->".count))
            var body: [Substring] = []
            index += 1
            while index < lines.count, lines[index] != "```" {
                body.append(lines[index])
                index += 1
            }
            found[name] = body.joined(separator: "\n")
        }
        return found
    }

    @Test func thePageShowsEveryExampleAsCompiled() throws {
        let regions = Self.regions(try Self.read("Sources/aitbc-sdk-examples/Examples.swift"))
        let blocks = Self.blocks(try Self.read("docs/sdk.md"))
        #expect(Set(regions.keys) == ["client", "miner", "admin", "verify", "chain"])
        #expect(Set(blocks.keys) == Set(regions.keys))
        for (name, region) in regions {
            // The region ends with the line break before its end marker; the block does not.
            let expected = region.hasSuffix("\n") ? String(region.dropLast()) : region
            #expect(blocks[name] == expected, "docs/sdk.md's \(name) example differs from Examples.swift")
        }
    }
}
