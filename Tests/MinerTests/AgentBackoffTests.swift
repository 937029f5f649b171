import TestSupport
import Testing

@testable import Miner


@Suite struct AgentBackoffTests {
    let backoff = Backoff(minimum: .seconds(1), maximum: .seconds(60))

    @Test func ceilingDoublesFromMinimumToMaximum() {
        #expect((0...8).map { backoff.ceiling(attempt: $0) } == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        #expect(backoff.ceiling(attempt: Int.max) == .seconds(60))
    }

    @Test(arguments: [1, 7, 42, 9_001])
    func delaysStayWithinBoundsAndAreJittered(seed: UInt64) {
        var generator = SeededGenerator(state: seed)
        for attempt in 0..<40 {
            let delays = (0..<50).map { _ in backoff.delay(attempt: attempt, using: &generator) }
            #expect(delays.allSatisfy { $0 >= .milliseconds(500) && $0 <= backoff.ceiling(attempt: attempt) && $0 <= .seconds(60) })
            #expect(Set(delays.map { Backoff.seconds($0) }).count > 1, "attempt \(attempt) not jittered")
        }
    }

    @Test func heartbeatJitterStaysWithinPercent() {
        var generator = SeededGenerator(state: 3)
        let values = (0..<200).map { _ in Backoff.seconds(Backoff.jittered(.seconds(15), percent: 10, using: &generator)) }
        #expect(values.allSatisfy { (13.5...16.5).contains($0) })
        #expect(Set(values).count > 100)
        #expect(Backoff.jittered(.seconds(15), percent: 0, using: &generator) == .seconds(15))
    }

    @Test func maximumBelowMinimumIsRaised() {
        #expect(Backoff(minimum: .seconds(5), maximum: .seconds(1)).maximum == .seconds(5))
    }
}
