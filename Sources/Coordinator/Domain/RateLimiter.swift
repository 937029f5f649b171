import Synchronization

/// A token bucket per principal (spec §11 weakness 6, `RATE_LIMIT_REQUESTS` per
/// `RATE_LIMIT_WINDOW_SECONDS`): a full bucket holds `capacity` tokens and refills at
/// `capacity / window` tokens per second; each request takes one.
public final class RateLimiter: Sendable {
    /// Whether a request may proceed.
    public enum Decision: Sendable, Equatable {
        /// Allowed; `remaining` whole tokens are left.
        case allowed(remaining: Int)
        /// Refused; retry after this many seconds (the `Retry-After` header, ≥ 1).
        case limited(retryAfterSeconds: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updatedAt: Int64
    }

    /// Buckets kept before full (idle) ones are pruned; principals come from configured keys,
    /// so this is a safety net, not a working limit.
    static let maxBuckets = 100_000

    private let capacity: Double
    private let refillPerMillisecond: Double
    private let clock: any CoordinatorClock
    private let buckets = Mutex([String: Bucket]())

    /// Creates a limiter allowing `requests` per `windowSeconds` per principal.
    public init(requests: Int, windowSeconds: Int, clock: any CoordinatorClock = SystemClock()) {
        capacity = Double(max(1, requests))
        refillPerMillisecond = Double(max(1, requests)) / (Double(max(1, windowSeconds)) * 1_000)
        self.clock = clock
    }

    /// Takes a token for `principal` if one is available.
    public func acquire(_ principal: String) -> Decision {
        let now = clock.nowMilliseconds()
        return buckets.withLock { buckets in
            var bucket = buckets[principal] ?? Bucket(tokens: capacity, updatedAt: now)
            let elapsed = Double(max(0, now - bucket.updatedAt))
            bucket.tokens = min(capacity, bucket.tokens + elapsed * refillPerMillisecond)
            bucket.updatedAt = now
            let decision: Decision
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                decision = .allowed(remaining: Int(bucket.tokens))
            } else {
                let waitMS = (1 - bucket.tokens) / refillPerMillisecond
                decision = .limited(retryAfterSeconds: max(1, Int((waitMS / 1_000).rounded(.up))))
            }
            if buckets.count >= Self.maxBuckets, buckets[principal] == nil {
                buckets = buckets.filter { $0.value.tokens + Double(max(0, now - $0.value.updatedAt)) * refillPerMillisecond < capacity }
            }
            buckets[principal] = bucket
            return decision
        }
    }

    /// Takes a token or throws.
    /// - Throws: `CoordinatorError.rateLimited` with the retry delay.
    public func check(_ principal: String) throws(CoordinatorError) {
        if case .limited(let seconds) = acquire(principal) { throw .rateLimited(retryAfterSeconds: seconds) }
    }
}
