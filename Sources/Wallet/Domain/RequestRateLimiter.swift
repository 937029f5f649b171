import Synchronization

/// The reference's sliding-window limiter (spec/wallet-daemon.md §10): at most `limit` requests
/// per `window` per key (`"<action>:<client host>[:<wallet_id>]"`), on REST and RPC alike.
///
/// Memory is bounded (§14.11): a key keeps at most `limit` timestamps, keys idle for a whole
/// window are swept out, and the table is capped at `maxKeys`. A refusal carries the seconds
/// until the oldest request leaves the window (`Retry-After`).
public final class RequestRateLimiter: Sendable {
    /// Requests allowed per window; 0 turns the limiter off (benchmarks only).
    public let limit: Int
    /// The window.
    public let window: Duration
    /// Most keys tracked.
    public let maxKeys: Int
    private let windowNanoseconds: UInt64
    private let clock: any WalletClock
    private let state = Mutex<(keys: [String: [UInt64]], lastSweep: UInt64)>(([:], 0))

    /// A limiter of `limit` per `window`.
    public init(clock: any WalletClock, limit: Int = 30, window: Duration = .seconds(60), maxKeys: Int = 100_000) {
        self.clock = clock
        self.limit = limit
        self.window = window
        self.maxKeys = maxKeys
        windowNanoseconds = PasswordLockout.nanoseconds(window)
    }

    /// Counts a request for `key`; nil when allowed, else the seconds to wait (≥ 1).
    public func acquire(_ key: String) -> Int? {
        guard limit > 0 else { return nil }
        let now = clock.monotonicNanoseconds()
        return state.withLock { state -> Int? in
            if now &- state.lastSweep > windowNanoseconds || state.keys.count >= maxKeys {
                sweep(&state.keys, now: now)
                state.lastSweep = now
            }
            var times = state.keys[key] ?? []
            while let first = times.first, now &- first >= windowNanoseconds { times.removeFirst() }
            if times.count >= limit, let oldest = times.first {
                state.keys[key] = times
                return Int((oldest + windowNanoseconds - now + 999_999_999) / 1_000_000_000)
            }
            guard state.keys.count < maxKeys || state.keys[key] != nil else {
                // Full of keys all active within the window: refuse rather than grow.
                return Int((windowNanoseconds + 999_999_999) / 1_000_000_000)
            }
            times.append(now)
            state.keys[key] = times
            return nil
        }
    }

    /// Keys tracked now (metrics, tests).
    public var keyCount: Int { state.withLock { $0.keys.count } }

    private func sweep(_ keys: inout [String: [UInt64]], now: UInt64) {
        keys = keys.filter { _, times in times.last.map { now &- $0 < windowNanoseconds } ?? false }
    }
}
