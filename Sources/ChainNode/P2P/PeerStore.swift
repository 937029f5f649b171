import SQLite

/// One row of the `peers` table.
struct PeerRecord: Sendable, Equatable {
    /// Hex node key, or `pending:<address>` until the first handshake names it.
    var nodeKey: String
    /// Where to dial it (`ws://…/p2p`); nil for an inbound peer that announced no listener.
    var address: String?
    var direction: PeerDirection
    var score: Int
    var lastSeenMilliseconds: UInt64
    var bannedUntilMilliseconds: UInt64
    var banReason: String?
    /// `bootstrap`, `admin`, `inbound` or `known`.
    var source: String

    static func pendingKey(_ address: String) -> String { "pending:" + address }
}

/// The peer table (ChainSchema migration 3): read once at start, written when a peer connects,
/// leaves or is banned — never on the gossip path.
struct PeerStore: Sendable {
    let database: Database

    /// Every known peer.
    /// - Throws: `SQLiteError`.
    func all() async throws -> [PeerRecord] {
        try await database.read { connection in
            try connection.query(
                "SELECT node_key, address, direction, score, last_seen_ms, banned_until_ms, ban_reason, source FROM peers ORDER BY node_key"
            ).map { row in
                let direction: String = try row.get(2)
                return PeerRecord(
                    nodeKey: try row.get(0), address: try row.get(1), direction: PeerDirection(rawValue: direction) ?? .inbound,
                    score: try row.get(3), lastSeenMilliseconds: UInt64(max(0, try row.get(4) as Int64)),
                    bannedUntilMilliseconds: UInt64(max(0, try row.get(5) as Int64)), banReason: try row.get(6), source: try row.get(7))
            }
        }
    }

    /// Inserts or replaces `record`; a peer whose key is now known replaces its `pending:` row.
    /// - Throws: `SQLiteError`.
    func save(_ record: PeerRecord) async throws {
        try await database.write { connection in
            if let address = record.address, !record.nodeKey.hasPrefix("pending:") {
                try connection.execute("DELETE FROM peers WHERE node_key = ?", [PeerRecord.pendingKey(address)])
            }
            try connection.execute(
                """
                INSERT INTO peers(node_key, address, direction, score, last_seen_ms, banned_until_ms, ban_reason, source)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(node_key) DO UPDATE SET
                    address = coalesce(excluded.address, peers.address), direction = excluded.direction, score = excluded.score,
                    last_seen_ms = excluded.last_seen_ms, banned_until_ms = excluded.banned_until_ms, ban_reason = excluded.ban_reason,
                    source = CASE WHEN peers.source IN ('bootstrap', 'admin') THEN peers.source ELSE excluded.source END
                """,
                [
                    record.nodeKey, record.address, record.direction.rawValue, record.score, Int64(clamping: record.lastSeenMilliseconds),
                    Int64(clamping: record.bannedUntilMilliseconds), record.banReason, record.source,
                ])
        }
    }

    /// Deletes the rows of `nodeKeys` (forgotten to stay under `MAX_KNOWN_PEERS`).
    /// - Throws: `SQLiteError`.
    func delete(_ nodeKeys: [String]) async throws {
        guard !nodeKeys.isEmpty else { return }
        try await database.write { connection in
            for key in nodeKeys { try connection.execute("DELETE FROM peers WHERE node_key = ?", [key]) }
        }
    }
}
