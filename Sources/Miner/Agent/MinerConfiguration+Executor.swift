extension MinerConfiguration {
    /// The job executor's settings from this configuration (spec/miner.md §3, §8).
    /// - Parameter gpuCount: GPUs the host probe found (units are wall seconds × GPUs).
    public func executorSettings(gpuCount: Int) -> ExecutorSettings {
        ExecutorSettings(
            workspaceRoot: workspaceRoot, cliEnabled: cliEnabled, allowlistFiles: allowlistFiles, ollamaURL: ollamaURL,
            niceLevel: Int32(clamping: cpuNice), ioPriorityLevel: Int32(clamping: ioLevel), memorySoftMB: memorySoftMB,
            maxOutputMB: maxOutputMB, logCapBytes: logCapBytes, defaultTimeoutSeconds: defaultJobTimeoutSeconds,
            maxTimeoutSeconds: maxJobTimeoutSeconds, killGraceSeconds: killGraceSeconds, gpuCount: gpuCount)
    }
}
