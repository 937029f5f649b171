import Foundation
import Glibc
import ServiceRuntime
import Testing
import TestSupport
import WalletCore

/// §15.6 with a real process: `keystore-crash-child` (Tests/KeystoreCrashChild) rewrites a
/// keystore file through `KeystoreDirectory` and is killed with SIGKILL. The previous file
/// must be intact and, after the next open, no temporary file may remain.
@Suite(.serialized) struct KeystoreCrashTests {
    struct ChildNotBuilt: Error, CustomStringConvertible {
        var description: String { "keystore-crash-child not found: run `swift build --build-tests` (it builds every target)" }
    }

    struct ChildDidNotStart: Error {}

    static func childPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["KEYSTORE_CRASH_CHILD"] { return path }
        guard let path = TestPaths.product("keystore-crash-child") else { throw ChildNotBuilt() }
        return path
    }

    static func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// Starts the child on `path`, waits for `marker`, optionally lets it run a moment,
    /// SIGKILLs it and returns its output after it died.
    static func runAndKill(path: String, mode: String, marker: String, runFor: UInt32 = 0) throws -> String {
        let logs = try TemporaryDirectory(prefix: "keystore-crash-logs")
        let child = try ChildProcess(try childPath(), [path, "main", mode], environment: TestPaths.baseEnvironment(), directory: logs.url.path)
        defer {
            // Only the child this test started, by its pid.
            child.send(SIGKILL)
            _ = child.waitBlocking(timeout: .seconds(30))
        }
        guard child.waitForOutputBlocking(containing: marker, timeout: .seconds(60)) else {
            Issue.record("child output: \(child.stdout) \(child.stderr)")
            throw ChildDidNotStart()
        }
        if runFor > 0 { usleep(runFor) }
        #expect(kill(child.pid, SIGKILL) == 0)
        #expect(child.waitBlocking(timeout: .seconds(30)) == 128 + SIGKILL)
        return child.stdout
    }

    /// Killed between fsync of the temporary file and the rename.
    @Test func killedBeforeRenameLeavesThePreviousFileAndNoTemporaryFile() async throws {
        try await onOwnThread { try Self.killBeforeRename() }
    }

    static func killBeforeRename() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore-crash")
        let path = temporary.path("keystore")
        let original = try sampleRecord(metadata: ["n": "0"])
        try KeystoreDirectory(path: path).create(original)

        let output = try runAndKill(path: path, mode: "stall", marker: "stalled")
        // The crash left its synced temporary file next to the untouched record.
        let leftover = entries(path).filter { $0.hasPrefix(".main.kdb.tmp-") }
        #expect(leftover.count == 1)
        #expect(output.contains(leftover.first ?? "-"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(path)/main.kdb")) == Data(original.encoded()))

        let reopened = try KeystoreDirectory(path: path)
        #expect(entries(path) == ["main.kdb"])
        #expect(try reopened.load(original.walletID) == original)
    }

    /// Killed at an arbitrary point of a rewrite loop, three times: the file always decodes to
    /// a whole record (the old or a new one) and opens with the password.
    @Test func killedAnywhereInALoopLeavesAWholeRecord() async throws {
        try await onOwnThread { try Self.killAnywhereInALoop() }
    }

    static func killAnywhereInALoop() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore-crash")
        let path = temporary.path("keystore")
        let original = try sampleRecord(metadata: ["n": "0"])
        try KeystoreDirectory(path: path).create(original)
        for _ in 0..<3 {
            _ = try runAndKill(path: path, mode: "loop", marker: "ready", runFor: UInt32.random(in: 20_000...150_000))
            let reopened = try KeystoreDirectory(path: path)
            #expect(entries(path) == ["main.kdb"])
            let loaded = try reopened.load(original.walletID)
            #expect(loaded.ciphertext == original.ciphertext && loaded.walletID == original.walletID)
            #expect(loaded.metadata["n"] != nil)
        }
        let final = try KeystoreDirectory(path: path).load(original.walletID)
        #expect(hex(try KeystoreCipher.open(final, password: WalletPassword(goodPassword))) == KeystoreCipherTests.rfc8032Seed)
    }
}
