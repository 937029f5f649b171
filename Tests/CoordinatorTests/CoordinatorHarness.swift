import Coordinator
import Cryptography
import JSON
import Metrics
import SQLite
import TestSupport
import WireModels

/// A coordinator store on a fresh temporary SQLite file with a manual clock and fresh keys.
struct CoordinatorHarness {
    let directory: TemporaryDirectory
    let clock: ManualClock
    let configuration: CoordinatorConfiguration
    let store: CoordinatorStore
    let signingKey: Ed25519.PrivateKey
    let attestationKey: Ed25519.PrivateKey

    static func make(
        signing: Bool = true, attestation: Bool = false, metrics: any MetricsFactory = MetricsSystem.factory,
        configure: (inout CoordinatorConfiguration) -> Void = { _ in }
    ) async throws -> CoordinatorHarness {
        let directory = try TemporaryDirectory(prefix: "coordinator-test")
        let clock = ManualClock()
        let signingKey = Ed25519.PrivateKey.generate()
        let attestationKey = Ed25519.PrivateKey.generate()
        var configuration = CoordinatorConfiguration()
        configuration.databasePath = directory.path("coordinator.db")
        configuration.dataDirectory = directory.path("data")
        configuration.signingKey = signing ? signingKey : nil
        configuration.attestationKey = attestation ? attestationKey : nil
        configure(&configuration)
        let store = try await CoordinatorStore.open(configuration: configuration, clock: clock, metricsFactory: metrics)
        return CoordinatorHarness(
            directory: directory, clock: clock, configuration: configuration, store: store, signingKey: signingKey,
            attestationKey: attestationKey)
    }

    /// A miner with one GPU and a price of 0.5 per unit.
    static let gpuCapabilities: JSONValue = ["gpus": [["name": "A100", "memory_mb": 40_960]], "price": 0.5]

    /// A second store over the same file (restart).
    func reopen() async throws -> CoordinatorStore {
        try await CoordinatorStore.open(configuration: configuration, clock: clock)
    }

    @discardableResult
    func register(
        _ minerID: String, capabilities: JSONValue = .object([]), concurrency: Int = 1, region: String? = nil
    ) async throws -> String {
        try await store.registerMiner(
            minerID: minerID, MinerRegistration(capabilities: capabilities, concurrency: concurrency, region: region))
    }

    func submit(
        _ client: String = "client-a", payload: JSONValue = ["task": "infer"], constraints: JobConstraints = JobConstraints(),
        ttl: Int? = nil, key: String? = nil
    ) async throws -> JobRecord {
        try await store.submit(
            clientID: client, JobSubmission(payload: payload, constraints: constraints, ttlSeconds: ttl, idempotencyKey: key)
        ).job
    }

    /// Submits a job and has `miner` claim it.
    func running(miner: String = "miner-1", client: String = "client-a") async throws -> String {
        let job = try await submit(client)
        let claimed = try await store.claimNextJob(minerID: miner)
        guard let claimed, claimed.jobID == job.id else { throw HarnessError.unexpectedClaim }
        return job.id
    }

    /// Number of rows in `table`.
    func count(_ table: String, where condition: String = "1", _ arguments: [any SQLiteBindable] = []) async throws -> Int {
        try await store.database.read { db in
            try db.queryOne("SELECT COUNT(*) FROM \(table) WHERE \(condition)", arguments)?.get(0) ?? 0
        }
    }
}

enum HarnessError: Error { case unexpectedClaim }

extension CoordinatorStore {
    /// The domain's completion over this store: tests drive a bare store without the
    /// `Coordinator` (whose observer they would otherwise replace).
    func complete(
        jobID: String, minerID: String, result: JSONValue, metrics: JSONValue = .object([]), claim: SignedWorkClaim? = nil
    ) async throws(CoordinatorError) -> CompletionOutcome {
        try await JobCompletion(store: self).complete(jobID: jobID, minerID: minerID, result: result, metrics: metrics, claim: claim)
    }
}
