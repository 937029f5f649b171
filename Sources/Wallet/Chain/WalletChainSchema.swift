public import SQLite

/// The chain adapter's tables in the wallet's ledger DB (`LEDGER_DB_PATH`), beside the
/// daemon's `wallets`, `wallet_events` and `accounts`.
///
/// - `chain_transfers`: every transfer this wallet sent to the chain node, kept `pending` until
///   a block includes it (or the node drops it), then as history. Amounts and fees are the
///   chain's whole base units (≤ `Int64.max`, so SQLite integers hold them exactly).
/// - `ledger_balances` / `ledger_transfers`: the offline ledger of spec §11 (`LEDGER=offline`),
///   amounts as canonical decimal strings.
///
/// The daemon owns the migrator (one `PRAGMA user_version` sequence per file), so this type
/// hands it a `Migration` to register at the version it chooses. Every statement is
/// `IF NOT EXISTS`: registering it again later, or over a file that already has the tables,
/// changes nothing.
public enum WalletChainSchema {
    /// The DDL.
    public static let sql = """
        CREATE TABLE IF NOT EXISTS chain_transfers(
            tx_hash TEXT PRIMARY KEY,
            chain_id TEXT NOT NULL,
            sender TEXT NOT NULL,
            recipient TEXT NOT NULL,
            amount INTEGER NOT NULL CHECK(amount >= 0),
            fee INTEGER NOT NULL CHECK(fee >= 0),
            nonce INTEGER NOT NULL CHECK(nonce >= 1),
            status TEXT NOT NULL CHECK(status IN ('pending', 'included', 'dropped')),
            block_height INTEGER,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS chain_transfers_sender ON chain_transfers(sender, nonce);
        CREATE INDEX IF NOT EXISTS chain_transfers_recipient ON chain_transfers(recipient, created_at);
        CREATE INDEX IF NOT EXISTS chain_transfers_pending ON chain_transfers(status) WHERE status = 'pending';
        CREATE TABLE IF NOT EXISTS ledger_balances(
            address TEXT PRIMARY KEY,
            amount TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS ledger_transfers(
            txid TEXT PRIMARY KEY,
            from_addr TEXT NOT NULL,
            to_addr TEXT NOT NULL,
            amount TEXT NOT NULL,
            memo TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ledger_transfers_from ON ledger_transfers(from_addr, created_at);
        CREATE INDEX IF NOT EXISTS ledger_transfers_to ON ledger_transfers(to_addr, created_at);
        """

    /// The migration creating the tables, at `version` of the daemon's sequence.
    public static func migration(version: Int) -> Migration {
        Migration(version: version, name: "wallet-chain", sql: sql)
    }
}
