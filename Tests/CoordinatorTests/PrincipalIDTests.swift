import Coordinator
import Cryptography
import Foundation
import Glibc
import JSON
import TestSupport
import Testing

/// Issue #10, defect 8: principal ids published in receipts must not let anyone test guessed
/// keys offline, and the database files must not be readable by other local users.
@Suite struct PrincipalIDTests {
    static let weakKey = "password1"

    static func make() async throws -> CoordinatorHarness {
        try await CoordinatorHarness.make { configuration in
            configuration.keyRing = APIKeyRing(keys: [
                .client: [(id: nil, key: weakKey), (id: "alice", key: "alice-key")], .miner: [(id: nil, key: weakKey)],
            ])
        }
    }

    /// Attack: a receipt's `client` was `client-` + the first 12 hex digits of SHA-256(key), so
    /// a dictionary of likely keys could be checked against published receipts offline.
    @Test func derivedIDsCannotBeComputedFromTheKeyAlone() async throws {
        let first = try await Self.make()
        let second = try await Self.make()
        let offline = Hex.encode(SHA256.hash(utf8: Self.weakKey)).prefix(12)
        let one = try #require(first.store.configuration.keyRing.principal(forKey: Self.weakKey, role: .client))
        let other = try #require(second.store.configuration.keyRing.principal(forKey: Self.weakKey, role: .client))
        #expect(one.id != "client-\(offline)")
        #expect(!one.id.contains(offline))
        // Same key, another installation: another id (the id depends on a per-database secret).
        #expect(one.id != other.id)
        #expect(one.id.hasPrefix("client-") && one.id.utf8.count == "client-".utf8.count + 12)
        let miner = try #require(first.store.configuration.keyRing.principal(forKey: Self.weakKey, role: .miner))
        #expect(miner.id.hasPrefix("miner-") && miner.id.dropFirst(6) != one.id.dropFirst(7))
    }

    @Test func derivedIDsAreStableAcrossRestartsAndExplicitIDsAreKept() async throws {
        let harness = try await Self.make()
        let before = try #require(harness.store.configuration.keyRing.principal(forKey: Self.weakKey, role: .client))
        let reopened = try await harness.reopen()
        #expect(reopened.configuration.keyRing.principal(forKey: Self.weakKey, role: .client) == before)
        #expect(reopened.configuration.keyRing.principal(forKey: "alice-key", role: .client)?.id == "alice")
    }

    /// The permission bits of `path`, or nil when it does not exist.
    static func mode(_ path: String) -> mode_t? {
        var status = stat()
        return stat(path, &status) == 0 ? status.st_mode & 0o777 : nil
    }

    /// Attack: with `DATABASE_URL` outside `DATA_DIR`, the database and its `-wal`/`-shm` were
    /// created 0644 (umask 022): every local user could read every payload and result.
    @Test func databaseFilesAreCreatedOwnerOnly() async throws {
        let harness = try await CoordinatorHarness.make()
        _ = try await harness.submit()
        let path = harness.configuration.databasePath
        #expect(Self.mode(path) == 0o600)
        #expect(Self.mode(path + "-wal") == 0o600)
        #expect(Self.mode(path + "-shm") == 0o600)
    }

    @Test func aLooserExistingDatabaseIsTightened() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-mode")
        let path = directory.path("loose.db")
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        #expect(Self.mode(path) == 0o644)
        var configuration = CoordinatorConfiguration()
        configuration.databasePath = path
        configuration.dataDirectory = directory.path("data")
        let store = try await CoordinatorStore.open(configuration: configuration)
        _ = try await store.submit(clientID: "c", JobSubmission(payload: ["x": 1]))
        #expect(Self.mode(path) == 0o600)
        #expect(Self.mode(path + "-wal") == 0o600)
    }
}
