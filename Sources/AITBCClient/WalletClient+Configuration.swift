/// How a `WalletClient` reaches a wallet daemon: the coordinator clients' connection rules
/// (`AITBCConfiguration`: timeouts, retries, test hooks) with no API key and no path prefix, and
/// the daemon's token in `X-Auth-Token` when it has one.
public struct WalletClientConfiguration: Sendable {
    /// The daemon on this machine (spec/wallet-daemon.md §2: 127.0.0.1:8071).
    public static let defaultURL = "http://127.0.0.1:8071"

    /// Base URL, timeouts, retries, headers (`X-Auth-Token`) and the test hooks.
    public var connection: AITBCConfiguration

    /// The daemon's root, e.g. `http://127.0.0.1:8071`.
    public var baseURL: String { connection.baseURL }

    /// A configuration; `token` is the daemon's `WALLET_TOKEN` (nil when it runs without one).
    /// Unlocking runs Argon2 (64 MiB, about a second, queued behind other unlocks), so the
    /// default timeout is longer than the coordinator clients'.
    public init(
        baseURL: String = WalletClientConfiguration.defaultURL, token: String? = nil, timeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(5), maxRetries: Int = 2, maxResponseBytes: Int = 4 << 20
    ) {
        connection = AITBCConfiguration(
            baseURL: baseURL, apiKey: nil, pathPrefix: "", timeout: timeout, connectTimeout: connectTimeout, maxRetries: maxRetries,
            extraHeaders: token.map { ["X-Auth-Token": $0] } ?? [:], maxResponseBytes: maxResponseBytes)
    }

    /// A configuration over an existing connection configuration (used as it is).
    public init(connection: AITBCConfiguration) {
        self.connection = connection
    }
}
