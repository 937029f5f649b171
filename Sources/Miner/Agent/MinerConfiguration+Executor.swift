extension MinerConfiguration {
    /// The job executor's settings from this configuration (spec/miner.md §3, §8).
    /// - Parameter gpuCount: GPUs the host probe found (units are wall seconds × GPUs).
    public func executorSettings(gpuCount: Int) -> ExecutorSettings {
        ExecutorSettings(
            workspaceRoot: workspaceRoot, cliEnabled: cliEnabled, allowlistFiles: allowlistFiles, ollamaURL: ollamaURL,
            niceLevel: Int32(clamping: cpuNice), ioPriorityLevel: Int32(clamping: ioLevel), memorySoftMB: memorySoftMB,
            maxOutputMB: maxOutputMB, logCapBytes: logCapBytes, defaultTimeoutSeconds: defaultJobTimeoutSeconds,
            maxTimeoutSeconds: maxJobTimeoutSeconds, killGraceSeconds: killGraceSeconds, gpuCount: gpuCount,
            sandbox: sandboxSettings(slots: workerCount(gpuCount: gpuCount)), jobSlots: workerCount(gpuCount: gpuCount))
    }

    /// `sandbox` with the job users resolved; built-in runners never spawn, so without the CLI
    /// runner no job user is needed.
    func sandboxSettings(slots: Int) -> SandboxSettings {
        var settings = sandbox
        settings.jobUsers = cliEnabled ? jobUserRange(slots: slots) : nil
        return settings
    }
}
