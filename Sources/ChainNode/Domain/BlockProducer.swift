import Ledger
import Foundation
public import Logging

/// Where the producer's time comes from: the wall clock in service, a manual clock in tests.
public protocol ChainClock: Sendable {
    /// Unix milliseconds now.
    func nowMilliseconds() -> UInt64
    /// Sleeps `milliseconds` (cancellation ends it early by throwing).
    func sleep(milliseconds: UInt64) async throws
}

/// The wall clock.
public struct SystemChainClock: ChainClock {
    public init() {}

    public func nowMilliseconds() -> UInt64 {
        UInt64(max(0, (Date().timeIntervalSince1970 * 1_000).rounded(.down)))
    }

    public func sleep(milliseconds: UInt64) async throws {
        try await Task.sleep(for: .milliseconds(Int64(clamping: milliseconds)))
    }
}

/// The PoA proposer loop (spec/chain-node.md §5): wakes when the next block is due (the head's
/// time + `block_time_ms`), produces it when this node is the authority scheduled for the
/// height, and goes on after a failure. Empty blocks come on time too. The schedule is
/// round-robin by height (`GenesisDocument.scheduledAuthority`); part 2 adds other authorities'
/// blocks arriving over the network.
public struct BlockProducer: Sendable {
    public let chain: Chain
    public let clock: any ChainClock
    let logger: Logger

    /// A producer for `chain`.
    public init(chain: Chain, clock: any ChainClock = SystemChainClock(), logger: Logger) {
        self.chain = chain
        self.clock = clock
        self.logger = logger
    }

    /// Runs until the task is cancelled. Returns at once for a node that is not an authority.
    public func run() async {
        guard chain.isAuthority else {
            logger.info("following only: this node's key is not an authority in genesis")
            return
        }
        let interval = chain.parameters.blockTimeMilliseconds
        while !Task.isCancelled {
            let due = chain.head.header.timeMilliseconds + interval
            let now = clock.nowMilliseconds()
            if now < due {
                do {
                    try await clock.sleep(milliseconds: due - now)
                } catch {
                    return
                }
                continue
            }
            do {
                _ = try await chain.produceBlock(timeMilliseconds: now)
            } catch .notScheduled {
                // Another authority's slot: wait for the slot after it.
                try? await clock.sleep(milliseconds: interval)
            } catch {
                logger.error("failed to propose block", metadata: ["error": "\(error)"])
                try? await clock.sleep(milliseconds: min(interval, 250))
            }
        }
    }
}
