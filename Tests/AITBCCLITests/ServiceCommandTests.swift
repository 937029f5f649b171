import AITBCClient
import Cryptography
import Foundation
import JSON
import Sockets
import TestSupport
import Testing
import WireModels

/// `aitbc job …`, `receipt fetch` and `miner list` — the real binary against a real
/// `aitbc-coordinator` on 127.0.0.1; a miner played by the SDK's `MinerClient`.
@Suite struct ServiceCommandTests {
    /// A miner (the SDK's client) that claims the next job and reports a result for it.
    static func completeNextJob(_ harness: ServiceCommandHarness, expecting jobID: String) async throws {
        let miner = MinerClient(configuration: AITBCConfiguration(baseURL: harness.url, apiKey: ServiceCommandHarness.minerKey))
        do {
            _ = try await miner.register(capabilities: ["gpus": [["name": "RTX 4090", "memory_mb": 24576]]], concurrency: 1)
            let assigned = try #require(try await miner.poll(maxWaitSeconds: 5))
            #expect(assigned.jobID.rawValue == jobID)
            _ = try await miner.submitResult(assigned.jobID, result: ["output": "hello"], metrics: ["duration_ms": 5])
        } catch {
            await miner.transport.shutdown()
            throw error
        }
        await miner.transport.shutdown()
    }

    @Test func submitStatusCancel() async throws {
        try await ServiceCommandHarness.with { harness in
            let jobID = try await harness.submitEcho()
            let status = try await harness.client(["job", "status", jobID])
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("job_id             \(jobID)"), "\(status.stdout)")
            #expect(status.stdout.contains("state              QUEUED"), "\(status.stdout)")
            // No result before the job ends: a clear sentence and exit 1.
            let early = try await harness.client(["job", "result", jobID])
            #expect(early.status == 1)
            #expect(early.stderr.contains("is not finished yet"), "\(early.stderr)")
            let cancel = try await harness.client(["job", "cancel", jobID, "--json"])
            #expect(cancel.status == 0, "\(cancel.stderr)")
            #expect(try CLIFixtures.json(cancel)["state"]?.stringValue == "CANCELED")
            // A job that ended cannot be canceled again (409): exit 1.
            let again = try await harness.client(["job", "cancel", jobID])
            #expect(again.status == 1)
            #expect(again.stderr.contains("409"), "\(again.stderr)")
            // It ended otherwise than COMPLETED: wait says so with exit 1.
            let wait = try await harness.client(["job", "wait", jobID, "--timeout", "5"])
            #expect(wait.status == 1)
            #expect(wait.stderr.contains("ended CANCELED"), "\(wait.stderr)")
        }
    }

    @Test func jsonOutputIsTheWireEncoding() async throws {
        try await ServiceCommandHarness.with { harness in
            let jobID = try await harness.submitEcho()
            let status = try await harness.client(["job", "status", jobID, "--json"])
            #expect(status.status == 0, "\(status.stderr)")
            let view = try JobView(json: try CLIFixtures.json(status))
            #expect(status.stdout == view.text + "\n")
            #expect(view.jobID.rawValue == jobID)
            let list = try await harness.admin(["job", "list", "--json", "--limit", "5"])
            #expect(list.status == 0, "\(list.stderr)")
            let page = try ListPage<AdminJobItem>(json: try CLIFixtures.json(list))
            #expect(list.stdout == page.text + "\n")
            #expect(page.items.map(\.jobID.rawValue) == [jobID])
        }
    }

    @Test func aMinerCompletesTheJobAndItsReceiptVerifies() async throws {
        try await ServiceCommandHarness.with { harness in
            let jobID = try await harness.submitEcho()
            try await Self.completeNextJob(harness, expecting: jobID)
            let wait = try await harness.client(["job", "wait", jobID, "--timeout", "30"])
            #expect(wait.status == 0, "\(wait.stderr)")
            #expect(wait.stdout.contains("COMPLETED"))
            let result = try await harness.client(["job", "result", jobID])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains(#"result      {"output":"hello"}"#), "\(result.stdout)")
            let resultJSON = try await harness.client(["job", "result", jobID, "--json"])
            let answer = try JobResultResponse(json: try CLIFixtures.json(resultJSON))
            #expect(resultJSON.stdout == answer.text + "\n")

            let pub = harness.signingKey.publicKey.hex
            let verified = try await harness.client(["receipt", "fetch", jobID, "--verify", "--key-hex", pub])
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.contains("signature key_id=\(harness.signingKey.publicKey.keyID): valid"), "\(verified.stdout)")
            #expect(verified.stdout.contains("verified: 1 of 1 signatures valid"), "\(verified.stdout)")
            let keysURL = try await harness.client(["receipt", "fetch", jobID, "--all", "--verify", "--keys-url", harness.url, "--json"])
            #expect(keysURL.status == 0, "\(keysURL.stderr)")
            #expect(try CLIFixtures.json(keysURL)["items"]?.arrayValue?.first?["verification"]?["verified"]?.boolValue == true)

            let stranger = Ed25519.PrivateKey.generate().publicKey.hex
            let wrong = try await harness.client(["receipt", "fetch", jobID, "--verify", "--key-hex", stranger])
            #expect(wrong.status == 1)
            #expect(wrong.stdout.contains(": unknown_key"), "\(wrong.stdout)")
            #expect(wrong.stderr.contains("did not verify"), "\(wrong.stderr)")

            let miners = try await harness.admin(["miner", "list"])
            #expect(miners.status == 0, "\(miners.stderr)")
            #expect(miners.stdout.hasPrefix("MINER_ID"), "\(miners.stdout)")
            #expect(miners.stdout.contains("m1 "), "\(miners.stdout)")
        }
    }

    @Test func submitWaitFollowsTheJobToItsEnd() async throws {
        try await ServiceCommandHarness.with { harness in
            let payload = try harness.write(#"{"type":"echo","prompt":"wait"}"#, to: "payload.json")
            async let submitted = harness.client(["job", "submit", "--payload", payload, "--wait", "--timeout", "60", "--json"])
            let miner = MinerClient(configuration: AITBCConfiguration(baseURL: harness.url, apiKey: ServiceCommandHarness.minerKey))
            _ = try await miner.register(capabilities: ["gpus": [["name": "RTX 4090", "memory_mb": 24576]]], concurrency: 1)
            var assigned: AssignedJob?
            while assigned == nil { assigned = try await miner.poll(maxWaitSeconds: 10) }
            let job = try #require(assigned)
            _ = try await miner.submitResult(job.jobID, result: ["output": "wait"], metrics: ["duration_ms": 5])
            await miner.transport.shutdown()
            let run = try await submitted
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try CLIFixtures.json(run)["state"]?.stringValue == "COMPLETED")
        }
    }

    @Test func promptAndModelBuildTheInferencePayloadAndAnIdempotencyKeyReturnsTheSameJob() async throws {
        try await ServiceCommandHarness.with { harness in
            let arguments = ["job", "submit", "--prompt", "Say hello", "--model", "llama3", "--idempotency-key", "cli-test-1", "--json"]
            let first = try await harness.client(arguments)
            #expect(first.status == 0, "\(first.stderr)")
            let again = try await harness.client(arguments)
            #expect(again.status == 0, "\(again.stderr)")
            let id = try #require(try CLIFixtures.json(first)["job_id"]?.stringValue)
            #expect(try CLIFixtures.json(again)["job_id"]?.stringValue == id)
            let miner = MinerClient(configuration: AITBCConfiguration(baseURL: harness.url, apiKey: ServiceCommandHarness.minerKey))
            _ = try await miner.register(capabilities: ["models": ["llama3"]], concurrency: 1)
            let assigned = try #require(try await miner.poll(maxWaitSeconds: 5))
            await miner.transport.shutdown()
            #expect(assigned.jobID.rawValue == id)
            #expect(assigned.payload == ["type": "ollama.generate", "model": "llama3", "prompt": "Say hello"])
            // Still running: a wait that runs out says so, exit 1.
            let wait = try await harness.client(["job", "wait", id, "--timeout", "1"])
            #expect(wait.status == 1)
            #expect(wait.stderr.contains("not finished within"), "\(wait.stderr)")
        }
    }

    @Test func constraintsAreCheckedBeforeTheyAreSent() async throws {
        try await ServiceCommandHarness.with { harness in
            let payload = try harness.write(#"{"type":"echo"}"#, to: "payload.json")
            let misspelt = try harness.write(#"{"max_prise":1}"#, to: "constraints.json")
            let refused = try await harness.client(["job", "submit", "--payload", payload, "--constraints", misspelt])
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("max_prise"), "\(refused.stderr)")
            let region = try harness.write(#"{"region":"eu-west"}"#, to: "region.json")
            let accepted = try await harness.client(["job", "submit", "--payload", payload, "--constraints", region, "--ttl", "60"])
            #expect(accepted.status == 0, "\(accepted.stderr)")
            #expect(accepted.stdout.contains("state              QUEUED"), "\(accepted.stdout)")
            let miners = try await harness.admin(["miner", "list", "--json"])
            #expect(miners.status == 0, "\(miners.stderr)")
            let page = try ListPage<AdminMinerItem>(json: try CLIFixtures.json(miners))
            #expect(miners.stdout == page.text + "\n")
            let badState = try await harness.admin(["job", "list", "--state", "DONE"])
            #expect(badState.status == 2)
            #expect(badState.stderr.contains("QUEUED"), "\(badState.stderr)")
        }
    }

    @Test func everyExitStatus() async throws {
        try await ServiceCommandHarness.with { harness in
            let unknown = String(repeating: "0", count: 32)
            // 1: no such job (404), no receipt for a job that has none.
            let missing = try await harness.client(["job", "status", unknown])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("JOB_NOT_FOUND"), "\(missing.stderr)")
            let queued = try await harness.submitEcho()
            let noReceipt = try await harness.client(["receipt", "fetch", queued])
            #expect(noReceipt.status == 1, "\(noReceipt.stderr)")
            let noHistory = try await harness.client(["receipt", "fetch", queued, "--all"])
            #expect(noHistory.status == 1, "\(noHistory.stderr)")
            #expect(noHistory.stderr.contains("has no receipts"), "\(noHistory.stderr)")
            // 2: a malformed job id is refused before anything is sent.
            let malformed = try await harness.client(["job", "status", "../admin"])
            #expect(malformed.status == 2, "\(malformed.stderr)")
            // 3: an unknown key, and a client key on an admin route.
            let badKey = try await harness.run(["job", "status", queued, "--url", harness.url], environment: ["AITBC_API_KEY": "not-a-configured-key"])
            #expect(badKey.status == 3, "\(badKey.stderr)")
            #expect(!badKey.stderr.contains("not-a-configured-key"))
            let notAdmin = try await harness.client(["miner", "list"])
            #expect(notAdmin.status == 3, "\(notAdmin.stderr)")
            // The key from a 0600 file works as well as from the environment.
            let keyFile = try harness.write(ServiceCommandHarness.adminKey + "\n", to: "admin.key")
            let fromFile = try await harness.run(["job", "list", "--url", harness.url, "--key-file", keyFile])
            #expect(fromFile.status == 0, "\(fromFile.stderr)")
            #expect(fromFile.stdout.hasPrefix("JOB_ID"), "\(fromFile.stdout)")
        }
        // 4: nothing listens on the port.
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let port = refusing.port
        let unreachable = try await CLIFixtures.runAsync(
            ["job", "status", String(repeating: "ab", count: 16), "--url", "http://127.0.0.1:\(port)"],
            environment: ["AITBC_API_KEY": "some-key-value"])
        #expect(unreachable.status == 4, "\(unreachable.stderr)")
        #expect(unreachable.stderr.contains("cannot reach the coordinator"), "\(unreachable.stderr)")
    }
}
