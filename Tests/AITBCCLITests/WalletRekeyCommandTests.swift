import Cryptography
import Foundation
import TestSupport
import Testing
import WalletCore

/// `aitbc wallet rekey` on a real keystore directory (cheap Argon2id parameters so the test
/// stays short): the file is re-encrypted in place, the key and metadata stay, and every
/// refusal leaves the file as it was.
@Suite struct WalletRekeyCommandTests {
    static let password = "Correct-Horse-9-battery"
    static let cheap = (try? KeystoreRecord.KDFParameters(iterations: 1, memoryKiB: 8_192, parallelism: 1))

    let directory: TemporaryDirectory
    let keystore: KeystoreDirectory
    let original: KeystoreRecord

    init() throws {
        directory = try TemporaryDirectory(prefix: "wallet-rekey")
        keystore = try KeystoreDirectory(path: directory.path("keystore"))
        let parameters = try #require(Self.cheap)
        original = try KeystoreCipher.seal(
            secret: SecureBytes.random(count: 32), kind: .raw, walletID: try #require(WalletID("main")),
            password: try WalletPassword(Self.password), parameters: parameters, metadata: ["label": "primary"])
        try keystore.create(original)
    }

    func run(_ arguments: [String], stdin: String? = Self.password + "\n") async throws -> CLIFixtures.Run {
        let run = try await CLIFixtures.runAsync(
            ["wallet", "rekey", "main", "--keystore-dir", keystore.path] + arguments, stdin: stdin.map { Array($0.utf8) })
        #expect(!run.stdout.contains(Self.password) && !run.stderr.contains(Self.password))
        return run
    }

    var stored: KeystoreRecord { get throws { try keystore.load(try #require(WalletID("main"))) } }

    @Test func strongerParametersReencryptTheSameKeyWithFreshSalt() async throws {
        let run = try await run(["--time", "2", "--memory-mb", "16", "--parallelism", "2", "--password-stdin"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("t=2 m_kib=16384 p=2"))
        let record = try stored
        #expect(record.kdf == (try KeystoreRecord.KDFParameters(iterations: 2, memoryKiB: 16_384, parallelism: 2)))
        #expect(record.publicKey == original.publicKey)
        #expect(record.salt != original.salt)
        #expect(record.metadata == ["label": "primary"])
        let secret = try KeystoreCipher.open(record, password: try WalletPassword(Self.password))
        #expect(try KeystoreCipher.publicKey(of: secret, kind: .raw) == original.publicKey)
        let mode = try FileManager.default.attributesOfItem(atPath: keystore.filePath(try #require(WalletID("main"))))[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func aWrongPasswordWeakerParametersOrAnUnknownWalletChangeNothing() async throws {
        let wrong = try await run(["--time", "2", "--memory-mb", "8", "--parallelism", "1", "--password-stdin"], stdin: "Wrong-Horse-9-battery\n")
        #expect(wrong.status == 3)
        #expect(wrong.stderr.contains("invalid credentials"))
        #expect(try stored.salt == original.salt)

        // The file's own parameters are not weaker: accepted (fresh salt and nonce).
        let same = try await run(["--time", "1", "--memory-mb", "8", "--parallelism", "1", "--password-stdin"])
        #expect(same.status == 0, "\(same.stderr)")

        let stronger = try await run(["--time", "3", "--memory-mb", "8", "--parallelism", "1", "--password-stdin"])
        #expect(stronger.status == 0)
        let lowered = try await run(["--time", "1", "--memory-mb", "8", "--parallelism", "1", "--password-stdin"])
        #expect(lowered.status == 1)
        #expect(lowered.stderr.contains("--allow-weaker"))
        #expect(try stored.kdf.iterations == 3)

        let unknown = try await CLIFixtures.runAsync(
            ["wallet", "rekey", "nobody", "--keystore-dir", keystore.path, "--password-stdin"], stdin: Array((Self.password + "\n").utf8))
        #expect(unknown.status == 1)
        let missingDirectory = try await CLIFixtures.runAsync(
            ["wallet", "rekey", "main", "--keystore-dir", directory.path("typo"), "--password-stdin"], stdin: Array((Self.password + "\n").utf8))
        #expect(missingDirectory.status == 2)
        #expect(!FileManager.default.fileExists(atPath: directory.path("typo")))
    }

    /// A rekey that names no parameter keeps what an earlier one raised (else the daemon's
    /// defaults, whichever is higher): `--change-password` alone after a raise is not "weaker".
    @Test func changePasswordAloneKeepsRaisedParameters() async throws {
        let raised = try await run(["--time", "4", "--memory-mb", "8", "--parallelism", "1", "--password-stdin"])
        #expect(raised.status == 0, "\(raised.stderr)")
        let file = directory.path("new-password")
        try Data("Another-Horse-7-staple\n".utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let changed = try await CLIFixtures.runAsync(
            ["wallet", "rekey", "main", "--keystore-dir", keystore.path, "--change-password", "--new-password-file", file, "--password-stdin"],
            stdin: Array((Self.password + "\n").utf8))
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try stored.kdf == (try KeystoreRecord.KDFParameters(iterations: 4, memoryKiB: 65_536, parallelism: 2)))
    }

    @Test func changePasswordTakesTheNewOneFromAPrivateFile() async throws {
        let newPassword = "Another-Horse-7-staple"
        let file = directory.path("new-password")
        try Data((newPassword + "\n").utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let run = try await run(["--memory-mb", "8", "--time", "1", "--parallelism", "1", "--change-password", "--new-password-file", file, "--password-stdin"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(!run.stdout.contains(newPassword))
        let record = try stored
        #expect(throws: WalletCoreError.invalidCredentials) { try KeystoreCipher.open(record, password: try WalletPassword(Self.password)) }
        _ = try KeystoreCipher.open(record, password: try WalletPassword(newPassword))
    }
}
