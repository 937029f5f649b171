public import Cryptography
public import SQLite
import ServiceRuntime
public import WireModels

/// The reference's SQLite ledger, kept only as an offline mode (`LEDGER=offline`, spec §11
/// `ledger_balances` / `ledger_transfers`): balances and transfers in the wallet's own DB,
/// amounts as decimal strings (at most 18 fractional digits, never floats). Nothing here
/// reaches a chain, and every answer says `mode: offline`.
///
/// A transfer is one SQL transaction (IMMEDIATE on the single writer): the sender's balance is
/// read, checked, debited, the recipient credited and the transfer written, or nothing is.
/// There are no fees and no nonces. Funds enter only through `deposit` (an operator's or a
/// test's act; the daemon exposes no route for it).
public struct OfflineLedger: ChainAdapter {
    /// Longest memo kept, in UTF-8 bytes.
    public static let maxMemoBytes = 1_024

    let database: Database
    let now: @Sendable () -> Int64

    /// Always `.offline`.
    public var mode: LedgerMode { .offline }

    /// A ledger in `database` (which must have `WalletChainSchema`'s tables).
    public init(database: Database, now: @escaping @Sendable () -> Int64 = LedgerClock.nowMilliseconds) {
        self.database = database
        self.now = now
    }

    /// The recorded balance of `address` (0 when it has none).
    /// - Throws: `ChainAdapterError.storage`.
    public func balance(of address: Address) async throws(ChainAdapterError) -> LedgerBalance {
        let amount = try await run(write: false) { connection in try Self.balance(address, connection) }
        return LedgerBalance(mode: .offline, address: address, balance: amount)
    }

    /// Offline transfers have no nonces.
    /// - Throws: `ChainAdapterError.unsupported`, always.
    public func nextNonce(of address: Address) async throws(ChainAdapterError) -> UInt64 {
        throw .unsupported("nonce: the offline ledger (LEDGER=offline) has no nonces")
    }

    /// Transfers from or to `address`, newest first.
    /// - Throws: `ChainAdapterError.storage`.
    public func history(of address: Address, limit: Int) async throws(ChainAdapterError) -> [LedgerTransfer] {
        let limit = max(1, min(limit, 1_000))
        return try await run(write: false) { connection in
            try connection.query(
                """
                SELECT txid, from_addr, to_addr, amount, memo, created_at FROM ledger_transfers
                WHERE from_addr = ? OR to_addr = ? ORDER BY created_at DESC, rowid DESC LIMIT ?
                """, [address.rawValue, address.rawValue, limit]
            ).map(Self.decode)
        }
    }

    /// Moves `order.amount` from `key`'s address to `order.to` in one SQL transaction.
    /// - Throws: `ChainAdapterError`: `.invalidAmount` (zero), `.unsupported` (a fee, or a memo
    ///   over `maxMemoBytes`), `.insufficientFunds`, `.storage`.
    public func transfer(_ order: TransferOrder, key: Ed25519.PrivateKey) async throws(ChainAdapterError) -> LedgerTransfer {
        guard order.amount > .zero else { throw .invalidAmount("must be greater than 0") }
        guard order.fee == nil else { throw .unsupported("fee: the offline ledger (LEDGER=offline) charges no fee") }
        if let memo = order.memo, memo.utf8.count > Self.maxMemoBytes {
            throw .unsupported("memo: at most \(Self.maxMemoBytes) bytes")
        }
        let from = Address(publicKey: key.publicKey)
        let transfer = LedgerTransfer(
            mode: .offline, id: Self.newID(), from: from, to: order.to, amount: order.amount, memo: order.memo, status: .recorded,
            createdAt: RFC3339.format(milliseconds: now()))
        try await run(write: true) { connection in
            let balance = try Self.balance(from, connection)
            guard let left = balance.subtracting(order.amount) else {
                throw ChainAdapterError.insufficientFunds("balance \(balance) cannot cover \(order.amount) (offline ledger)")
            }
            if from != order.to {
                try Self.setBalance(from, left, connection)
                guard let credited = try Self.balance(order.to, connection).adding(order.amount) else {
                    throw ChainAdapterError.invalidAmount("the recipient's balance would exceed \(LedgerAmount.maximum)")
                }
                try Self.setBalance(order.to, credited, connection)
            }
            try connection.execute(
                "INSERT INTO ledger_transfers(txid, from_addr, to_addr, amount, memo, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [transfer.id, from.rawValue, order.to.rawValue, order.amount.description, order.memo, transfer.createdAt])
        }
        return transfer
    }

    /// The offline transfer `id`.
    /// - Throws: `ChainAdapterError.notFound`; `.storage`.
    public func transfer(id: String) async throws(ChainAdapterError) -> LedgerTransfer {
        let found = try await run(write: false) { connection in
            try connection.queryOne(
                "SELECT txid, from_addr, to_addr, amount, memo, created_at FROM ledger_transfers WHERE txid = ?", [id]
            ).map(Self.decode)
        }
        guard let found else { throw .notFound(id) }
        return found
    }

    /// Credits `amount` to `address` out of nothing (funding the offline ledger).
    /// - Returns: the new balance.
    /// - Throws: `ChainAdapterError.invalidAmount` above `LedgerAmount.maximum`; `.storage`.
    @discardableResult
    public func deposit(_ amount: LedgerAmount, to address: Address) async throws(ChainAdapterError) -> LedgerBalance {
        let balance = try await run(write: true) { connection in
            guard let credited = try Self.balance(address, connection).adding(amount) else {
                throw ChainAdapterError.invalidAmount("the balance would exceed \(LedgerAmount.maximum)")
            }
            try Self.setBalance(address, credited, connection)
            return credited
        }
        return LedgerBalance(mode: .offline, address: address, balance: balance)
    }

    // MARK: - rows

    static func balance(_ address: Address, _ connection: Connection) throws -> LedgerAmount {
        guard let text: String = try connection.queryOne("SELECT amount FROM ledger_balances WHERE address = ?", [address.rawValue])?.get(0)
        else { return .zero }
        guard let amount = LedgerAmount(text) else { throw ChainAdapterError.storage("ledger_balances: \(address.rawValue) holds no amount") }
        return amount
    }

    static func setBalance(_ address: Address, _ amount: LedgerAmount, _ connection: Connection) throws {
        try connection.execute(
            "INSERT INTO ledger_balances(address, amount) VALUES (?, ?) ON CONFLICT(address) DO UPDATE SET amount = excluded.amount",
            [address.rawValue, amount.description])
    }

    static func decode(_ row: Row) throws -> LedgerTransfer {
        let id: String = try row.get(0)
        guard let from = Address(try row.get(1, as: String.self)), let to = Address(try row.get(2, as: String.self)),
            let amount = LedgerAmount(try row.get(3, as: String.self))
        else { throw ChainAdapterError.storage("ledger_transfers row \(id) does not decode") }
        return LedgerTransfer(
            mode: .offline, id: id, from: from, to: to, amount: amount, memo: try row.get(4), status: .recorded, createdAt: try row.get(5))
    }

    /// `offline-` and 32 random hex digits: never mistaken for a chain hash (`0x…`).
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        func hex(_ value: UInt64) -> String {
            let text = String(value, radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }
        return "offline-" + hex(high) + hex(low)
    }

    private func run<T: Sendable>(write: Bool, _ body: @escaping @Sendable (Connection) throws -> T) async throws(ChainAdapterError) -> T {
        do {
            return write ? try await database.write(body) : try await database.read(body)
        } catch {
            throw ChainTransferStore.storage(error)
        }
    }
}
