/// How a `ChainClient` reaches a chain node and which chain it signs for.
///
/// The connection rules are the coordinator clients' own (`AITBCConfiguration`: timeouts,
/// retries per `RetryPolicy`, injectable `sleep`/`now`/`jitter`), with no API key and no path
/// prefix: the node's routes all live under `/rpc`.
public struct ChainConfiguration: Sendable {
    /// The node a client talks to when none is named: a devnet node on this machine.
    public static let defaultURL = "http://127.0.0.1:8080"
    /// The chain id of the devnet genesis (`aitbc chain genesis`' default).
    public static let defaultChainID = "ait-devnet"

    /// The chain every transaction is signed for (`chain_id` is part of the id, so a
    /// transaction signed for one chain is refused by another).
    public var chainID: String
    /// Base URL, timeouts, retries and the test hooks; `apiKey` stays nil (only the faucet is
    /// authenticated, with a token per call).
    public var connection: AITBCConfiguration

    /// The node's root, e.g. `http://127.0.0.1:8080`.
    public var baseURL: String { connection.baseURL }

    /// A configuration; every argument has the documented default.
    public init(
        baseURL: String = ChainConfiguration.defaultURL, chainID: String = ChainConfiguration.defaultChainID,
        timeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(5), maxRetries: Int = 3,
        backoffBase: Duration = .milliseconds(500), backoffMax: Duration = .seconds(8), maxResponseBytes: Int = 16 << 20
    ) {
        self.chainID = chainID
        connection = AITBCConfiguration(
            baseURL: baseURL, apiKey: nil, pathPrefix: "", timeout: timeout, connectTimeout: connectTimeout, maxRetries: maxRetries,
            backoffBase: backoffBase, backoffMax: backoffMax, maxResponseBytes: maxResponseBytes)
    }

    /// A configuration over an existing connection configuration (its `pathPrefix` and
    /// `apiKey` are used as they are).
    public init(connection: AITBCConfiguration, chainID: String = ChainConfiguration.defaultChainID) {
        self.chainID = chainID
        self.connection = connection
    }
}
