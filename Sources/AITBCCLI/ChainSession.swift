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
struct ChainSession: SDKSession {
    static let peer = SDKPeer(name: "the chain node", api: "RPC API", credential: "the token")

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
        try await run({ () throws(ServiceFailure) in try ChainSession(options, chainID: chainID) }, body)
    }

    func close() async { await client.shutdown() }

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
}
