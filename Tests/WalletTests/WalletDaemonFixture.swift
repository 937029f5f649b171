import Foundation
import HTTP1
import HTTPClient
import JSON
import Logging
import Synchronization
import TestSupport
import Wallet
import WalletCore

/// A wallet daemon in-process on an ephemeral loopback port, with its own keystore and ledger in
/// a temporary directory, cheap Argon2 parameters (t=1, 8 MiB, p=1: the format's minimum) and a
/// clock the test moves.
struct WalletTestDaemon {
    let directory: TemporaryDirectory
    let daemon: WalletDaemonService
    let clock: ManualWalletClock
    let logs: CapturedLogs
    let client = HTTPClient()
    let base: String

    static let password = "Correct-horse-9!"

    static func configuration(_ directory: TemporaryDirectory) throws -> WalletConfiguration {
        var configuration = WalletConfiguration()
        configuration.port = 0
        configuration.keystoreDirectory = directory.path("keystore")
        configuration.ledgerPath = directory.path("ledger.db")
        configuration.kdf = try KeystoreRecord.KDFParameters(iterations: 1, memoryKiB: 8_192, parallelism: 1)
        configuration.ledger = .offline
        return configuration
    }

    static func start(
        _ adjust: (inout WalletConfiguration) -> Void = { _ in }, receipts: (any ReceiptSource)? = nil, directory: TemporaryDirectory? = nil
    ) async throws -> WalletTestDaemon {
        let directory = try directory ?? TemporaryDirectory(prefix: "wallet-daemon")
        var configuration = try configuration(directory)
        adjust(&configuration)
        let clock = ManualWalletClock()
        let logs = CapturedLogs()
        let daemon = try await WalletDaemonService.open(
            configuration: configuration, clock: clock, keepSlotsForTesting: true, receipts: receipts, logger: logs.logger())
        try await daemon.start()
        return WalletTestDaemon(directory: directory, daemon: daemon, clock: clock, logs: logs, base: "http://127.0.0.1:\(daemon.port ?? 0)")
    }

    var service: WalletService { daemon.service }

    func request(_ method: String, _ path: String, _ body: JSONValue? = nil, headers: HTTPHeaders = HTTPHeaders()) async throws
        -> (status: Int, body: JSONValue, headers: HTTPHeaders)
    {
        let response: HTTPClientResponse
        if method == "GET" {
            response = try await client.get(base + path, headers: headers)
        } else {
            response = try await client.post(base + path, body: body.map { Self.bytes($0) } ?? [], headers: headers)
        }
        return (response.status.code, (try? JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(response.body)) ?? .null, response.headers)
    }

    func get(_ path: String, headers: HTTPHeaders = HTTPHeaders()) async throws -> (status: Int, body: JSONValue, headers: HTTPHeaders) {
        try await request("GET", path, headers: headers)
    }

    func post(_ path: String, _ body: JSONValue, headers: HTTPHeaders = HTTPHeaders()) async throws -> (status: Int, body: JSONValue, headers: HTTPHeaders) {
        try await request("POST", path, body, headers: headers)
    }

    func postRaw(_ path: String, _ bytes: [UInt8]) async throws -> (status: Int, body: [UInt8]) {
        let response = try await client.post(base + path, body: bytes)
        return (response.status.code, response.body)
    }

    /// Creates `id` (raw unless `kind`), expecting 201.
    @discardableResult
    func create(_ id: String, kind: String? = nil) async throws -> JSONValue {
        var body: JSONValue = ["wallet_id": .string(id), "password": .string(Self.password)]
        if let kind, case .object(var members) = body {
            members.append(JSONMember(key: "kind", value: .string(kind)))
            body = .object(members)
        }
        let (status, answer, _) = try await post("/v1/wallets", body)
        guard status == 201 else { throw FixtureFailure.unexpected(status, answer) }
        return answer
    }

    func stop() async {
        await daemon.shutdown()
        await client.shutdown()
    }

    static func bytes(_ value: JSONValue) -> [UInt8] { (try? JSONSerializer().serialize(value)) ?? [] }
}

enum FixtureFailure: Error { case unexpected(Int, JSONValue) }
