import JSON
import WireModels

/// The metering block every outcome carries (spec/miner.md §2, §13.1): `duration_ms` (≥ 1),
/// `units` and `unit_type`, plus runner-specific extras.
struct JobMetrics {
    /// The units the coordinator bills by (one list for both ends).
    typealias UnitType = BillingUnitType

    var durationMilliseconds: Int64
    var units: JSONValue
    var unitType: UnitType
    var extra: [JSONMember] = []

    /// Wall-clock duration of `elapsed`, at least 1 ms.
    static func milliseconds(_ elapsed: Duration) -> Int64 {
        let (seconds, attoseconds) = elapsed.components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let total = overflow ? Int64.max : product &+ attoseconds / 1_000_000_000_000_000
        return max(1, total)
    }

    /// Seconds as a JSON number rounded to the millisecond.
    static func seconds(_ value: Double) -> JSONValue {
        .float((max(0, value) * 1000).rounded() / 1000)
    }

    /// Units for a job that ran `elapsed` wall time and used `cpuSeconds` of CPU: GPU jobs are
    /// billed wall seconds × GPUs, CPU jobs their CPU seconds.
    static func compute(elapsed: Duration, cpuSeconds: Double, gpuCount: Int) -> (JSONValue, UnitType) {
        let wall = Double(milliseconds(elapsed)) / 1000
        if gpuCount > 0 { return (seconds(wall * Double(gpuCount)), .gpuSeconds) }
        return (seconds(cpuSeconds), .cpuSeconds)
    }

    var json: JSONValue {
        .object(
            [
                JSONMember(key: "duration_ms", value: .integer(JSONInteger(max(1, durationMilliseconds)))),
                JSONMember(key: "units", value: units),
                JSONMember(key: "unit_type", value: .string(unitType.rawValue)),
            ] + extra)
    }
}
