import AITBCClient
import Coordinator
import Cryptography
import Logging
import TestSupport

/// A real coordinator service on 127.0.0.1 (port 0) over a temporary database, with fixed keys:
/// client `alice`, miner `m1`, admin `root`; SDK clients for each role.
struct LiveCoordinator: Sendable {
    static let clientKey = "alice-secret-key"
    static let minerKey = "miner-one-secret"
    static let adminKey = "admin-secret-key"

    let directory: TemporaryDirectory
    let service: CoordinatorService
    let signingKey: Ed25519.PrivateKey
    let port: Int

    /// Runs `body` against a started coordinator and always stops it afterwards.
    static func with(
        configure: (inout CoordinatorConfiguration) -> Void = { _ in }, _ body: (LiveCoordinator) async throws -> Void
    ) async throws {
        let directory = try TemporaryDirectory(prefix: "sdk-coordinator")
        let signingKey = Ed25519.PrivateKey.generate()
        var configuration = CoordinatorConfiguration()
        configuration.port = 0
        configuration.databasePath = directory.path("coordinator.db")
        configuration.dataDirectory = directory.path("data")
        configuration.signingKey = signingKey
        configuration.rateLimitRequests = 10_000
        configuration.keyRing = APIKeyRing(keys: [
            .client: [(id: "alice", key: clientKey)], .miner: [(id: "m1", key: minerKey)], .admin: [(id: "root", key: adminKey)],
        ])
        configure(&configuration)
        let logger = Logger(label: "sdk-test") { _ in SwiftLogNoOpLogHandler() }
        let service = try await CoordinatorService.open(configuration: configuration, logger: logger)
        try await service.start()
        guard let port = service.port else { throw LiveCoordinatorError.noPort }
        let live = LiveCoordinator(directory: directory, service: service, signingKey: signingKey, port: port)
        do {
            try await body(live)
        } catch {
            await service.shutdown()
            throw error
        }
        await service.shutdown()
    }

    /// `http://127.0.0.1:<port>`.
    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// A configuration for `key` that never sleeps long between retries.
    func configuration(key: String?) -> AITBCConfiguration {
        var configuration = AITBCConfiguration(baseURL: baseURL, apiKey: key, timeout: .seconds(10), maxRetries: 1)
        configuration.backoffBase = .milliseconds(10)
        return configuration
    }

    /// The client role's SDK client.
    var jobs: JobsClient { JobsClient(configuration: configuration(key: Self.clientKey)) }
    /// The miner role's SDK client.
    var miner: MinerClient { MinerClient(configuration: configuration(key: Self.minerKey)) }
    /// The admin role's SDK client.
    var admin: AdminClient { AdminClient(configuration: configuration(key: Self.adminKey)) }
}

enum LiveCoordinatorError: Error { case noPort }
