import Synchronization
public import Metrics

/// The chain node's Prometheus series (spec/chain-node.md §11, reference names kept): blocks
/// proposed, head height and time, block interval, mempool size and bytes (and the configured
/// limits, so an alert can compare the two), transactions admitted and refused by reason, blocks
/// refused by reason.
public final class ChainMetrics: Sendable {
    private let blocksProposed: Counter
    private let headHeight: Gauge
    private let headTimestamp: Gauge
    private let blockInterval: Timer
    private let mempoolSize: Gauge
    private let mempoolBytes: Gauge
    private let mempoolCapacityTransactions: Gauge
    private let mempoolCapacityBytes: Gauge
    private let txsIncluded: Counter
    private let txsAdmitted: Counter
    private let blocksImported: Counter
    private let missedSlots: Counter
    private let reorgs: Counter
    private let reorgDepth: Gauge
    private let equivocations: Counter
    private let divergent: Gauge
    private let divergences: Counter
    private let factory: any MetricsFactory

    /// Creates the series through `factory`.
    public init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        blocksProposed = Counter(label: "blocks_proposed_total", factory: factory)
        headHeight = Gauge(label: "chain_head_height", factory: factory)
        headTimestamp = Gauge(label: "chain_head_timestamp_seconds", factory: factory)
        blockInterval = Timer(label: "block_interval_seconds", factory: factory)
        mempoolSize = Gauge(label: "mempool_size", factory: factory)
        mempoolBytes = Gauge(label: "mempool_bytes", factory: factory)
        mempoolCapacityTransactions = Gauge(label: "mempool_capacity_txs", factory: factory)
        mempoolCapacityBytes = Gauge(label: "mempool_capacity_bytes", factory: factory)
        txsIncluded = Counter(label: "chain_transactions_included_total", factory: factory)
        txsAdmitted = Counter(label: "chain_transactions_admitted_total", factory: factory)
        blocksImported = Counter(label: "chain_blocks_imported_total", factory: factory)
        missedSlots = Counter(label: "chain_missed_slots_total", factory: factory)
        reorgs = Counter(label: "chain_reorgs_total", factory: factory)
        reorgDepth = Gauge(label: "chain_reorg_depth", factory: factory)
        equivocations = Counter(label: "chain_equivocations_total", factory: factory)
        divergent = Gauge(label: "chain_divergent", factory: factory)
        divergences = Counter(label: "chain_divergence_total", factory: factory)
    }

    /// Any block became part of the chain (produced or imported): who proposed it (the
    /// rotation) and how many slots before its own the authorities in line missed (its offset).
    public func blockCommitted(proposer: String, slotOffset: UInt64) {
        Counter(label: "chain_blocks_by_proposer_total", dimensions: [("proposer", proposer)], factory: factory).increment()
        if slotOffset > 0 { missedSlots.increment(by: Int(clamping: slotOffset)) }
    }

    /// Another authority's block imported (plain extension or a reorg's new branch).
    public func blockImported(height: UInt64, timeMilliseconds: UInt64, intervalMilliseconds: UInt64) {
        blocksImported.increment()
        headHeight.record(Int64(clamping: height))
        headTimestamp.record(Double(timeMilliseconds) / 1_000)
        blockInterval.recordMilliseconds(Int64(clamping: intervalMilliseconds))
    }

    /// A reorg replaced `depth` blocks of ours.
    public func reorganized(depth: UInt64) {
        reorgs.increment()
        reorgDepth.record(Int64(clamping: depth))
    }

    /// One authority signed two blocks for the same slot.
    public func equivocation() {
        equivocations.increment()
    }

    /// A winning branch forked deeper than `MAX_REORG_DEPTH`: this node stays on its chain.
    public func diverged() {
        divergent.record(1)
        divergences.increment()
    }

    /// Peers on a branch that forks deeper than `MAX_REORG_DEPTH` (the network keeps the
    /// count): while there are any, `chain_divergent` stays 1 whatever else this node imports.
    private let divergentPeerCount = Atomic<Int>(0)

    /// The number of peers currently known to be on a divergent branch.
    public func divergentPeers(_ count: Int) {
        divergentPeerCount.store(count, ordering: .relaxed)
        divergent.record(count > 0 ? 1 : 0)
    }

    /// This node took another node's block again (extension or reorg): not diverged, unless
    /// a peer still is.
    public func rejoined() {
        divergent.record(divergentPeerCount.load(ordering: .relaxed) > 0 ? 1 : 0)
    }

    /// A block of ours committed.
    public func blockProposed(height: UInt64, timeMilliseconds: UInt64, intervalMilliseconds: UInt64, transactions: Int) {
        blocksProposed.increment()
        headHeight.record(Int64(clamping: height))
        headTimestamp.record(Double(timeMilliseconds) / 1_000)
        blockInterval.recordMilliseconds(Int64(clamping: intervalMilliseconds))
        txsIncluded.increment(by: transactions)
    }

    /// The head at start-up.
    public func head(height: UInt64, timeMilliseconds: UInt64) {
        headHeight.record(Int64(clamping: height))
        headTimestamp.record(Double(timeMilliseconds) / 1_000)
    }

    /// The pool's size.
    public func mempool(count: Int, bytes: Int) {
        mempoolSize.record(count)
        mempoolBytes.record(bytes)
    }

    /// The pool's limits (`MEMPOOL_MAX_TXS`, `MEMPOOL_MAX_BYTES`), set at start: MempoolSaturation
    /// divides the size by them.
    public func mempoolCapacity(transactions: Int, bytes: Int) {
        mempoolCapacityTransactions.record(transactions)
        mempoolCapacityBytes.record(bytes)
    }

    /// Transactions admitted.
    public func admitted(_ count: Int) {
        guard count > 0 else { return }
        txsAdmitted.increment(by: count)
    }

    /// A transaction refused at admission or in a block, by its error code.
    public func txRejected(code: String) {
        Counter(label: "chain_transactions_rejected_total", dimensions: [("reason", code)], factory: factory).increment()
    }

    /// A block refused (import or start-up re-verification), by reason.
    public func blockRejected(reason: String) {
        Counter(label: "blocks_rejected_total", dimensions: [("reason", reason)], factory: factory).increment()
    }
}
