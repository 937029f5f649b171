import AITBCClient
import Foundation
import HTTP1
import HTTPServer
import JSON
import Synchronization
import TestSupport
import Testing
import WireModels

/// `WalletClient` against a scripted wallet daemon: the paths, bodies and headers it sends,
/// how it reads the daemon's `{"detail", "code"}` errors, and which calls it never repeats.
@Suite struct WalletClientTests {
    static func client(_ daemon: ScriptedCoordinator, token: String? = nil, maxRetries: Int = 2) -> WalletClient {
        var configuration = WalletClientConfiguration(baseURL: daemon.baseURL, token: token, maxRetries: maxRetries)
        configuration.connection.sleep = { _ in }
        return WalletClient(configuration: configuration)
    }

    static func body(_ seen: ScriptedCoordinator.Seen) throws -> JSONValue {
        try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(seen.body)
    }

    static let wallet = #"{"wallet_id":"main","public_key":"\#(String(repeating: "ab", count: 32))","metadata":{"label":"primary"},"kind":"raw","address":"ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq"}"#

    @Test func everyRequestCarriesTheTokenAndWalletIdsStayOnePathSegment() async throws {
        try await ScriptedCoordinator.with(requests: { seen, _ in
            if seen.path.hasSuffix("/lock") { return ScriptedCoordinator.json(.ok, #"{"wallet_id":"../x","unlocked":false}"#) }
            return ScriptedCoordinator.json(.ok, #"{"items":[\#(Self.wallet)]}"#)
        }) { daemon in
            let client = Self.client(daemon, token: "s3cret-token-value")
            let list = try await client.list()
            #expect(list.items.map(\.walletID) == ["main"])
            #expect(list.items.first?.metadata.values == ["label": "primary"])
            let locked = try await client.lock("../x")
            #expect(!locked.unlocked)
            await client.shutdown()
            #expect(daemon.requests.map(\.path) == ["/v1/wallets", "/v1/wallets/..%2Fx/lock"])
            #expect(daemon.requests.allSatisfy { $0.headers["X-Auth-Token"] == "s3cret-token-value" })
            #expect(daemon.requests.allSatisfy { $0.headers["X-Api-Key"] == nil })
        }
    }

    @Test func createUnlockAndSignSendTheDocumentedBodies() async throws {
        try await ScriptedCoordinator.with(requests: { seen, _ in
            switch seen.path {
            case "/v1/wallets": return ScriptedCoordinator.json(.created, #"{"wallet":\#(Self.wallet)}"#)
            case "/v1/wallets/main/unlock":
                return ScriptedCoordinator.json(.ok, #"{"wallet_id":"main","unlocked":true,"expires_at":"2026-01-01T00:01:00Z"}"#)
            default:
                return ScriptedCoordinator.json(
                    .ok, #"{"wallet_id":"main","signature_base64":"\#(String(repeating: "A", count: 86))==","domain":"message"}"#)
            }
        }) { daemon in
            let client = Self.client(daemon)
            let created = try await client.create(WalletCreateRequest(walletID: "main", password: "Correct-Horse-9"))
            #expect(created.wallet.address == "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq")
            #expect(created.mnemonic == nil)
            let state = try await client.unlock("main", password: "Correct-Horse-9", ttlSeconds: 60)
            #expect(state.unlocked && state.expiresAt == "2026-01-01T00:01:00Z")
            let signed = try await client.sign("main", message: Array("hello".utf8))
            #expect(signed.domain == "message")
            await client.shutdown()
            let bodies = try daemon.requests.map(Self.body)
            #expect(bodies[0]["wallet_id"]?.stringValue == "main")
            #expect(bodies[0]["password"]?.stringValue == "Correct-Horse-9")
            #expect(bodies[1]["ttl_seconds"]?.int64Value == 60)
            #expect(bodies[2]["message_base64"]?.stringValue == "aGVsbG8=")
            #expect(bodies[2]["password"] == nil)
        }
    }

    @Test func theDaemonsDetailAndCodeBecomeTheErrorsMessageAndCode() async throws {
        try await ScriptedCoordinator.with(requests: { seen, _ in
            if seen.path.hasSuffix("/sign") {
                return ScriptedCoordinator.json(.unauthorized, #"{"detail":"wallet is locked","code":"WALLET_LOCKED"}"#)
            }
            return ScriptedCoordinator.json(.unauthorized, #"{"detail":"invalid credentials"}"#)
        }) { daemon in
            let client = Self.client(daemon)
            do throws(AITBCError) {
                _ = try await client.sign("main", message: [1])
                Issue.record("a locked wallet signed")
            } catch {
                #expect(error.status == 401)
                #expect(error.code == "WALLET_LOCKED")
                #expect(error.message == "wallet is locked")
            }
            do throws(AITBCError) {
                _ = try await client.unlock("main", password: "wrong-password-1")
                Issue.record("a wrong password unlocked")
            } catch {
                #expect(error.status == 401)
                #expect(error.message == "invalid credentials")
                #expect(error.serverCode == nil)
            }
            await client.shutdown()
        }
    }

    @Test func aSendThatFailsIsNeverRepeatedButReadsAre() async throws {
        try await ScriptedCoordinator.with(requests: { _, _ in
            ScriptedCoordinator.json(.serviceUnavailable, #"{"detail":"chain node unavailable","code":"CHAIN_UNAVAILABLE"}"#)
        }) { daemon in
            let client = Self.client(daemon, maxRetries: 2)
            do throws(AITBCError) {
                _ = try await client.send("main", WalletSendRequest(to: "ait1y8lrrhap2j3xzcntlp2qgm7jyudhhm2tpgauxq", amount: "5"))
                Issue.record("a send went through a failing daemon")
            } catch {
                #expect(error.code == "CHAIN_UNAVAILABLE")
            }
            #expect(daemon.requests.count == 1)
            _ = try? await client.balance("main")
            #expect(daemon.requests.count == 4)
            await client.shutdown()
        }
    }

    @Test func balanceSendAndHistoryCarryDecimalAmountsAndTheLedger() async throws {
        let targets = TargetLog()
        let transfer = #"{"tx_hash":"offline-00ff","from":"ait1a","to":"ait1b","amount":"0.5","memo":"tea","status":"recorded","created_at":"2026-01-01T00:00:00.000Z","ledger":"offline"}"#
        let router = Router()
        router.add(method: .get, path: "/**") { request, _ in
            targets.record(request.head.target)
            if request.path.hasSuffix("/balance") {
                return ScriptedCoordinator.json(
                    .ok, #"{"account_id":"main:imported","address":"ait1a","balance":"12.25","pending":0,"ledger":"offline"}"#)
            }
            return ScriptedCoordinator.json(.ok, #"{"items":[\#(transfer)]}"#)
        }
        router.add(method: .post, path: "/**") { request, _ in
            targets.record(request.head.target)
            targets.recordBody(request.body)
            return ScriptedCoordinator.json(.accepted, transfer)
        }
        try await serving(router, configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, eventLoopThreads: 1)) { _, port in
            let client = WalletClient(configuration: WalletClientConfiguration(baseURL: "http://127.0.0.1:\(port)"))
            let balance = try await client.balance("main", accountID: "main:imported")
            #expect(balance.balance == "12.25" && balance.ledger == "offline" && balance.nonce == nil)
            let sent = try await client.send("main", WalletSendRequest(to: "ait1b", amount: "0.5", memo: "tea"))
            #expect(sent.status == "recorded" && sent.ledger == "offline" && sent.amount == "0.5" && sent.memo == "tea")
            let history = try await client.transactions("main", limit: 5)
            #expect(history.items == [sent])
            await client.shutdown()
        }
        #expect(targets.all == [
            "/v1/wallets/main/balance?account_id=main%3Aimported", "/v1/wallets/main/send", "/v1/wallets/main/transactions?limit=5",
        ])
        let body = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(targets.body)
        #expect(body["amount"]?.stringValue == "0.5")
        #expect(body["memo"]?.stringValue == "tea")
    }

    @Test func rpcReturnsTheErrorMemberAndNothingForANotification() async throws {
        try await ScriptedCoordinator.with(requests: { seen, _ in
            let body = (try? Self.body(seen)) ?? .null
            if body["id"] == nil { return Response(status: .noContent) }
            return ScriptedCoordinator.json(.ok, #"{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}"#)
        }) { daemon in
            let client = Self.client(daemon)
            let reply = try await client.rpc(method: "wallet.nope")
            #expect(reply?.outcome == .error(JSONRPCErrorObject(code: -32_601, message: "Method not found")))
            #expect(try await client.rpc(method: "wallet.list", id: nil) == nil)
            await client.shutdown()
            #expect(try Self.body(daemon.requests[0])["jsonrpc"]?.stringValue == "2.0")
        }
    }
}

/// Request targets (path and query) a test server saw, and the last body.
final class TargetLog: Sendable {
    private let targets = Mutex<[String]>([])
    private let lastBody = Mutex<[UInt8]>([])

    func record(_ target: some StringProtocol) { targets.withLock { $0.append(String(target)) } }
    func recordBody(_ body: [UInt8]) { lastBody.withLock { $0 = body } }
    var all: [String] { targets.withLock { $0 } }
    var body: [UInt8] { lastBody.withLock { $0 } }
}
