import Logging

extension MinerAgent {
    /// How often finished job folders are checked against retention (spec §8: a 10-minute GC).
    static let retentionInterval = Duration.seconds(600)

    /// Removes expired job folders (and settled receipt claims) at start and every
    /// `retentionInterval` until stopped.
    func retentionLoop() async {
        while !Task.isCancelled {
            let (keepSucceeded, keepFailed) = (configuration.keepSucceeded, configuration.keepFailed)
            let removed = await BlockingWork.value(name: "miner-state-io") { [store] in store.removeExpired(keepSucceeded: keepSucceeded, keepFailed: keepFailed) }
            if !removed.isEmpty {
                logger.info("workspace_cleaned", metadata: ["removed_jobs": "\(removed.count)"])
            }
            if let store = claimer?.store {
                // Settled claims go with the same retention as the jobs they came from; pending ones stay.
                let claims = await BlockingWork.value(name: "miner-state-io") {
                    store.removeExpired(keepSettled: keepSucceeded, keepFailed: keepFailed)
                }
                if !claims.isEmpty { logger.info("receipt_claims_cleaned", metadata: ["removed_claims": "\(claims.count)"]) }
            }
            await pause(Self.retentionInterval) { $0.fatal || $0.draining }
        }
    }
}
