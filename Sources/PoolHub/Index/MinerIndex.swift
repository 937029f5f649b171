import Synchronization

/// The in-memory registry matching reads (§10.1, §10.3, §7): every registered miner as an
/// immutable version in fixed-size chunks.
///
/// Readers take the current chunk list under the lock (one reference load) and scan it without
/// locks; a writer builds the new version of one miner, copies only that miner's chunk and the
/// small chunk list, and swaps them in under the lock. So 10,000 miners cost a writer ~128
/// references copied, a reader nothing but the scan, and a match never sees half a write.
///
/// Liveness (§7): a lease ends `sessionTTL` after the last contact (register, update, renew,
/// heartbeat); from then the miner is not matched and not counted online. `sweep()` removes miners
/// silent for `sessionTTL + heartbeatGrace` and returns their ids, so the store and Redis layers
/// can drop them too (ZREM). `logout` removes at once.
public final class MinerIndex: Sendable {
    /// Lease timings and chunk size.
    public struct Configuration: Sendable {
        /// `POOLHUB_SESSION_TTL_SECONDS`.
        public var sessionTTLSeconds: Int64
        /// `POOLHUB_HEARTBEAT_GRACE_SECONDS`: removal comes this long after the lease ends.
        public var heartbeatGraceSeconds: Int64
        /// Slots per chunk: the copy a writer makes. 128 keeps it small beside the ~80-reference
        /// chunk list of 10,000 miners.
        public var chunkSize: Int

        /// The §2 defaults: 60 s lease, 120 s grace, 128-slot chunks.
        public init(sessionTTLSeconds: Int64 = 60, heartbeatGraceSeconds: Int64 = 120, chunkSize: Int = 128) {
            self.sessionTTLSeconds = max(sessionTTLSeconds, 1)
            self.heartbeatGraceSeconds = max(heartbeatGraceSeconds, 0)
            self.chunkSize = max(chunkSize, 1)
        }
    }

    private struct State: Sendable {
        var chunks: [Chunk] = []
        var slotOf: [MinerID: Int] = [:]
        var freeSlots: [Int] = []
        var nextSlot = 0
    }

    public let configuration: Configuration
    public let clock: any HubClock
    private let state = Mutex(State())

    /// An empty index reading time from `clock`.
    public init(configuration: Configuration = Configuration(), clock: any HubClock = SystemHubClock()) {
        self.configuration = configuration
        self.clock = clock
    }

    // MARK: reads

    /// The current contents, for any number of reads that must agree with each other.
    public func snapshot() -> MinerSnapshot {
        state.withLock { MinerSnapshot(chunks: $0.chunks, count: $0.slotOf.count) }
    }

    /// Matches over the current snapshot, judging liveness at the clock's now.
    public func match(_ request: MatchRequest, scoring: Scoring = .v2, weights: ScoreWeights = .defaults) -> MatchResult {
        snapshot().match(request, scoring: scoring, weights: weights, now: clock.now())
    }

    /// The current record of `id`, or nil when it is not in the index.
    public func record(_ id: MinerID) -> MinerRecord? {
        state.withLock { state in
            guard let slot = state.slotOf[id] else { return nil }
            return Self.miner(at: slot, in: state, chunkSize: configuration.chunkSize)?.record
        }
    }

    /// Miners whose lease runs now (`miners_online`).
    public func onlineCount() -> Int { snapshot().onlineCount(at: clock.now()) }

    /// Miners in the index, live or within their grace period.
    public var count: Int { state.withLock { $0.slotOf.count } }

    /// When `record`'s lease ends.
    public func leaseExpiry(of record: MinerRecord) -> HubTime {
        record.lastContact.adding(seconds: configuration.sessionTTLSeconds)
    }

    /// When `record` is removed if it stays silent (lease end + grace).
    public func removalTime(of record: MinerRecord) -> HubTime {
        leaseExpiry(of: record).adding(seconds: configuration.heartbeatGraceSeconds)
    }

    // MARK: writes

    /// Registers or re-registers a miner: the profile replaces the old one, the lease starts now,
    /// status and trust carry over (a new miner starts with `trustScore`, default 0.5).
    @discardableResult
    public func register(_ profile: MinerProfile, trustScore: Double = TrustModel.initialTrust) -> MinerRecord {
        let now = clock.now()
        return state.withLock { state in
            let old = state.slotOf[profile.minerID].flatMap { Self.miner(at: $0, in: state, chunkSize: configuration.chunkSize) }
            let record = MinerRecord(
                profile: profile, status: old?.record.status, trustScore: old?.record.trustScore ?? trustScore, lastContact: now)
            store(record, in: &state)
            return record
        }
    }

    /// Puts a record back as a store held it (start-up), keeping its last contact, so a miner
    /// silent before a restart is not revived.
    public func restore(_ record: MinerRecord) {
        state.withLock { store(record, in: &$0) }
    }

    /// Applies a status update or heartbeat (absent fields keep their values) and renews the lease.
    /// - Throws: `PoolHubError.unknownMiner` when the miner is not in the index or is past its grace period (it must register again).
    @discardableResult
    public func update(_ id: MinerID, _ update: StatusUpdate) throws(PoolHubError) -> MinerRecord {
        let now = clock.now()
        return try modify(id, now: now) { record in
            record.status = update.applied(to: record.status, now: now)
            if let price = update.basePrice { record.profile.basePrice = price }
            record.lastContact = now
        }
    }

    /// Renews the lease without other changes (`/v1/miners/lease/renew`).
    /// - Throws: `PoolHubError.unknownMiner` as `update` does.
    @discardableResult
    public func renewLease(_ id: MinerID) throws(PoolHubError) -> MinerRecord {
        let now = clock.now()
        return try modify(id, now: now) { $0.lastContact = now }
    }

    /// Moves trust by one feedback outcome (§6) and returns the new score; the lease is unchanged
    /// (feedback comes from the coordinator, not the miner). Duplicate detection is the store's.
    /// - Throws: `PoolHubError.unknownMiner` when the miner is not in the index.
    @discardableResult
    public func applyFeedback(_ id: MinerID, outcome: FeedbackOutcome, model: TrustModel) throws(PoolHubError) -> Double {
        let record = try modify(id, now: nil) { $0.trustScore = model.updated($0.trustScore, outcome: outcome) }
        return record.trustScore
    }

    /// Sets trust directly (clamped to [0, 1]), as a store reloads it.
    /// - Throws: `PoolHubError.unknownMiner` when the miner is not in the index.
    @discardableResult
    public func setTrustScore(_ id: MinerID, _ trust: Double) throws(PoolHubError) -> MinerRecord {
        try modify(id, now: nil) { $0.trustScore = TrustModel.clamp(trust) }
    }

    /// Removes a miner at once (§7 logout); false when it was not there.
    @discardableResult
    public func logout(_ id: MinerID) -> Bool {
        state.withLock { remove(id, in: &$0) }
    }

    /// Removes every miner silent for `sessionTTL + heartbeatGrace` or longer and returns their ids
    /// (sorted), for the store and Redis layers (ZREM).
    public func sweep() -> [MinerID] {
        let now = clock.now()
        // Find candidates without the lock, then re-check each under it: a heartbeat that arrived
        // in between keeps its miner.
        var expired: [MinerID] = []
        snapshot().forEachMiner { miner in
            if now >= removalTime(of: miner.record) { expired.append(miner.minerID) }
        }
        guard !expired.isEmpty else { return [] }
        return state.withLock { state in
            expired.filter { id in
                guard let slot = state.slotOf[id], let miner = Self.miner(at: slot, in: state, chunkSize: configuration.chunkSize),
                    now >= removalTime(of: miner.record)
                else { return false }
                return remove(id, in: &state)
            }
        }.sorted()
    }

    // MARK: internals

    private func modify(_ id: MinerID, now: HubTime?, _ change: (inout MinerRecord) -> Void) throws(PoolHubError) -> MinerRecord {
        let result: MinerRecord? = state.withLock { state in
            guard let slot = state.slotOf[id], let miner = Self.miner(at: slot, in: state, chunkSize: configuration.chunkSize) else {
                return nil
            }
            // Past the grace period the session is over even if no sweep has run yet (§7).
            if let now, now >= removalTime(of: miner.record) { return nil }
            var record = miner.record
            change(&record)
            store(record, in: &state)
            return record
        }
        guard let result else { throw .unknownMiner(id) }
        return result
    }

    private func store(_ record: MinerRecord, in state: inout State) {
        let miner = MatchableMiner(record, leaseExpiresAt: leaseExpiry(of: record))
        let slot: Int
        if let existing = state.slotOf[record.minerID] {
            slot = existing
        } else if let free = state.freeSlots.popLast() {
            slot = free
        } else {
            slot = state.nextSlot
            state.nextSlot += 1
            if slot / configuration.chunkSize == state.chunks.count {
                state.chunks.append(Chunk(slots: Array(repeating: nil, count: configuration.chunkSize)))
            }
        }
        state.slotOf[record.minerID] = slot
        replace(slot: slot, with: miner, in: &state)
    }

    private func remove(_ id: MinerID, in state: inout State) -> Bool {
        guard let slot = state.slotOf.removeValue(forKey: id) else { return false }
        replace(slot: slot, with: nil, in: &state)
        state.freeSlots.append(slot)
        return true
    }

    /// Copy-on-write of one chunk: readers holding the old chunk list keep the old chunk.
    private func replace(slot: Int, with miner: MatchableMiner?, in state: inout State) {
        let chunkIndex = slot / configuration.chunkSize
        var slots = state.chunks[chunkIndex].slots
        slots[slot % configuration.chunkSize] = miner
        state.chunks[chunkIndex] = Chunk(slots: slots)
    }

    private static func miner(at slot: Int, in state: State, chunkSize: Int) -> MatchableMiner? {
        state.chunks[slot / chunkSize].slots[slot % chunkSize]
    }
}
