import FoundationEssentials
import Glibc
public import JSON
public import SQLite
public import WireModels

/// The wallet's SQLite ledger (`LEDGER_DB_PATH`, spec/wallet-daemon.md §5, §11): the reference's
/// `wallets` and `wallet_events` tables, bit-compatible, plus `accounts` (public data only) and
/// the chain adapter's tables (`WalletChainSchema`, migration 2).
///
/// Foreign keys are on, and an event is written only for a wallet that has a row (§11
/// [TARGET]): failed attempts on unknown ids go to the log, never the table, so the table
/// cannot be filled by guessing names.
public struct WalletLedger: Sendable {
    /// The database (shared with the chain adapter).
    public let database: Database

    /// The DDL of version 1: the reference's two tables (same columns and types) and `accounts`.
    static let schema = """
        CREATE TABLE IF NOT EXISTS wallets(
            wallet_id TEXT PRIMARY KEY,
            public_key TEXT NOT NULL,
            metadata TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS wallet_events(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            wallet_id TEXT NOT NULL,
            event_type TEXT NOT NULL,
            payload TEXT NOT NULL,
            created_at DATETIME DEFAULT CURRENT_TIMESTAMP,
            FOREIGN KEY(wallet_id) REFERENCES wallets(wallet_id)
        );
        CREATE TABLE IF NOT EXISTS accounts(
            account_id TEXT PRIMARY KEY,
            wallet_id TEXT NOT NULL REFERENCES wallets(wallet_id),
            curve TEXT NOT NULL,
            path TEXT NOT NULL,
            public_key TEXT NOT NULL,
            address TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '[]'
        );
        CREATE INDEX IF NOT EXISTS accounts_wallet ON accounts(wallet_id);
        """

    /// The migrations, in order.
    static var migrator: Migrator {
        Migrator([Migration(version: 1, name: "wallet-ledger", sql: schema), WalletChainSchema.migration(version: 2)])
    }

    /// Opens (creating the parent directory, the file 0600 and the tables) the ledger at `path`.
    /// - Throws: `WalletStartupError` naming `LEDGER_DB_PATH`, the path and what failed.
    /// `cacheKiB` is each connection's page cache (`LEDGER_CACHE_KIB`): SQLite's 2,000 KiB default,
    /// filled by the audit rows every signature appends, kept the daemon above its 20 MB at rest.
    public static func open(path: String, cacheKiB: Int = 256) async throws(WalletStartupError) -> WalletLedger {
        try LedgerFile.prepare(path)
        var configuration = Database.Configuration()
        configuration.foreignKeys = true
        configuration.label = "wallet-ledger"
        configuration.readerCount = 2
        configuration.cacheSizeKiB = cacheKiB
        do {
            return WalletLedger(database: try await Database.open(path: path, configuration: configuration, migrator: migrator))
        } catch {
            throw WalletStartupError(setting: "LEDGER_DB_PATH", path: path, reason: "\(error)")
        }
    }

    /// Inserts or replaces the wallet's row (`upsert_wallet`).
    /// - Throws: `SQLiteError`.
    public func upsertWallet(_ walletID: String, publicKey: String, metadata: [String: String]) async throws {
        let text = Self.text(WalletMetadata(metadata).json)
        try await database.write { connection in
            try connection.execute(
                "INSERT INTO wallets(wallet_id, public_key, metadata) VALUES(?, ?, ?) ON CONFLICT(wallet_id) DO UPDATE SET public_key = excluded.public_key, metadata = excluded.metadata",
                [walletID, publicKey, text])
        }
    }

    /// Every wallet's metadata, by id (the list prefers it over the keystore's copy).
    /// - Throws: `SQLiteError`.
    public func metadata() async throws -> [String: [String: String]] {
        try await database.read { connection in
            var result: [String: [String: String]] = [:]
            for row in try connection.query("SELECT wallet_id, metadata FROM wallets") {
                let id: String = try row.get(0)
                let text: String = try row.get(1)
                let value = try? JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(Array(text.utf8))
                result[id] = value.flatMap { try? WalletMetadata(json: $0).values } ?? [:]
            }
            return result
        }
    }

    /// Every wallet's public key as recorded when it was created or imported (hex), by id: the
    /// keystore file's `public_key` is only authenticated by a password, this one by the daemon.
    /// - Throws: `SQLiteError`.
    public func publicKeys() async throws -> [String: String] {
        try await database.read { connection in
            var result: [String: String] = [:]
            for row in try connection.query("SELECT wallet_id, public_key FROM wallets") {
                result[try row.get(0) as String] = try row.get(1) as String
            }
            return result
        }
    }

    /// Appends an event for an existing wallet; returns false (and writes nothing) for an id
    /// without a row.
    /// - Throws: `SQLiteError`.
    @discardableResult
    public func recordEvent(_ walletID: String, type: String, payload: JSONValue) async throws -> Bool {
        let text = Self.text(payload)
        return try await database.writeBatched { connection in
            try connection.execute(
                "INSERT INTO wallet_events(wallet_id, event_type, payload) SELECT ?, ?, ? WHERE EXISTS(SELECT 1 FROM wallets WHERE wallet_id = ?)",
                [walletID, type, text, walletID])
            return connection.changes == 1
        }
    }

    /// The wallet's events in `id` order: `(event_type, payload text)`.
    /// - Throws: `SQLiteError`.
    public func events(_ walletID: String) async throws -> [(type: String, payload: String)] {
        try await database.read { connection in
            try connection.query("SELECT event_type, payload FROM wallet_events WHERE wallet_id = ? ORDER BY id", [walletID]).map { row in
                (try row.get(0) as String, try row.get(1) as String)
            }
        }
    }

    /// Stores an account (public data); deriving the same path again changes nothing.
    /// - Throws: `SQLiteError`.
    public func insertAccount(_ account: WalletAccountView) async throws {
        let tags = Self.text(.array(account.tags.map { .string($0) }))
        try await database.write { connection in
            try connection.execute(
                "INSERT OR IGNORE INTO accounts(account_id, wallet_id, curve, path, public_key, address, tags) VALUES(?, ?, ?, ?, ?, ?, ?)",
                [account.accountID, account.walletID, account.curve, account.path, account.publicKey, account.address, tags])
        }
    }

    /// The wallet's accounts by id.
    /// - Throws: `SQLiteError`.
    public func accounts(_ walletID: String) async throws -> [WalletAccountView] {
        try await database.read { connection in
            try connection.query(
                "SELECT account_id, wallet_id, curve, path, public_key, address, tags FROM accounts WHERE wallet_id = ? ORDER BY account_id", [walletID]
            ).map(Self.account)
        }
    }

    /// One account, or nil.
    /// - Throws: `SQLiteError`.
    public func account(_ accountID: String) async throws -> WalletAccountView? {
        try await database.read { connection in
            try connection.queryOne(
                "SELECT account_id, wallet_id, curve, path, public_key, address, tags FROM accounts WHERE account_id = ?", [accountID]
            ).map(Self.account)
        }
    }

    private static func account(_ row: Row) throws -> WalletAccountView {
        let tagsText: String = try row.get(6)
        let tags = (try? JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(Array(tagsText.utf8)))?.arrayValue?.compactMap(\.stringValue) ?? []
        return WalletAccountView(
            accountID: try row.get(0), walletID: try row.get(1), curve: try row.get(2), path: try row.get(3), publicKey: try row.get(4),
            address: try row.get(5), tags: tags)
    }

    static func text(_ value: JSONValue) -> String {
        String(decoding: (try? JSONSerializer().serialize(value)) ?? Array("{}".utf8), as: UTF8.self)
    }
}
