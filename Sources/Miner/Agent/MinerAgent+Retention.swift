import Logging

extension MinerAgent {
    /// How often finished job folders are checked against retention (spec §8: a 10-minute GC).
    static let retentionInterval = Duration.seconds(600)

    /// Removes expired job folders at start and every `retentionInterval` until stopped.
    func retentionLoop() async {
        while !Task.isCancelled {
            let (keepSucceeded, keepFailed) = (configuration.keepSucceeded, configuration.keepFailed)
            let removed = await BlockingWork.value(name: "miner-state-io") { [store] in store.removeExpired(keepSucceeded: keepSucceeded, keepFailed: keepFailed) }
            if !removed.isEmpty {
                logger.info("workspace_cleaned", metadata: ["removed_jobs": "\(removed.count)"])
            }
            await pause(Self.retentionInterval) { $0.fatal || $0.draining }
        }
    }
}
