import JSON
import Receipts

/// The coordinator as the service commands see it: one SDK client for one command run, its
/// answers as their wire encoding, its failures as a `ServiceFailure` with the documented
/// exit status. The only place the commands meet the SDK.
struct ServiceSession {
    /// A job view: its id, state and wire encoding.
    struct Job {
        /// The job id.
        var id: String
        /// The state as the coordinator names it.
        var state: String
        /// The job view as sent on the wire.
        var json: JSONValue
    }

    let baseURL: String

    /// A session for `options`: its URL and key checked (exit 2 when unusable).
    init(_ options: ServiceOptions) throws(ServiceFailure) {
        baseURL = try options.baseURL()
        _ = try options.apiKey()
    }

    /// Runs `body` with a session for `options` and closes the client afterwards.
    static func using<T>(_ options: ServiceOptions, _ body: (ServiceSession) async throws(ServiceFailure) -> T) async throws(ServiceFailure) -> T {
        let session = try ServiceSession(options)
        do {
            let value = try await body(session)
            await session.close()
            return value
        } catch {
            await session.close()
            throw error
        }
    }

    /// Ends the client's connections.
    func close() async {}

    static let notWired = ServiceFailure(.unreachable, "not connected to the SDK yet")

    func submit(payload: JSONValue, constraints: JSONValue?, ttlSeconds: Int?, idempotencyKey: String?) async throws(ServiceFailure) -> Job {
        throw Self.notWired
    }

    func job(_ id: String) async throws(ServiceFailure) -> Job { throw Self.notWired }

    func cancel(_ id: String) async throws(ServiceFailure) -> Job { throw Self.notWired }

    func wait(for id: String, timeoutSeconds: Int) async throws(ServiceFailure) -> Job { throw Self.notWired }

    func result(_ id: String) async throws(ServiceFailure) -> JSONValue { throw Self.notWired }

    func latestReceipt(_ id: String) async throws(ServiceFailure) -> Receipt { throw Self.notWired }

    func allReceipts(_ id: String) async throws(ServiceFailure) -> [Receipt] { throw Self.notWired }

    func adminJobs(state: String?, limit: Int?, cursor: String?) async throws(ServiceFailure) -> JSONValue { throw Self.notWired }

    func miners(status: String?, limit: Int?, cursor: String?) async throws(ServiceFailure) -> JSONValue { throw Self.notWired }
}
