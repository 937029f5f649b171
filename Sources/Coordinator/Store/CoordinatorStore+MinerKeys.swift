import SQLite

/// A recorded admin rotation of a miner's pinned public key.
public struct MinerKeyRotation: Sendable, Equatable {
    /// The miner.
    public let minerID: String
    /// The key pinned before, nil when none was.
    public let previousKey: String?
    /// The key pinned now.
    public let newKey: String
    /// The admin principal id that rotated it.
    public let actor: String
    /// Unix milliseconds.
    public let at: Int64
}

extension CoordinatorStore {
    /// Replaces a miner's pinned public key (POST /v1/admin/miners/{miner_id}/rotate-key) and
    /// appends the rotation to `miner_key_event`, in one transaction.
    /// - Throws: `CoordinatorError.invalidPayload` (not 64 hex), `.minerNotRegistered`.
    public func rotateMinerKey(minerID: String, publicKey: String, actor: String) async throws(CoordinatorError) -> MinerKeyRotation {
        let publicKey = try MinerPublicKey.canonical(publicKey)
        let now = clock.nowMilliseconds()
        return try await batched { db, _ in
            guard let row = try db.queryOne("SELECT public_key FROM miner WHERE id = ?", [minerID]) else {
                throw CoordinatorError.minerNotRegistered
            }
            let previous: String? = try row.get(0)
            try db.execute("UPDATE miner SET public_key = ? WHERE id = ?", [publicKey, minerID])
            try db.execute(
                "INSERT INTO miner_key_event(miner_id, old_key, new_key, actor, at) VALUES (?, ?, ?, ?, ?)",
                [minerID, previous, publicKey, actor, now])
            return MinerKeyRotation(minerID: minerID, previousKey: previous, newKey: publicKey, actor: actor, at: now)
        }
    }

    /// A miner's key rotations, oldest first (audit, tests).
    /// - Throws: `CoordinatorError.storage`.
    public func minerKeyRotations(minerID: String) async throws(CoordinatorError) -> [MinerKeyRotation] {
        try await reading { db in
            try db.query("SELECT old_key, new_key, actor, at FROM miner_key_event WHERE miner_id = ? ORDER BY id", [minerID]).map {
                row in
                MinerKeyRotation(
                    minerID: minerID, previousKey: try row.get(0), newKey: try row.get(1), actor: try row.get(2), at: try row.get(3))
            }
        }
    }
}
