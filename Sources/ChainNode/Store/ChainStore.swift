import Cryptography
import Receipts
import ServiceRuntime
import JSON
public import Ledger
public import SQLite
public import WireModels

/// The chain's SQLite database: blocks, transactions, accounts, claimed receipts and the
/// persisted mempool (WAL, foreign keys on; ChainSchema's migrations).
public final class ChainStore: Sendable {
    public let database: Database
    public let genesis: GenesisDocument

    init(database: Database, genesis: GenesisDocument) {
        self.database = database
        self.genesis = genesis
    }

    /// Opens (creating) the database at `path` and binds it to `genesis`: a fresh file gets
    /// block 0 and the genesis accounts; a file made from another genesis is refused.
    /// - Throws: `ChainStoreError.genesisMismatch`, `SQLiteError`, `MigrationError`.
    public static func open(path: String, genesis: GenesisDocument) async throws -> ChainStore {
        var configuration = Database.Configuration()
        configuration.label = "chain"
        configuration.foreignKeys = true
        configuration.walAutoCheckpointPages = walAutoCheckpointPages
        let database = try await Database.open(path: path, configuration: configuration, migrator: ChainSchema.migrator)
        // The writer inserts every block's transactions into indexes keyed by hash and by
        // sender, whose pages are spread over the whole table: with SQLite's default 2 MiB page
        // cache most inserts re-read a page evicted since the last block. 64 MiB (the writer
        // only; readers keep the default) holds those indexes for millions of transactions.
        try await database.writeWithoutTransaction { connection in try connection.execute("PRAGMA cache_size = -\(writerCacheKiB)") }
        let store = ChainStore(database: database, genesis: genesis)
        try await store.bindGenesis()
        return store
    }

    /// The writer connection's page cache (`PRAGMA cache_size`), in KiB.
    static let writerCacheKiB = 64 << 10

    /// WAL pages after which a commit checkpoints by itself. A block of thousands of
    /// transactions writes more than SQLite's default 1,000 pages, so every block's commit
    /// used to copy the WAL into the database and fsync both before the block could be
    /// published (as long again as executing it). Producers checkpoint right after publishing
    /// instead (`checkpoint(connection:)`); this bound only keeps the WAL of a node that produces nothing
    /// (a follower taking transactions) from growing without end.
    static let walAutoCheckpointPages = 16_384

    /// Copies the WAL into the database file as far as readers allow (`PRAGMA
    /// wal_checkpoint(PASSIVE)`), on the writer connection outside a transaction: called after
    /// a block is published, so the fsyncs it costs are not on the path from production to
    /// publication.
    /// - Throws: `SQLiteError`.
    static func checkpoint(connection: Connection) throws {
        _ = try connection.queryOne("PRAGMA wal_checkpoint(PASSIVE)")
    }

    private func bindGenesis() async throws {
        let genesis = self.genesis
        let fileHash = Hex.encode(genesis.documentHash)
        try await database.write { connection in
            if let stored = try connection.queryOne("SELECT value FROM meta WHERE key = 'genesis_hash'") {
                let value: String = try stored.get(0)
                guard value == fileHash else { throw ChainStoreError.genesisMismatch(stored: value, file: fileHash) }
                return
            }
            guard try connection.queryOne("SELECT 1 FROM block LIMIT 1") == nil else {
                throw ChainStoreError.corrupt("blocks exist but meta.genesis_hash is missing")
            }
            let header = genesis.genesisHeader
            let block = StoredBlock(header: header, signature: [], txCount: 0, supply: genesis.supply)
            try Self.insert(block: block, connection: connection)
            for account in genesis.accounts {
                try connection.execute(
                    "INSERT INTO account(address, balance, nonce, updated_height) VALUES (?, ?, ?, 0)",
                    [account.address.rawValue, Int64(account.balance), Int64(account.nonce)])
            }
            try connection.execute("INSERT INTO meta(key, value) VALUES ('genesis_hash', ?), ('chain_id', ?)", [fileHash, genesis.chainID])
        }
    }

    // MARK: reads

    /// The highest block.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func head() async throws -> StoredBlock {
        let chainID = genesis.chainID
        return try await database.read { connection in
            guard let block = try Self.head(connection, chainID: chainID) else { throw ChainStoreError.corrupt("no block 0") }
            return block
        }
    }

    static func head(_ connection: Connection, chainID: String) throws -> StoredBlock? {
        try connection.cachedStatement("SELECT \(StoredBlock.columns) FROM block ORDER BY height DESC LIMIT 1").first()
            .map { try StoredBlock(row: $0, chainID: chainID) }
    }

    /// The block at `height` and its transaction ids, or nil.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func block(height: UInt64) async throws -> (StoredBlock, [TxHash])? {
        let chainID = genesis.chainID
        return try await database.read { connection in
            guard height <= UInt64(Int64.max),
                let row = try connection.cachedStatement("SELECT \(StoredBlock.columns) FROM block WHERE height = ?").first([Int64(height)])
            else { return nil }
            return (try StoredBlock(row: row, chainID: chainID), try Self.txIDs(connection, height: height))
        }
    }

    /// The block with `hash` and its transaction ids, or nil.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func block(hash: BlockHash) async throws -> (StoredBlock, [TxHash])? {
        let chainID = genesis.chainID
        return try await database.read { connection in
            guard let row = try connection.cachedStatement("SELECT \(StoredBlock.columns) FROM block WHERE hash = ?").first([hash.rawValue])
            else { return nil }
            let block = try StoredBlock(row: row, chainID: chainID)
            return (block, try Self.txIDs(connection, height: block.height))
        }
    }

    static func txIDs(_ connection: Connection, height: UInt64) throws -> [TxHash] {
        try connection.cachedStatement("SELECT tx_hash FROM tx WHERE block_height = ? ORDER BY position").query([Int64(height)])
            .compactMap { row in try Hash32(row.get(0) as String) }
    }

    /// An included transaction: its signed body, block height and block time.
    public struct IncludedTransaction: Sendable {
        public var message: TransactionMessage
        public var id: TxHash
        public var blockHeight: UInt64
        public var recipient: String
        public var blockTimeMilliseconds: UInt64
    }

    /// The included transaction `id`, or nil.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func transaction(_ id: TxHash) async throws -> IncludedTransaction? {
        try await database.read { connection in
            guard
                let row = try connection.cachedStatement(
                    "SELECT tx.body, tx.block_height, tx.recipient, block.time_ms FROM tx JOIN block ON block.height = tx.block_height WHERE tx_hash = ?"
                ).first([id.rawValue])
            else { return nil }
            let body: String = try row.get(0)
            let height: Int64 = try row.get(1)
            let time: Int64 = try row.get(3)
            guard let message = try? TransactionMessage(bytes: Array(body.utf8)) else { throw ChainStoreError.corrupt("tx \(id): body does not decode") }
            return IncludedTransaction(
                message: message, id: id, blockHeight: UInt64(max(0, height)), recipient: try row.get(2),
                blockTimeMilliseconds: UInt64(max(0, time)))
        }
    }

    /// An account and the height that last changed it (nil: never seen).
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func account(_ address: Address) async throws -> (AccountState, updatedAtMilliseconds: UInt64?) {
        try await database.read { connection in
            guard
                let row = try connection.cachedStatement(
                    "SELECT account.balance, account.nonce, block.time_ms FROM account JOIN block ON block.height = account.updated_height WHERE address = ?"
                ).first([address.rawValue])
            else { return (AccountState(address: address), nil) }
            let balance: Int64 = try row.get(0)
            let nonce: Int64 = try row.get(1)
            let time: Int64 = try row.get(2)
            return (AccountState(address: address, balance: UInt64(max(0, balance)), nonce: UInt64(max(0, nonce))), UInt64(max(0, time)))
        }
    }

    /// What admitting a batch reads, from one committed snapshot: the senders' accounts (zero
    /// accounts for unknown ones) and the head height, which of `transactions` are already in
    /// blocks, and which of `receipts` are claimed. A transaction in a block used a nonce its
    /// sender's account already counts, so only those at or below the account's nonce are looked
    /// up by id: fresh transactions, nearly all of them, cost no index lookup.
    /// - Throws: `SQLiteError`.
    public func admissionSnapshot(_ transactions: [(id: TxHash, sender: Address, nonce: UInt64)], receipts: [ReceiptID]) async throws -> (
        accounts: [Address: AccountState], height: UInt64, included: Set<TxHash>, claimed: Set<ReceiptID>
    ) {
        try await database.read { connection in
            let reader = ConnectionLedgerReader(connection: connection)
            var accounts: [Address: AccountState] = [:]
            for transaction in transactions where accounts[transaction.sender] == nil {
                accounts[transaction.sender] = try reader.account(transaction.sender)
            }
            let lookup = try connection.cachedStatement("SELECT 1 FROM tx WHERE tx_hash = ?")
            var included: Set<TxHash> = []
            for transaction in transactions where transaction.nonce <= accounts[transaction.sender]?.nonce ?? 0 {
                if try lookup.first([transaction.id.rawValue]) != nil { included.insert(transaction.id) }
            }
            let claimed = Set(try receipts.filter { try reader.isReceiptClaimed($0) })
            let height: Int64 = try connection.queryOne("SELECT max(height) FROM block")?.get(0) ?? 0
            return (accounts, UInt64(max(0, height)), included, claimed)
        }
    }

    /// Accounts of `addresses` (zero accounts for unknown ones) and the head height they were read at.
    /// - Throws: `SQLiteError`.
    public func accounts(_ addresses: Set<Address>) async throws -> (accounts: [Address: AccountState], height: UInt64) {
        try await database.read { connection in
            // One read transaction, one snapshot: the height and the accounts are of the same
            // committed state, which the mempool's freshness check relies on.
            let height: Int64 = try connection.queryOne("SELECT max(height) FROM block")?.get(0) ?? 0
            let reader = ConnectionLedgerReader(connection: connection)
            var accounts: [Address: AccountState] = [:]
            for address in addresses { accounts[address] = try reader.account(address) }
            return (accounts, UInt64(max(0, height)))
        }
    }

    /// A claimed receipt.
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func receipt(_ receiptID: ReceiptID) async throws -> ChainReceiptView? {
        let keys = genesis.coordinatorKeys
        return try await database.read { connection in
            guard
                let row = try connection.cachedStatement(
                    """
                    SELECT r.job_id, r.tx_hash, r.block_height, r.miner_address, r.coordinator_address, r.minted_amount,
                           r.coordinator_amount, r.payload, b.time_ms
                    FROM receipt r JOIN block b ON b.height = r.block_height WHERE r.receipt_id = ?
                    """
                ).first([receiptID.rawValue])
            else { return nil }
            let payloadText: String = try row.get(7)
            guard let txHash = Hash32(try row.get(1) as String), let miner = Address(try row.get(3) as String),
                let coordinator = Address(try row.get(4) as String),
                let payload = try? JSONParser(limits: .init(maxInputBytes: 16 << 20)).parse(Array(payloadText.utf8))
            else { throw ChainStoreError.corrupt("receipt \(receiptID): row does not decode") }
            let height: Int64 = try row.get(2)
            let minted: Int64 = try row.get(5)
            let cut: Int64 = try row.get(6)
            let time: Int64 = try row.get(8)
            return ChainReceiptView(
                receiptID: receiptID, jobID: try row.get(0), txHash: txHash, blockHeight: UInt64(max(0, height)), minerAddress: miner,
                coordinatorAddress: coordinator, mintedAmount: UInt64(max(0, minted)), coordinatorAmount: UInt64(max(0, cut)),
                payload: payload, minerSignature: payload["signature"] ?? .null,
                coordinatorAttestations: .array(Self.verifiedAttestations(of: payload, keys: keys)),
                recordedAt: WireTime(rawValue: RFC3339.format(milliseconds: time), unixMilliseconds: time))
        }
    }

    /// The receipt's attestations that verify against the pinned coordinator keys. Whoever
    /// submits a claim chooses the receipt's unsigned `attestations` member; serving it as is
    /// would let them add fake attestations or strip real ones.
    static func verifiedAttestations(of payload: JSONValue, keys: [Ed25519.PublicKey]) -> [JSONValue] {
        guard let receipt = try? Receipt(json: payload), let canonical = try? receipt.canonicalBytes(),
            case .array(let entries)? = receipt.attestations
        else { return [] }
        let verifier = ReceiptVerifier(trustedKeys: keys, policy: nil)
        return entries.filter { verifier.check($0, canonical: canonical, keys: keys).isValid }
    }

    /// Every account (start-up: the state tree).
    /// - Throws: `SQLiteError`, `ChainStoreError.corrupt`.
    public func allAccounts() async throws -> [AccountState] {
        try await database.read { connection in
            var accounts: [AccountState] = []
            try connection.cachedStatement("SELECT address, balance, nonce FROM account").forEach { row in
                let text: String = try row.get(0)
                let balance: Int64 = try row.get(1)
                let nonce: Int64 = try row.get(2)
                guard let address = Address(text), address.rawValue == text else { throw ChainStoreError.corrupt("account \(text): not a canonical address") }
                accounts.append(AccountState(address: address, balance: UInt64(max(0, balance)), nonce: UInt64(max(0, nonce))))
            }
            return accounts
        }
    }

    // MARK: writes

    static func insert(block: StoredBlock, connection: Connection) throws {
        let header = block.header
        try connection.cachedStatement("INSERT INTO block(\(StoredBlock.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)").execute([
            Int64(header.height), block.hash.rawValue, Hash32(bytes: header.parentHash).rawValue, Int64(header.timeMilliseconds),
            Hex.encode(header.proposerKey), Int64(block.txCount), Hash32(bytes: header.txRoot).rawValue,
            Hash32(bytes: header.stateRoot).rawValue, Hash32(bytes: header.receiptsRoot).rawValue, Hex.encode(block.signature),
            Int64(block.supply),
        ])
    }
}

/// Committed state read through one connection (inside a read or the block's write transaction).
struct ConnectionLedgerReader: LedgerReader {
    let connection: Connection

    func account(_ address: Address) throws -> AccountState {
        guard let row = try connection.cachedStatement("SELECT balance, nonce FROM account WHERE address = ?").first([address.rawValue]) else {
            return AccountState(address: address)
        }
        let balance: Int64 = try row.get(0)
        let nonce: Int64 = try row.get(1)
        return AccountState(address: address, balance: UInt64(max(0, balance)), nonce: UInt64(max(0, nonce)))
    }

    func isReceiptClaimed(_ receiptID: ReceiptID) throws -> Bool {
        try connection.cachedStatement("SELECT 1 FROM receipt WHERE receipt_id = ?").first([receiptID.rawValue]) != nil
    }

    func totalSupply() throws -> UInt64 {
        let supply: Int64 = try connection.cachedStatement("SELECT supply FROM block ORDER BY height DESC LIMIT 1").first()?.get(0) ?? 0
        return UInt64(max(0, supply))
    }
}
