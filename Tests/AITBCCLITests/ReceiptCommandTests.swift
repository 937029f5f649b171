import AITBCCLI
import ArgumentParser
import Cryptography
import Foundation
import JSON
import Receipts
import Testing

/// Commands parsed and run in-process (no subprocess).
@Suite struct ReceiptCommandTests {
    @Test(arguments: CLIFixtures.positiveNames)
    func canonicalMatchesVector(name: String) throws {
        let command = try #require(try AITBCCommand.parseAsRoot(["receipt", "canonical", CLIFixtures.vectorPath(name)]) as? ReceiptCanonicalCommand)
        #expect(try command.canonicalText() == CLIFixtures.load(name)["canonical"]?.stringValue)
    }

    @Test(arguments: CLIFixtures.positiveNames)
    func signReproducesVectorSignatures(name: String) throws {
        let vector = try CLIFixtures.load(name)
        var arguments = ["receipt", "sign", CLIFixtures.vectorPath(name), "--key-hex", try #require(vector["private_key_hex"]?.stringValue)]
        if let seed = vector["attestation_private_key_hex"]?.stringValue { arguments += ["--attest-key-hex", seed] }
        let command = try #require(try AITBCCommand.parseAsRoot(arguments) as? ReceiptSignCommand)
        let text = try command.signedText()
        #expect(!text.contains("\n"))
        let signed = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(text)
        #expect(signed["signature"] == vector["signature"])
        #expect(signed["attestations"] == vector["attestations"])
        // Input members in their original order, then signature, then attestations.
        let keys = signed.objectValue?.map(\.key) ?? []
        let payloadKeys = vector["payload"]?.objectValue?.map(\.key) ?? []
        #expect(Array(keys.prefix(payloadKeys.count)) == payloadKeys)
        #expect(keys.dropFirst(payloadKeys.count).first == "signature")
    }

    @Test(arguments: CLIFixtures.positiveNames)
    func verifyAcceptsVectors(name: String) throws {
        let vector = try CLIFixtures.load(name)
        var arguments = ["receipt", "verify", CLIFixtures.vectorPath(name), "--key-hex", try #require(vector["verify_key_hex"]?.stringValue)]
        if let key = vector["attestation_verify_key_hex"]?.stringValue { arguments += ["--key-hex", key] }
        let command = try #require(try AITBCCommand.parseAsRoot(arguments) as? ReceiptVerifyCommand)
        let result = try command.verification()
        #expect(result.isVerified)
        #expect(ReceiptVerifyCommand.reportLines(result).allSatisfy { $0.hasSuffix(": valid") })
    }

    @Test func verifyRejectsEveryNegativeCase() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = CLIFixtures.negativeCases
        #expect(cases.count == 24)
        for (index, negative) in cases.enumerated() {
            let document: JSONValue = ["payload": negative["payload"] ?? .null, "signature": negative["signature"] ?? .null]
            let path = try CLIFixtures.write(document, to: directory, name: "negative-\(index).json")
            let key = try #require(negative["verify_key_hex"]?.stringValue)
            let command = try #require(try AITBCCommand.parseAsRoot(["receipt", "verify", path, "--key-hex", key]) as? ReceiptVerifyCommand)
            #expect(!(try command.verification().isVerified), "\(negative["name"]?.stringValue ?? "?")")
        }
    }

    @Test func bareReceiptRoundTripsThroughSignAndVerify() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let receipt: JSONValue = [
            "version": "1.0", "receipt_id": "r1", "job_id": "j1", "provider": "p", "client": "c", "units": 3,
            "unit_type": "token_ops", "started_at": 10, "completed_at": 12,
        ]
        let path = try CLIFixtures.write(receipt, to: directory, name: "bare.json")
        let key = Ed25519.PrivateKey.generate()
        let seed = key.seed.withUnsafeBytes { Hex.encode($0) }
        let sign = try #require(try AITBCCommand.parseAsRoot(["receipt", "sign", path, "--key-hex", seed]) as? ReceiptSignCommand)
        let signedPath = directory.appendingPathComponent("signed.json").path
        try Data(try sign.signedText().utf8).write(to: URL(fileURLWithPath: signedPath))
        let verify = try #require(try AITBCCommand.parseAsRoot(["receipt", "verify", signedPath, "--key-hex", key.publicKey.hex]) as? ReceiptVerifyCommand)
        #expect(try verify.verification().isVerified)
        let other = Ed25519.PrivateKey.generate().publicKey.hex
        let wrong = try #require(try AITBCCommand.parseAsRoot(["receipt", "verify", signedPath, "--key-hex", other]) as? ReceiptVerifyCommand)
        #expect(try wrong.verification().signature.status == .unknownKey)
    }

    @Test func reportsUnusableInput() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let duplicate = directory.appendingPathComponent("dup.json")
        try Data(#"{"units":1,"units":2}"#.utf8).write(to: duplicate)
        let canonical = try #require(try AITBCCommand.parseAsRoot(["receipt", "canonical", duplicate.path]) as? ReceiptCanonicalCommand)
        #expect(throws: CLIError.self) { try canonical.canonicalText() }
        let missing = try #require(try AITBCCommand.parseAsRoot(["receipt", "canonical", directory.appendingPathComponent("nope").path]) as? ReceiptCanonicalCommand)
        #expect(throws: CLIError.self) { try missing.canonicalText() }
        let badKey = try #require(try AITBCCommand.parseAsRoot(["receipt", "sign", CLIFixtures.vectorPath("v03_numbers"), "--key-hex", "abc"]) as? ReceiptSignCommand)
        #expect(throws: CLIError("--key-hex: expected a 32-byte seed as 64 hex characters")) { try badKey.signedText() }
        // No trusted key is a usage error now (exit 64), caught while parsing.
        #expect(throws: (any Error).self) { try AITBCCommand.parseAsRoot(["receipt", "verify", CLIFixtures.vectorPath("v03_numbers")]) }
    }

    @Test func enforcesInputSizeLimit() throws {
        #expect(throws: CLIError.self) { try ReceiptInput.load(path: CLIFixtures.vectorPath("v01_coordinator_receipt"), maxBytes: 100) }
        #expect(throws: Never.self) { try ReceiptInput.load(path: CLIFixtures.vectorPath("v01_coordinator_receipt"), maxBytes: 1 << 20) }
    }

    @Test func refusesToSignInvalidReceipts() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try CLIFixtures.write(["version": "1.0", "units": -1], to: directory, name: "invalid.json")
        let seed = String(repeating: "07", count: 32)
        let sign = try #require(try AITBCCommand.parseAsRoot(["receipt", "sign", path, "--key-hex", seed]) as? ReceiptSignCommand)
        #expect(throws: CLIError.self) { try sign.signedText() }
    }

    @Test func everyCommandHasHelp() {
        for command in [AITBCCommand.self, KeygenCommand.self, ReceiptCommand.self, ReceiptCanonicalCommand.self,
                        ReceiptSignCommand.self, ReceiptVerifyCommand.self] as [any ParsableCommand.Type] {
            let help = AITBCCommand.helpMessage(for: command)
            #expect(help.contains("USAGE"))
            #expect(!command.configuration.abstract.isEmpty)
        }
        #expect(AITBCCommand.helpMessage(for: ReceiptVerifyCommand.self).contains("--key-hex"))
    }
}
