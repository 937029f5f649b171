import Foundation
import JSON
import Testing

/// The built `aitbc` binary run as a subprocess: exit statuses and stdin handling.
@Suite struct BinaryExitStatusTests {
    @Test(arguments: CLIFixtures.positiveNames)
    func verifyExitsZeroForPositiveVectors(name: String) throws {
        let vector = try CLIFixtures.load(name)
        var arguments = ["receipt", "verify", CLIFixtures.vectorPath(name), "--key-hex", try #require(vector["verify_key_hex"]?.stringValue)]
        if let key = vector["attestation_verify_key_hex"]?.stringValue { arguments += ["--key-hex", key] }
        let run = try CLIFixtures.run(arguments)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains(": valid"))
    }

    @Test func verifyExitsOneForEveryNegativeCase() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (index, negative) in CLIFixtures.negativeCases.enumerated() {
            let document: JSONValue = ["payload": negative["payload"] ?? .null, "signature": negative["signature"] ?? .null]
            let path = try CLIFixtures.write(document, to: directory, name: "negative-\(index).json")
            let run = try CLIFixtures.run(["receipt", "verify", path, "--key-hex", try #require(negative["verify_key_hex"]?.stringValue)])
            #expect(run.status == 1, "\(negative["name"]?.stringValue ?? "?"): \(run.stderr)")
            #expect(run.stderr.hasPrefix("signature key_id="))
        }
    }

    @Test func verifyExitsTwoForUnusableInput() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = String(repeating: "ab", count: 32)
        #expect(try CLIFixtures.run(["receipt", "verify", directory.appendingPathComponent("missing.json").path, "--key-hex", key]).status == 2)
        #expect(try CLIFixtures.run(["receipt", "verify", "-", "--key-hex", key], stdin: Array("{\"a\":1,\"a\":2}".utf8)).status == 2)
        #expect(try CLIFixtures.run(["receipt", "verify", "-", "--key-hex", key], stdin: Array("[1]".utf8)).status == 2)
        #expect(try CLIFixtures.run(["receipt", "verify", "-", "--key-hex", key], stdin: Array("{\"units\":1e400}".utf8)).status == 2)
        #expect(try CLIFixtures.run(["receipt", "verify", CLIFixtures.vectorPath("v03_numbers"), "--key-hex", "xyz"]).status == 2)
    }

    @Test func readsStdinAndRejectsOversizeInput() throws {
        let text = try Data(contentsOf: URL(fileURLWithPath: CLIFixtures.vectorPath("v04_unicode")))
        let run = try CLIFixtures.run(["receipt", "canonical", "-"], stdin: Array(text))
        #expect(run.status == 0)
        #expect(run.stdout == (try CLIFixtures.load("v04_unicode")["canonical"]?.stringValue ?? "?") + "\n")
        let huge = [UInt8](repeating: 0x20, count: (16 << 20) + 1)
        let oversize = try CLIFixtures.run(["receipt", "canonical", "-"], stdin: huge)
        #expect(oversize.status == 2)
        #expect(oversize.stderr.contains("exceeds the limit"))
    }

    @Test func signOutputIsOneLineThatVerifies() throws {
        let vector = try CLIFixtures.load("v05_attestation")
        let run = try CLIFixtures.run([
            "receipt", "sign", CLIFixtures.vectorPath("v05_attestation"),
            "--key-hex", try #require(vector["private_key_hex"]?.stringValue),
            "--attest-key-hex", try #require(vector["attestation_private_key_hex"]?.stringValue),
        ])
        #expect(run.status == 0)
        let lines = run.stdout.split(separator: "\n")
        #expect(lines.count == 1)
        let verify = try CLIFixtures.run(
            ["receipt", "verify", "-", "--key-hex", try #require(vector["verify_key_hex"]?.stringValue),
             "--key-hex", try #require(vector["attestation_verify_key_hex"]?.stringValue)],
            stdin: Array(run.stdout.utf8))
        #expect(verify.status == 0, "\(verify.stderr)")
        // signature, attestation[0], "work_claim: absent", the summary.
        #expect(verify.stderr.split(separator: "\n").count == 4, "\(verify.stderr)")
        #expect(verify.stderr.hasSuffix("verified: 2 of 2 signatures valid\n"))
    }
}
