import Glibc
import Synchronization
import ServiceRuntime

/// Wall-clock time in Unix milliseconds, injected so expiry, heartbeat timeouts and receipt
/// timestamps test exactly without sleeping.
public protocol CoordinatorClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func nowMilliseconds() -> Int64
}

/// The real clock (`CLOCK_REALTIME`).
public struct SystemClock: CoordinatorClock {
    /// Creates the system clock.
    public init() {}

    /// Milliseconds since the Unix epoch.
    public func nowMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// A clock that moves only when told to (tests, simulations).
public final class ManualClock: CoordinatorClock {
    private let current: Mutex<Int64>

    /// Starts at `milliseconds` (default 2026-01-01T00:00:00Z).
    public init(milliseconds: Int64 = 1_767_225_600_000) {
        current = Mutex(milliseconds)
    }

    /// The current reading.
    public func nowMilliseconds() -> Int64 { current.withLock { $0 } }

    /// Moves the clock forward (or back, for clock-skew tests).
    public func advance(milliseconds: Int64) { current.withLock { $0 += milliseconds } }

    /// Moves the clock forward by whole seconds.
    public func advance(seconds: Int64) { advance(milliseconds: seconds * 1_000) }
}

/// Timestamp formatting for the wire (spec §4: RFC 3339 UTC with `Z`).
public enum CoordinatorTime {
    /// `2026-01-01T00:00:00.123Z` for Unix milliseconds.
    public static func rfc3339(milliseconds: Int64) -> String {
        RFC3339.format(milliseconds: milliseconds)
    }

    /// Whole Unix seconds (floor) of a millisecond timestamp, as receipts carry them.
    public static func epochSeconds(milliseconds: Int64) -> Int64 { milliseconds.dividedFloor(by: 1_000) }
}

extension Int64 {
    /// Division rounding toward negative infinity.
    func dividedFloor(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
