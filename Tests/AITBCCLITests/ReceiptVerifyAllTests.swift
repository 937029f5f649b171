import AITBCCLI
import ArgumentParser
import Cryptography
import Foundation
import JSON
import Receipts
import Sockets
import TestSupport
import Synchronization
import Testing

/// Issue #12: `aitbc receipt verify` checks every signature of a coordinator receipt — its own,
/// the attestations and the miner's work claim — against pinned or fetched keys.
@Suite struct ReceiptVerifyAllTests {
    static let coordinator = Ed25519.PrivateKey.generate()
    static let miner = Ed25519.PrivateKey.generate()

    /// A receipt as the coordinator issues it (ReceiptFactory): metadata.result, work_claim, miner_signature.
    static func receipt(
        claimJobID: String = "job-1", result: JSONValue = ["sha256": "ab", "bytes": 2], claimedResult: JSONValue? = nil,
        claimSigner: Ed25519.PrivateKey = miner, attest: Bool = false
    ) throws -> JSONValue {
        let claim = WorkClaim(
            jobID: claimJobID, minerID: "gpu-box-1", resultHash: try WorkClaim.resultHash(of: claimedResult ?? result), units: 0.5,
            unitType: "cpu_seconds", durationMilliseconds: 500, completedAt: 1_727_400_100)
        var signature = try claim.sign(with: claimSigner).json
        if claimSigner.publicKey != miner.publicKey {
            // Signed by another key but naming the miner's: a forged claim.
            signature = ["alg": "Ed25519", "key_id": .string(miner.publicKey.keyID), "sig": signature["sig"] ?? .null]
        }
        let payload: [JSONMember] = [
            JSONMember(key: "version", value: "1.0"), JSONMember(key: "receipt_id", value: .string(String(repeating: "a", count: 32))),
            JSONMember(key: "job_id", value: "job-1"), JSONMember(key: "provider", value: "gpu-box-1"),
            JSONMember(key: "client", value: "alice"), JSONMember(key: "units", value: .float(0.5)),
            JSONMember(key: "unit_type", value: "cpu_seconds"), JSONMember(key: "started_at", value: 1_727_400_099),
            JSONMember(key: "completed_at", value: 1_727_400_100),
            JSONMember(key: "metadata", value: ["result": result, "work_claim": claim.json, "miner_signature": signature]),
        ]
        let signer = ReceiptSigner(key: coordinator, attestationKeys: attest ? [miner] : [])
        return try signer.sign(Receipt(payload: payload)).json
    }

    static func report(_ receipt: JSONValue, _ extra: [String] = [], keys: [String] = [coordinator.publicKey.hex]) throws -> ReceiptReport {
        let directory = try CLIFixtures.temporaryDirectory()
        let path = try CLIFixtures.write(receipt, to: directory, name: "receipt.json")
        let command = try #require(
            try AITBCCommand.parseAsRoot(["receipt", "verify", path] + keys.flatMap { ["--key-hex", $0] } + extra) as? ReceiptVerifyCommand)
        return try command.report()
    }

    @Test func everySignatureIsReported() throws {
        let report = try Self.report(try Self.receipt(attest: true))
        #expect(report.entries.map(\.role) == ["signature", "attestation[0]", "work_claim"])
        #expect(report.entries.map(\.status) == ["valid", "unknown_key", "valid"])
        #expect(report.entries.last?.keyID == Self.miner.publicKey.keyID)
        #expect(!report.isVerified)
        let trusted = try Self.report(try Self.receipt(attest: true), keys: [Self.coordinator.publicKey.hex, Self.miner.publicKey.hex])
        #expect(trusted.isVerified)
        #expect(trusted.lines.last == "verified: 3 of 3 signatures valid")
    }

    @Test func forgedOrMismatchedClaimsFail() throws {
        #expect(try Self.report(try Self.receipt(claimSigner: .generate())).entries.last?.status == "signature_mismatch")
        #expect(try Self.report(try Self.receipt(claimJobID: "job-2")).entries.last?.status == "claim_mismatch:job_id")
        #expect(try Self.report(try Self.receipt(claimedResult: ["sha256": "cd"])).entries.last?.status == "claim_mismatch:result_hash")
        let pinnedOther = try Self.report(try Self.receipt(), ["--miner-key-hex", Ed25519.PrivateKey.generate().publicKey.hex])
        #expect(pinnedOther.entries.last?.status == "unknown_key")
        let pinned = try Self.report(try Self.receipt(), ["--miner-key-hex", Self.miner.publicKey.hex])
        #expect(pinned.isVerified)
        // A receipt without a claim (an unsigned miner) still verifies, and says so.
        let vector = try Self.report(try CLIFixtures.load("v01_coordinator_receipt"), keys: [try #require(CLIFixtures.load("v01_coordinator_receipt")["verify_key_hex"]?.stringValue)])
        #expect(vector.isVerified && !vector.hasWorkClaim)
        #expect(vector.lines.contains("work_claim: absent (the miner signed no claim)"))
    }

    @Test func binaryExitsOneForABadClaimAndPrintsJSON() throws {
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let good = try CLIFixtures.write(try Self.receipt(), to: directory, name: "good.json")
        let bad = try CLIFixtures.write(try Self.receipt(claimJobID: "job-2"), to: directory, name: "bad.json")
        let key = Self.coordinator.publicKey.hex
        let ok = try CLIFixtures.run(["receipt", "verify", good, "--key-hex", key])
        #expect(ok.status == 0, "\(ok.stderr)")
        #expect(ok.stderr.contains("work_claim key_id=\(Self.miner.publicKey.keyID): valid"))
        let rejected = try CLIFixtures.run(["receipt", "verify", bad, "--key-hex", key, "--json"])
        #expect(rejected.status == 1)
        let json = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(rejected.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json["verified"] == .bool(false))
        #expect(json["signatures"]?.arrayValue?.last?["status"]?.stringValue == "claim_mismatch:job_id")
    }

    @Test func usageErrorsExit64AndNameTheRequiredOptions() throws {
        let run = try CLIFixtures.run(["receipt", "verify", CLIFixtures.vectorPath("v01_coordinator_receipt")])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--key-hex") && run.stderr.contains("--keys-url"))
        let help = try CLIFixtures.run(["receipt", "verify", "--help"])
        #expect(help.stdout.contains("(--key-hex <pub> ... | --keys-url <url>)"))
    }

    @Test(arguments: ["", "/v1", "/v1/keys", "/v1/keys/"])
    func keysURLTrustsTheCoordinatorsPublishedKeys(suffix: String) throws {
        let body = #"{"keys":[{"key_id":"\#(Self.coordinator.publicKey.keyID)","public_key_hex":"\#(Self.coordinator.publicKey.hex)","alg":"Ed25519","use":"receipt-signing"}]}"#
        let paths = Paths()
        let server = try ScriptedTCPServer { socket, _ in
            paths.add(ScriptedTCPServer.readHead(socket).split(separator: " ").dropFirst().first.map(String.init) ?? "?")
            try? socket.writeAll(Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)".utf8))
            socket.close()
        }
        defer { server.stop() }
        let directory = try CLIFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try CLIFixtures.write(try Self.receipt(), to: directory, name: "receipt.json")
        let run = try CLIFixtures.run(["receipt", "verify", path, "--keys-url", "http://127.0.0.1:\(server.port)\(suffix)"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(paths.all == ["/v1/keys"])
        let unreachable = try CLIFixtures.run(["receipt", "verify", path, "--keys-url", "http://127.0.0.1:9"])
        #expect(unreachable.status == 2)
        #expect(unreachable.stderr.contains("http://127.0.0.1:9/v1/keys"))
    }

    @Test func versionFlag() throws {
        let run = try CLIFixtures.run(["--version"])
        #expect(run.status == 0)
        #expect(run.stdout.hasPrefix("aitbc 0."), "\(run.stdout)")
        #expect(run.stdout.contains("(swift 6."))
    }
}

/// Request paths seen by a scripted server thread.
final class Paths: Sendable {
    private let storage = Mutex<[String]>([])
    func add(_ path: String) { storage.withLock { $0.append(path) } }
    var all: [String] { storage.withLock { $0 } }
}
