import Cryptography
import Foundation
import HTTP1
import HTTPServer
import JSON
import Ledger
import Synchronization
import TestSupport
import Testing
import WireModels

/// `aitbc chain` commands that talk to a node, against a scripted node in the test process:
/// what they send, what they print, and their exit statuses. (Live tests against the real
/// node come with it.)
@Suite struct ChainNodeCommandTests {
    static let time = WireTime(rawValue: "2024-09-27T01:20:00Z", unixMilliseconds: 1_727_400_000_000)

    /// What the node received: method, path and body.
    final class Received: Sendable {
        let list = Mutex<[(method: HTTPMethod, path: String, body: [UInt8])]>([])
        var all: [(method: HTTPMethod, path: String, body: [UInt8])] { list.withLock { $0 } }
    }

    /// Serves `answer` on 127.0.0.1 for the duration of `body`, recording every request.
    static func node(
        _ answer: @escaping @Sendable (HTTPMethod, String, [UInt8]) -> Response, _ body: (String, Received) async throws -> Void
    ) async throws {
        let received = Received()
        let router = Router()
        let handler: HTTPHandler = { request, _ in
            received.list.withLock { $0.append((request.method, String(request.path), request.body)) }
            return answer(request.method, String(request.path), request.body)
        }
        for method in [HTTPMethod.get, .post] { router.add(method: method, path: "/**", handler: handler) }
        try await serving(router, configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopThreads: 1)) { _, port in
            try await body("http://127.0.0.1:\(port)", received)
        }
    }

    static func ok(_ message: some WireMessage) -> Response {
        Response(status: .ok, headers: ["Content-Type": "application/json"], body: .bytes(message.bytes))
    }

    static func refusal(_ status: HTTPResponseStatus, _ code: String, _ message: String) -> Response {
        Response(
            status: status, headers: ["Content-Type": "application/json"],
            body: .bytes(Array(#"{"error":{"code":"\#(code)","message":"\#(message)","details":null}}"#.utf8)))
    }

    /// A key file of mode 0600 in `directory`, in the `chain keygen` format.
    static func keyFile(_ key: Ed25519.PrivateKey, in directory: TemporaryDirectory, mode: Int = 0o600) throws -> String {
        let path = directory.path("key-\(UUID().uuidString).json")
        let text = #"{"private_key":"\#(key.seed.withUnsafeBytes { Hex.encode($0) })","public_key":"\#(key.publicKey.hex)"}"#
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    static func key(_ byte: UInt8) throws -> Ed25519.PrivateKey { try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: byte, count: 32)) }

    /// A node that knows the account of `key` (next nonce 4), estimates fee 60, admits any
    /// validly signed transaction and reports it included.
    static func admittingNode(_ key: Ed25519.PrivateKey) -> @Sendable (HTTPMethod, String, [UInt8]) -> Response {
        let sender = Address(publicKey: key.publicKey)
        return { _, path, body in
            if path == "/rpc/getBalance/\(sender.rawValue)" {
                return ok(AccountView(address: sender, balance: 10_000, nonce: 3, nextNonce: 4, updatedAt: time))
            }
            if path == "/rpc/estimateFee" {
                return ok(EstimateFeeResponse(type: .transfer, baseFee: 10, feePerByte: 1, payloadBytes: 50, estimatedFee: 60))
            }
            if path == "/rpc/sendTx" {
                guard let parsed = try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(body),
                    let message = try? TransactionMessage(json: parsed),
                    let verified = try? VerifiedTransaction(message, chainID: "ait-devnet")
                else { return refusal(.badRequest, "BAD_SIGNATURE", "sig: does not verify") }
                return ok(SendTxResponse(txHash: verified.id))
            }
            if path.hasPrefix("/rpc/tx/"), let hash = TxHash(String(path.dropFirst("/rpc/tx/".count))) {
                return ok(
                    TxView(
                        txHash: hash, status: .included, blockHeight: 12, type: .transfer, sender: sender, recipient: "", nonce: 4, fee: 60,
                        payload: ["amount": 5], createdAt: time))
            }
            return refusal(.notFound, "NOT_FOUND", "no route")
        }
    }

    /// The transaction the command sent, checked as the node checks it.
    static func sent(_ received: Received) throws -> VerifiedTransaction {
        let body = try #require(received.all.first { $0.path == "/rpc/sendTx" }?.body)
        let message = try TransactionMessage(json: try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(body))
        return try VerifiedTransaction(message, chainID: "ait-devnet")
    }

    @Test func sendSignsWithTheKeyFileAndPrintsTheHash() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-send")
        let key = try Self.key(1)
        let recipient = Address(publicKey: try Self.key(2).publicKey)
        let keyFile = try Self.keyFile(key, in: directory)
        try await Self.node(Self.admittingNode(key)) { url, received in
            let run = try await CLIFixtures.runAsync(["chain", "send", "--key-file", keyFile, "--to", recipient.rawValue, "--amount", "5", "--url", url])
            #expect(run.status == 0, "\(run.stderr)")
            let sent = try Self.sent(received)
            #expect(sent.message.payload == .transfer(to: recipient, amount: 5))
            #expect(sent.message.nonce == 4)
            #expect(sent.message.fee == 60)
            #expect(run.stdout.contains(sent.id.rawValue))
            #expect(run.stdout.contains("pending"))
            #expect(!run.stdout.contains(key.seed.withUnsafeBytes { Hex.encode($0) }))
        }
    }

    @Test func sendWithFeeAndWaitPrintsTheIncludedTransactionAsJSON() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-send")
        let key = try Self.key(1)
        let keyFile = try Self.keyFile(key, in: directory)
        try await Self.node(Self.admittingNode(key)) { url, received in
            let run = try await CLIFixtures.runAsync(
                ["chain", "send", "--key-file", keyFile, "--to", Address(publicKey: try Self.key(2).publicKey).rawValue, "--amount", "5",
                 "--fee", "75", "--wait", "--json"],
                environment: ["AITBC_CHAIN_URL": url])
            #expect(run.status == 0, "\(run.stderr)")
            // The given fee: no estimate asked for.
            #expect(!received.all.contains { $0.path == "/rpc/estimateFee" })
            let sent = try Self.sent(received)
            #expect(sent.message.fee == 75)
            let printed = try CLIFixtures.json(run)
            #expect(printed["tx_hash"]?.stringValue == sent.id.rawValue)
            #expect(printed["status"]?.stringValue == "included")
            #expect(printed["block_height"] == 12)
        }
    }

    @Test func claimSendsTheSignedReceiptVerbatim() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-claim")
        let key = try Self.key(1)
        let keyFile = try Self.keyFile(key, in: directory)
        let vector = CLIFixtures.vectorPath("v01_coordinator_receipt")
        try await Self.node(Self.admittingNode(key)) { url, received in
            let run = try await CLIFixtures.runAsync(["chain", "claim", "--key-file", keyFile, "--receipt", vector, "--url", url, "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let sent = try Self.sent(received)
            guard case .receiptClaim(let receipt) = sent.message.payload else {
                Issue.record("not a receipt claim: \(sent.message.payload)")
                return
            }
            let file = try CLIFixtures.load("v01_coordinator_receipt")
            #expect(receipt["signature"] == file["signature"])
            #expect(receipt["receipt_id"] == file["payload"]?["receipt_id"])
            #expect(try CLIFixtures.json(run)["tx_hash"]?.stringValue == sent.id.rawValue)
        }
    }

    @Test func balanceTxAndBlockPrintTheNodesAnswers() async throws {
        let address = Address(publicKey: try Self.key(1).publicKey)
        let hash = Hash32(bytes: [UInt8](repeating: 7, count: 32))
        let block = BlockView(
            height: 3, hash: hash, parentHash: .zero, timestamp: Self.time, proposer: address.rawValue, proposerKey: "", txCount: 1,
            txRoot: hash, stateRoot: hash, receiptsRoot: hash, signature: "", txs: [hash])
        try await Self.node({ _, path, _ in
            switch path {
            case "/rpc/getBalance/\(address.rawValue)": Self.ok(AccountView(address: address, balance: 123_456, nonce: 2, nextNonce: 3, updatedAt: nil))
            case "/rpc/blocks/3", "/rpc/getBlock/\(hash.rawValue)": Self.ok(block)
            case "/rpc/head": Self.ok(HeadView(height: 3, hash: hash, timestamp: Self.time, txCount: 1))
            default: Self.refusal(.notFound, "TX_NOT_FOUND", #"no such transaction \u001b[31m"#)
            }
        }) { url, received in
            let balance = try await CLIFixtures.runAsync(["chain", "balance", address.rawValue, "--url", url])
            #expect(balance.status == 0)
            #expect(balance.stdout.contains("123456"))
            let json = try await CLIFixtures.runAsync(["chain", "balance", address.rawValue, "--url", url, "--json"])
            #expect(try CLIFixtures.json(json)["next_nonce"] == 3)
            for selector in ["3", hash.rawValue] {
                let shown = try await CLIFixtures.runAsync(["chain", "block", selector, "--url", url])
                #expect(shown.status == 0, "\(shown.stderr)")
                #expect(shown.stdout.contains("tx_count"))
            }
            // A URL that already ends with /rpc reaches the same routes.
            let head = try await CLIFixtures.runAsync(["chain", "head", "--url", url + "/rpc/", "--json"])
            #expect(try CLIFixtures.json(head)["hash"]?.stringValue == hash.rawValue)
            // An unknown transaction: exit 1 with the node's code, its text escaped.
            let missing = try await CLIFixtures.runAsync(["chain", "tx", hash.rawValue, "--url", url])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("TX_NOT_FOUND"))
            #expect(!missing.stderr.contains("\u{1B}"))
            #expect(missing.stderr.contains(#"\u{1B}[31m"#))
            #expect(received.all.map(\.path).contains("/rpc/getBlock/\(hash.rawValue)"))
        }
    }

    @Test func aRefusedTransferIsExitOne() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-send")
        let key = try Self.key(1)
        let keyFile = try Self.keyFile(key, in: directory)
        try await Self.node({ method, path, body in
            path == "/rpc/sendTx" ? Self.refusal(.badRequest, "INSUFFICIENT_BALANCE", "balance 0 cannot cover 65") : Self.admittingNode(key)(method, path, body)
        }) { url, _ in
            let run = try await CLIFixtures.runAsync(
                ["chain", "send", "--key-file", keyFile, "--to", Address(publicKey: key.publicKey).rawValue, "--amount", "5", "--url", url])
            #expect(run.status == 1)
            #expect(run.stderr.contains("INSUFFICIENT_BALANCE"))
        }
    }

    /// Input the command refuses before it asks the node anything: exit 2, naming it.
    @Test func badInputIsExitTwoBeforeAnythingIsSent() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-input")
        let key = try Self.key(1)
        let open = try Self.keyFile(key, in: directory, mode: 0o644)
        let good = try Self.keyFile(key, in: directory)
        let notAKey = directory.path("not-a-key.json")
        try Data(#"{"hello":"world"}"#.utf8).write(to: URL(fileURLWithPath: notAKey))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: notAKey)
        let unsigned = directory.path("unsigned.json")
        try Data(#"{"version":"1.0","receipt_id":"0123456789abcdef0123456789abcdef"}"#.utf8).write(to: URL(fileURLWithPath: unsigned))
        let recipient = Address(publicKey: try Self.key(2).publicKey).rawValue
        try await Self.node({ _, _, _ in Self.refusal(.internalServerError, "X", "must not be asked") }) { url, received in
            let cases: [([String], String)] = [
                (["chain", "send", "--key-file", open, "--to", recipient, "--amount", "1"], "chmod 600"),
                (["chain", "send", "--key-file", notAKey, "--to", recipient, "--amount", "1"], "--key-file"),
                (["chain", "send", "--key-file", good, "--to", "ait1nope", "--amount", "1"], "--to"),
                (["chain", "claim", "--key-file", good, "--receipt", unsigned], "--receipt"),
                (["chain", "balance", "nope"], "address"),
                (["chain", "tx", "0x1234"], "transaction"),
                (["chain", "block", "latest"], "block"),
            ]
            for (arguments, named) in cases {
                let run = try await CLIFixtures.runAsync(arguments + ["--url", url])
                #expect(run.status == 2, "\(arguments): \(run.stderr)")
                #expect(run.stderr.contains(named), "\(arguments): \(run.stderr)")
            }
            let badURL = try await CLIFixtures.runAsync(["chain", "head", "--url", "https://127.0.0.1:1"])
            #expect(badURL.status == 2)
            #expect(badURL.stderr.contains("--url"))
            #expect(received.all.isEmpty)
        }
    }

    @Test func anUnreachableNodeIsExitFour() async throws {
        // A port that refuses connections (bound, never listening) for the whole test.
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let run = try await CLIFixtures.runAsync(["chain", "head", "--url", refusing.url])
        #expect(run.status == 4)
        #expect(run.stderr.contains("cannot reach the chain node"))
    }
}
