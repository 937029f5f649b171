public import SQLite

/// The chain node's tables, as append-only migrations (spec/chain-node.md §3 "Swift"). Every
/// block, its transactions, the account changes and the claimed receipts are written by one
/// transaction; the CHECKs and foreign keys make a half-written or hand-edited row fail loudly
/// instead of being read back as truth.
public enum ChainSchema {
    /// Every migration, oldest first. Never edit a shipped one; append.
    public static let migrator = Migrator([
        Migration(
            version: 1, name: "meta, block, tx, account, receipt, mempool",
            sql: """
                CREATE TABLE meta(
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE block(
                    height INTEGER PRIMARY KEY NOT NULL CHECK (height >= 0),
                    hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 66 AND substr(hash, 1, 2) = '0x'),
                    parent_hash TEXT NOT NULL CHECK (length(parent_hash) = 66),
                    time_ms INTEGER NOT NULL CHECK (time_ms >= 0),
                    proposer_key TEXT NOT NULL CHECK (length(proposer_key) = 64),
                    tx_count INTEGER NOT NULL CHECK (tx_count >= 0),
                    tx_root TEXT NOT NULL CHECK (length(tx_root) = 66),
                    state_root TEXT NOT NULL CHECK (length(state_root) = 66),
                    receipts_root TEXT NOT NULL CHECK (length(receipts_root) = 66),
                    signature TEXT NOT NULL,
                    supply INTEGER NOT NULL CHECK (supply >= 0)
                );
                CREATE TABLE tx(
                    tx_hash TEXT PRIMARY KEY NOT NULL CHECK (length(tx_hash) = 66),
                    block_height INTEGER NOT NULL REFERENCES block(height),
                    position INTEGER NOT NULL CHECK (position >= 0),
                    type TEXT NOT NULL CHECK (type IN ('TRANSFER', 'RECEIPT_CLAIM')),
                    sender TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    nonce INTEGER NOT NULL CHECK (nonce >= 1),
                    fee INTEGER NOT NULL CHECK (fee >= 0),
                    body TEXT NOT NULL,
                    UNIQUE (block_height, position),
                    UNIQUE (sender, nonce)
                ) WITHOUT ROWID;
                CREATE TABLE account(
                    address TEXT PRIMARY KEY NOT NULL,
                    balance INTEGER NOT NULL CHECK (balance >= 0),
                    nonce INTEGER NOT NULL CHECK (nonce >= 0),
                    updated_height INTEGER NOT NULL REFERENCES block(height)
                ) WITHOUT ROWID;
                CREATE TABLE receipt(
                    receipt_id TEXT PRIMARY KEY NOT NULL CHECK (length(receipt_id) = 32),
                    job_id TEXT NOT NULL,
                    tx_hash TEXT NOT NULL UNIQUE REFERENCES tx(tx_hash),
                    block_height INTEGER NOT NULL REFERENCES block(height),
                    miner_address TEXT NOT NULL,
                    coordinator_address TEXT NOT NULL,
                    minted_amount INTEGER NOT NULL CHECK (minted_amount >= 0),
                    coordinator_amount INTEGER NOT NULL CHECK (coordinator_amount >= 0),
                    payload TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX receipt_job ON receipt(job_id);
                CREATE TABLE mempool(
                    tx_hash TEXT PRIMARY KEY NOT NULL,
                    arrival INTEGER NOT NULL,
                    body TEXT NOT NULL
                ) WITHOUT ROWID;
                """),
        // Issue 13 throughput: rows that were keyed by a hash landed at random places in their
        // B-tree, so every insert and delete rewrote a random page holding ~400-byte bodies, and
        // the cost per row grew with the table. `tx` is now stored in block order (primary key
        // height, position; the hash a small unique index) and the persisted mempool in arrival
        // order (inserted at the end, deleted by arrival). `receipt` is rebuilt only because its
        // foreign key must follow `tx` to the new table; its rows and index are unchanged.
        Migration(
            version: 2, name: "tx in block order, mempool in arrival order",
            sql: """
                CREATE TABLE tx_v2(
                    tx_hash TEXT NOT NULL UNIQUE CHECK (length(tx_hash) = 66),
                    block_height INTEGER NOT NULL REFERENCES block(height),
                    position INTEGER NOT NULL CHECK (position >= 0),
                    type TEXT NOT NULL CHECK (type IN ('TRANSFER', 'RECEIPT_CLAIM')),
                    sender TEXT NOT NULL,
                    recipient TEXT NOT NULL,
                    nonce INTEGER NOT NULL CHECK (nonce >= 1),
                    fee INTEGER NOT NULL CHECK (fee >= 0),
                    body TEXT NOT NULL,
                    PRIMARY KEY (block_height, position),
                    UNIQUE (sender, nonce)
                ) WITHOUT ROWID;
                INSERT INTO tx_v2(tx_hash, block_height, position, type, sender, recipient, nonce, fee, body)
                    SELECT tx_hash, block_height, position, type, sender, recipient, nonce, fee, body FROM tx ORDER BY block_height, position;
                CREATE TABLE receipt_v2(
                    receipt_id TEXT PRIMARY KEY NOT NULL CHECK (length(receipt_id) = 32),
                    job_id TEXT NOT NULL,
                    tx_hash TEXT NOT NULL UNIQUE REFERENCES tx_v2(tx_hash),
                    block_height INTEGER NOT NULL REFERENCES block(height),
                    miner_address TEXT NOT NULL,
                    coordinator_address TEXT NOT NULL,
                    minted_amount INTEGER NOT NULL CHECK (minted_amount >= 0),
                    coordinator_amount INTEGER NOT NULL CHECK (coordinator_amount >= 0),
                    payload TEXT NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO receipt_v2(receipt_id, job_id, tx_hash, block_height, miner_address, coordinator_address, minted_amount,
                                       coordinator_amount, payload)
                    SELECT receipt_id, job_id, tx_hash, block_height, miner_address, coordinator_address, minted_amount,
                           coordinator_amount, payload FROM receipt;
                DROP TABLE receipt;
                DROP TABLE tx;
                ALTER TABLE tx_v2 RENAME TO tx;
                ALTER TABLE receipt_v2 RENAME TO receipt;
                CREATE INDEX receipt_job ON receipt(job_id);
                CREATE TABLE mempool_v2(
                    arrival INTEGER PRIMARY KEY NOT NULL CHECK (arrival >= 1),
                    tx_hash TEXT NOT NULL CHECK (length(tx_hash) = 66),
                    body TEXT NOT NULL
                );
                INSERT INTO mempool_v2(arrival, tx_hash, body)
                    SELECT row_number() OVER (ORDER BY arrival, tx_hash), tx_hash, body FROM mempool;
                DROP TABLE mempool;
                ALTER TABLE mempool_v2 RENAME TO mempool;
                """),
        // Issue 14 (fork choice): every block keeps the prior state of each account it changed,
        // so a reorg can unwind it (`existed` 0: the block created the account; unwinding
        // deletes it). `updated_height` is the prior row's, so an unwound table equals one
        // that never saw the block. Blocks committed before this migration have no rows and
        // cannot be unwound (a reorg into them fails its state root check and changes nothing).
        Migration(
            version: 3, name: "block undo rows",
            sql: """
                CREATE TABLE block_undo(
                    height INTEGER NOT NULL REFERENCES block(height),
                    address TEXT NOT NULL,
                    existed INTEGER NOT NULL CHECK (existed IN (0, 1)),
                    balance INTEGER NOT NULL CHECK (balance >= 0),
                    nonce INTEGER NOT NULL CHECK (nonce >= 0),
                    updated_height INTEGER NOT NULL CHECK (updated_height >= 0),
                    PRIMARY KEY (height, address)
                ) WITHOUT ROWID;
                """),
        // Issue 14 network: the peers this node knows, so it redials them after a restart and
        // keeps a ban across one. `node_key` is a peer's hex key, or `pending:<address>` for an
        // address added before its key is known.
        Migration(
            version: 4, name: "peers",
            sql: """
                CREATE TABLE peers(
                    node_key TEXT PRIMARY KEY NOT NULL,
                    address TEXT,
                    direction TEXT NOT NULL CHECK (direction IN ('inbound', 'outbound')),
                    score INTEGER NOT NULL DEFAULT 0,
                    last_seen_ms INTEGER NOT NULL DEFAULT 0 CHECK (last_seen_ms >= 0),
                    banned_until_ms INTEGER NOT NULL DEFAULT 0 CHECK (banned_until_ms >= 0),
                    ban_reason TEXT,
                    source TEXT NOT NULL CHECK (source IN ('bootstrap', 'admin', 'inbound', 'known'))
                ) WITHOUT ROWID;
                """),
    ])
}
