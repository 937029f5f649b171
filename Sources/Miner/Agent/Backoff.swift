/// Retry delays for register, poll and report submission (spec/miner.md §5 rules 1–4): the
/// ceiling doubles from `minimum` per failed attempt up to `maximum`, and each delay is drawn
/// uniformly from `[minimum / 2, ceiling]`.
///
/// That is "full jitter" (many miners restarted by one coordinator outage spread out instead
/// of stampeding back in lockstep) with a floor of half the minimum, so a miner never spins
/// in a hot loop against a coordinator that answers instantly with errors.
public struct Backoff: Sendable, Equatable {
    /// Ceiling of the first retry; also sets the floor (half of it).
    public var minimum: Duration
    /// No delay ever exceeds this.
    public var maximum: Duration

    /// A policy; `maximum` below `minimum` is raised to `minimum`.
    public init(minimum: Duration, maximum: Duration) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
    }

    /// The largest delay after `attempt` failures (0 = first retry): `minimum·2^attempt`, capped.
    public func ceiling(attempt: Int) -> Duration {
        var ceiling = minimum
        var step = 0
        // Doubling stops at the cap, so large attempt counts cannot overflow.
        while step < attempt, ceiling < maximum {
            ceiling = ceiling * 2
            step += 1
        }
        return min(ceiling, maximum)
    }

    /// A jittered delay after `attempt` failures, in `[minimum / 2, ceiling(attempt)]`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let upper = Self.seconds(ceiling(attempt: attempt))
        let lower = min(Self.seconds(minimum) / 2, upper)
        guard upper > lower else { return .seconds(upper) }
        return .seconds(Double.random(in: lower...upper, using: &generator))
    }

    /// A jittered delay using the system generator.
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, using: &generator)
    }

    /// `interval` ± `percent` % drawn uniformly (heartbeats, spec §5 rule 2), never negative.
    public static func jittered(_ interval: Duration, percent: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let base = seconds(interval)
        let spread = base * Double(max(0, min(percent, 100))) / 100
        guard spread > 0 else { return interval }
        return .seconds(max(0, Double.random(in: (base - spread)...(base + spread), using: &generator)))
    }

    /// A duration for log lines: seconds with at most 3 decimals (`1.234`, not `1.2340000000000002`).
    public static func logText(_ duration: Duration) -> String {
        let milliseconds = (seconds(duration) * 1000).rounded()
        return String(milliseconds / 1000)
    }

    /// A duration as fractional seconds.
    static func seconds(_ duration: Duration) -> Double {
        let (whole, attoseconds) = duration.components
        return Double(whole) + Double(attoseconds) / 1e18
    }
}
