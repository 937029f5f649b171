public import Ledger
public import WireModels
import Synchronization

/// Something the chain did that the network and the subscribers hear about.
public enum ChainEvent: Sendable {
    /// A block became the head (produced here or imported), after its commit.
    case blockCommitted(CommittedBlock)
    /// Transactions newly added to the mempool (duplicates left out), in arrival order.
    case transactionsAdmitted([VerifiedTransaction])
    /// A reorg unwound these blocks (newest first), before the new branch's `blockCommitted`s.
    case blocksReverted([StoredBlock])
}

/// A committed block with what it changed, so listeners never read the store to describe it.
public struct CommittedBlock: Sendable {
    public var block: StoredBlock
    /// In block order.
    public var transactions: [VerifiedTransaction]
    /// The accounts the block changed, with their state after it.
    public var accounts: [AccountState]
    /// The receipts the block claimed, in block order.
    public var claims: [ReceiptID]
    /// Whether this node proposed it.
    public var produced: Bool
}

/// Fans chain events out to in-process listeners (WebSocket RPC, P2P gossip).
///
/// Listeners run synchronously where the event happens — for a produced block on the database
/// writer thread, before the next block can start — so every listener sees block h before
/// h+1 and nothing between commit and delivery can reorder them. The price is that a listener
/// must only enqueue: one that blocks stalls block production.
public final class ChainEvents: Sendable {
    /// Identifies a listener for `remove(_:)`.
    public struct ListenerID: Hashable, Sendable {
        let value: UInt64
    }

    public typealias Listener = @Sendable (ChainEvent) -> Void

    private struct State {
        var next: UInt64 = 0
        var listeners: [(id: ListenerID, listener: Listener)] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds a listener; it hears every event emitted after this call.
    @discardableResult
    public func add(_ listener: @escaping Listener) -> ListenerID {
        state.withLock { state in
            state.next += 1
            let id = ListenerID(value: state.next)
            state.listeners.append((id, listener))
            return id
        }
    }

    /// Removes a listener (no-op when already gone).
    public func remove(_ id: ListenerID) {
        state.withLock { state in state.listeners.removeAll { $0.id == id } }
    }

    /// The number of listeners.
    public var count: Int { state.withLock { $0.listeners.count } }

    /// Delivers `event` to every listener, outside the lock (a listener may add or remove).
    func emit(_ event: ChainEvent) {
        let listeners = state.withLock { $0.listeners }
        for entry in listeners { entry.listener(event) }
    }
}
