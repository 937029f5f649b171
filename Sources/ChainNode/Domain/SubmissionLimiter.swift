import Synchronization

/// Rate limits on submissions (issue 13 "rate limits on submits"): a token bucket per client
/// address holding `burst` transactions and refilling `ratePerSecond` per second; a batch takes
/// one token per transaction, so `sendTxs` cannot multiply a client's rate by 1,000.
public final class SubmissionLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updatedAt: UInt64
    }

    /// Buckets kept before the fullest (idle) ones are pruned: a flood of spoofed-looking
    /// clients cannot grow memory without bound.
    static let maxBuckets = 100_000

    private let burst: Double
    private let perMillisecond: Double
    private let clock: any ChainClock
    private let buckets = Mutex([String: Bucket]())

    /// A limiter of `ratePerSecond` with bursts of `burst`.
    public init(ratePerSecond: Int, burst: Int, clock: any ChainClock = SystemChainClock()) {
        self.burst = Double(max(1, burst))
        perMillisecond = Double(max(1, ratePerSecond)) / 1_000
        self.clock = clock
    }

    /// Takes `count` tokens for `client`; nil when allowed, else the seconds to wait (≥ 1).
    public func acquire(_ client: String, count: Int) -> Int? {
        let now = clock.nowMilliseconds()
        let wanted = Double(max(1, count))
        return buckets.withLock { buckets in
            if buckets.count >= Self.maxBuckets, buckets[client] == nil {
                buckets = buckets.filter { now - $0.value.updatedAt < 60_000 }
            }
            var bucket = buckets[client] ?? Bucket(tokens: burst, updatedAt: now)
            let elapsed = Double(now >= bucket.updatedAt ? now - bucket.updatedAt : 0)
            bucket.tokens = min(burst, bucket.tokens + elapsed * perMillisecond)
            bucket.updatedAt = now
            guard bucket.tokens >= wanted else {
                buckets[client] = bucket
                // A request larger than the whole bucket can never pass: say when a full bucket would.
                let missing = min(wanted, burst) - bucket.tokens
                return max(1, Int((missing / perMillisecond / 1_000).rounded(.up)))
            }
            bucket.tokens -= wanted
            buckets[client] = bucket
            return nil
        }
    }
}
