/// Prepared statements keyed by SQL text, bounded, least recently used evicted first.
struct StatementCache {
    /// A class, so a hit bumps `lastUse` in place: one hash lookup per hit, not two.
    private final class Entry {
        let statement: Statement
        var lastUse: UInt64

        init(statement: Statement, lastUse: UInt64) {
            self.statement = statement
            self.lastUse = lastUse
        }
    }

    let capacity: Int
    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0
    /// Cache hits since the connection opened (for tests and metrics).
    private(set) var hits = 0

    init(capacity: Int) { self.capacity = max(0, capacity) }

    var count: Int { entries.count }

    mutating func statement(for sql: String) -> Statement? {
        guard let entry = entries[sql] else { return nil }
        clock &+= 1
        entry.lastUse = clock
        hits += 1
        return entry.statement
    }

    mutating func insert(_ statement: Statement, for sql: String) {
        guard capacity > 0 else { return }
        if entries.count >= capacity,
            let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key
        {
            // A linear scan: capacity is small (tens), and eviction is rare once warm.
            entries[oldest] = nil
        }
        clock &+= 1
        entries[sql] = Entry(statement: statement, lastUse: clock)
    }

    mutating func removeAll() { entries.removeAll() }
}
