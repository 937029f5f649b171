import Coordinator
import Cryptography
import Foundation
import HTTP1
import JSON
import Logging
import TestSupport

/// A coordinator service on 127.0.0.1, port 0, over a temporary database, with fixed test
/// keys: clients `alice`/`bob`, miners `m1`/`m2`, admin `root`.
struct CoordinatorServerHarness: Sendable {
    static let aliceKey = "alice-secret-key"
    static let bobKey = "bob-secret-key"
    static let miner1Key = "miner-one-secret"
    static let miner2Key = "miner-two-secret"
    static let adminKey = "admin-secret-key"

    let directory: TemporaryDirectory
    let service: CoordinatorService
    let signingKey: Ed25519.PrivateKey
    let port: Int

    static func start(configure: (inout CoordinatorConfiguration) -> Void = { _ in }) async throws -> CoordinatorServerHarness {
        let directory = try TemporaryDirectory(prefix: "coordinator-http")
        let signingKey = Ed25519.PrivateKey.generate()
        var configuration = CoordinatorConfiguration()
        configuration.port = 0
        configuration.databasePath = directory.path("coordinator.db")
        configuration.dataDirectory = directory.path("data")
        configuration.signingKey = signingKey
        configuration.rateLimitRequests = 10_000
        configuration.keyRing = APIKeyRing(keys: [
            .client: [(id: "alice", key: aliceKey), (id: "bob", key: bobKey)],
            .miner: [(id: "m1", key: miner1Key), (id: "m2", key: miner2Key)],
            .admin: [(id: "root", key: adminKey)],
        ])
        configure(&configuration)
        let logger = Logger(label: "coordinator-test") { _ in SwiftLogNoOpLogHandler() }
        let service = try await CoordinatorService.open(configuration: configuration, logger: logger)
        try await service.start()
        guard let port = service.port else { throw HarnessError.unexpectedClaim }
        return CoordinatorServerHarness(directory: directory, service: service, signingKey: signingKey, port: port)
    }

    func stop() async { await service.shutdown() }

    /// Runs `body` against a started server and always stops it afterwards.
    static func with(
        configure: (inout CoordinatorConfiguration) -> Void = { _ in }, _ body: (CoordinatorServerHarness) async throws -> Void
    ) async throws {
        let server = try await start(configure: configure)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// One request on a fresh connection (`Connection: close`). The blocking socket calls run
    /// on a thread of their own, never on the cooperative pool the server's handlers need.
    func request(
        _ method: String, _ path: String, key: String? = nil, headers: [(String, String)] = [], body: String? = nil
    ) async throws -> HTTPTestResponse {
        let port = self.port
        return try await onOwnThread {
            Result { try Self.blockingRequest(port: port, method, path, key: key, headers: headers, body: body) }
        }.get()
    }

    /// The blocking exchange behind `request`.
    static func blockingRequest(
        port: Int, _ method: String, _ path: String, key: String?, headers: [(String, String)], body: String?
    ) throws -> HTTPTestResponse {
        let connection = try HTTPTestConnection(port: port)
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let key { text += "X-Api-Key: \(key)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if let body {
            text += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        } else {
            text += "Content-Length: 0\r\n\r\n"
        }
        try connection.send(text)
        return try connection.readResponse(requestMethod: method == "HEAD" ? .head : .get)
    }

    /// Submits a job as `key` and returns its id.
    func submit(key: String = aliceKey, body: String = #"{"payload":{"task":"infer"}}"#) async throws -> String {
        let response = try await request("POST", "/v1/jobs", key: key, body: body)
        guard response.status == 201, let id = try response.json()["job_id"]?.stringValue else {
            throw HTTPHarnessError.unexpected(response.status, response.text)
        }
        return id
    }

    /// Registers `key` as a miner.
    func register(key: String = miner1Key, body: String = #"{"capabilities":{}}"#) async throws {
        let response = try await request("POST", "/v1/miners/register", key: key, body: body)
        guard response.status == 200 else { throw HTTPHarnessError.unexpected(response.status, response.text) }
    }

    /// Polls once without waiting; the claimed job id or nil (204).
    func poll(key: String = miner1Key) async throws -> String? {
        let response = try await request("POST", "/v1/miners/poll", key: key, body: #"{"max_wait_seconds":0}"#)
        if response.status == 204 { return nil }
        guard response.status == 200 else { throw HTTPHarnessError.unexpected(response.status, response.text) }
        return try response.json()["job_id"]?.stringValue
    }

    /// A job submitted by alice and claimed by m1.
    func runningJob() async throws -> String {
        try await register()
        let id = try await submit()
        guard try await poll() == id else { throw HarnessError.unexpectedClaim }
        return id
    }
}

enum HTTPHarnessError: Error { case unexpected(Int, String) }

extension HTTPTestResponse {
    /// The body parsed as JSON.
    func json() throws -> JSONValue { try JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(body) }

    /// `error.code` of an error body.
    var errorCode: String? { (try? json())?["error"]?["code"]?.stringValue }

    /// The legacy `detail` member.
    var detail: String? { (try? json())?["detail"]?.stringValue }
}
