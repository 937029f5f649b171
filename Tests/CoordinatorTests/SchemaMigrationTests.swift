import Coordinator
import JSON
import SQLite
import TestSupport
import Testing

/// Schema v2 (write locality) on a database written by schema v1: history found by job rowid,
/// receipts read from `jobreceipt` only, nothing lost on the way.
@Suite struct SchemaMigrationTests {
    @Test func aVersionOneDatabaseKeepsItsHistoryAndReceipts() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-migration")
        let path = directory.path("coordinator.db")
        let jobID = String(repeating: "a", count: 32)
        let otherID = String(repeating: "b", count: 32)
        let receiptID = String(repeating: "c", count: 32)
        let receiptText = #"{"job_id":"\#(jobID)","receipt_id":"\#(receiptID)","units":1}"#
        do {
            let versionOne = try Database(path: path, migrator: Migrator(Array(CoordinatorSchema.migrator.migrations.prefix(1))))
            try await versionOne.write { db in
                // A job submitted first that is still queued, so the completed one's rowid is 2.
                try db.execute(
                    """
                    INSERT INTO job(id, client_id, state, payload, ttl_seconds, requested_at, expires_at)
                    VALUES (?, 'client-a', 'QUEUED', '{}', 900, 1000, 901000)
                    """, [otherID])
                try db.execute(
                    """
                    INSERT INTO job(id, client_id, state, payload, ttl_seconds, requested_at, expires_at, assigned_miner_id,
                        started_at, completed_at, result, result_hash, metrics, receipt, receipt_id, attempts)
                    VALUES (?, 'client-a', 'COMPLETED', '{"task":"x"}', 900, 2000, 902000, 'miner-1', 3000, 4000,
                        '{"text":"done"}', 'h', '{}', ?, ?, 1)
                    """, [jobID, receiptText, receiptID])
                try db.execute(
                    "INSERT INTO jobreceipt(id, job_id, receipt_id, payload, created_at) VALUES (?, ?, ?, ?, 4000)",
                    [String(repeating: "d", count: 32), jobID, receiptID, receiptText])
                for (from, to, at) in [(nil, "QUEUED", 2000), ("QUEUED", "RUNNING", 3000), ("RUNNING", "COMPLETED", 4000)] {
                    try db.execute(
                        "INSERT INTO job_event(job_id, from_state, to_state, at, actor) VALUES (?, ?, ?, ?, 'test')",
                        [jobID, from, to, at])
                }
                try db.execute(
                    "INSERT INTO job_event(job_id, from_state, to_state, at, actor) VALUES (?, NULL, 'QUEUED', 1000, 'test')", [otherID])
            }
        }

        var configuration = CoordinatorConfiguration()
        configuration.databasePath = path
        configuration.dataDirectory = directory.path("data")
        let store = try await CoordinatorStore.open(configuration: configuration, clock: ManualClock())
        let version: Int = try await store.database.read { db in try Migrator.currentVersion(of: db) }
        #expect(version == CoordinatorSchema.migrator.latestVersion)

        let events = try await store.events(jobID: jobID)
        #expect(events.map(\.to) == [.queued, .running, .completed])
        #expect(try await store.events(jobID: otherID).map(\.to) == [.queued])
        let receipt = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(receiptText)
        #expect(try await store.latestReceipt(jobID: jobID, clientID: "client-a") == receipt)
        #expect(try await store.result(jobID: jobID, clientID: "client-a").receipt == receipt)
        #expect(try await store.receiptHistory(jobID: jobID, clientID: "client-a").items == [receipt])
        #expect(try await store.explorerReceipts(jobID: jobID).map(\.receiptID) == [receiptID])
        // The copy in the job row is gone; the history row is the one store.
        let copies: Int = try await store.database.read { db in
            try db.queryOne("SELECT COUNT(*) FROM job WHERE receipt IS NOT NULL")?.get(0) ?? -1
        }
        #expect(copies == 0)
        let unindexed: Int = try await store.database.read { db in
            try db.queryOne("SELECT (SELECT COUNT(*) FROM job_event WHERE job_seq IS NULL) + (SELECT COUNT(*) FROM jobreceipt WHERE job_seq IS NULL)")?
                .get(0) ?? -1
        }
        #expect(unindexed == 0)
        let indexes: Set<String> = try await store.database.read { db in
            Set(try db.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").map { try $0.get(0) })
        }
        #expect(indexes.isSuperset(of: ["job_event_job_seq", "jobreceipt_job_seq", "job_running_miner", "jobreceipt_receipt_id"]))
        #expect(indexes.isDisjoint(with: ["job_event_job", "jobreceipt_job", "job_assigned", "job_client", "job_receipt_id"]))
        // History rows stay append-only after the migration rebuilt their triggers.
        await #expect(throws: SQLiteError.self) {
            try await store.database.write { db in try db.execute("UPDATE job_event SET actor = 'x'") }
        }
        await #expect(throws: SQLiteError.self) {
            try await store.database.write { db in try db.execute("UPDATE jobreceipt SET payload = '{}'") }
        }
    }

    /// New history rows point at their job's rowid, and receipt history rows get time-ordered ids.
    @Test func newRowsCarryTheJobRowid() async throws {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        var jobIDs: [String] = []
        for _ in 0..<3 {
            let jobID = try await harness.running()
            _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["ok": true])
            harness.clock.advance(seconds: 1)
            jobIDs.append(jobID)
        }
        let mismatched = try await harness.count(
            "job_event", where: "job_seq IS NOT (SELECT rowid FROM job WHERE job.id = job_event.job_id)")
        #expect(mismatched == 0)
        #expect(try await harness.count("jobreceipt", where: "job_seq IS NOT (SELECT rowid FROM job WHERE job.id = jobreceipt.job_id)") == 0)
        let ids: [String] = try await harness.store.database.read { db in
            try db.query("SELECT id FROM jobreceipt ORDER BY rowid").map { try $0.get(0) }
        }
        #expect(ids.count == 3)
        #expect(ids == ids.sorted())
        #expect(ids.allSatisfy { $0.utf8.count == 32 && Array($0.utf8)[12] == UInt8(ascii: "7") })
        for jobID in jobIDs {
            #expect(try await harness.store.events(jobID: jobID).map(\.to) == [.queued, .running, .completed])
            #expect(try await harness.store.receiptHistory(jobID: jobID, clientID: "client-a").items.count == 1)
        }
    }
}
