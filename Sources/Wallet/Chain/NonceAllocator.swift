import Synchronization
public import WireModels

/// Nonces for one wallet's senders (issue 15 "Chain adapter"): N concurrent transfers from an
/// account get N consecutive nonces, none reused or skipped, and a transfer the chain refuses
/// gives its nonce back.
///
/// The chain node admits nonce `account.nonce + pending + 1` and nothing else (one contiguous
/// run per sender; an unused nonce below a later one would leave a gap it refuses with
/// `NONCE_GAP` for as long as the gap lasts). So allocation and submission are serialized per
/// sender: a sender's lock is held from choosing the nonce until the node answered the
/// transaction carrying it. Then
/// - admitted → the next transfer takes nonce + 1;
/// - refused outright (`INSUFFICIENT_BALANCE`, `FEE_TOO_LOW`, …) → the nonce was never used and
///   the next transfer takes it again: no gap, nothing to renumber;
/// - refused for its nonce (`NONCE_TOO_LOW`, `NONCE_GAP`, `REPLACEMENT_UNDERPRICED`: the
///   account moved without this wallet, or the node dropped pending transactions) → the next
///   nonce is read again from the node (`next_nonce`, its pending transactions counted) and the
///   transfer is retried once with it;
/// - no answer (node unreachable, a timeout) → whether the node took it is unknown, so the
///   cached nonce is forgotten and the next transfer reads the node's `next_nonce` again.
///
/// Different senders never wait for each other. The price is one round trip per transfer
/// and sender at a time (a few milliseconds on loopback): the same order the node itself
/// imposes, since it admits each nonce only after the previous one.
public final class NonceAllocator: Sendable {
    /// What one submission attempt did with the nonce it was given.
    public enum Outcome<Value: Sendable>: Sendable {
        /// The node admitted it: the nonce is used.
        case used(Value)
        /// The node refused it for another reason than its nonce: the nonce is free again.
        case unused(ChainAdapterError)
        /// The node refused the nonce itself: read the node's next nonce and try again.
        case conflict(ChainAdapterError)
        /// No answer: the nonce may or may not be used.
        case unknown(ChainAdapterError)
    }

    /// The node's `next_nonce` for a sender.
    public typealias Source = @Sendable (Address) async throws(ChainAdapterError) -> UInt64

    private let source: Source
    private let locks = SenderLocks<Address>()
    /// The next nonce per sender, while it is known; absent means "ask the node".
    private let next = Mutex<[Address: UInt64]>([:])

    /// An allocator reading a sender's next nonce from `source` when it does not know it.
    public init(source: @escaping Source) {
        self.source = source
    }

    /// Runs `attempt` with the next nonce of `sender`, holding the sender's lock until it
    /// returns, and advances, keeps or forgets the nonce as its outcome says (above).
    /// - Throws: `ChainAdapterError` from `source`, or the error of an outcome other than `.used`.
    public func submit<Value: Sendable>(
        from sender: Address, _ attempt: (UInt64) async -> Outcome<Value>
    ) async throws(ChainAdapterError) -> Value {
        await locks.acquire(sender)
        defer { locks.release(sender) }
        var retried = false
        while true {
            let nonce: UInt64
            if let known = next.withLock({ $0[sender] }) {
                nonce = known
            } else {
                nonce = try await source(sender)
                retried = true  // a conflict with what the node just said is not retried
            }
            switch await attempt(nonce) {
            case .used(let value):
                next.withLock { $0[sender] = nonce + 1 }
                return value
            case .unused(let error):
                next.withLock { $0[sender] = nonce }
                throw error
            case .conflict(let error):
                next.withLock { $0[sender] = nil }
                guard !retried else { throw error }
                retried = true
            case .unknown(let error):
                next.withLock { $0[sender] = nil }
                throw error
            }
        }
    }

    /// The nonce the next transfer from `sender` takes, when this allocator knows it.
    public func cachedNextNonce(of sender: Address) -> UInt64? { next.withLock { $0[sender] } }

    /// Forgets `sender`'s next nonce (a pending transfer of it was dropped): the next transfer
    /// reads it from the node.
    public func invalidate(_ sender: Address) {
        next.withLock { $0[sender] = nil }
    }

    /// Senders whose lock is held now (tests: none after a run).
    var lockedSenders: Int { locks.heldCount }
}
