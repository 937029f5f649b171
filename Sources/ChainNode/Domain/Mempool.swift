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
        /// The balance left after paying every entry in nonce order (what the next one may
        /// spend); nil when the run is not payable from `committed` (then admission re-checks
        /// the whole run and names the shortfall).
        var remaining: UInt64?

        init(committed: AccountState, entries: [Entry] = []) {
            self.committed = committed
            self.entries = entries
            remaining = try? Self.payable(from: committed.balance, entries[...])
        }

        /// The balance left after paying `entries` in order from `balance`.
        /// - Throws: `Refusal.rejected` at the first entry the balance cannot cover.
        static func payable(from balance: UInt64, _ entries: ArraySlice<Entry>) throws(Refusal) -> UInt64 {
            var balance = balance
            // By index, reading two integers: no copy of each entry's transaction.
            for index in entries.indices {
                let (spend, selfCredit) = (entries[index].spend, entries[index].selfCredit)
                let (credited, overflow) = balance.addingReportingOverflow(selfCredit)
                guard !overflow else { throw .rejected(.amountOverflow) }
                guard credited >= spend else { throw .rejected(.insufficientBalance(balance: credited, needed: spend)) }
                balance = credited - spend
            }
            return balance
        }
    }

    /// A pending transaction chosen for a block, with the arrival number its persisted row has.
    public struct Selected: Sendable {
        public var transaction: VerifiedTransaction
        public var arrival: UInt64
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
        /// Replaced a lower-fee transaction of the same (sender, nonce), whose arrival number was `replacedArrival`.
        case replaced(TxHash, replacedArrival: UInt64, arrival: UInt64)
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

    /// Empties the pool over a head at `committedHeight` (a reorg: the committed state every
    /// queue starts from changed, not only moved forward), keeping the arrival numbering.
    /// - Returns: what was pending, to admit again: each sender's run in nonce order (a
    ///   replacement's later arrival must not put it after the nonces that follow it), senders
    ///   by their first arrival.
    public mutating func reset(committedHeight: UInt64) -> [Selected] {
        var all: [Selected] = []
        all.reserveCapacity(byID.count)
        let queues = senders.values.filter { !$0.entries.isEmpty }.sorted {
            ($0.entries.map(\.arrival).min() ?? 0) < ($1.entries.map(\.arrival).min() ?? 0)
        }
        for queue in queues {
            for entry in queue.entries { all.append(Selected(transaction: entry.transaction, arrival: entry.arrival)) }
        }
        senders = [:]
        byID = [:]
        pendingClaims = [:]
        bytes = 0
        self.committedHeight = committedHeight
        return all
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
        // Only scalars are read from the sender's queue here: holding a copy of it while
        // appending below would copy its entries array on every admission.
        let known = senders[message.sender].map { (committed: $0.committed, count: $0.entries.count, remaining: $0.remaining) }
        if known == nil {
            // A block may have changed this sender since the read; only a read at or after the
            // pool's last committed block is current.
            guard readHeight >= committedHeight else { throw .staleRead }
        }
        let base = known?.committed.nonce ?? committed.nonce
        guard message.nonce > base else { throw .rejected(.nonceTooLow(accountNonce: base, got: message.nonce)) }
        let pendingCount = known?.count ?? 0
        let expected = base + UInt64(pendingCount) + 1
        guard message.nonce <= expected else { throw .rejected(.nonceGap(expected: expected, got: message.nonce)) }
        let replacedIndex = message.nonce < expected ? Int(message.nonce - base - 1) : nil

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
                let replacing = replacedIndex.map { senders[message.sender]?.entries[$0].transaction.id == holder } ?? false
                guard replacing else { throw .rejected(.receiptAlreadyClaimed(receiptID: claim.receiptID.rawValue)) }
            }
            claimID = claim.receiptID
            if claim.miner == message.sender { selfCredit = claim.minted }
        }
        let entry = Entry(transaction: transaction, arrival: nextArrival, spend: spend, selfCredit: selfCredit, claim: claimID)

        var replaced: Entry?
        if let index = replacedIndex, let queue = senders[message.sender] {
            // Rare: the whole run is re-checked with the replacement in place.
            let old = queue.entries[index]
            // A replacement must pay noticeably more (10 %, at least the base fee): +1 would let a
            // sender churn the pool for nothing.
            let bump = max(parameters.baseFee, old.fee / 10, 1)
            let (required, overflow) = old.fee.addingReportingOverflow(bump)
            guard !overflow, message.fee >= required else { throw .rejected(.replacementUnderpriced(pendingFee: old.fee, required: overflow ? .max : required)) }
            guard bytes - old.transaction.encodedSize + transaction.encodedSize <= limits.maxBytes else { throw .full(limits) }
            var entries = queue.entries
            entries[index] = entry
            let remaining = try SenderQueue.payable(from: queue.committed.balance, entries[...])
            var updated = queue
            updated.entries = entries
            updated.remaining = remaining
            senders[message.sender] = updated
            replaced = old
        } else {
            guard byID.count < limits.maxTransactions, bytes + transaction.encodedSize <= limits.maxBytes else { throw .full(limits) }
            // The whole run must stay payable in nonce order from the committed balance: what
            // the run leaves (kept per sender) must cover the new entry.
            let remaining: UInt64
            if let known, let left = known.remaining {
                remaining = try SenderQueue.payable(from: left, [entry][...])
            } else if let queue = senders[message.sender] {
                remaining = try SenderQueue.payable(from: queue.committed.balance, (queue.entries + [entry])[...])
            } else {
                remaining = try SenderQueue.payable(from: committed.balance, [entry][...])
            }
            if let index = senders.index(forKey: message.sender) {
                senders.values[index].entries.append(entry)
                senders.values[index].remaining = remaining
            } else {
                var queue = SenderQueue(committed: committed)
                queue.entries = [entry]
                queue.remaining = remaining
                senders[message.sender] = queue
            }
        }

        nextArrival += 1
        byID[transaction.id] = message.sender
        bytes += transaction.encodedSize
        if let claimID { pendingClaims[claimID] = transaction.id }
        if let replaced {
            byID[replaced.transaction.id] = nil
            bytes -= replaced.transaction.encodedSize
            if let old = replaced.claim, pendingClaims[old] == replaced.transaction.id { pendingClaims[old] = nil }
            return .replaced(replaced.transaction.id, replacedArrival: replaced.arrival, arrival: entry.arrival)
        }
        return .added(arrival: entry.arrival)
    }

    /// Transactions for the next block: the best-paying sender head first (fee, then arrival),
    /// each sender's run in nonce order, at most `maxTransactions` and `maxBytes`.
    public func select(maxTransactions: Int, maxBytes: Int) -> [Selected] {
        var heap = SelectionHeap()
        for (sender, queue) in senders {
            if let first = queue.entries.first { heap.push(.init(fee: first.fee, arrival: first.arrival, sender: sender, index: 0)) }
        }
        var chosen: [Selected] = []
        var used = 0
        while chosen.count < maxTransactions, let top = heap.pop() {
            guard let queue = senders[top.sender] else { continue }
            let entry = queue.entries[top.index]
            // Too big for what is left: this sender's later nonces cannot go before it.
            guard used + entry.transaction.encodedSize <= maxBytes else { continue }
            used += entry.transaction.encodedSize
            chosen.append(Selected(transaction: entry.transaction, arrival: entry.arrival))
            let next = top.index + 1
            if next < queue.entries.count {
                let following = queue.entries[next]
                heap.push(.init(fee: following.fee, arrival: following.arrival, sender: top.sender, index: next))
            }
        }
        return chosen
    }

    /// A block committed at `height`: the transactions `select` chose for it leave the pool
    /// (those whose arrival is in `refused` were refused by its execution, the rest are in
    /// it), `accounts` (its changed accounts) become the committed state of their senders'
    /// queues, and every pending transaction that can no longer apply (its nonce used, or
    /// after a refused one) is dropped. Work is in proportion to what the block took and
    /// dropped: entries that stay pending are not touched.
    /// - Returns: arrival numbers of the transactions dropped besides the chosen ones (to
    ///   delete from the persisted pool; the chosen ones leave with the block's own write).
    public mutating func blockCommitted(height: UInt64, selected: [Selected], refused: Set<UInt64>, accounts: [AccountState]) -> [UInt64] {
        committedHeight = max(committedHeight, height)
        var dropped: [UInt64] = []
        var chosen: Set<UInt64> = []
        chosen.reserveCapacity(selected.count)
        var touchedSenders: Set<Address> = []
        for item in selected {
            chosen.insert(item.arrival)
            touchedSenders.insert(item.transaction.message.sender)
        }
        var changed: [Address: AccountState] = [:]
        for account in accounts { changed[account.address] = account }
        for address in changed.keys where senders[address] != nil { touchedSenders.insert(address) }
        for sender in touchedSenders {
            guard let index = senders.index(forKey: sender) else { continue }
            let committed = changed[sender] ?? senders.values[index].committed
            // The usual case, in place: the block took the first entries of the run, refused
            // none of them, and the rest follows the committed nonce.
            let count = senders.values[index].entries.count
            var prefix = 0
            while prefix < count, chosen.contains(senders.values[index].entries[prefix].arrival) { prefix += 1 }
            if prefix == count || senders.values[index].entries[prefix].transaction.message.nonce == committed.nonce + 1,
                refused.isEmpty || !(0..<prefix).contains(where: { refused.contains(senders.values[index].entries[$0].arrival) }),
                !(prefix..<count).contains(where: { chosen.contains(senders.values[index].entries[$0].arrival) })
            {
                for position in 0..<prefix { forget(senders.values[index].entries[position]) }
                if prefix == count {
                    senders.remove(at: index)
                } else {
                    senders.values[index].entries.removeFirst(prefix)
                    senders.values[index].committed = committed
                    senders.values[index].remaining = try? SenderQueue.payable(from: committed.balance, senders.values[index].entries[...])
                }
                continue
            }
            let queue = senders.values[index]
            var kept: [Entry] = []
            kept.reserveCapacity(queue.entries.count)
            var broken = false
            for entry in queue.entries {
                let nonce = entry.transaction.message.nonce
                if chosen.contains(entry.arrival) {
                    forget(entry)
                    // Refused in the block (its row leaves with the block's): what follows it
                    // is broken, unless its nonce was used meanwhile anyway.
                    if refused.contains(entry.arrival), nonce > committed.nonce { broken = true }
                    continue
                }
                let expected = (kept.last?.transaction.message.nonce ?? committed.nonce) + 1
                if nonce <= committed.nonce {
                    forget(entry)
                    dropped.append(entry.arrival)  // its nonce is used: it can never apply
                } else if broken || nonce != expected {
                    forget(entry)
                    dropped.append(entry.arrival)  // after a gap a refusal left
                    broken = true
                } else {
                    kept.append(entry)
                }
            }
            senders[sender] = kept.isEmpty ? nil : SenderQueue(committed: committed, entries: kept)
        }
        return dropped
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
