import FoundationEssentials
import Glibc
import Synchronization

/// The daemon's time source: a monotonic clock for unlock TTLs, lockouts and rate windows
/// (immune to wall-clock steps) and the wall clock for `expires_at`. Injected so tests move
/// time instead of sleeping (STYLE.md "Determinism").
public protocol WalletClock: Sendable {
    /// Monotonic nanoseconds since an arbitrary origin.
    func monotonicNanoseconds() -> UInt64
    /// Seconds since 1970 (for RFC 3339 answers only).
    func wallSeconds() -> Double
}

/// The real clocks.
public struct SystemWalletClock: WalletClock {
    private static let origin = ContinuousClock.now

    /// The system clocks.
    public init() {}

    public func monotonicNanoseconds() -> UInt64 {
        let (seconds, attoseconds) = (ContinuousClock.now - Self.origin).components
        return UInt64(max(0, seconds)) &* 1_000_000_000 &+ UInt64(max(0, attoseconds / 1_000_000_000))
    }

    public func wallSeconds() -> Double { Date().timeIntervalSince1970 }
}

/// A clock tests advance by hand.
public final class ManualWalletClock: WalletClock {
    private let state: Mutex<(monotonic: UInt64, wall: Double)>

    /// Starts at `wall` seconds since 1970 (monotonic origin 1 s, so zero never means "now").
    public init(wall: Double = 1_767_225_600) { state = Mutex((1_000_000_000, wall)) }

    public func monotonicNanoseconds() -> UInt64 { state.withLock { $0.monotonic } }
    public func wallSeconds() -> Double { state.withLock { $0.wall } }

    /// Moves both clocks forward.
    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds / 1_000_000_000))
        state.withLock {
            $0.monotonic += nanoseconds
            $0.wall += Double(nanoseconds) / 1e9
        }
    }
}
