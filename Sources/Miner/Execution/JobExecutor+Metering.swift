import JSON
import WireModels

/// What a run measured, for `metrics`.
struct Metering {
    /// CPU seconds of the child process group, when one ran.
    var childCPUSeconds: Double?
    /// Ollama jobs bill `eval_count` tokens.
    var isTokenBilled = false
    var tokens = 0
    var extra: [JSONMember] = []
}

extension JobExecutor {
    /// `duration_ms`, `units`, `unit_type` (spec §13.1) plus extras.
    func metrics(elapsed: Duration, metering: Metering, context: ExecutionContext) -> JSONValue {
        let units: JSONValue
        let unitType: JobMetrics.UnitType
        if metering.isTokenBilled {
            (units, unitType) = (.integer(JSONInteger(metering.tokens)), .tokenOps)
        } else {
            let wall = Double(JobMetrics.milliseconds(elapsed)) / 1000
            (units, unitType) = JobMetrics.compute(
                elapsed: elapsed, cpuSeconds: metering.childCPUSeconds ?? wall, gpuCount: context.gpuIndices.count)
        }
        return JobMetrics(
            durationMilliseconds: JobMetrics.milliseconds(elapsed), units: units, unitType: unitType, extra: metering.extra
        ).json
    }
}
