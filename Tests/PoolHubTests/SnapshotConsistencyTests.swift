import PoolHub
import Synchronization
import TestSupport
import Testing

/// §10.3: while 8 writers update miners, concurrent matches each read one snapshot: candidates are
/// distinct, pass every filter on the values they report, carry the score those values give, and
/// (checked by brute force on every 20th match) equal the answer computed from the whole snapshot.
@Suite struct SnapshotConsistencyTests {
    static let miners = 1024
    static let writers = 8
    static let matchers = 8
    static let matchesPerMatcher = 125  // 1,000 matches
    /// Bound on each writer, so the test ends even if matching were slow.
    static let maxWritesPerWriter = 20_000

    @Test func matchesSeeOneSnapshotUnderConcurrentWriters() async throws {
        var setup = SeededGenerator(state: 42)
        let (index, clock) = makeIndex((0..<Self.miners).map { RandomMiners.profile($0, using: &setup) })
        let shared = Shared()
        let weights = ScoreWeights.defaults

        await withTaskGroup(of: Void.self) { group in
            for writer in 0..<Self.writers {
                group.addTask {
                    await onOwnThread {
                        var generator = SeededGenerator(state: UInt64(100 + writer))
                        var count = 0
                        while !shared.done.load(ordering: .relaxed) && count < Self.maxWritesPerWriter {
                            // Each writer owns the ids ≡ writer (mod 8), as miners own their sessions.
                            let number = Int.random(in: 0..<(Self.miners / Self.writers), using: &generator) * Self.writers + writer
                            let id = MinerID.make("m\(number)")
                            do {
                                switch count % 10 {
                                case 0: index.register(RandomMiners.profile(number, using: &generator))
                                case 1: try index.applyFeedback(id, outcome: FeedbackOutcome.allCases[count % 4], model: TrustModel())
                                default:
                                    var update = try RandomMiners.status(using: &generator)
                                    update.basePrice = [0.5, 0.8, 2].randomElement(using: &generator)
                                    try index.update(id, update)
                                }
                            } catch {
                                shared.failures.withLock { $0.append("writer \(writer): \(error)") }
                            }
                            count += 1
                        }
                        shared.writes.add(count, ordering: .relaxed)
                    }
                }
            }
            for matcher in 0..<Self.matchers {
                group.addTask {
                    await onOwnThread {
                        var found: [String] = []
                        for number in 0..<Self.matchesPerMatcher {
                            let request = RandomMiners.requests[(matcher + number) % RandomMiners.requests.count]
                            let snapshot = index.snapshot()
                            let now = clock.now()
                            let result = snapshot.match(request, weights: weights, now: now)
                            found += Self.check(result, against: snapshot, request: request, weights: weights)
                            if number % 20 == 0 {
                                let expected = TopKPropertyTests.bruteForce(snapshot, request, scoring: .v2, weights: weights, now: now)
                                if expected.candidates != result.candidates { found.append("match \(matcher)/\(number) differs from its snapshot") }
                            }
                        }
                        shared.failures.withLock { $0 += found }
                    }
                }
            }
            // Writers stop once every matcher has finished.
            var finished = 0
            for await _ in group {
                finished += 1
                if finished == Self.matchers { shared.done.store(true, ordering: .relaxed) }
            }
        }
        let failed = shared.failures.withLock { $0 }
        #expect(failed.isEmpty, "\(failed.prefix(5))")
        #expect(shared.writes.load(ordering: .relaxed) > 0)
    }

    /// What the writer and matcher threads share (noncopyable atomics live in a class to be captured).
    final class Shared: Sendable {
        let done = Atomic<Bool>(false)
        let writes = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
    }

    /// Every candidate against the snapshot's own version of that miner.
    static func check(_ result: MatchResult, against snapshot: MinerSnapshot, request: MatchRequest, weights: ScoreWeights) -> [String] {
        var problems: [String] = []
        let ids = result.candidates.map(\.minerID)
        if Set(ids).count != ids.count { problems.append("duplicate candidates \(ids)") }
        if result.rejections.total != result.considered - result.eligible { problems.append("rejections do not sum") }
        for candidate in result.candidates {
            guard let (record, lease) = snapshot.record(candidate.minerID) else {
                problems.append("\(candidate.minerID) not in its snapshot")
                continue
            }
            if record != candidate.record { problems.append("\(candidate.minerID) reports values its snapshot does not hold") }
            if let reason = MatchFilter.rejection(of: candidate.record, for: request, now: result.evaluatedAt, leaseExpiresAt: lease) {
                problems.append("\(candidate.minerID) fails \(reason)")
            }
            let components = V2Scorer.components(for: candidate.record, request: request, fastestLatencyMS: result.fastestLatencyMS)
            if components.score(weights) != candidate.score || candidate.explain != components.explain {
                problems.append("\(candidate.minerID) score does not follow from its values")
            }
            if let latency = candidate.etaMS, let fastest = result.fastestLatencyMS, latency < fastest {
                problems.append("\(candidate.minerID) faster than the fastest")
            }
        }
        return problems
    }
}
