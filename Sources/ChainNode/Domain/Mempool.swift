public import Ledger
public import WireModels

/// Pending transactions (spec/chain-node.md §7, issue 13 "Mempool"): bounded by count and
/// bytes, deduplicated by id, one contiguous nonce run per sender, a higher fee replacing the
/// same (sender, nonce), blocks filled by fee then arrival.
///
/// A value type with no locking: the ledger holds it in a `Mutex` and decides everything about
/// admission in one critical section, so two submissions of the same nonce cannot both win.
/// Committed state is what the last block left: each sender's queue keeps the nonce and
/// balance it starts from, updated by `blockCommitted`.
public struct Mempool: Sendable {
    /// The bounds.
    public struct Limits: Sendable, Equatable {
        public var maxTransactions: Int
        public var maxBytes: Int

        public init(maxTransactions: Int = 50_000, maxBytes: Int = 64 << 20) {
            self.maxTransactions = maxTransactions
            self.maxBytes = maxBytes
        }
    }

    struct Entry: Sendable {
        var transaction: VerifiedTransaction
        var arrival: UInt64
        /// What the sender pays: amount + fee, or the fee of a claim.
        var spend: UInt64
        /// What a claim mints to its own sender (a miner claiming its receipt), else 0.
        var selfCredit: UInt64
        var claim: ReceiptID?
        var fee: UInt64 { transaction.message.fee }
    }

    struct SenderQueue: Sendable {
        var committed: AccountState
        /// Nonces committed.nonce + 1, + 2, … in order.
        var entries: [Entry] = []
        /// The balance left after every pending entry in nonce order, kept as entries come and go
        /// so an append checks one entry, not the whole run (admission stays O(1) per sender).
        var available: UInt64

        init(committed: AccountState) {
            self.committed = committed
            available = committed.balance
        }

        /// The balance after `entries` run in nonce order from `committed`, or why one fails.
        static func available(after entries: [Entry], from balance: UInt64) -> Result<UInt64, TxRejection> {
            var balance = balance
            for pending in entries {
                let (credited, overflow) = balance.addingReportingOverflow(pending.selfCredit)
                guard !overflow else { return .failure(.amountOverflow) }
                guard credited >= pending.spend else { return .failure(.insufficientBalance(balance: credited, needed: pending.spend)) }
                balance = credited - pending.spend
            }
            return .success(balance)
        }
    }

    /// Why a transaction was not admitted.
    public enum Refusal: Error, Sendable, Equatable {
        /// The ledger's rules.
        case rejected(TxRejection)
        /// The pool is at its count or byte bound.
        case full(Limits)
        /// The committed state read for this sender predates a block; read again.
        case staleRead
    }

    /// What admission did.
    public enum Admission: Sendable, Equatable {
        /// New, with its arrival number.
        case added(arrival: UInt64)
        /// Replaced a lower-fee transaction of the same (sender, nonce).
        case replaced(TxHash, arrival: UInt64)
        /// Already pending (a client's retry): nothing changed.
        case duplicate
    }

    public let limits: Limits
    private var byID: [TxHash: Address] = [:]
    private var senders: [Address: SenderQueue] = [:]
    private var pendingClaims: [ReceiptID: TxHash] = [:]
    /// Signed bytes held.
    public private(set) var bytes = 0
    /// The height of the last block this pool has seen committed.
    public private(set) var committedHeight: UInt64
    private var nextArrival: UInt64 = 1

    /// An empty pool over a chain whose head is `committedHeight`.
    public init(limits: Limits, committedHeight: UInt64) {
        self.limits = limits
        self.committedHeight = committedHeight
    }

    /// Transactions pending.
    public var count: Int { byID.count }

    /// Whether `id` is pending.
    public func contains(_ id: TxHash) -> Bool { byID[id] != nil }

    /// The pending transaction `id`.
    public func transaction(_ id: TxHash) -> VerifiedTransaction? {
        guard let sender = byID[id], let queue = senders[sender] else { return nil }
        return queue.entries.first { $0.transaction.id == id }?.transaction
    }

    /// The nonce `address`'s next transaction needs, if the pool knows the sender.
    public func nextNonce(_ address: Address) -> UInt64? {
        guard let queue = senders[address] else { return nil }
        return queue.committed.nonce + UInt64(queue.entries.count) + 1
    }

    /// Arrival numbers continue after `arrival` (reload after restart).
    public mutating func continueArrivals(after arrival: UInt64) {
        nextArrival = max(nextArrival, arrival + 1)
    }

    /// Admits `transaction` (signature already verified) given the sender's committed state,
    /// read at `readHeight`, and, for a claim, what it mints (verified, and not claimed in
    /// committed state).
    /// - Throws: `Refusal`.
    public mutating func admit(
        _ transaction: VerifiedTransaction, committed: AccountState, readHeight: UInt64, claim: VerifiedClaim?, parameters: ChainParameters
    ) throws(Refusal) -> Admission {
        let message = transaction.message
        if byID[transaction.id] != nil { return .duplicate }
        let minimum = FeeRule.minimumFee(for: transaction, parameters: parameters)
        guard message.fee >= minimum else { throw .rejected(.feeTooLow(required: minimum, offered: message.fee)) }
        guard transaction.encodedSize <= parameters.maxBlockBytes else {
            throw .rejected(.tooLarge(bytes: transaction.encodedSize, limit: parameters.maxBlockBytes))
        }
        // Read without copying: the queue is changed in place below, so admission never copies a
        // sender's run (a copy per transaction made a deep queue quadratic).
        let queue: SenderQueue
        if let known = senders[message.sender] {
            queue = known
        } else {
            // A block may have changed this sender since the read; only a read at or after the
            // pool's last committed block is current.
            guard readHeight >= committedHeight else { throw .staleRead }
            queue = SenderQueue(committed: committed)
        }
        let base = queue.committed.nonce
        guard message.nonce > base else { throw .rejected(.nonceTooLow(accountNonce: base, got: message.nonce)) }
        let expected = base + UInt64(queue.entries.count) + 1
        guard message.nonce <= expected else { throw .rejected(.nonceGap(expected: expected, got: message.nonce)) }

        var spend = message.fee
        var selfCredit: UInt64 = 0
        var claimID: ReceiptID?
        switch message.payload {
        case .transfer(_, let amount):
            let (total, overflow) = amount.addingReportingOverflow(message.fee)
            guard !overflow else { throw .rejected(.amountOverflow) }
            spend = total
        case .receiptClaim:
            guard let claim else { throw .rejected(.invalidReceipt(reason: "not verified")) }
            if let holder = pendingClaims[claim.receiptID], holder != transaction.id {
                // The same receipt in a replacement of the same (sender, nonce) is fine; anywhere else it is a double claim.
                let replacing = message.nonce < expected && queue.entries[Int(message.nonce - base - 1)].transaction.id == holder
                guard replacing else { throw .rejected(.receiptAlreadyClaimed(receiptID: claim.receiptID.rawValue)) }
            }
            claimID = claim.receiptID
            if claim.miner == message.sender { selfCredit = claim.minted }
        }
        let entry = Entry(transaction: transaction, arrival: nextArrival, spend: spend, selfCredit: selfCredit, claim: claimID)

        let replacedIndex = message.nonce < expected ? Int(message.nonce - base - 1) : nil
        var replaced: Entry?
        if let index = replacedIndex {
            let old = queue.entries[index]
            // A replacement must pay noticeably more (10 %, at least the base fee): +1 would let a
            // sender churn the pool for nothing.
            let bump = max(parameters.baseFee, old.fee / 10, 1)
            let (required, overflow) = old.fee.addingReportingOverflow(bump)
            guard !overflow, message.fee >= required else { throw .rejected(.replacementUnderpriced(pendingFee: old.fee, required: overflow ? .max : required)) }
            guard bytes - old.transaction.encodedSize + transaction.encodedSize <= limits.maxBytes else { throw .full(limits) }
            // Rare: the whole run is checked again with the new entry in its place.
            var entries = queue.entries
            entries[index] = entry
            let available: UInt64
            switch SenderQueue.available(after: entries, from: queue.committed.balance) {
            case .success(let value): available = value
            case .failure(let rejection): throw .rejected(rejection)
            }
            senders[message.sender]?.entries[index] = entry
            senders[message.sender]?.available = available
            replaced = old
        } else {
            guard byID.count < limits.maxTransactions, bytes + transaction.encodedSize <= limits.maxBytes else { throw .full(limits) }
            // The run before it was payable; this entry must be payable from what it leaves.
            let (credited, overflow) = queue.available.addingReportingOverflow(entry.selfCredit)
            guard !overflow else { throw .rejected(.amountOverflow) }
            guard credited >= entry.spend else { throw .rejected(.insufficientBalance(balance: credited, needed: entry.spend)) }
            if senders[message.sender] == nil { senders[message.sender] = queue }
            senders[message.sender]?.entries.append(entry)
            senders[message.sender]?.available = credited - entry.spend
        }

        nextArrival += 1
        byID[transaction.id] = message.sender
        bytes += transaction.encodedSize
        if let claimID { pendingClaims[claimID] = transaction.id }
        if let replaced {
            byID[replaced.transaction.id] = nil
            bytes -= replaced.transaction.encodedSize
            if let old = replaced.claim, pendingClaims[old] == replaced.transaction.id { pendingClaims[old] = nil }
            return .replaced(replaced.transaction.id, arrival: entry.arrival)
        }
        return .added(arrival: entry.arrival)
    }

    /// Transactions for the next block: the best-paying sender head first (fee, then arrival),
    /// each sender's run in nonce order, at most `maxTransactions` and `maxBytes`.
    public func select(maxTransactions: Int, maxBytes: Int) -> [VerifiedTransaction] {
        var heap = SelectionHeap()
        for (sender, queue) in senders {
            if let first = queue.entries.first { heap.push(.init(fee: first.fee, arrival: first.arrival, sender: sender, index: 0)) }
        }
        var chosen: [VerifiedTransaction] = []
        var used = 0
        while chosen.count < maxTransactions, let top = heap.pop() {
            guard let queue = senders[top.sender] else { continue }
            let entry = queue.entries[top.index]
            // Too big for what is left: this sender's later nonces cannot go before it.
            guard used + entry.transaction.encodedSize <= maxBytes else { continue }
            used += entry.transaction.encodedSize
            chosen.append(entry.transaction)
            let next = top.index + 1
            if next < queue.entries.count {
                let following = queue.entries[next]
                heap.push(.init(fee: following.fee, arrival: following.arrival, sender: top.sender, index: next))
            }
        }
        return chosen
    }

    /// A block committed at `height`: its transactions leave the pool, `accounts` (its changed
    /// accounts) become the committed state of their senders' queues, and every pending
    /// transaction that can no longer apply (its nonce used, or after a refused one) is dropped.
    /// - Returns: ids dropped besides the included ones (to delete from the persisted pool).
    public mutating func blockCommitted(height: UInt64, included: [TxHash], refused: [TxHash], accounts: [AccountState]) -> [TxHash] {
        committedHeight = max(committedHeight, height)
        var dropped: [TxHash] = []
        let includedSet = Set(included)
        let refusedSet = Set(refused)
        var touchedSenders: Set<Address> = []
        for id in included + refused {
            if let sender = byID[id] { touchedSenders.insert(sender) }
        }
        var changed: [Address: AccountState] = [:]
        for account in accounts { changed[account.address] = account }
        for address in changed.keys where senders[address] != nil { touchedSenders.insert(address) }
        for sender in touchedSenders {
            guard var queue = senders[sender] else { continue }
            if let state = changed[sender] { queue.committed = state }
            var kept: [Entry] = []
            var broken = false
            for entry in queue.entries {
                let id = entry.transaction.id
                let nonce = entry.transaction.message.nonce
                forget(entry)
                if includedSet.contains(id) { continue }
                let expected = (kept.last?.transaction.message.nonce ?? queue.committed.nonce) + 1
                if nonce <= queue.committed.nonce {
                    dropped.append(id)  // its nonce is used: it can never apply
                } else if broken || refusedSet.contains(id) || nonce != expected {
                    dropped.append(id)  // refused, or after a gap the refusal left
                    broken = true
                } else {
                    kept.append(entry)
                }
            }
            // What stays must still be payable from the new committed balance; a run that no
            // longer is (it cannot happen through the ledger's rules alone) is cut where it fails.
            var payable: [Entry] = []
            var available = queue.committed.balance
            for entry in kept {
                guard case .success(let left) = SenderQueue.available(after: [entry], from: available) else {
                    dropped.append(contentsOf: kept[payable.count...].map(\.transaction.id))
                    break
                }
                available = left
                payable.append(entry)
            }
            for entry in payable { remember(entry, sender: sender) }
            queue.entries = payable
            queue.available = available
            senders[sender] = payable.isEmpty ? nil : queue
        }
        return dropped
    }

    private mutating func remember(_ entry: Entry, sender: Address) {
        byID[entry.transaction.id] = sender
        bytes += entry.transaction.encodedSize
        if let claim = entry.claim { pendingClaims[claim] = entry.transaction.id }
    }

    private mutating func forget(_ entry: Entry) {
        byID[entry.transaction.id] = nil
        bytes -= entry.transaction.encodedSize
        if let claim = entry.claim, pendingClaims[claim] == entry.transaction.id { pendingClaims[claim] = nil }
    }
}

/// A max-heap of sender heads ordered by fee (higher first), then arrival (earlier first).
struct SelectionHeap {
    struct Item {
        var fee: UInt64
        var arrival: UInt64
        var sender: Address
        var index: Int

        func isBefore(_ other: Item) -> Bool { fee != other.fee ? fee > other.fee : arrival < other.arrival }
    }

    private var items: [Item] = []

    mutating func push(_ item: Item) {
        items.append(item)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child].isBefore(items[parent]) else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Item? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < items.count, items[left].isBefore(items[best]) { best = left }
            if right < items.count, items[right].isBefore(items[best]) { best = right }
            guard best != parent else { break }
            items.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
