import PoolHub
import TestSupport
import Testing

/// The index's writes, liveness (§7, §10.4) and match answers (§10.2, §10.13).
@Suite struct MinerIndexTests {
    @Test func registerKeepsStatusAndTrustAcrossReRegistration() throws {
        let (index, clock) = makeIndex([.make("m1")])
        let id = MinerID.make("m1")
        try index.update(id, StatusUpdate(queueLen: 2, avgLatencyMS: 80))
        try index.applyFeedback(id, outcome: .completed, model: TrustModel())
        clock.advance(seconds: 5)
        let record = index.register(.make("m1", price: 2))
        #expect(record.status?.queueLen == 2 && record.status?.avgLatencyMS == 80)
        #expect(record.trustScore == 0.55)
        #expect(record.profile.basePrice == 2)
        #expect(record.lastContact == clock.now())
        #expect(index.count == 1)
    }

    @Test func updateOfUnknownMinerThrows() {
        let (index, _) = makeIndex()
        #expect(throws: PoolHubError.unknownMiner(.make("ghost"))) { try index.update(.make("ghost"), StatusUpdate(queueLen: 1)) }
        #expect(throws: PoolHubError.unknownMiner(.make("ghost"))) { try index.renewLease(.make("ghost")) }
        #expect(throws: PoolHubError.unknownMiner(.make("ghost"))) {
            try index.applyFeedback(.make("ghost"), outcome: .failed, model: TrustModel())
        }
    }

    @Test func updateChangesPriceAndRenews() throws {
        let (index, clock) = makeIndex([.make("m1")])
        clock.advance(seconds: 50)
        let record = try index.update(.make("m1"), StatusUpdate(queueLen: 1, basePrice: 0.3))
        #expect(record.profile.basePrice == 0.3 && record.lastContact == clock.now() && record.status?.updatedAt == clock.now())
        clock.advance(seconds: 59)
        #expect(index.match(.make()).candidates.count == 1)
    }

    /// §10.4: silent 59 s → matched and online; 61 s → neither; 181 s → swept (ids returned for ZREM), updates refused.
    @Test func livenessAt59And61And181Seconds() throws {
        let (index, clock) = makeIndex([.make("quiet"), .make("chatty")])
        clock.advance(seconds: 59)
        try index.renewLease(.make("chatty"))
        #expect(index.match(.make()).candidates.map(\.minerID.rawValue) == ["chatty", "quiet"])
        #expect(index.onlineCount() == 2)

        clock.advance(seconds: 2)  // quiet: 61 s
        let result = index.match(.make())
        #expect(result.candidates.map(\.minerID.rawValue) == ["chatty"])
        #expect(result.rejections[.stale] == 1)
        #expect(index.onlineCount() == 1)
        #expect(index.sweep().isEmpty)
        // Within the grace period the session still renews.
        try index.renewLease(.make("chatty"))

        clock.advance(seconds: 120)  // quiet: 181 s, chatty: 120 s
        #expect(throws: PoolHubError.unknownMiner(.make("quiet"))) { try index.renewLease(.make("quiet")) }
        #expect(index.sweep() == [.make("quiet")])
        #expect(index.count == 1 && index.record(.make("quiet")) == nil)
        #expect(index.sweep().isEmpty)
    }

    @Test func sweepAtExactly180Seconds() {
        let (index, clock) = makeIndex([.make("m")])
        clock.advance(milliseconds: 179_999)
        #expect(index.sweep().isEmpty)
        clock.advance(milliseconds: 1)
        #expect(index.sweep() == [.make("m")])
    }

    @Test func restoredRecordKeepsItsLastContact() {
        let (index, clock) = makeIndex()
        index.restore(MinerRecord(profile: .make("old"), lastContact: clock.now().adding(seconds: -100)))
        #expect(index.match(.make()).rejections[.stale] == 1)
        #expect(index.onlineCount() == 0)
    }

    @Test func logoutRemovesAtOnceAndSlotsAreReused() {
        let (index, _) = makeIndex((0..<300).map { .make("m\($0)") })
        #expect(index.logout(.make("m7")))
        #expect(!index.logout(.make("m7")))
        #expect(index.count == 299)
        let result = index.match(.make())
        #expect(result.considered == 299 && !result.candidates.contains { $0.minerID == .make("m7") })
        index.register(.make("new"))
        #expect(index.count == 300 && index.snapshot().records.count == 300)
        #expect(index.record(.make("new")) != nil)
    }

    @Test func snapshotDoesNotSeeLaterWrites() throws {
        let (index, _) = makeIndex([.make("m1")])
        let before = index.snapshot()
        try index.update(.make("m1"), StatusUpdate(queueLen: 3))
        index.register(.make("m2"))
        #expect(before.count == 1)
        #expect(before.record(.make("m1"))?.record.status == nil)
        #expect(index.snapshot().record(.make("m1"))?.record.status?.queueLen == 3)
    }

    @Test func tiesBreakByPriceThenID() throws {
        // Under legacy scoring every price ≤ 1 scores the same, so price and id decide.
        let (index, _) = makeIndex([.make("b", price: 0.5), .make("a", price: 0.5), .make("c", price: 0.2), .make("d", price: 0.9)])
        let result = index.match(.make(), scoring: .legacy)
        #expect(result.candidates.map(\.minerID.rawValue) == ["c", "a", "b", "d"])
        #expect(Set(result.candidates.map(\.score)).count == 1)
        #expect(result.explain == result.candidates.first?.explain)
        #expect(result.explain == "score=0.725 load=0 latency=n/a")
    }

    @Test func sameSnapshotSameAnswerWhateverTheInsertionOrder() {
        var generator = SeededGenerator(state: 7)
        let profiles = (0..<500).map { RandomMiners.profile($0, using: &generator) }
        let (first, clock) = makeIndex(profiles)
        let second = MinerIndex(clock: clock)
        for profile in profiles.reversed() { second.register(profile) }
        let request = MatchRequest.make(caps: ["cuda"], topK: 50)
        let a = first.match(request)
        #expect(a == first.match(request))
        #expect(a.candidates == second.match(request).candidates)
    }

    /// §10.13: rejections per reason sum to considered − eligible.
    @Test func rejectionCountsSumToTheDropped() {
        var generator = SeededGenerator(state: 11)
        let (index, clock) = makeIndex((0..<400).map { RandomMiners.profile($0, using: &generator) })
        clock.advance(seconds: 30)
        for i in stride(from: 0, to: 400, by: 3) { _ = try? index.update(.make("m\(i)"), StatusUpdate(queueLen: i % 5, avgLatencyMS: 20 + i)) }
        clock.advance(seconds: 40)  // the never-updated two thirds are now stale
        for request in RandomMiners.requests {
            let result = index.match(request)
            #expect(result.considered == 400)
            #expect(result.rejections.total == result.considered - result.eligible)
            #expect(result.candidates.count == min(result.eligible, request.topK))
        }
    }

    @Test func latencyIsRelativeToTheFastestEligibleMiner() throws {
        let (index, _) = makeIndex([.make("fast", region: "us"), .make("slow", region: "eu"), .make("mid", region: "eu")])
        try index.update(.make("fast"), StatusUpdate(avgLatencyMS: 10))
        try index.update(.make("slow"), StatusUpdate(avgLatencyMS: 200))
        try index.update(.make("mid"), StatusUpdate(avgLatencyMS: 100))
        let result = index.match(.make(region: "eu"))
        #expect(result.fastestLatencyMS == 100)
        #expect(result.candidates.map { $0.components?.latency } == [1, 0.5])
        #expect(result.candidates.first?.etaMS == 100)
    }

    /// §10.12: a record with every optional field missing matches, and breaks nothing for others.
    @Test func minerWithoutOptionalFieldsNeverBreaksMatching() throws {
        let bare = try MinerProfile(minerID: .make("bare"))
        let (index, _) = makeIndex([bare, .make("full")])
        let result = index.match(.make(topK: 5))
        #expect(Set(result.candidates.map(\.minerID.rawValue)) == ["bare", "full"])
        let bareCandidate = try #require(result.candidates.first { $0.minerID.rawValue == "bare" })
        #expect(bareCandidate.addr == nil && bareCandidate.price == nil && bareCandidate.etaMS == nil)
        #expect(index.match(.make(), scoring: .legacy).candidates.count == 2)
        #expect(index.match(.make(vram: 1)).candidates.map(\.minerID.rawValue) == ["full"])
    }

    @Test func feedbackIsVisibleToTheNextMatch() throws {
        let (index, _) = makeIndex([.make("m1"), .make("m2")])
        let model = try TrustModel()
        #expect(try index.applyFeedback(.make("m2"), outcome: .completed, model: model) == 0.55)
        #expect(try index.applyFeedback(.make("m2"), outcome: .failed, model: model) == 0.49500000000000005)
        try index.applyFeedback(.make("m1"), outcome: .failed, model: model)
        let result = index.match(.make(topK: 2))
        #expect(result.candidates.map(\.minerID.rawValue) == ["m2", "m1"])
        #expect(result.candidates.map(\.record.trustScore) == [0.49500000000000005, 0.45])
    }
}
