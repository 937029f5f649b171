import Foundation
import Glibc
import Testing
import TestSupport
import WalletCore

@Suite struct KeystoreDirectoryTests {
    static func mode(_ path: String) -> mode_t {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o777 : 0o7777
    }

    static func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    @Test func createsADirectory0700WithFiles0600() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let path = temporary.path("data/keystore")
        let directory = try KeystoreDirectory(path: path)
        #expect(Self.mode(path) == 0o700)
        let record = try sampleRecord()
        try directory.create(record)
        #expect(Self.mode(directory.filePath(record.walletID)) == 0o600)
        #expect(Self.entries(path) == ["main.kdb"])
        #expect(try directory.load(record.walletID) == record)
    }

    /// §15.5: the record survives a restart (a new directory object on the same path).
    @Test func recordsSurviveReopening() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let path = temporary.path("keystore")
        let record = try sampleRecord()
        try KeystoreDirectory(path: path).create(record)
        let reopened = try KeystoreDirectory(path: path)
        let loaded = try reopened.load(record.walletID)
        #expect(loaded == record)
        #expect(hex(try KeystoreCipher.open(loaded, password: WalletPassword(goodPassword))) == KeystoreCipherTests.rfc8032Seed)
    }

    /// §15.6: a file with mode 0644 is refused, with an error naming it; so is a directory with 0755.
    @Test func groupOrOtherBitsAreRefusedNamingThePath() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let path = temporary.path("keystore")
        let directory = try KeystoreDirectory(path: path)
        let record = try sampleRecord()
        try directory.create(record)
        let file = directory.filePath(record.walletID)
        #expect(chmod(file, 0o644) == 0)
        #expect {
            try directory.load(record.walletID)
        } throws: { error in
            guard case WalletCoreError.insecurePermissions(let reported, _) = error else { return false }
            return reported == file && "\(error)".contains(file)
        }
        #expect(chmod(file, 0o600) == 0)
        #expect(chmod(path, 0o755) == 0)
        #expect(throws: WalletCoreError.insecurePermissions(path: path, reason: "mode 755 gives group or others access (use 0700)")) {
            try directory.load(record.walletID)
        }
        #expect(throws: WalletCoreError.self) { try KeystoreDirectory(path: path) }
        #expect(chmod(path, 0o700) == 0)
        #expect(try directory.load(record.walletID) == record)
    }

    @Test func listsExistsAndDeletes() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let directory = try KeystoreDirectory(path: temporary.path("keystore"))
        try directory.create(try sampleRecord("beta"))
        try directory.create(try sampleRecord("alpha"))
        // Files that are not wallet records are not listed.
        _ = FileManager.default.createFile(atPath: temporary.path("keystore/UPPER.kdb"), contents: Data())
        _ = FileManager.default.createFile(atPath: temporary.path("keystore/notes.txt"), contents: Data())
        #expect(try directory.list().map(\.rawValue) == ["alpha", "beta"])
        let alpha = try #require(WalletID("alpha"))
        #expect(directory.exists(alpha))
        try directory.delete(alpha)
        #expect(!directory.exists(alpha))
        #expect(throws: WalletCoreError.walletNotFound(alpha)) { try directory.load(alpha) }
        #expect(throws: WalletCoreError.walletNotFound(alpha)) { try directory.delete(alpha) }
        #expect(try directory.list().map(\.rawValue) == ["beta"])
    }

    @Test func createNeverReplacesButReplaceDoes() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let directory = try KeystoreDirectory(path: temporary.path("keystore"))
        let first = try sampleRecord(metadata: ["v": "1"])
        let second = try sampleRecord(metadata: ["v": "2"])
        try directory.create(first)
        #expect(throws: WalletCoreError.walletExists(first.walletID)) { try directory.create(second) }
        #expect(try directory.load(first.walletID) == first)
        try directory.replace(second)
        #expect(try directory.load(first.walletID) == second)
        #expect(Self.entries(temporary.path("keystore")) == ["main.kdb"])
    }

    @Test func strayTemporaryFilesAreDeletedAtOpen() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let path = temporary.path("keystore")
        let directory = try KeystoreDirectory(path: path)
        try directory.create(try sampleRecord())
        _ = FileManager.default.createFile(atPath: "\(path)/.main.kdb.tmp-0011223344556677", contents: Data("partial".utf8))
        _ = FileManager.default.createFile(atPath: "\(path)/.other.kdb.tmp-8899aabbccddeeff", contents: Data())
        _ = try KeystoreDirectory(path: path)
        #expect(Self.entries(path) == ["main.kdb"])
    }

    /// An injected failure between write and rename leaves the previous file intact; the
    /// temporary file (here also a copy the "crash" left behind) is gone after the next open.
    @Test func failureBeforeRenameKeepsThePreviousFile() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let path = temporary.path("keystore")
        let original = try sampleRecord(metadata: ["v": "1"])
        try KeystoreDirectory(path: path).replace(original)
        let failing = try KeystoreDirectory(path: path) { temporaryPath throws(WalletCoreError) in
            // A crash would leave the synced temporary file; keep one under another temp name.
            _ = link(temporaryPath, "\(path)/.main.kdb.tmp-leftover")
            throw .io(path: temporaryPath, operation: "injected failure", errno: EIO)
        }
        let replacement = try sampleRecord(metadata: ["v": "2"])
        #expect {
            try failing.replace(replacement)
        } throws: { error in
            guard case WalletCoreError.io(_, let operation, let code) = error else { return false }
            return operation == "injected failure" && code == EIO
        }
        #expect(try failing.load(original.walletID) == original)
        #expect(Self.entries(path) == [".main.kdb.tmp-leftover", "main.kdb"])
        let reopened = try KeystoreDirectory(path: path)
        #expect(Self.entries(path) == ["main.kdb"])
        #expect(try reopened.load(original.walletID) == original)
    }

    @Test func aRecordUnderAnotherNameOrALinkIsRefused() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let path = temporary.path("keystore")
        let directory = try KeystoreDirectory(path: path)
        try directory.create(try sampleRecord())
        let other = try #require(WalletID("other"))
        try FileManager.default.copyItem(atPath: "\(path)/main.kdb", toPath: "\(path)/other.kdb")
        #expect(throws: WalletCoreError.invalidRecord(field: "wallet_id", reason: "does not match the file name")) { try directory.load(other) }
        try FileManager.default.removeItem(atPath: "\(path)/other.kdb")
        #expect(symlink("\(path)/main.kdb", "\(path)/other.kdb") == 0)
        #expect(throws: WalletCoreError.insecurePermissions(path: "\(path)/other.kdb", reason: "is a symbolic link")) { try directory.load(other) }
    }

    /// A FIFO at a wallet's path is refused like a directory, at once: opening it for reading
    /// used to wait for a writer forever, blocking the daemon's keystore I/O queue.
    @Test func aFIFOAtAWalletPathIsRefusedWithoutBlocking() throws {
        let temporary = try TemporaryDirectory(prefix: "keystore")
        let directory = try KeystoreDirectory(path: temporary.path("keystore"))
        let id = try #require(WalletID("w1"))
        let file = directory.filePath(id)
        #expect(mkfifo(file, 0o600) == 0)
        #expect(throws: WalletCoreError.insecurePermissions(path: file, reason: "is not a regular file")) { try directory.load(id) }
        #expect(throws: WalletCoreError.insecurePermissions(path: file, reason: "is not a regular file")) { try directory.checkFiles() }
        let folder = try #require(WalletID("w2"))
        #expect(mkdir(directory.filePath(folder), 0o700) == 0)
        #expect(throws: WalletCoreError.insecurePermissions(path: directory.filePath(folder), reason: "is not a regular file")) {
            try directory.load(folder)
        }
    }
}
