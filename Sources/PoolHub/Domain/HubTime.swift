import Glibc
import Synchronization

/// A wall-clock instant in milliseconds since the Unix epoch (UTC): what `last_seen_at`,
/// `updated_at` and `session_expires_at` store, and what leases are measured in (spec §7).
public struct HubTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// The instant `milliseconds` after the epoch.
    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    /// The instant `seconds` (whole) after the epoch.
    public init(seconds: Int64) { self.milliseconds = seconds &* 1000 }

    /// This instant moved by `seconds` (saturating, so a huge TTL cannot wrap around).
    public func adding(seconds: Int64) -> HubTime {
        let (delta, deltaOverflow) = seconds.multipliedReportingOverflow(by: 1000)
        let (sum, sumOverflow) = milliseconds.addingReportingOverflow(delta)
        if deltaOverflow || sumOverflow { return HubTime(milliseconds: seconds < 0 ? .min : .max) }
        return HubTime(milliseconds: sum)
    }

    public static func < (lhs: HubTime, rhs: HubTime) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public var description: String { "\(milliseconds) ms since epoch" }
}

/// Where the hub reads the time: the system clock in production, a manual one in tests (spec §7:
/// "time is read from an injectable clock").
public protocol HubClock: Sendable {
    /// The current instant.
    func now() -> HubTime
}

/// `CLOCK_REALTIME`: leases are stored as wall-clock instants, so they survive a restart.
public struct SystemHubClock: HubClock {
    /// The system clock.
    public init() {}

    public func now() -> HubTime {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return HubTime(milliseconds: Int64(spec.tv_sec) &* 1000 &+ Int64(spec.tv_nsec) / 1_000_000)
    }
}

/// A clock that moves only when told to; for lease and expiry tests.
public final class ManualHubClock: HubClock {
    private let current: Mutex<HubTime>

    /// A clock standing at `start`.
    public init(start: HubTime = HubTime(seconds: 1_700_000_000)) { current = Mutex(start) }

    public func now() -> HubTime { current.withLock { $0 } }

    /// Moves the clock forward (or back, with a negative value) by `seconds`.
    public func advance(seconds: Int64) { current.withLock { $0 = $0.adding(seconds: seconds) } }

    /// Moves the clock forward by `milliseconds`.
    public func advance(milliseconds: Int64) { current.withLock { $0.milliseconds &+= milliseconds } }
}
