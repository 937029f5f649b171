import JSON
import Miner

/// The executor `run` and `probe` use, built after the host probe (GPU count).
/// PLACEHOLDER: a built-in echo executor until the real `JobExecutor(settings: ExecutorSettings)`
/// from Sources/Miner/Execution is wired in here. A thrown error stops start-up with exit code 2.
func makeExecutor(_ configuration: MinerConfiguration, probe: HostProbe) throws -> any JobExecuting {
    EchoExecutor()
}

/// Answers every job with `{"echo": <payload>}`; stands in for the real executor.
struct EchoExecutor: JobExecuting {
    var runnerNames: [String] { ["echo"] }

    func execute(_ job: AssignedJob, context: ExecutionContext) async -> JobOutcome {
        let started = ContinuousClock.now
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        let milliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        return .completed(
            result: ["echo": job.payload],
            metrics: [
                "duration_ms": .integer(JSONInteger(milliseconds)), "units": .float(Double(milliseconds) / 1000),
                "unit_type": "cpu_seconds",
            ])
    }
}
