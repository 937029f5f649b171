public import WireModels

/// What executing transactions needs to read from committed state.
public protocol LedgerReader {
    /// The account, or a zero account when the address was never seen.
    func account(_ address: Address) throws -> AccountState
    /// Whether a block already claimed the receipt.
    func isReceiptClaimed(_ receiptID: ReceiptID) throws -> Bool
    /// Genesis balances plus every mint so far.
    func totalSupply() throws -> UInt64
}

/// Committed state in memory: tests, replay from genesis, and the property test's model.
public struct InMemoryLedger: LedgerReader, Sendable {
    public var accounts: [Address: AccountState] = [:]
    public var claimedReceipts: Set<ReceiptID> = []
    public var supply: UInt64 = 0

    /// The genesis state of `genesis`.
    public init(genesis: GenesisDocument) {
        for account in genesis.accounts {
            accounts[account.address] = AccountState(address: account.address, balance: account.balance, nonce: account.nonce)
        }
        supply = genesis.supply
    }

    public func account(_ address: Address) -> AccountState { accounts[address] ?? AccountState(address: address) }
    public func isReceiptClaimed(_ receiptID: ReceiptID) -> Bool { claimedReceipts.contains(receiptID) }
    public func totalSupply() -> UInt64 { supply }

    /// Applies what a block changed.
    public mutating func commit(_ execution: BlockExecution) {
        for (address, state) in execution.changedAccounts { accounts[address] = state }
        for claim in execution.claims { claimedReceipts.insert(claim.claim.receiptID) }
        supply = execution.supplyAfter
    }
}
