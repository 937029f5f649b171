import AITBCClient
import Coordinator
import JSON
import Testing
import WireModels

/// Every miner- and admin-role method of the SDK against a real coordinator over loopback.
@Suite struct MinerAdminRoleTests {
    @Test func minerLifecycle() async throws {
        try await LiveCoordinator.with { live in
            let miner = live.miner
            let registered = try await miner.register(capabilities: ["runners": ["echo"]], concurrency: 2, region: "eu")
            #expect(registered.minerID?.rawValue == "m1")
            try await miner.heartbeat(inflight: 0, status: .online, metadata: ["load": 0.1])
            #expect(try await miner.poll(maxWaitSeconds: 0) == nil)

            let first = try await live.jobs.submitJob(payload: ["type": "echo"])
            let second = try await live.jobs.submitJob(payload: ["type": "echo"])
            let one = try #require(try await miner.poll(maxWaitSeconds: 1))
            #expect(one.jobID == first.jobID)
            try await miner.start(one.jobID)
            let answer = try await miner.submitResult(one.jobID, result: ["ok": true], metrics: ClientRoleTests.metrics)
            #expect(answer.status == "ok")
            #expect(answer.receipt?.json["job_id"]?.stringValue == first.jobID.rawValue)

            let two = try #require(try await miner.poll(maxWaitSeconds: 1))
            #expect(two.jobID == second.jobID)
            try await miner.heartbeat(inflight: 1, jobs: [two.jobID])
            try await miner.submitFailure(two.jobID, errorCode: "E_RUNTIME", errorMessage: "broke", metrics: ["duration_ms": 1])
            let failed = try await live.jobs.job(two.jobID)
            #expect(failed.state == .known(.failed))
            #expect(failed.error == "E_RUNTIME: broke")

            try await miner.drain()
            try await miner.heartbeat(inflight: 0, status: .draining)
        }
    }

    @Test func anUnregisteredMinerIsNotFound() async throws {
        try await LiveCoordinator.with { live in
            await #expect {
                try await live.miner.heartbeat(inflight: 0)
            } throws: { error in
                (error as? AITBCError)?.status == 404
            }
        }
    }

    @Test func hmacSignedBodiesAreAccepted() async throws {
        let secret = Array("body-secret".utf8)
        try await LiveCoordinator.with(configure: { $0.hmacSecret = secret }) { live in
            var configuration = live.configuration(key: LiveCoordinator.minerKey)
            await #expect {
                _ = try await MinerClient(configuration: configuration).register(capabilities: [:])
            } throws: { error in
                (error as? AITBCError)?.status == 401
            }
            configuration.bodySecret = secret
            let registered = try await MinerClient(configuration: configuration).register(capabilities: [:])
            #expect(registered.status == "ok")
        }
    }

    @Test func adminListings() async throws {
        try await LiveCoordinator.with { live in
            _ = try await live.miner.register(capabilities: [:])
            let job = try await live.jobs.submitJob(payload: ["type": "echo"])
            let stats = try await live.admin.stats()
            #expect(stats.totalJobs == 1)
            #expect(stats.activeJobs == 1)
            let queued = try await live.admin.jobs(state: .queued, limit: 5)
            #expect(queued.map(\.jobID) == [job.jobID])
            #expect(try await live.admin.jobs(state: .completed).isEmpty)
            let miners = try await live.admin.miners()
            #expect(miners.map(\.minerID.rawValue) == ["m1"])
            // The client key is not an admin key.
            await #expect {
                _ = try await AdminClient(configuration: live.configuration(key: LiveCoordinator.clientKey)).stats()
            } throws: { error in
                (error as? AITBCError)?.status == 401
            }
        }
    }
}
