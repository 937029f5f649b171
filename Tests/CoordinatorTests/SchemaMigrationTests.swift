import Coordinator
import JSON
import SQLite
import TestSupport
import Testing
import WireModels

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
        let loneID = String(repeating: "e", count: 32)
        let loneReceiptID = String(repeating: "f", count: 32)
        let loneReceiptText = #"{"job_id":"\#(loneID)","receipt_id":"\#(loneReceiptID)","units":2}"#
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
                // A receipt only in its job row (not written by this code: restored by hand).
                try db.execute(
                    """
                    INSERT INTO job(id, client_id, state, payload, ttl_seconds, requested_at, expires_at, assigned_miner_id,
                        started_at, completed_at, result, result_hash, metrics, receipt, receipt_id, attempts)
                    VALUES (?, 'client-a', 'COMPLETED', '{}', 900, 5000, 905000, 'miner-1', 5100, 5200, '{}', 'h2', '{}', ?, ?, 1)
                    """, [loneID, loneReceiptText, loneReceiptID])
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
        // The receipt that lived only in its job row got its history row and reads as before.
        let lone = try JSONParser(limits: .init(maxInputBytes: 1 << 20)).parse(Array(loneReceiptText.utf8))
        #expect(try await store.latestReceipt(jobID: loneID, clientID: "client-a") == lone)
        #expect(try await store.receiptHistory(jobID: loneID, clientID: "client-a").items == [lone])
        let seqs: [Int64] = try await store.database.read { db in
            try db.query("SELECT seq FROM job ORDER BY rowid").map { try $0.get(0) }
        }
        #expect(seqs == [1, 2, 3])
        // The copies in the job rows are gone; the history rows are the one store.
        let copies: Int = try await store.database.read { db in
            try db.queryOne("SELECT COUNT(*) FROM job WHERE receipt IS NOT NULL")?.get(0) ?? -1
        }
        #expect(copies == 0)
        let unindexed: Int = try await store.database.read { db in
            try db.queryOne(
                "SELECT (SELECT COUNT(*) FROM job_event WHERE job_seq IS NULL) + (SELECT COUNT(*) FROM jobreceipt WHERE job_seq IS NULL) + (SELECT COUNT(*) FROM job WHERE seq IS NULL)"
            )?
                .get(0) ?? -1
        }
        #expect(unindexed == 0)
        let indexes: Set<String> = try await store.database.read { db in
            Set(try db.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%'").map { try $0.get(0) })
        }
        #expect(indexes.isSuperset(of: ["job_seq", "job_event_job_seq", "jobreceipt_job_seq", "job_running_miner", "jobreceipt_receipt_id"]))
        #expect(indexes.isDisjoint(with: ["job_event_job", "jobreceipt_job", "job_assigned", "job_client", "job_receipt_id"]))
        // History rows stay append-only after the migration rebuilt their triggers.
        await #expect(throws: SQLiteError.self) {
            try await store.database.write { db in try db.execute("UPDATE job_event SET actor = 'x'") }
        }
        await #expect(throws: SQLiteError.self) {
            try await store.database.write { db in try db.execute("UPDATE jobreceipt SET payload = '{}'") }
        }
    }

    /// Schema v3 (issue 10) on a database written by schema v2: QUEUED and RUNNING jobs get
    /// their (client, constraints) queue with the right counters, claims find the queued ones,
    /// and a RUNNING job requeued after the upgrade goes back to its queue.
    @Test func aVersionTwoDatabaseGetsItsQueues() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-migration-v3")
        let path = directory.path("coordinator.db")
        let ids = (0..<5).map { String(repeating: String($0), count: 32) }
        do {
            let versionTwo = try Database(path: path, migrator: Migrator(Array(CoordinatorSchema.migrator.migrations.prefix(2))))
            try await versionTwo.write { db in
                let rows: [(String, String, String, String?)] = [
                    (ids[0], "client-a", "QUEUED", nil), (ids[1], "client-a", "QUEUED", nil), (ids[2], "client-b", "RUNNING", "miner-1"),
                    (ids[3], "client-b", "COMPLETED", "miner-1"), (ids[4], "client-a", "QUEUED", nil),
                ]
                for (seq, row) in rows.enumerated() {
                    let constraints = row.0 == ids[4] ? #"{"gpu":"H100"}"# : "{}"
                    try db.execute(
                        """
                        INSERT INTO job(id, client_id, state, payload, constraints, ttl_seconds, requested_at, expires_at, assigned_miner_id,
                            started_at, seq)
                        VALUES (?, ?, ?, '{}', ?, 900, ?, 99999999999999, ?, ?, ?)
                        """, [row.0, row.1, row.2, constraints, seq, row.3, row.3 == nil ? nil : 10, seq + 1])
                }
                try db.execute(
                    "INSERT INTO miner(id, capabilities, concurrency, inflight, last_heartbeat, registered_at) VALUES ('miner-1', '{}', 4, 1, 0, 0)")
            }
        }
        var configuration = CoordinatorConfiguration()
        configuration.databasePath = path
        configuration.dataDirectory = directory.path("data")
        let clock = ManualClock()
        let store = try await CoordinatorStore.open(configuration: configuration, clock: clock)
        let queues: [String] = try await store.database.read { db in
            try db.query("SELECT client_id || ' ' || constraints || ' ' || queued FROM job_queue ORDER BY id").map { try $0.get(0) }
        }
        #expect(queues == ["client-a {} 2", "client-b {} 0", #"client-a {"gpu":"H100"} 1"#])
        let unqueued: Int = try await store.database.read { db in
            try db.queryOne("SELECT COUNT(*) FROM job WHERE queue_id IS NULL AND state IN ('QUEUED', 'RUNNING')")?.get(0) ?? -1
        }
        #expect(unqueued == 0)
        // The silent miner's RUNNING job goes back to client-b's queue, then every plain job is claimed.
        clock.advance(seconds: 3_600)
        _ = try await store.registerMiner(minerID: "miner-2", MinerRegistration(capabilities: .object([]), concurrency: 8))
        #expect(try await store.sweep().requeuedJobs == 1)
        var claimed: Set<String> = []
        while let job = try await store.claimNextJob(minerID: "miner-2") { claimed.insert(job.jobID) }
        #expect(claimed == [ids[0], ids[1], ids[2]])
        let left: Int = try await store.database.read { db in try db.queryOne("SELECT SUM(queued) FROM job_queue")?.get(0) ?? -1 }
        #expect(left == 1)
    }

    /// A fresh store with three jobs completed by miner-1, a second apart, in order.
    static func threeCompletedJobs() async throws -> (CoordinatorHarness, [String]) {
        let harness = try await CoordinatorHarness.make()
        try await harness.register("miner-1")
        var jobIDs: [String] = []
        for _ in 0..<3 {
            let jobID = try await harness.running()
            _ = try await harness.store.complete(jobID: jobID, minerID: "miner-1", result: ["ok": true])
            harness.clock.advance(seconds: 1)
            jobIDs.append(jobID)
        }
        return (harness, jobIDs)
    }

    /// New history rows point at their job's sequence number, and receipt history rows get
    /// time-ordered ids.
    @Test func newRowsCarryTheJobSequenceNumber() async throws {
        let (harness, jobIDs) = try await Self.threeCompletedJobs()
        let mismatched = try await harness.count(
            "job_event", where: "job_seq IS NOT (SELECT seq FROM job WHERE job.id = job_event.job_id)")
        #expect(mismatched == 0)
        #expect(try await harness.count("jobreceipt", where: "job_seq IS NOT (SELECT seq FROM job WHERE job.id = jobreceipt.job_id)") == 0)
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

    /// History stays attached to its job when rowids change: a table whose primary key is not an
    /// INTEGER PRIMARY KEY may get new rowids from VACUUM or a dump and restore without
    /// `--preserve-rowids`; `seq` is a column and does not move.
    @Test func historySurvivesRenumberedRowids() async throws {
        let (harness, jobIDs) = try await Self.threeCompletedJobs()
        // A gap before the others (as a retention job would leave), then the rowids closed up
        // the way a restore would number them.
        let first = jobIDs[0]
        try await harness.store.database.writeWithoutTransaction { db in
            try db.execute("PRAGMA foreign_keys = OFF")
            try db.execute("DROP TRIGGER job_event_append_only_delete")
            try db.execute("DROP TRIGGER jobreceipt_append_only_delete")
            try db.execute("DELETE FROM job_event WHERE job_id = ?", [first])
            try db.execute("DELETE FROM jobreceipt WHERE job_id = ?", [first])
            try db.execute("DELETE FROM job WHERE id = ?", [first])
            try db.execute("UPDATE job SET rowid = 1 WHERE rowid = 2")
            try db.execute("UPDATE job SET rowid = 2 WHERE rowid = 3")
            try db.execute("VACUUM")
            try db.execute("PRAGMA foreign_keys = ON")
        }
        let rowids: [Int64] = try await harness.store.database.read { db in
            try db.query("SELECT rowid FROM job ORDER BY rowid").map { try $0.get(0) }
        }
        #expect(rowids == [1, 2])
        for jobID in jobIDs.dropFirst() {
            #expect(try await harness.store.events(jobID: jobID).map(\.to) == [.queued, .running, .completed])
            let history = try await harness.store.receiptHistory(jobID: jobID, clientID: "client-a").items
            #expect(history.count == 1 && history.first?["job_id"]?.stringValue == jobID)
        }
        // And the next job continues the sequence.
        let next = try await harness.submit()
        let nextSeq: Int64? = try await harness.store.database.read { db in try db.queryOne("SELECT seq FROM job WHERE id = ?", [next.id])?.get(0) }
        #expect(nextSeq == 4)
    }

    /// A history row without its job's sequence number is refused, not silently orphaned.
    @Test func historyRowsWithoutASequenceNumberAreRefused() async throws {
        let harness = try await CoordinatorHarness.make()
        await #expect(throws: SQLiteError.self) {
            try await harness.store.database.write { db in
                try db.execute("INSERT INTO job_event(job_id, to_state, at, actor) VALUES ('x', 'QUEUED', 1, 'test')")
            }
        }
        await #expect(throws: SQLiteError.self) {
            try await harness.store.database.write { db in
                try db.execute(
                    "INSERT INTO job(id, client_id, state, payload, ttl_seconds, requested_at, expires_at) VALUES ('y', 'c', 'QUEUED', '{}', 1, 1, 2)")
            }
        }
    }
}
