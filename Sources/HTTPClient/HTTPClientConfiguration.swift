import FoundationEssentials
import Glibc
public import HTTP1

/// Limits, timeouts, pooling and retry settings of an `HTTPClient`.
public struct HTTPClientConfiguration: Sendable {
    /// Time allowed for the TCP connect (default 5 s → `.connectTimeout`).
    public var connectTimeout: Duration
    /// Time allowed from sending the request to the end of the response (default 30 s → `.readTimeout`).
    public var readTimeout: Duration
    /// Open connections per `host:port`, busy and idle together; further requests wait (default 8).
    public var maxConnectionsPerHost: Int
    /// How long an idle keep-alive connection stays in the pool (default 60 s; servers close theirs too).
    public var idleTimeout: Duration
    /// Largest response body accepted (default 16 MiB → `.responseTooLarge`).
    public var maxResponseBodySize: Int
    /// Largest response header section in bytes and field count (status line ≤ 8 KiB).
    public var maxResponseHeaderBytes: Int
    /// Most response header fields.
    public var maxResponseHeaderCount: Int
    /// Headers added to every request unless the request sets the same name (User-Agent by default).
    public var defaultHeaders: HTTPHeaders
    /// Retries, or `nil` (default) for a single attempt.
    public var retry: HTTPClientRetryPolicy?
    /// Event-loop threads of the client's own group (default 1; the client is I/O bound).
    public var eventLoopThreads: Int

    /// Builds a configuration; every argument has the documented default.
    public init(
        connectTimeout: Duration = .seconds(5), readTimeout: Duration = .seconds(30), maxConnectionsPerHost: Int = 8,
        idleTimeout: Duration = .seconds(60), maxResponseBodySize: Int = 16 * 1024 * 1024,
        maxResponseHeaderBytes: Int = 64 * 1024, maxResponseHeaderCount: Int = 100,
        defaultHeaders: HTTPHeaders = ["User-Agent": "aitbc-http-client/1"], retry: HTTPClientRetryPolicy? = nil,
        eventLoopThreads: Int = 1
    ) {
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.maxConnectionsPerHost = maxConnectionsPerHost
        self.idleTimeout = idleTimeout
        self.maxResponseBodySize = maxResponseBodySize
        self.maxResponseHeaderBytes = maxResponseHeaderBytes
        self.maxResponseHeaderCount = maxResponseHeaderCount
        self.defaultHeaders = defaultHeaders
        self.retry = retry
        self.eventLoopThreads = eventLoopThreads
    }

    var parserLimits: HTTPParserLimits {
        HTTPParserLimits(
            maxRequestLineLength: 8 * 1024, maxHeaderBytes: maxResponseHeaderBytes, maxHeaderCount: maxResponseHeaderCount,
            maxBodySize: maxResponseBodySize)
    }
}

/// Opt-in retries with exponential backoff and full jitter.
///
/// Retried: connect failures (nothing was sent) for every method; 502/503/504 responses, read
/// timeouts and connections lost mid-exchange only for idempotent methods (RFC 9110 §9.2.2:
/// GET, HEAD, PUT, DELETE, OPTIONS, TRACE) unless `retryNonIdempotent` — a POST may have reached the
/// server already, and repeating it could, say, submit a job twice.
public struct HTTPClientRetryPolicy: Sendable {
    /// Attempts in total, the first included (default 3).
    public var maxAttempts: Int
    /// Backoff base: the ceiling before attempt n+1 is `base · 2ⁿ⁻¹`, capped (default 100 ms).
    public var baseDelay: Duration
    /// Largest delay, also the most a `Retry-After` is honoured (default 5 s).
    public var maxDelay: Duration
    /// Statuses that are retried (default 502, 503, 504).
    public var retryableStatuses: Set<Int>
    /// Retry requests with non-idempotent methods even when their bytes may have reached the server.
    public var retryNonIdempotent: Bool

    /// Builds a policy; every argument has the documented default.
    public init(
        maxAttempts: Int = 3, baseDelay: Duration = .milliseconds(100), maxDelay: Duration = .seconds(5),
        retryableStatuses: Set<Int> = [502, 503, 504], retryNonIdempotent: Bool = false
    ) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.retryableStatuses = retryableStatuses
        self.retryNonIdempotent = retryNonIdempotent
    }

    /// Full jitter (a uniform delay in `0...min(cap, base · 2^(attempt-1))`) for the retry after `attempt`;
    /// a `Retry-After` in seconds replaces it, capped at `maxDelay`.
    public func delay(afterAttempt attempt: Int, retryAfter: String? = nil, using generator: inout some RandomNumberGenerator) -> Duration {
        if let retryAfter, let seconds = Int(retryAfter.trimmingWhitespace()), seconds >= 0 {
            return min(.seconds(seconds), maxDelay)
        }
        let exponent = min(max(attempt - 1, 0), 30)
        let ceiling = min(baseDelay * (1 << exponent), maxDelay)
        let nanos = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanos > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanos, using: &generator))
    }
}
