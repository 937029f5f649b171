import AITBCClient
import ArgumentParser
import Cryptography
import HTTPClient
import JSON
import TerminalText
import WireModels

/// The chain node as the `aitbc chain` commands see it: the SDK's `ChainClient` for one
/// command run, and every SDK failure turned into a `ServiceFailure` with the exit status of
/// docs/cli.md's table (as `ServiceSession` does for the coordinator).
struct ChainSession {
    /// The client of this run.
    let client: ChainClient
    /// The URL as it may be shown.
    let shownURL: String

    /// A session for `options`, signing for `chainID`; the URL is checked first (exit 2).
    init(_ options: ChainNodeOptions, chainID: String = ChainConfiguration.defaultChainID) throws(ServiceFailure) {
        var url = try options.baseURL()
        // The client appends /rpc/… itself; a URL copied from the node's docs may end with it.
        if url.hasSuffix("/rpc") { url.removeLast(4) }
        shownURL = UntrustedText.displayURL(url)
        client = ChainClient(configuration: ChainConfiguration(baseURL: url, chainID: chainID))
    }

    /// Runs `body` with a session and closes its connections afterwards; exits with `body`'s
    /// status, or the status of the failure it threw, printing what went wrong.
    /// - Throws: `ExitCode` with the documented status.
    static func run(
        _ options: ChainNodeOptions, chainID: String = ChainConfiguration.defaultChainID,
        _ body: (ChainSession) async throws(ServiceFailure) -> ServiceExit
    ) async throws(ExitCode) {
        try await CommandIO.reportingServiceFailures { () throws(ServiceFailure) -> ServiceExit in
            let session = try ChainSession(options, chainID: chainID)
            do throws(ServiceFailure) {
                let status = try await body(session)
                await session.client.shutdown()
                return status
            } catch {
                await session.client.shutdown()
                throw error
            }
        }
    }

    /// `text` as an account address.
    /// - Throws: `ServiceFailure` (exit 2) naming `what`.
    static func address(_ text: String, what: String) throws(ServiceFailure) -> Address {
        guard let address = Address(text) else { throw ServiceFailure(.usage, "\(what) \(UntrustedText.display(text)): \(Address.rule)") }
        return address
    }

    /// `text` as a transaction or block hash.
    /// - Throws: `ServiceFailure` (exit 2) naming `what`.
    static func hash(_ text: String, what: String) throws(ServiceFailure) -> Hash32 {
        guard let hash = Hash32(text) else { throw ServiceFailure(.usage, "\(what) \(UntrustedText.display(text)): \(Hash32.rule)") }
        return hash
    }

    /// Runs one SDK call; its failure as the `ServiceFailure` the exit-status table names.
    func call<T>(_ subject: String, _ body: () async throws(AITBCError) -> T) async throws(ServiceFailure) -> T {
        do {
            return try await body()
        } catch {
            throw failure(error, subject: subject)
        }
    }

    /// The exit status and sentence for an SDK error (whose `code` and `message` the SDK
    /// already escaped: node text never reaches the terminal raw).
    func failure(_ error: AITBCError, subject: String) -> ServiceFailure {
        switch error.kind {
        case .rejected:
            let status = error.status ?? 0
            if status == 401 || status == 403 { return ServiceFailure(.authentication, "\(shownURL) refused the token: \(error)") }
            if status >= 500 { return ServiceFailure(.unreachable, "\(shownURL) failed: \(error)") }
            return ServiceFailure(.rejected, "\(subject): \(error)")
        case .unreachable, .cancelled:
            if case .invalidURL? = error.transport as HTTPClientError? { return ServiceFailure(.usage, "--url \(shownURL): \(error.message)") }
            return ServiceFailure(.unreachable, "cannot reach the chain node at \(shownURL): \(error.message)")
        case .invalidResponse:
            return ServiceFailure(.unreachable, "\(shownURL) answered what the RPC API does not document: \(error)")
        case .invalidRequest:
            return ServiceFailure(.usage, "\(subject): \(error.message)")
        case .timedOut:
            return ServiceFailure(.rejected, error.message)
        }
    }
}
