import Coordinator
import Cryptography
import Foundation
import ServiceRuntime
import TestSupport
import Testing

/// Issue #12 at start-up, against the real binary: the human summary on stderr, loud warnings,
/// `APP_ENV=production` refusing placeholder keys and unsigned receipts, start-up failures
/// that name the path or address with the system's reason, and nothing left on disk by a
/// start that failed.
@Suite(.serialized, .enabled(if: TestPaths.product("aitbc-coordinator") != nil, "aitbc-coordinator is not built (swift build --build-tests builds it)"))
struct CoordinatorStartupTests {
    static var binary: String { CoordinatorExecutableTests.binary }

    @Test func devStartPrintsASummaryAndLoudWarnings() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-start")
        let coordinator = try await CoordinatorProcess(
            binary: Self.binary, dataDirectory: directory.path("data"), settings: ["APP_ENV": "dev"], workDirectory: directory.url.path)
        #expect(await coordinator.stop() == 0)
        let stderr = coordinator.child.stderr
        #expect(stderr.contains("aitbc-coordinator listening on http://127.0.0.1:\(coordinator.port) (APP_ENV=dev)"))
        #expect(stderr.contains("data dir     \(directory.path("data")) (database \(directory.path("data"))/coordinator.db)"))
        #expect(stderr.contains("signing      OFF: no receipts"))
        #expect(stderr.contains("attestation  off"))
        #expect(stderr.contains("auth         keys: client 1 key, miner 1 key, admin 1 key; dev placeholder keys: YES for client, miner, admin"))
        #expect(stderr.contains("hmac         off"))
        #expect(stderr.contains("!!! WARNING: DEV PLACEHOLDER API KEYS ARE ACTIVE"))
        #expect(stderr.contains("!!! WARNING: RECEIPT SIGNING IS OFF"))
        // The JSON log says so too, and stays pure JSON on stdout.
        #expect(coordinator.child.stdout.contains(#""event":"dev placeholder API keys are active""#))
        #expect(coordinator.child.stdout.contains(#""event":"receipt signing is off: no receipts""#))
        #expect(!coordinator.child.stdout.contains("!!!"))
    }

    @Test func configuredStartNamesTheSigningKeyWithoutWarnings() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-start")
        let key = Ed25519.PrivateKey.generate()
        let seed = key.seed.withUnsafeBytes { Hex.encode($0) }
        let coordinator = try await CoordinatorProcess(
            binary: Self.binary, dataDirectory: directory.path("data"),
            settings: [
                "APP_ENV": "production", "CLIENT_API_KEYS": "alice:k-client-secret,bob:k2-secret", "MINER_API_KEYS": "box:k-miner-secret",
                "ADMIN_API_KEYS": "ops:k-admin-secret", "RECEIPT_SIGNING_KEY_HEX": seed, "HMAC_SECRET": "hmac-secret-value",
            ],
            workDirectory: directory.url.path)
        #expect(await coordinator.stop() == 0)
        let stderr = coordinator.child.stderr
        #expect(stderr.contains("signing      key_id \(key.publicKey.keyID) (public key: GET /v1/keys)"))
        #expect(stderr.contains("auth         keys: client 2 keys, miner 1 key, admin 1 key; dev placeholder keys: no"))
        #expect(stderr.contains("hmac         on"))
        #expect(!stderr.contains("WARNING"))
        for secret in [seed, "k-client-secret", "k-miner-secret", "hmac-secret-value"] {
            #expect(!stderr.contains(secret) && !coordinator.child.stdout.contains(secret))
        }
    }

    /// Production refuses what dev only warns about: exit 2 (invalid configuration, which
    /// systemd does not restart), naming the setting to fix, and nothing created.
    @Test(arguments: [
        (["CLIENT_API_KEYS": "client_dev_key_1", "MINER_API_KEYS": "m:real-miner", "ADMIN_API_KEYS": "a:real-admin"], "CLIENT_API_KEYS"),
        (["CLIENT_API_KEYS": "alice:change-me-client-key"], "CLIENT_API_KEYS"),
        (["CLIENT_API_KEYS": "alice:real-client"], "RECEIPT_SIGNING_KEY_HEX"),
    ])
    func productionRefusesPlaceholderKeysAndUnsignedReceipts(settings: [String: String], setting: String) async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-start")
        var environment = TestPaths.baseEnvironment()
        environment["APP_ENV"] = "production"
        if setting != "RECEIPT_SIGNING_KEY_HEX" {
            environment["RECEIPT_SIGNING_KEY_HEX"] = String(repeating: "ab", count: 32)
        }
        for (name, value) in settings { environment[name] = value }
        let result = try await ChildProcess.run(
            Self.binary, ["--port", "0", "--data-dir", directory.path("data"), "--env-file", "/dev/null"], environment: environment,
            directory: directory.url.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("invalid configuration: \(setting):"))
        #expect(result.stderr.contains("APP_ENV=production"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("data")))
    }

    /// A port already taken: exit 1 naming the address and the system's reason, and neither the
    /// data directory nor a database left behind.
    @Test func failedBindLeavesNothingBehind() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-start")
        let first = try await CoordinatorProcess(
            binary: Self.binary, dataDirectory: directory.path("first"), settings: ["APP_ENV": "dev"], workDirectory: directory.url.path)
        defer { first.child.send(SIGKILL) }
        let result = try await ChildProcess.run(
            Self.binary,
            ["--port", String(first.port), "--data-dir", directory.path("second/data"), "--env-file", "/dev/null"],
            environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot start: cannot listen on 127.0.0.1:\(first.port) (APP_HOST, APP_PORT): "))
        #expect(result.stderr.contains("Address already in use"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("second")))
    }

    /// A second coordinator on the database another one is running on is refused before it
    /// touches it, and its failed start removes nothing of the first's: a failed start used to
    /// delete database files that had not existed when it began, which another coordinator
    /// starting at the same moment could have created (and would then have lost).
    @Test func aSecondCoordinatorOnTheSameDatabaseIsRefusedAndRemovesNothing() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-start")
        let first = try await CoordinatorProcess(
            binary: Self.binary, dataDirectory: directory.path("data"), settings: ["APP_ENV": "dev"], workDirectory: directory.url.path)
        defer { first.child.send(SIGKILL) }
        let files = { (try? FileManager.default.contentsOfDirectory(atPath: directory.path("data")))?.sorted() ?? [] }
        let before = files()
        let second = try await ChildProcess.run(
            Self.binary, ["--port", "0", "--data-dir", directory.path("data"), "--env-file", "/dev/null"],
            environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        #expect(second.status == 1)
        #expect(second.stderr.contains("in use by another aitbc-coordinator"), "\(second.stderr)")
        #expect(files() == before)
        #expect(first.child.isRunning)
        #expect(before.contains("coordinator.db"))
    }

    /// Found by the issue 12 black-box review: a start changed the modes of things it did not
    /// create — an existing `DATA_DIR` (1777 or 755) forced to 0700, a `DATABASE_URL` naming a
    /// directory or a device set to 0600. Existing directories keep their mode (one others may
    /// write to is refused), and a database path that is no regular file is refused untouched.
    @Test func aStartNeverChangesTheModesOfWhatItDidNotCreate() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-start")
        // A port in use, so every start below fails right after preparing its files.
        let busy = try await CoordinatorProcess(
            binary: Self.binary, dataDirectory: directory.path("busy"), settings: ["APP_ENV": "dev"], workDirectory: directory.url.path)
        defer { busy.child.send(SIGKILL) }
        func mode(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int) ?? -1
        }
        func start(_ dataDir: String, database: String? = nil) async throws -> (status: Int32, stderr: String) {
            var environment = TestPaths.baseEnvironment()
            if let database { environment["DATABASE_URL"] = database }
            let result = try await ChildProcess.run(
                Self.binary, ["--port", String(busy.port), "--data-dir", dataDir, "--env-file", "/dev/null"], environment: environment,
                directory: directory.url.path)
            return (result.status, result.stderr)
        }
        let shared = directory.path("shared")
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o1777])
        let sharedStart = try await start(shared)
        #expect(sharedStart.status == 1)
        #expect(sharedStart.stderr.contains("group or others may write to it"), "\(sharedStart.stderr)")
        #expect(mode(shared) == 0o1777)
        let open = directory.path("open")
        try FileManager.default.createDirectory(atPath: open, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        #expect(try await start(open).status == 1)
        #expect(mode(open) == 0o755)
        let aDirectory = directory.path("not-a-file")
        try FileManager.default.createDirectory(atPath: aDirectory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        let directoryStart = try await start(directory.path("data1"), database: aDirectory)
        #expect(directoryStart.status == 1)
        #expect(mode(aDirectory) == 0o755)
        let fifo = directory.path("fifo")
        #expect(mkfifo(fifo, 0o666) == 0)
        let fifoStart = try await start(directory.path("data2"), database: fifo)
        #expect(fifoStart.status == 1)
        #expect(fifoStart.stderr.contains("is not a regular file"), "\(fifoStart.stderr)")
        #expect(mode(fifo) & 0o777 == 0o666 & ~0o022 || mode(fifo) & 0o777 == 0o666)
    }

    /// A data directory that cannot be created names the path and the errno text, not a
    /// Foundation error code.
    @Test func unusableDataDirectoryNamesThePathAndTheReason() async throws {
        let directory = try TemporaryDirectory(prefix: "coordinator-start")
        try Data("not a directory".utf8).write(to: URL(fileURLWithPath: directory.path("file")))
        let result = try await ChildProcess.run(
            Self.binary, ["--port", "0", "--data-dir", directory.path("file/data"), "--env-file", "/dev/null"],
            environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot start: DATA_DIR: \(directory.path("file")): exists and is not a directory"))
        #expect(!result.stderr.contains("NSCocoaErrorDomain"))
        let database = try await ChildProcess.run(
            Self.binary,
            ["--port", "0", "--data-dir", directory.path("data"), "--env-file", "/dev/null"],
            environment: TestPaths.baseEnvironment().merging(["DATABASE_URL": directory.path("missing/c.db")]) { $1 },
            directory: directory.url.path)
        #expect(database.status == 1)
        #expect(database.stderr.contains("cannot start: DATABASE_URL: \(directory.path("missing/c.db")): open: No such file or directory"))
        // The data directory this failed start created is gone again.
        #expect(!FileManager.default.fileExists(atPath: directory.path("data")))
    }
}
