import Miner
import Synchronization

/// Builds the job executor once the host probe is known (GPU count) and keeps it, so the
/// daemon's periodic models probe asks the same executor's Ollama endpoint.
final class ExecutorFactory: Sendable {
    private let built = Mutex<JobExecutor?>(nil)

    /// The executor for `configuration` on the probed host.
    /// - Throws: `AllowlistError` for an unreadable or invalid allowlist file (start-up exits 2).
    func make(_ configuration: MinerConfiguration, probe: HostProbe) throws -> any JobExecuting {
        let executor = try JobExecutor(settings: configuration.executorSettings(gpuCount: probe.gpus.count))
        built.withLock { $0 = executor }
        return executor
    }

    /// Models installed at the configured Ollama endpoint; nil before the executor exists.
    @Sendable func installedModels() async -> [String]? {
        guard let executor = built.withLock({ $0 }) else { return nil }
        return await executor.installedModels()
    }
}
