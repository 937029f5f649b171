import JSON
import Synchronization

/// Digested capabilities per miner, so a claim does not re-parse the (up to 64 KiB)
/// capability document each time. An entry is reused only while the stored text and region
/// are byte-for-byte what the miner row holds now (re-registration changes them).
final class MatcherCache: Sendable {
    private struct Entry {
        let region: String?
        let capabilities: String
        let matcher: ConstraintMatcher
    }

    /// Entries kept before the cache starts over; registered miners are far fewer.
    static let capacity = 4_096

    private let entries = Mutex([String: Entry]())

    /// The matcher for `minerID` with these capabilities.
    /// - Throws: `CoordinatorError.storage` when the stored capabilities do not parse.
    func matcher(minerID: String, region: String?, capabilities: String) throws(CoordinatorError) -> ConstraintMatcher {
        if let entry = entries.withLock({ $0[minerID] }), entry.region == region,
            entry.capabilities.utf8.elementsEqual(capabilities.utf8)
        {
            return entry.matcher
        }
        let parsed: JSONValue = capabilities == "{}" ? .object([]) : try JSONText.parse(capabilities)
        let matcher = ConstraintMatcher(region: region, capabilities: parsed)
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[minerID] = Entry(region: region, capabilities: capabilities, matcher: matcher)
        }
        return matcher
    }
}
