import Foundation
import ServiceRuntime
import JSON
import TestSupport
import Testing

/// Paths and helpers shared by the CLI tests.
enum CLIFixtures {
    /// The repository root, found from this file's path (Tests/AITBCCLITests/CLIFixtures.swift).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// protocols/receipts/vectors: the published copy of the receipt vectors.
    static let vectorDirectory = repositoryRoot.appendingPathComponent("protocols/receipts/vectors")

    static let positiveNames = [
        "sample_receipt_signed", "v01_coordinator_receipt", "v02_lists_and_nulls", "v03_numbers",
        "v04_unicode", "v05_attestation", "v06_optional_fields",
    ]

    static func vectorPath(_ name: String) -> String {
        vectorDirectory.appendingPathComponent(name + ".json").path
    }

    static func load(_ name: String) throws -> JSONValue {
        let data = try Data(contentsOf: URL(fileURLWithPath: vectorPath(name)))
        return try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(Array(data))
    }

    static var negativeCases: [JSONValue] {
        (try? load("negative"))?["cases"]?.arrayValue ?? []
    }

    /// A fresh temporary directory for one test.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("aitbc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes `value` as JSON text to `directory/name`.
    static func write(_ value: JSONValue, to directory: URL, name: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try Data(try JSONSerializer().serialize(value)).write(to: url)
        return url.path
    }

    /// The built `aitbc` binary next to the test bundle, or in .build/debug.
    static var binary: URL? {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("aitbc"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("aitbc"),
            repositoryRoot.appendingPathComponent(".build/debug/aitbc"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The aitbc binary was not found: build the package (swift build) before testing.
    struct MissingBinary: Error {}

    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary with `arguments` and optional stdin bytes (blocks the calling thread).
    static func run(_ arguments: [String], stdin: [UInt8]? = nil) throws -> Run {
        guard let executable = binary else { throw MissingBinary() }
        let directory = try TemporaryDirectory(prefix: "aitbc-cli-run")
        let input = directory.path("stdin")
        try Data(stdin ?? []).write(to: URL(fileURLWithPath: input))
        let child = try ChildProcess(
            executable.path, arguments, environment: TestPaths.baseEnvironment(), directory: directory.url.path, stdin: input)
        let status = child.waitBlocking(timeout: .seconds(60))
        return Run(status: status, stdout: child.stdout, stderr: child.stderr)
    }
}
