import Synchronization

/// Brute-force lockout per wallet id (spec/wallet-daemon.md §10 [TARGET]): after 5 consecutive
/// failed passwords every further attempt is refused for 1 s, doubling with each failure that
/// follows (2 s, 4 s, … capped at 900 s); a success resets the count. While locked out even the
/// right password is refused, and no KDF runs.
///
/// Keyed by the id as given, known or not: an unknown wallet must answer exactly like a wrong
/// password, lockout included, or the 429 would tell which wallets exist. Entries whose last
/// failure is older than `forgetAfter` are dropped, so ids invented by a client cannot grow
/// the table without bound (and it is capped at `maxEntries` besides).
public final class PasswordLockout: Sendable {
    struct Entry {
        var failures: Int
        var lockedUntil: UInt64
        var lastFailure: UInt64
    }

    /// Failures before the first lockout.
    public let threshold: Int
    /// The first lockout.
    public let baseDelay: Duration
    /// The longest lockout.
    public let maxDelay: Duration
    /// Most ids tracked at once; the stalest are dropped beyond it.
    public let maxEntries: Int
    private let forgetAfterNanoseconds: UInt64
    private let clock: any WalletClock
    private let entries = Mutex<[String: Entry]>([:])

    /// A lockout with the spec's numbers by default.
    public init(
        clock: any WalletClock, threshold: Int = 5, baseDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(900),
        forgetAfter: Duration = .seconds(3_600), maxEntries: Int = 100_000
    ) {
        self.clock = clock
        self.threshold = threshold
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxEntries = maxEntries
        forgetAfterNanoseconds = Self.nanoseconds(forgetAfter)
    }

    /// Seconds until `walletID` may try again (≥ 1, rounded up), or nil when it may try now.
    public func retryAfter(_ walletID: String) -> Int? {
        let now = clock.monotonicNanoseconds()
        return entries.withLock { entries -> Int? in
            guard let entry = entries[walletID], entry.lockedUntil > now else { return nil }
            return Int((entry.lockedUntil - now + 999_999_999) / 1_000_000_000)
        }
    }

    /// Records a wrong password (or an unknown wallet).
    public func recordFailure(_ walletID: String) {
        let now = clock.monotonicNanoseconds()
        entries.withLock { entries in
            var entry = entries[walletID] ?? Entry(failures: 0, lockedUntil: 0, lastFailure: now)
            if now &- entry.lastFailure > forgetAfterNanoseconds { entry.failures = 0 }
            entry.failures += 1
            entry.lastFailure = now
            if entry.failures >= threshold {
                // 1 s at the 5th failure, doubling per failure after it, capped.
                let doublings = min(entry.failures - threshold, 20)
                let delay = min(Self.nanoseconds(baseDelay) << UInt64(doublings), Self.nanoseconds(maxDelay))
                entry.lockedUntil = now + delay
            }
            entries[walletID] = entry
            if entries.count > maxEntries { evict(&entries, now: now) }
        }
    }

    /// Records a correct password: the count starts over.
    public func recordSuccess(_ walletID: String) {
        _ = entries.withLock { $0.removeValue(forKey: walletID) }
    }

    /// Ids tracked now (metrics, tests).
    public var count: Int { entries.withLock { $0.count } }

    private func evict(_ entries: inout [String: Entry], now: UInt64) {
        entries = entries.filter { now &- $0.value.lastFailure <= forgetAfterNanoseconds || $0.value.lockedUntil > now }
        // Still full: drop the stalest, keeping the ids locked out longest.
        if entries.count > maxEntries {
            let keep = entries.sorted { $0.value.lastFailure > $1.value.lastFailure }.prefix(maxEntries * 3 / 4)
            entries = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }

    static func nanoseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        return UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds / 1_000_000_000))
    }
}
