public import Ledger
import Cryptography
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

/// The PoA proposer loop (spec/chain-node.md §5, docs/chain-node.md "Authorities and forks"):
/// for the next height it finds this node's first slot — the smallest offset k, not already
/// past, with `authorities[(h + k) mod N]` = this node — and wakes when it opens (the head's
/// time + `block_time_ms` + k · `slot_timeout_ms`). It re-plans at least every
/// `replanMilliseconds`, so a block arriving from the authority ahead of it moves its plan to
/// the next height instead of producing a competing block. Empty blocks come on time too; it
/// goes on after a failure. With one authority every slot is its own: it produces at the head's
/// time + `block_time_ms`.
public struct BlockProducer: Sendable {
    public let chain: Chain
    public let clock: any ChainClock
    let logger: Logger

    /// The longest sleep between two looks at the head.
    public static let replanMilliseconds: UInt64 = 100

    /// A producer for `chain`.
    public init(chain: Chain, clock: any ChainClock = SystemChainClock(), logger: Logger) {
        self.chain = chain
        self.clock = clock
        self.logger = logger
    }

    /// When this node's next block is due.
    public struct Plan: Sendable, Equatable {
        public var height: UInt64
        /// The slot offset it will be produced at.
        public var offset: UInt64
        /// When that slot opens (Unix milliseconds).
        public var due: UInt64

        /// A plan.
        public init(height: UInt64, offset: UInt64, due: UInt64) {
            self.height = height
            self.offset = offset
            self.due = due
        }
    }

    /// The first slot at or after `now` in which authority `authorityIndex` may propose the
    /// block after `head`.
    public static func plan(genesis: GenesisDocument, head: BlockHeader, authorityIndex: Int, now: UInt64) -> Plan {
        let height = head.height + 1
        let current = genesis.slotOffset(time: max(now, head.timeMilliseconds + 1), parentTime: head.timeMilliseconds)
        let offset = genesis.nextOffset(height: height, authorityIndex: authorityIndex, notBefore: current)
        let parameters = genesis.parameters
        let (span, overflow1) = offset.multipliedReportingOverflow(by: parameters.slotTimeoutMilliseconds)
        let (due, overflow2) = (head.timeMilliseconds &+ parameters.blockTimeMilliseconds).addingReportingOverflow(span)
        return Plan(height: height, offset: offset, due: overflow1 || overflow2 ? UInt64.max : due)
    }

    /// Runs until the task is cancelled. Returns at once for a node that is not an authority.
    public func run() async {
        guard chain.isAuthority, let key = chain.proposerKey, let index = chain.genesis.authorityIndex(of: key.publicKey) else {
            logger.info("following only: this node's key is not an authority in genesis")
            return
        }
        let interval = chain.parameters.blockTimeMilliseconds
        while !Task.isCancelled {
            let head = chain.head
            let now = clock.nowMilliseconds()
            let plan = Self.plan(genesis: chain.genesis, head: head.header, authorityIndex: index, now: now)
            if now < plan.due {
                do {
                    try await clock.sleep(milliseconds: min(plan.due - now, Self.replanMilliseconds))
                } catch {
                    return
                }
                continue
            }
            do {
                _ = try await chain.produceBlock(timeMilliseconds: now)
            } catch .notScheduled {
                // The head moved between the plan and production: plan again at once; else
                // (nothing should get here) do not spin.
                if chain.head.hash == head.hash { try? await clock.sleep(milliseconds: min(interval, Self.replanMilliseconds)) }
            } catch .busy {
                // A peer's block is being imported at this moment: plan again once it is in.
                try? await clock.sleep(milliseconds: min(interval, 20))
            } catch {
                logger.error("failed to propose block", metadata: ["error": "\(error)"])
                try? await clock.sleep(milliseconds: min(interval, 250))
            }
        }
    }
}
