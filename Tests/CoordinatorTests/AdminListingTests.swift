import Coordinator
import JSON
import Testing
import WireModels

@Suite struct AdminListingTests {
    @Test func statsWithPerStateCounts() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1", concurrency: 8)
        try await harness.register("miner-2")
        let done = try await harness.running()
        harness.clock.advance(milliseconds: 1_500)
        _ = try await harness.store.complete(jobID: done, minerID: "miner-1", result: .object([]))
        let failed = try await harness.running()
        try await harness.store.fail(jobID: failed, minerID: "miner-1", errorCode: "E", errorMessage: "x")
        _ = try await harness.running()
        let canceled = try await harness.submit()
        _ = try await harness.store.cancel(jobID: canceled.id, clientID: "client-a")
        _ = try await harness.submit()
        let stats = try await harness.store.stats()
        #expect(stats.totalJobs == 5)
        #expect(stats.activeJobs == 2)
        #expect(stats.jobsByState == [.queued: 1, .running: 1, .completed: 1, .failed: 1, .canceled: 1, .expired: 0])
        #expect(stats.onlineMiners == 2)
        // Fractional averages are fine (the reference answered 500): 1500 / 2 miners.
        #expect(stats.averageMinerJobDurationMS == 750)
    }

    @Test func jobListingPagesNewestFirstWithStateFilter() async throws {
        let harness = try await CoordinatorHarness.make()
        var ids: [String] = []
        for _ in 0..<7 {
            ids.append(try await harness.submit().id)
            harness.clock.advance(milliseconds: 1)
        }
        _ = try await harness.store.cancel(jobID: ids[3], clientID: "client-a")
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await harness.store.listJobs(limit: 3, cursor: cursor)
            #expect(page.items.count <= 3)
            seen.append(contentsOf: page.items.map(\.id))
            cursor = page.nextCursor
        } while cursor != nil
        #expect(seen == ids.reversed())
        let canceled = try await harness.store.listJobs(state: .canceled)
        #expect(canceled.items.map(\.id) == [ids[3]])
        #expect(canceled.nextCursor == nil)
        await #expect(throws: CoordinatorError.self) { try await harness.store.listJobs(limit: 0) }
        await #expect(throws: CoordinatorError.self) { try await harness.store.listJobs(limit: 501) }
        await #expect(throws: CoordinatorError.self) { try await harness.store.listJobs(cursor: "garbage!") }
        await #expect(throws: CoordinatorError.self) { try await harness.store.listJobs(cursor: "djF8eA") }
    }

    @Test func minerListingPages() async throws {
        let harness = try await CoordinatorHarness.make()
        for index in 0..<5 { try await harness.register("miner-\(index)") }
        try await harness.store.drain(minerID: "miner-2")
        let first = try await harness.store.listMiners(limit: 2)
        #expect(first.items.map(\.id) == ["miner-0", "miner-1"])
        let second = try await harness.store.listMiners(limit: 2, cursor: first.nextCursor)
        #expect(second.items.map(\.id) == ["miner-2", "miner-3"])
        let third = try await harness.store.listMiners(limit: 2, cursor: second.nextCursor)
        #expect(third.items.map(\.id) == ["miner-4"])
        #expect(third.nextCursor == nil)
        #expect(try await harness.store.listMiners(status: .draining).items.map(\.id) == ["miner-2"])
    }

    /// Spec §11 weakness 10: receipt history paginates.
    @Test func receiptHistoryPaginates() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        let jobID = try await harness.running()
        _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: .object([]))
        let empty = try await harness.submit()
        #expect(try await harness.store.receiptHistory(jobID: empty.id, clientID: "client-a").items.isEmpty)
        let page = try await harness.store.receiptHistory(jobID: jobID, clientID: "client-a", limit: 1)
        #expect(page.items.count == 1)
        #expect(page.nextCursor == nil)
        await #expect(throws: CoordinatorError.self) {
            try await harness.store.receiptHistory(jobID: jobID, clientID: "client-a", limit: 0)
        }
        await #expect(throws: CoordinatorError.jobNotFound) {
            try await harness.store.receiptHistory(jobID: String(repeating: "0", count: 32), clientID: nil)
        }
    }
}
