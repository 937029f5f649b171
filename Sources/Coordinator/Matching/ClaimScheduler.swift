import Synchronization
import WireModels

/// The in-memory half of fair claiming (issue 10): parsed constraints per queue, and whose
/// turn it is among clients. Queues themselves live in `job_queue` (schema v3).
///
/// Round-robin: a claim offers the miner the client it served least recently among the
/// clients with a job it can run, so a client with a deep queue gets one job in turn with
/// each other waiting client instead of all of them first. Turns are kept in memory: they
/// decide order, never correctness, and start over with the process.
final class ClaimScheduler: Sendable {
    private struct Turns {
        var tick: UInt64 = 0
        var lastServed: [String: UInt64] = [:]
    }

    /// Parsed constraints kept before the cache starts over; distinct constraint sets among
    /// non-empty queues are far fewer (at most clients × `MAX_QUEUED_JOBS_PER_CLIENT`).
    static let constraintCacheCapacity = 16_384

    private let turns = Mutex(Turns())
    /// Keyed by the stored text, not the queue id: a queue id made in a rolled-back
    /// transaction can be reused for other constraints, the text cannot lie.
    private let constraints = Mutex([String: JobConstraints]())

    /// The constraints stored as `text`.
    /// - Throws: `CoordinatorError.storage` when the stored text does not parse.
    func constraints(stored text: String) throws(CoordinatorError) -> JobConstraints {
        if let cached = constraints.withLock({ $0[text] }) { return cached }
        let parsed = try CoordinatorStore.constraints(fromStored: text)
        constraints.withLock { cache in
            if cache.count >= Self.constraintCacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[text] = parsed
        }
        return parsed
    }

    /// `clients` in the order they get their turn: least recently served first (never served
    /// counts as longest ago), ties by id so the order is deterministic.
    func turnOrder(_ clients: some Sequence<String>) -> [String] {
        let served = turns.withLock { turns in clients.map { ($0, turns.lastServed[$0] ?? 0) } }
        return served.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.map(\.0)
    }

    /// Notes that `client` was just served a job.
    func served(_ client: String) {
        turns.withLock { turns in
            turns.tick += 1
            turns.lastServed[client] = turns.tick
            // Bounded by the configured client keys in practice; keep it bounded regardless.
            if turns.lastServed.count > 65_536 { turns.lastServed.removeAll(keepingCapacity: true) }
        }
    }
}
