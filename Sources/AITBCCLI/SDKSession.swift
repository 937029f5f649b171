import AITBCClient
import ArgumentParser
import HTTPClient

/// How a service is named in the sentences of its failures.
struct SDKPeer: Sendable {
    /// The service ("the chain node").
    var name: String
    /// Its API ("RPC API").
    var api: String
    /// What a 401 or 403 refused ("the token").
    var credential: String
}

/// What the CLI's sessions with a service share (`ServiceSession`, `ChainSession`,
/// `WalletSession`): the SDK's clients for one command run, closed afterwards, and every SDK
/// failure turned into a `ServiceFailure` with the exit status of docs/cli.md's table.
protocol SDKSession {
    /// The service in failure sentences.
    static var peer: SDKPeer { get }
    /// The URL as it may be shown.
    var shownURL: String { get }
    /// Closes the session's connections.
    func close() async
    /// The exit status and sentence for an SDK error (default: `serviceFailure`).
    func failure(_ error: AITBCError, subject: String) -> ServiceFailure
}

extension SDKSession {
    /// Runs `body` with the session `open` makes and closes its connections afterwards.
    static func using<T>(
        _ open: () throws(ServiceFailure) -> Self, _ body: (Self) async throws(ServiceFailure) -> T
    ) async throws(ServiceFailure) -> T {
        let session = try open()
        do {
            let value = try await body(session)
            await session.close()
            return value
        } catch {
            await session.close()
            throw error
        }
    }

    /// `using`, exiting with `body`'s status or the status of the failure it threw, printing
    /// what went wrong.
    /// - Throws: `ExitCode` with the documented status.
    static func run(
        _ open: () throws(ServiceFailure) -> Self, _ body: (Self) async throws(ServiceFailure) -> ServiceExit
    ) async throws(ExitCode) {
        try await CommandIO.reportingServiceFailures { () throws(ServiceFailure) -> ServiceExit in
            try await using(open, body)
        }
    }

    /// Runs one SDK call; its failure as the `ServiceFailure` the exit-status table names.
    func call<T>(_ subject: String, _ body: () async throws(AITBCError) -> T) async throws(ServiceFailure) -> T {
        do {
            return try await body()
        } catch {
            throw failure(error, subject: subject)
        }
    }

    func failure(_ error: AITBCError, subject: String) -> ServiceFailure { serviceFailure(error, subject: subject) }

    /// The status and sentence every service's SDK error gets. Its `code` and `message` are
    /// already escaped by the SDK (service text never reaches the terminal raw).
    func serviceFailure(_ error: AITBCError, subject: String) -> ServiceFailure {
        switch error.kind {
        case .rejected:
            let status = error.status ?? 0
            if status == 401 || status == 403 { return ServiceFailure(.authentication, "\(shownURL) refused \(Self.peer.credential): \(error)") }
            if status >= 500 { return ServiceFailure(.unreachable, "\(shownURL) failed: \(error)") }
            return ServiceFailure(.rejected, "\(subject): \(error)")
        case .unreachable, .cancelled:
            if case .invalidURL? = error.transport as HTTPClientError? { return ServiceFailure(.usage, "--url \(shownURL): \(error.message)") }
            return ServiceFailure(.unreachable, "cannot reach \(Self.peer.name) at \(shownURL): \(error.message)")
        case .invalidResponse:
            return ServiceFailure(.unreachable, "\(shownURL) answered what the \(Self.peer.api) does not document: \(error)")
        case .invalidRequest:
            return ServiceFailure(.usage, "\(subject): \(error.message)")
        case .timedOut:
            // The SDK's sentence names what was waited for and how long.
            return ServiceFailure(.rejected, error.message)
        }
    }
}
