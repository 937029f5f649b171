/// The gossip dedupe set: the last `capacity` message ids (block hashes, tx ids), oldest
/// forgotten first. Bounded, so a flood of distinct ids costs memory once, not forever.
struct SeenCache: Sendable {
    let capacity: Int
    private var members: Set<[UInt8]> = []
    private var order: [[UInt8]] = []
    private var next = 0

    init(capacity: Int = 100_000) {
        self.capacity = max(1, capacity)
    }

    var count: Int { members.count }

    func contains(_ id: [UInt8]) -> Bool { members.contains(id) }

    /// Records `id`; false when it was already there (a duplicate).
    @discardableResult
    mutating func insert(_ id: [UInt8]) -> Bool {
        guard !members.contains(id) else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[next])
            order[next] = id
            next = (next + 1) % capacity
        }
        members.insert(id)
        return true
    }
}
