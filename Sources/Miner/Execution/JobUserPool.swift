import Synchronization

/// Hands each running CLI job a uid of the job-user range that no other running job holds, so
/// concurrent jobs cannot read each other's folders or signal each other's processes.
final class JobUserPool: Sendable {
    /// One leased identity.
    struct Lease: Sendable, Equatable {
        var uid: UInt32
        var gid: UInt32
        var index: Int
    }

    let range: JobUserRange
    // true: leased. Never longer than `range.count`.
    private let leased: Mutex<[Bool]>

    init(range: JobUserRange) {
        self.range = range
        leased = Mutex([Bool](repeating: false, count: range.count))
    }

    /// A free identity, or nil when every one is leased (more jobs than configured slots).
    func acquire() -> Lease? {
        leased.withLock { slots in
            // Checked: a range that wrapped must hand out nothing, never uid 0
            // (`SandboxConfinement` refuses such ranges before any job runs).
            guard let index = slots.firstIndex(of: false), range.isRepresentable else { return nil }
            slots[index] = true
            return Lease(uid: range.uid + UInt32(index), gid: range.gid + UInt32(index), index: index)
        }
    }

    /// Returns `lease` once nothing of its job runs any more.
    func release(_ lease: Lease) {
        leased.withLock { slots in
            if slots.indices.contains(lease.index) { slots[lease.index] = false }
        }
    }
}
