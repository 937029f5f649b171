import Foundation
import ServiceRuntime
import Testing
import TestSupport

@testable import SQLite

#if canImport(Glibc)
    import Glibc
#endif

/// A writer process killed with SIGKILL mid-transaction must leave a database that passes
/// `PRAGMA integrity_check` and shows only whole transactions. The child is the
/// `sqlite-crash-child` executable (Tests/SQLiteCrashChild), which writes through this module.
@Suite(.serialized) struct CrashSafetyTests {
    static let rowsPerTransaction = 40

    /// The child binary: `$SQLITE_CRASH_CHILD`, or built next to the test bundle.
    static func childURL() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["SQLITE_CRASH_CHILD"] {
            return URL(fileURLWithPath: path)
        }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Darwin the test bundle's executable sits inside <name>.xctest/Contents/MacOS.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("sqlite-crash-child")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ChildNotBuilt()
    }

    struct ChildNotBuilt: Error, CustomStringConvertible {
        var description: String { "sqlite-crash-child not found: run `swift build --build-tests` (it builds every target)" }
    }

    struct ChildExited: Error {}

    /// Runs the child on `path`, kills it per `killWhen`, and returns after it has died.
    static func runAndKill(path: String, mode: String, stallAfter: Int?) throws {
        let directory = try TemporaryDirectory(prefix: "sqlite-crash-child")
        let child = try ChildProcess(
            try childURL().path, [path, mode, "\(rowsPerTransaction)"] + (stallAfter.map { ["\($0)"] } ?? []),
            environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        defer {
            // Only the child this test started, by its pid.
            child.send(SIGKILL)
            _ = child.waitBlocking(timeout: .seconds(30))
        }
        if stallAfter != nil {
            // Deterministic: the child is inside an open transaction with spilled WAL frames.
            guard child.waitForOutputBlocking(containing: "stalled", timeout: .seconds(60)) else { throw ChildExited() }
        } else {
            // Free-running: kill at an arbitrary point of its write loop.
            guard child.waitForOutputBlocking(containing: "ready", timeout: .seconds(60)) else { throw ChildExited() }
            usleep(UInt32.random(in: 50_000...250_000))
        }
        #expect(kill(child.pid, SIGKILL) == 0)
        #expect(child.waitBlocking(timeout: .seconds(30)) == 128 + SIGKILL)
    }

    /// Opens the file with this module and checks integrity and whole transactions only.
    /// Returns the number of committed transactions.
    static func verify(path: String) throws -> Int {
        let connection = try Connection(path: path)
        let integrity = try connection.query("PRAGMA integrity_check").map { try $0.get(0, as: String.self) }
        #expect(integrity == ["ok"])
        let sizes = try connection.query("SELECT batch, count(*) AS n FROM rows GROUP BY batch")
        for row in sizes {
            let batch = try row.get("batch", as: Int.self)
            #expect(try row.get("n", as: Int.self) == rowsPerTransaction, "batch \(batch) is torn")
        }
        let total: Int = try connection.queryOne("SELECT count(*) FROM rows")?.get(0) ?? -1
        #expect(total == sizes.count * rowsPerTransaction)
        return sizes.count
    }

    @Test(arguments: ["write", "batched"])
    func killedWriterLeavesOnlyWholeTransactions(mode: String) async throws {
        try await onOwnThread { try Self.killRepeatedly(mode: mode) }
    }

    static func killRepeatedly(mode: String) throws {
        let dir = try TemporaryDirectory(prefix: "sqlite-crash")
        let path = dir.path("db.sqlite")
        var committed = 0
        // Several kills on one file: each restart recovers the WAL left by the last one.
        for _ in 0..<3 {
            try runAndKill(path: path, mode: mode, stallAfter: nil)
            let now = try verify(path: path)
            #expect(now > committed)
            committed = now
        }
    }

    @Test(arguments: ["write", "batched"])
    func killedInsideLargeOpenTransactionLosesOnlyThatTransaction(mode: String) async throws {
        try await onOwnThread { try Self.killInsideOpenTransaction(mode: mode) }
    }

    static func killInsideOpenTransaction(mode: String) throws {
        let dir = try TemporaryDirectory(prefix: "sqlite-crash")
        let path = dir.path("db.sqlite")
        try runAndKill(path: path, mode: mode, stallAfter: 5)
        let walSize = (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
        #expect(walSize > 2_000_000, "the open transaction spilled into the WAL before the kill")
        let committed = try verify(path: path)
        #expect(committed >= 6)
    }
}
