/// Everything the hub knows about one registered miner at one moment: the values a match reads
/// and reports, all from the same immutable version (spec §10.3).
public struct MinerRecord: Sendable, Equatable {
    public var profile: MinerProfile
    /// Nil until the first update or heartbeat (no `miner_status` row yet).
    public var status: MinerStatus?
    /// In [0, 1]; 0.5 for a new miner (§3.1 default), moved by feedback (§6).
    public var trustScore: Double
    /// The last register, update, renew or heartbeat: the lease runs from here (§7).
    public var lastContact: HubTime

    /// A record; `trustScore` is clamped to [0, 1] (NaN becomes the initial 0.5).
    public init(profile: MinerProfile, status: MinerStatus? = nil, trustScore: Double = TrustModel.initialTrust, lastContact: HubTime) {
        self.profile = profile
        self.status = status
        self.trustScore = TrustModel.clamp(trustScore)
        self.lastContact = lastContact
    }

    public var minerID: MinerID { profile.minerID }
}
