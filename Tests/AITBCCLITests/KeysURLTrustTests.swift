@testable import AITBCCLI
import Cryptography
import Foundation
import JSON
import ServiceRuntime
import Sockets
import TestSupport
import Testing
import TerminalText

/// Review 3: a `--keys-url` server is not trusted beyond what each key's `use` says, nor with the
/// terminal; the URL's userinfo is never printed.
@Suite struct KeysURLTrustTests {
    static let coordinator = ReceiptVerifyAllTests.coordinator
    static let miner = ReceiptVerifyAllTests.miner

    static func entry(_ key: Ed25519.PublicKey, use: String, keyID: JSONValue? = nil) -> String {
        let id = keyID.flatMap { try? JSONSerializer().string($0) } ?? "\"\(key.keyID)\""
        return #"{"key_id":\#(id),"public_key_hex":"\#(key.hex)","alg":"Ed25519","use":"\#(use)"}"#
    }

    /// Serves `body` as every answer; runs `aitbc receipt verify receipt --keys-url URL` (with `userinfo`).
    static func verify(receipt: JSONValue, keys body: String, userinfo: String = "") throws -> CLIFixtures.Run {
        let server = try ScriptedTCPServer { socket, _ in
            _ = ScriptedTCPServer.readHead(socket)
            try? socket.writeAll(Array("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8))
            socket.close()
        }
        defer { server.stop() }
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try CLIFixtures.write(receipt, to: directory, name: "receipt.json")
        return try CLIFixtures.run(["receipt", "verify", path, "--keys-url", "http://\(userinfo)127.0.0.1:\(server.port)"])
    }

    @Test func keysAreTrustedOnlyForWhatTheirUseSays() throws {
        let attested = try ReceiptVerifyAllTests.receipt(attest: true)
        let both = "{\"keys\":[\(Self.entry(Self.coordinator.publicKey, use: "receipt-signing")),\(Self.entry(Self.miner.publicKey, use: "receipt-attestation"))]}"
        let ok = try Self.verify(receipt: attested, keys: both)
        #expect(ok.status == 0, "\(ok.stderr)")
        // The coordinator's key published for attestations only does not verify its signature.
        let attestationOnly = "{\"keys\":[\(Self.entry(Self.coordinator.publicKey, use: "receipt-attestation"))]}"
        let primary = try Self.verify(receipt: try ReceiptVerifyAllTests.receipt(), keys: attestationOnly)
        #expect(primary.status == 1)
        #expect(primary.stderr.contains("signature key_id=\(Self.coordinator.publicKey.keyID): unknown_key"), "\(primary.stderr)")
        // A signing key does not verify attestations, and a key of another use verifies nothing.
        let signingOnly = "{\"keys\":[\(Self.entry(Self.coordinator.publicKey, use: "receipt-signing")),\(Self.entry(Self.miner.publicKey, use: "receipt-signing"))]}"
        let attestation = try Self.verify(receipt: attested, keys: signingOnly)
        #expect(attestation.status == 1)
        #expect(attestation.stderr.contains("attestation[0] key_id=\(Self.miner.publicKey.keyID): unknown_key"), "\(attestation.stderr)")
        let other = try Self.verify(receipt: try ReceiptVerifyAllTests.receipt(), keys: "{\"keys\":[\(Self.entry(Self.coordinator.publicKey, use: "miner-claim"))]}")
        #expect(other.status == 1)
    }

    @Test(arguments: [JSONValue.null, .bool(true), .string(""), .string(miner.publicKey.keyID)])
    func everyKeyNeedsAStringKeyIDNamingIt(keyID: JSONValue) throws {
        let body = "{\"keys\":[\(Self.entry(Self.coordinator.publicKey, use: "receipt-signing", keyID: keyID))]}"
        #expect(throws: CLIError.self) { try KeysURL.parse(Array(body.utf8), url: "u") }
        let run = try Self.verify(receipt: try ReceiptVerifyAllTests.receipt(), keys: body)
        #expect(run.status == 2, "\(run.stderr)")
        let missing = #"{"keys":[{"public_key_hex":"\#(Self.coordinator.publicKey.hex)","alg":"Ed25519","use":"receipt-signing"}]}"#
        #expect(throws: CLIError.self) { try KeysURL.parse(Array(missing.utf8), url: "u") }
    }

    @Test func hostileServerTextIsEscapedAndUserinfoIsNeverPrinted() throws {
        let hostile = "{\"keys\":[\(Self.entry(Self.coordinator.publicKey, use: "receipt-signing", keyID: .string("\u{1B}[31mEVIL\n" + String(repeating: "A", count: 500))))]}"
        let run = try Self.verify(receipt: try ReceiptVerifyAllTests.receipt(), keys: hostile)
        #expect(run.status == 2)
        #expect(!run.stderr.contains("\u{1B}"))
        #expect(run.stderr.contains("\\u{1B}[31mEVIL\\u{A}"), "\(run.stderr)")
        #expect(!run.stderr.contains(String(repeating: "A", count: 65)))
        #expect(run.stderr.split(separator: "\n").count == 1)
        // A URL with userinfo (the client refuses it) and an unreachable one: no userinfo printed.
        let userinfo = try Self.verify(receipt: try ReceiptVerifyAllTests.receipt(), keys: hostile, userinfo: "user:hunter2@")
        #expect(userinfo.status == 2)
        #expect(!userinfo.stderr.contains("hunter2") && !userinfo.stderr.contains("user:"), "\(userinfo.stderr)")
        let unreachable = try CLIFixtures.run(["receipt", "verify", CLIFixtures.vectorPath("v01_coordinator_receipt"), "--keys-url", "http://user:hunter2@127.0.0.1:9"])
        #expect(unreachable.status == 2)
        #expect(!unreachable.stderr.contains("hunter2"), "\(unreachable.stderr)")
    }

    @Test func receiptKeyIDsAreEscapedInTheReport() throws {
        var receipt = try ReceiptVerifyAllTests.receipt()
        guard case .object(var members) = receipt, let index = members.firstIndex(where: { $0.key == "signature" }) else {
            Issue.record("no signature")
            return
        }
        members[index].value = ["alg": "Ed25519", "key_id": "\u{1B}]0;owned\u{7}\n", "sig": .string(String(repeating: "A", count: 86))]
        receipt = .object(members)
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try CLIFixtures.write(receipt, to: directory, name: "receipt.json")
        let run = try CLIFixtures.run(["receipt", "verify", path, "--key-hex", Self.coordinator.publicKey.hex])
        #expect(run.status == 1)
        #expect(!run.stderr.contains("\u{1B}") && !run.stderr.contains("\u{7}"), "\(run.stderr)")
        #expect(run.stderr.contains("key_id=\\u{1B}]0;owned\\u{7}\\u{A}:"), "\(run.stderr)")
    }

    @Test func untrustedTextIsEscapedAndBounded() {
        #expect(UntrustedText.display("ok name") == "ok name")
        #expect(UntrustedText.display("a\u{1B}b\nc\u{202E}d\u{7F}") == "a\\u{1B}b\\u{A}c\\u{202E}d\\u{7F}")
        #expect(UntrustedText.display(String(repeating: "x", count: 100)) == String(repeating: "x", count: 64) + "…")
        #expect(UntrustedText.displayURL("http://u:p@127.0.0.1:8011/v1/keys") == "http://127.0.0.1:8011/v1/keys")
        #expect(UntrustedText.displayURL("http://127.0.0.1:8011/a@b") == "http://127.0.0.1:8011/a@b")
        #expect(UntrustedText.displayURL("u:p@host/x") == "host/x")
    }
}
