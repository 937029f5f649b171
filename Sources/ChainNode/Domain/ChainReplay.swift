import Cryptography
public import Ledger
public import WireModels

/// Re-executes the stored chain from genesis in memory, checking every block's header rules,
/// roots and signature against what re-execution gives (N8: a fresh node reproduces every
/// state root). Used by `aitbc-chain-node verify` and, when the head's state root does not
/// match the account table at start-up, to name the accounts that differ.
public struct ChainReplay: Sendable {
    public let store: ChainStore

    /// A replay of `store`.
    public init(store: ChainStore) {
        self.store = store
    }

    /// What a replay found.
    public struct Report: Sendable {
        /// Blocks re-executed (excluding block 0).
        public var blocks: UInt64
        public var transactions: Int
        /// The state after the last block.
        public var ledger: InMemoryLedger
        /// Every claim re-execution included: receipt id → (miner, minted, coordinator amount).
        public var claims: [ReceiptID: VerifiedClaim]
    }

    /// Why a stored block does not re-execute to itself.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var height: UInt64
        public var rejection: BlockRejection
        public var description: String { "block \(height): \(rejection)" }
    }

    /// Replays every stored block.
    /// - Throws: `Failure` for the first block that does not re-execute to itself; storage errors.
    public func run() async throws -> Report {
        let genesis = store.genesis
        let rules = ReceiptClaimRules(coordinatorKeys: genesis.coordinatorKeys, parameters: genesis.parameters)
        var ledger = InMemoryLedger(genesis: genesis)
        var tree = StateTree(accounts: ledger.accounts.values)
        guard let (first, _) = try await store.block(height: 0) else { throw Failure(height: 0, rejection: .wrongHeight(expected: 0, got: 0)) }
        guard first.header == genesis.genesisHeader else { throw Failure(height: 0, rejection: .rootMismatch("block 0 (not this genesis)")) }
        var parent = first
        var transactions = 0
        var claims: [ReceiptID: VerifiedClaim] = [:]
        var next: UInt64 = 1
        while true {
            let page = try await store.blocks(from: next, limit: 256)
            if page.isEmpty { break }
            for (block, messages) in page {
                let header = block.header
                do throws(BlockRejection) {
                    try BlockRules.checkHeader(
                        header, signature: block.signature, parent: parent.header, parentHash: parent.hash.bytes, genesis: genesis)
                } catch {
                    throw Failure(height: header.height, rejection: error)
                }
                guard let proposer = try? Ed25519.PublicKey(rawRepresentation: header.proposerKey) else {
                    throw Failure(height: header.height, rejection: .unknownProposer)
                }
                var execution = try BlockExecution(parameters: genesis.parameters, rules: rules, proposer: Address(publicKey: proposer), reader: ledger)
                var ids: [[UInt8]] = []
                for message in messages {
                    do {
                        let transaction = try VerifiedTransaction(message, chainID: genesis.chainID)
                        try execution.apply(transaction)
                        ids.append(transaction.id.bytes)
                    } catch {
                        throw Failure(height: header.height, rejection: .invalidTransaction("\(error)"))
                    }
                }
                guard Merkle.root(leaves: ids) == header.txRoot else { throw Failure(height: header.height, rejection: .rootMismatch("tx_root")) }
                guard Merkle.root(leaves: execution.claims.map(\.claim.receiptHash)) == header.receiptsRoot else {
                    throw Failure(height: header.height, rejection: .rootMismatch("receipts_root"))
                }
                for account in execution.changedAccounts.values { tree.update(account) }
                guard tree.root == header.stateRoot else { throw Failure(height: header.height, rejection: .rootMismatch("state_root")) }
                ledger.commit(execution)
                for included in execution.claims { claims[included.claim.receiptID] = included.claim }
                transactions += messages.count
                parent = block
                next = header.height + 1
            }
        }
        return Report(blocks: next - 1, transactions: transactions, ledger: ledger, claims: claims)
    }

    /// Addresses whose stored row differs from re-execution (a tampered table names itself).
    /// - Throws: what `run` throws.
    public func differingAccounts() async throws -> [String] {
        try await differences(from: try await run()).accounts
    }

    /// The account rows and claimed-receipt rows that differ from what re-execution gives.
    public struct Differences: Sendable, Equatable {
        public var accounts: [String]
        public var receipts: [String]
        public var isEmpty: Bool { accounts.isEmpty && receipts.isEmpty }
    }

    /// Compares the stored `account` and `receipt` tables with `report` (the blocks re-executed):
    /// a row changed, added or deleted behind the node's back is named. Replaying the blocks
    /// alone proves the blocks; this proves the tables the node answers and admits from.
    /// - Throws: storage errors.
    public func differences(from report: Report) async throws -> Differences {
        var stored: [Address: AccountState] = [:]
        for account in try await store.allAccounts() { stored[account.address] = account }
        var accounts: [String] = []
        for (address, state) in stored where report.ledger.accounts[address] != state { accounts.append(address.rawValue) }
        for address in report.ledger.accounts.keys where stored[address] == nil { accounts.append(address.rawValue) }
        let rows = try await store.allReceipts()
        var receipts: [String] = []
        for row in rows {
            guard let claim = report.claims[row.receiptID], claim.miner == row.miner, claim.minted == row.minted,
                claim.coordinatorAmount == row.coordinatorAmount
            else {
                receipts.append(row.receiptID.rawValue)
                continue
            }
        }
        let storedIDs = Set(rows.map(\.receiptID))
        for id in report.claims.keys where !storedIDs.contains(id) { receipts.append(id.rawValue) }
        return Differences(accounts: accounts.sorted(), receipts: receipts.sorted())
    }
}
