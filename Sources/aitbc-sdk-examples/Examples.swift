// The examples docs/sdk.md shows; see main.swift.

// example: client
import AITBCClient
import JSON
import WireModels

/// Submits an echo job, waits for it, prints its result.
func clientExample(url: String, key: String) async throws {
    let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: url, apiKey: key))
    let job = try await jobs.submitJob(payload: ["type": "echo", "input": "hello compute"], ttlSeconds: 600)
    print("submitted \(job.jobID) (\(job.state))")
    let finished = try await jobs.waitForCompletion(job.jobID, timeout: .seconds(60))
    print("finished: \(finished.state)")
    switch try await jobs.result(job.jobID) {
    case .ready(let outcome): print("result: \(try outcome.result.map { try JSONSerializer().string($0) } ?? "none")")
    case .notReady: print("not ready yet")
    }
}
// end example

// example: miner
/// Registers, polls once for up to 10 s, and reports the job's payload back as its result.
func minerExample(url: String, key: String) async throws {
    let miner = MinerClient(
        configuration: AITBCConfiguration(baseURL: url, apiKey: key, extraHeaders: ["X-Miner-ID": "example-miner"]))
    let registered = try await miner.register(capabilities: ["runners": ["echo"]], concurrency: 1)
    print("registered as \(registered.minerID?.rawValue ?? "?")")
    try await miner.heartbeat(inflight: 0)
    guard let job = try await miner.poll(maxWaitSeconds: 10) else {
        print("no job")
        return
    }
    do {
        let answer = try await miner.submitResult(job.jobID, result: ["echo": job.payload], metrics: ["duration_ms": 1])
        print("reported \(job.jobID): receipt \(answer.receipt?.receiptID?.rawValue ?? "none")")
    } catch {
        // 409: the job is no longer this miner's (canceled, expired, requeued); anything else is an error.
        guard error.isRejection(409) else { throw error }
        print("the coordinator refused the result: \(error.message)")
    }
}
// end example

// example: admin
/// Prints the coordinator's statistics, its miners and its queued jobs.
func adminExample(url: String, key: String) async throws {
    let admin = AdminClient(configuration: AITBCConfiguration(baseURL: url, apiKey: key))
    let stats = try await admin.stats()
    print("jobs: \(stats.totalJobs), active: \(stats.activeJobs), miners online: \(stats.onlineMiners)")
    for miner in try await admin.miners() {
        print("\(miner.minerID)  \(miner.status.rawValue)  inflight \(miner.inflight)/\(miner.concurrency)")
    }
    for job in try await admin.jobs(state: .queued, limit: 20) {
        print("\(job.jobID)  \(job.state)  \(job.requestedAt)")
    }
}
// end example

// example: verify
import Cryptography
import Receipts

/// Verifies every receipt of a job against the coordinator's pinned public key.
func verifyExample(url: String, key: String, jobID: String, pinnedKeyHex: String) async throws {
    // The key the coordinator's operator gave you (`GET /v1/keys` over an untrusted network
    // is only trust on first use).
    let pinned = try Ed25519.PublicKey(hex: pinnedKeyHex)
    guard let id = JobID(jobID) else { throw AITBCError(kind: .invalidRequest, code: "INVALID_JOB_ID", message: jobID) }
    let jobs = JobsClient(configuration: AITBCConfiguration(baseURL: url, apiKey: key))
    let status = try await jobs.receiptStatus(id, trustedKeys: [pinned])
    for item in status.receipts {
        print("receipt \(item.receiptID): signature \(item.verification.signature.status) (key \(item.verification.signature.keyID ?? "?"))")
        for attestation in item.verification.attestations {
            print("  attestation \(attestation.status) (key \(attestation.keyID ?? "?"))")
        }
    }
    print("\(status.verifiedCount)/\(status.total) verified")
}
// end example

// example: chain
/// Sends AIT from the account of `seedHex` to `to` and waits until the transfer is in a block.
func chainExample(url: String, seedHex: String, to: String, amount: UInt64) async throws {
    let key = try Ed25519.PrivateKey(seedHex: seedHex)
    guard let recipient = Address(to) else { throw AITBCError(kind: .invalidRequest, code: "INVALID_ADDRESS", message: to) }
    let chain = ChainClient(configuration: ChainConfiguration(baseURL: url, chainID: "ait-devnet"))
    let account = try await chain.account(Address(publicKey: key.publicKey))
    print("\(account.address): balance \(account.balance), next nonce \(account.nextNonce)")
    // Nonce from the node, fee from its estimate, signed here: the key never leaves the process.
    let sent = try await chain.transfer(from: key, to: recipient, amount: amount)
    print("sent \(sent.txHash) (\(sent.status))")
    let included = try await chain.waitForInclusion(sent.txHash, timeout: .seconds(30))
    print("included in block \(included.blockHeight.map(String.init) ?? "?")")
}
// end example
