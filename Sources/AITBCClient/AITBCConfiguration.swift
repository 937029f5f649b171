import FoundationEssentials
import Glibc

/// How an SDK client reaches a coordinator and how hard it tries (spec/sdk.md §5).
///
/// Every member has the documented default; tests replace `sleep`, `now` and `jitter` so
/// retries run without waiting and their delays are predictable.
public struct AITBCConfiguration: Sendable {
    /// The coordinator's root, e.g. `http://127.0.0.1:8011` (a trailing `/` is dropped).
    public var baseURL: String
    /// Put before every API path (default `/v1`); empty when `baseURL` already ends with it.
    public var pathPrefix: String
    /// The API key, sent as `X-Api-Key`; nil sends none (health and keys need none).
    public var apiKey: String?
    /// Also send the key as `Authorization: Bearer` (the coordinator accepts either).
    public var sendsBearer: Bool
    /// Longest one attempt may take, connect included (default 10 s). A miner poll adds its
    /// `maxWaitSeconds` + 5 s.
    public var timeout: Duration
    /// Longest a TCP connect may take (default 5 s, never more than `timeout`).
    public var connectTimeout: Duration
    /// Retries after the first attempt (default 3, so at most 4 attempts); 0 disables them.
    public var maxRetries: Int
    /// Backoff base: the retry after attempt n waits up to `backoffBase · 2ⁿ⁻¹` (default 0.5 s).
    public var backoffBase: Duration
    /// The longest backoff, also the cap on an honoured `Retry-After` (default 8 s).
    public var backoffMax: Duration
    /// The coordinator's `HMAC_SECRET`, when it requires signed bodies: every POST then
    /// carries `X-Signature` = hex HMAC-SHA256 of its exact body bytes.
    public var bodySecret: [UInt8]?
    /// Headers sent with every request (e.g. the miner's `X-Miner-ID`).
    public var extraHeaders: [String: String]
    /// Largest response body read (default 16 MiB).
    public var maxResponseBytes: Int
    /// Sleeps between attempts (default `Task.sleep`); throwing ends the call with `.cancelled`.
    public var sleep: @Sendable (Duration) async throws -> Void
    /// Seconds since 1970 (default the system clock); reads `Retry-After` dates.
    public var now: @Sendable () -> Double
    /// A uniform number in `0..<1` (default the system generator): the jitter factor.
    public var jitter: @Sendable () -> Double

    /// A configuration; every argument but `baseURL` has the documented default.
    public init(
        baseURL: String, apiKey: String? = nil, pathPrefix: String = "/v1", sendsBearer: Bool = false,
        timeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(5), maxRetries: Int = 3,
        backoffBase: Duration = .milliseconds(500), backoffMax: Duration = .seconds(8), bodySecret: [UInt8]? = nil,
        extraHeaders: [String: String] = [:], maxResponseBytes: Int = 16 << 20
    ) {
        var root = baseURL
        while root.hasSuffix("/") { root.removeLast() }
        self.baseURL = root
        self.pathPrefix = pathPrefix
        self.apiKey = apiKey
        self.sendsBearer = sendsBearer
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.maxRetries = max(0, maxRetries)
        self.backoffBase = backoffBase
        self.backoffMax = backoffMax
        self.bodySecret = bodySecret
        self.extraHeaders = extraHeaders
        self.maxResponseBytes = maxResponseBytes
        sleep = { try await Task.sleep(for: $0) }
        now = { Date().timeIntervalSince1970 }
        jitter = { Double.random(in: 0..<1) }
    }

    /// `baseURL` + `pathPrefix`: what every API path is appended to.
    public var apiRoot: String { baseURL + pathPrefix }
}

