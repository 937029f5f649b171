public import WireModels

/// The state machine (spec/chain-node.md §6, N6–N9): applies transactions one by one over
/// committed state, keeping every change in an overlay until the block commits.
///
/// A transaction that fails leaves the overlay exactly as it was, so block production can drop
/// it and go on; a block being imported must fail as a whole instead. Every balance stays in
/// 0…Int64.max and the supply grows only by mints (genesis + Σ minted + Σ coordinator cuts).
public struct BlockExecution {
    /// One included claim and its transaction.
    public struct IncludedClaim: Sendable, Equatable {
        public var txID: TxHash
        public var claim: VerifiedClaim
    }

    public let parameters: ChainParameters
    public let rules: ReceiptClaimRules
    /// Receives the fees.
    public let proposer: Address
    private let reader: any LedgerReader

    /// Accounts this block changed, with their new state.
    public private(set) var changedAccounts: [Address: AccountState] = [:]
    /// Claims in block order.
    public private(set) var claims: [IncludedClaim] = []
    /// Supply after the block.
    public private(set) var supplyAfter: UInt64
    private var claimedHere: Set<ReceiptID> = []

    /// An execution over `reader`'s committed state.
    /// - Throws: what `reader` throws.
    public init(parameters: ChainParameters, rules: ReceiptClaimRules, proposer: Address, reader: any LedgerReader) throws {
        self.parameters = parameters
        self.rules = rules
        self.proposer = proposer
        self.reader = reader
        supplyAfter = try reader.totalSupply()
    }

    /// The account as this block sees it so far.
    /// - Throws: what the reader throws.
    public func account(_ address: Address) throws -> AccountState {
        if let changed = changedAccounts[address] { return changed }
        return try reader.account(address)
    }

    /// Whether the receipt is claimed, in committed state or earlier in this block.
    /// - Throws: what the reader throws.
    public func isClaimed(_ receiptID: ReceiptID) throws -> Bool {
        try claimedHere.contains(receiptID) || reader.isReceiptClaimed(receiptID)
    }

    /// Why `transaction` cannot be applied now, or what it mints; the overlay is not changed.
    /// - Throws: `TxRejection`, or the reader's error wrapped as `ExecutionFailure.storage`.
    public func check(_ transaction: VerifiedTransaction) throws(ExecutionFailure) -> [AccountState] {
        try plan(transaction).accounts
    }

    /// Applies `transaction`; on failure nothing changes.
    /// - Throws: `ExecutionFailure.rejected(TxRejection)` or `.storage`.
    public mutating func apply(_ transaction: VerifiedTransaction) throws(ExecutionFailure) {
        let planned = try plan(transaction)
        for state in planned.accounts { changedAccounts[state.address] = state }
        if let claim = planned.claim {
            claims.append(IncludedClaim(txID: transaction.id, claim: claim))
            claimedHere.insert(claim.receiptID)
            supplyAfter = planned.supply
        }
    }

    private func plan(_ transaction: VerifiedTransaction) throws(ExecutionFailure) -> (accounts: [AccountState], claim: VerifiedClaim?, supply: UInt64) {
        let message = transaction.message
        var touched: [Address: AccountState] = [:]
        func read(_ address: Address) throws(ExecutionFailure) -> AccountState {
            if let state = touched[address] { return state }
            do {
                return try account(address)
            } catch {
                throw .storage("\(error)")
            }
        }
        func credit(_ address: Address, _ amount: UInt64) throws(ExecutionFailure) {
            var state = try read(address)
            let (sum, overflow) = state.balance.addingReportingOverflow(amount)
            guard !overflow, sum <= UInt64(Int64.max) else { throw .rejected(.amountOverflow) }
            state.balance = sum
            touched[address] = state
        }
        func debit(_ address: Address, _ amount: UInt64) throws(ExecutionFailure) {
            var state = try read(address)
            guard state.balance >= amount else { throw .rejected(.insufficientBalance(balance: state.balance, needed: amount)) }
            state.balance -= amount
            touched[address] = state
        }

        let minimum = FeeRule.minimumFee(for: transaction, parameters: parameters)
        guard message.fee >= minimum else { throw .rejected(.feeTooLow(required: minimum, offered: message.fee)) }
        var sender = try read(message.sender)
        guard message.nonce > sender.nonce else { throw .rejected(.nonceTooLow(accountNonce: sender.nonce, got: message.nonce)) }
        guard message.nonce == sender.nonce + 1 else { throw .rejected(.nonceGap(expected: sender.nonce + 1, got: message.nonce)) }
        sender.nonce += 1
        touched[message.sender] = sender

        var claim: VerifiedClaim?
        var supply = supplyAfter
        switch message.payload {
        case .transfer(let to, let amount):
            let (total, overflow) = amount.addingReportingOverflow(message.fee)
            guard !overflow else { throw .rejected(.amountOverflow) }
            try debit(message.sender, total)
            try credit(to, amount)
        case .receiptClaim(let receipt):
            let verified: VerifiedClaim
            do {
                verified = try rules.verify(receipt)
            } catch {
                throw .rejected(error)
            }
            let claimed: Bool
            do {
                claimed = try isClaimed(verified.receiptID)
            } catch {
                throw .storage("\(error)")
            }
            guard !claimed else { throw .rejected(.receiptAlreadyClaimed(receiptID: verified.receiptID.rawValue)) }
            let (issued, overflow1) = verified.minted.addingReportingOverflow(verified.coordinatorAmount)
            let (newSupply, overflow2) = supply.addingReportingOverflow(issued)
            guard !overflow1, !overflow2, newSupply <= UInt64(Int64.max) else { throw .rejected(.amountOverflow) }
            // Mint first, then charge the fee: a miner's first claim can pay for itself.
            try credit(verified.miner, verified.minted)
            try credit(verified.coordinator, verified.coordinatorAmount)
            try debit(message.sender, message.fee)
            claim = verified
            supply = newSupply
        }
        try credit(proposer, message.fee)
        return (Array(touched.values), claim, supply)
    }
}

/// Why a transaction could not be executed.
public enum ExecutionFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The ledger's rules refuse it.
    case rejected(TxRejection)
    /// Committed state could not be read.
    case storage(String)

    public var description: String {
        switch self {
        case .rejected(let rejection): rejection.description
        case .storage(let message): "storage: \(message)"
        }
    }
}
