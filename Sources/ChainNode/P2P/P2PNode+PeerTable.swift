/// The peer table's bound (`MAX_KNOWN_PEERS`): every inbound node key and every admin-added
/// address adds a row, so without a cap anyone could grow it (and the dialers started for it).
extension P2PNode {
    /// `POST /admin/peers/add` when every row is a bootstrap/admin or connected peer (409 `PEER_TABLE_FULL`).
    struct PeerTableFull: Error, Sendable {
        let cap: Int
    }

    /// Makes room for `count` more rows under `cap`, under the state lock: forgets the least
    /// recently seen rows that are not bootstrap/admin peers, not connected and not banned; only
    /// when those are not enough, banned rows too (soonest-ending ban first; the ban goes with
    /// the row). Stops the dialers of forgotten addresses. Returns the forgotten rows (to delete
    /// from the store), or nil — forgetting nothing — when no such room can be made.
    static func makeRoom(_ state: inout State, for count: Int, cap: Int, now: UInt64) -> [PeerRecord]? {
        let excess = state.records.count + count - cap
        guard excess > 0 else { return [] }
        let candidates = state.records.values.filter { record in
            record.source != "bootstrap" && record.source != "admin" && state.peers[record.nodeKey] == nil
        }
        let unbanned = candidates.filter { $0.bannedUntilMilliseconds <= now }.sorted {
            ($0.lastSeenMilliseconds, $0.nodeKey) < ($1.lastSeenMilliseconds, $1.nodeKey)
        }
        guard candidates.count >= excess else { return nil }
        var forgotten = Array(unbanned.prefix(excess))
        if forgotten.count < excess {
            let banned = candidates.filter { $0.bannedUntilMilliseconds > now }.sorted {
                ($0.bannedUntilMilliseconds, $0.nodeKey) < ($1.bannedUntilMilliseconds, $1.nodeKey)
            }
            forgotten += banned.prefix(excess - forgotten.count)
        }
        for record in forgotten { state.records.removeValue(forKey: record.nodeKey) }
        let stillDialled = Set(state.records.values.compactMap(\.address))
        for address in Set(forgotten.compactMap(\.address)) where !stillDialled.contains(address) {
            state.dialers.removeValue(forKey: address)?.cancel()
        }
        return forgotten
    }
}
