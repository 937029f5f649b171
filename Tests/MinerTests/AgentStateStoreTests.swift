import AITBCClient
import Foundation
import JSON
import TestSupport
import Testing

@testable import Miner

@Suite struct AgentStateStoreTests {
    @Test func recordRoundTripsAtomicallyInAPrivateDirectory() throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-state")
        let store = JobStateStore(root: workspace.url.path)
        let record = JobStateRecord(
            jobID: jid("job-a.1"), state: .reporting, runner: "cli", startedAt: 1_700_000_000_123, pid: 4242, processGroup: 4242, attempts: 3,
            pendingReport: .failure(.timeout, message: "ran past 2 s", metrics: ["duration_ms": 2001]))
        try store.write(record)
        #expect(store.read(jobID: jid("job-a.1")) == record)
        let directory = store.directory(of: jid("job-a.1"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["state.json"])
        var info = stat()
        #expect(stat(directory, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(stat("\(directory)/state.json", &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)

        var next = record
        next.state = .failed
        next.pendingReport = nil
        try store.write(next)
        #expect(store.scan() == [next])
        let text = try String(contentsOfFile: "\(directory)/state.json", encoding: .utf8)
        #expect(text.contains(#""pgid":4242"#))
        #expect(!text.contains("pending_report"))
    }

    /// A job runs as the miner's user and could hard-link one of the miner's files (its key)
    /// to `state.json.tmp`: the write must replace that name, never write through the link.
    @Test func aHardLinkPlantedAtTheTemporaryNameIsNotWrittenThrough() throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-state")
        let store = JobStateStore(root: workspace.url.path)
        let victim = workspace.path("victim.key")
        try "precious".write(toFile: victim, atomically: false, encoding: .utf8)
        #expect(mkdir(store.directory(of: jid("job-link")), 0o700) == 0)
        #expect(link(victim, store.directory(of: jid("job-link")) + "/state.json.tmp") == 0)
        try store.write(JobStateRecord(jobID: jid("job-link"), state: .running, runner: "echo", startedAt: 1))
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "precious")
        #expect(store.read(jobID: jid("job-link"))?.state == .running)
    }

    @Test(arguments: ["../x", "a/b", ".", "..", "", String(repeating: "a", count: 129), "job-1", String(repeating: "A", count: 32)])
    func invalidJobIDsNeverTouchTheDisk(jobID: String) throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-state")
        let store = JobStateStore(root: workspace.url.path)
        #expect(throws: JobStateError.self) { try store.write(JobStateRecord(jobID: jobID, state: .running, runner: "echo", startedAt: 0)) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.url.path).isEmpty)
    }

    @Test func scanSkipsGarbage() throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-state")
        let store = JobStateStore(root: workspace.url.path)
        try FileManager.default.createDirectory(atPath: workspace.path("broken"), withIntermediateDirectories: true)
        try "{not json".write(toFile: workspace.path("broken/state.json"), atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: workspace.path("empty"), withIntermediateDirectories: true)
        try store.write(JobStateRecord(jobID: jid("good"), state: .done, runner: "echo", startedAt: 1))
        #expect(store.scan().map(\.jobID) == [jid("good")])
    }

    @Test func jobIDsArePercentEncodedAsOnePathSegment() {
        #expect(PathSegment.encode("job-1.a_b") == "job-1.a_b")
        #expect(PathSegment.encode("../x") == "..%2Fx")
        #expect(PathSegment.encode("..") == "%2E%2E")
        #expect(PathSegment.encode("a b?") == "a%20b%3F")
    }

    @Test func deliveryClassification() {
        #expect(MinerAgent.delivery(of: .ok(nil)) == .delivered)
        #expect(MinerAgent.delivery(of: .rejected(status: 409, code: "CONFLICT_STATE")) == .delivered)
        #expect(MinerAgent.delivery(of: .rejected(status: 404, code: "JOB_NOT_FOUND")) == .abandoned)
        #expect(MinerAgent.delivery(of: .rejected(status: 403, code: nil)) == .abandoned)
        #expect(MinerAgent.delivery(of: .rejected(status: 503, code: nil)) == .retry)
        #expect(MinerAgent.delivery(of: .rejected(status: 429, code: nil)) == .retry)
        #expect(MinerAgent.delivery(of: .unreachable("refused")) == .retry)
    }
}
