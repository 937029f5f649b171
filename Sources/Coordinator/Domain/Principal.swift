/// Which key set a route accepts (spec/coordinator.md §3).
public enum Role: String, Sendable, CaseIterable {
    /// Submits jobs and reads their state, results and receipts.
    case client
    /// Registers, heartbeats, polls and reports results.
    case miner
    /// Reads stats and listings.
    case admin
}

/// A non-secret, stable identity behind an API key: what is stored in `job.client_id`,
/// `miner.id` and receipts (spec §11 weakness 2 — the key itself never is).
public struct Principal: Sendable, Hashable, CustomStringConvertible {
    /// The role whose key set holds the key.
    public let role: Role
    /// The principal id, e.g. `client-1a2b3c4d5e6f` or an explicit `id` from `id:key`.
    public let id: String

    /// Creates a principal.
    public init(role: Role, id: String) {
        self.role = role
        self.id = id
    }

    /// `role:id`; never the key.
    public var description: String { "\(role.rawValue):\(id)" }
}
