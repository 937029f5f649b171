import Foundation
import Glibc
import ServiceRuntime
import TestSupport
import Testing

@testable import Miner

/// spec/miner.md §8: finished job folders are removed after retention; running and
/// reporting jobs never are.
@Suite struct AgentRetentionTests {
    @Test func finishedFoldersGoAfterTheirRetentionAndNothingElseDoes() throws {
        let workspace = try TemporaryDirectory(prefix: "aitbc-miner-retention")
        let store = JobStateStore(root: workspace.url.path)
        let states: [(String, JobStateRecord.State)] = [
            (jid("job-done"), .done), (jid("job-failed"), .failed), (jid("job-abandoned"), .abandoned), (jid("job-running"), .running),
            (jid("job-reporting"), .reporting),
        ]
        for (id, state) in states {
            try store.write(JobStateRecord(jobID: id, state: state, runner: "echo", startedAt: 1))
            #expect(mkdir(store.directory(of: id) + "/output", 0o700) == 0)
        }
        // A folder that is not a job's, and a symlink a job planted pointing outside: untouched.
        let outside = workspace.path("outside.txt")
        try "keep me".write(toFile: outside, atomically: false, encoding: .utf8)
        #expect(symlink(outside, store.directory(of: jid("job-done")) + "/output/link") == 0)
        #expect(mkdir(workspace.path("not a job"), 0o700) == 0)

        let hour: Duration = .seconds(3600)
        // Two hours later: only the completed job (kept one hour) is past retention.
        let soon = store.removeExpired(keepSucceeded: hour, keepFailed: hour * 24, now: Date().addingTimeInterval(2 * 3600))
        #expect(soon == [jid("job-done")])
        #expect(!FileManager.default.fileExists(atPath: store.directory(of: jid("job-done"))))
        #expect(try String(contentsOfFile: outside, encoding: .utf8) == "keep me")
        // Two days later: the failed and abandoned ones too; running/reporting stay.
        let later = store.removeExpired(keepSucceeded: hour, keepFailed: hour * 24, now: Date().addingTimeInterval(48 * 3600))
        #expect(later.sorted() == [jid("job-abandoned"), jid("job-failed")].sorted())
        #expect(store.scan().map(\.jobID).sorted() == [jid("job-reporting"), jid("job-running")].sorted())
        #expect(FileManager.default.fileExists(atPath: workspace.path("not a job")))
    }

    @Test func retentionIsConfigurable() throws {
        let defaults = try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_COORDINATOR__AUTH_TOKEN": "t"])
        #expect(defaults.keepSucceeded == .seconds(24 * 3600))
        #expect(defaults.keepFailed == .seconds(7 * 24 * 3600))
        let custom = try MinerConfiguration.load(
            configPath: nil, environment: ["AITBC_MINER_WORKSPACE__KEEP_SUCCESS": "2h", "AITBC_MINER_WORKSPACE__KEEP_FAILED": "30m"])
        #expect(custom.keepSucceeded == .seconds(7200))
        #expect(custom.keepFailed == .seconds(1800))
        #expect(throws: ConfigurationError.self) {
            try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_WORKSPACE__KEEP_FAILED": "-1"])
        }
    }
}
