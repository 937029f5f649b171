import AITBCCLI
import Cryptography
import Foundation
import JSON
import Ledger
import TestSupport
import Testing
import WireModels

/// `aitbc chain keygen` and `aitbc chain genesis`, which need no node: the real binary, run
/// in a temporary directory.
@Suite struct ChainOfflineCommandTests {
    static let parser = JSONParser(limits: .init(maxInputBytes: 1 << 20))

    static func mode(_ path: String) throws -> Int? {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue
    }

    static func bytes(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }

    /// Two fixed keys: an authority and a coordinator.
    static func keys() throws -> (authority: Ed25519.PrivateKey, coordinator: Ed25519.PrivateKey) {
        (try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 1, count: 32)), try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: 2, count: 32)))
    }

    static func address(_ byte: UInt8) throws -> String {
        Address(publicKey: try Ed25519.PrivateKey(seedBytes: [UInt8](repeating: byte, count: 32)).publicKey).rawValue
    }

    /// The flags of a devnet with a faucet, two accounts given out of address order, and every parameter set.
    static func genesisFlags(output: String) throws -> [String] {
        let keys = try keys()
        return [
            "chain", "genesis", "--output", output, "--chain-id", "ait-test", "--timestamp", "1727400000",
            "--authority-key", keys.authority.publicKey.hex, "--authority-key", keys.coordinator.publicKey.hex,
            "--faucet-address", try address(3), "--faucet-balance", "1000000",
            "--account", "\(try address(5))=25", "--account", "\(try address(4))=7",
            "--coordinator-key", keys.coordinator.publicKey.hex, "--block-time-ms", "500", "--mint-per-unit", "2000",
            "--coordinator-ratio", "0.1", "--base-fee", "3", "--fee-per-byte", "2", "--max-block-txs", "100", "--max-block-bytes", "65536",
        ]
    }

    // MARK: - keygen

    @Test func keygenPrintsAKeyWhosePartsBelongTogether() async throws {
        let run = try await CLIFixtures.runAsync(["chain", "keygen"])
        #expect(run.status == 0)
        let json = try Self.parser.parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(json.objectValue?.map(\.key) == ["private_key", "public_key", "address"])
        let key = try Ed25519.PrivateKey(seedHex: try #require(json["private_key"]?.stringValue))
        #expect(json["public_key"]?.stringValue == key.publicKey.hex)
        #expect(json["address"]?.stringValue == Address(publicKey: key.publicKey).rawValue)
    }

    @Test func keygenWritesAnOwnerOnlyFileRefusesToOverwriteAndForceReplaces() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-keygen")
        let path = directory.path("account.json")
        let first = try await CLIFixtures.runAsync(["chain", "keygen", "--output", path])
        #expect(first.status == 0)
        #expect(try Self.mode(path) == 0o600)
        let file = try Self.parser.parse(try Self.bytes(path))
        let printed = try Self.parser.parse(first.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        // Only the public half reaches stdout.
        #expect(printed.objectValue?.map(\.key) == ["public_key", "address"])
        #expect(!first.stdout.contains(try #require(file["private_key"]?.stringValue)))
        #expect(printed["address"] == file["address"])
        let key = try Ed25519.PrivateKey(seedHex: try #require(file["private_key"]?.stringValue))
        #expect(file["public_key"]?.stringValue == key.publicKey.hex)

        let original = try Self.bytes(path)
        let second = try await CLIFixtures.runAsync(["chain", "keygen", "--output", path])
        #expect(second.status == 2)
        #expect(second.stderr.contains(path) && second.stderr.contains("exists"))
        #expect(try Self.bytes(path) == original)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let forced = try await CLIFixtures.runAsync(["chain", "keygen", "--output", path, "--force"])
        #expect(forced.status == 0)
        #expect(try Self.bytes(path) != original)
        #expect(try Self.mode(path) == 0o600)
    }

    // MARK: - genesis

    @Test func genesisIsByteIdenticalForTheSameFlagsAndReadsBackAsTheNodeReadsIt() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-genesis")
        let first = try await CLIFixtures.runAsync(try Self.genesisFlags(output: directory.path("a.json")))
        let second = try await CLIFixtures.runAsync(try Self.genesisFlags(output: directory.path("b.json")))
        #expect(first.status == 0, "\(first.stderr)")
        #expect(second.status == 0, "\(second.stderr)")
        let bytes = try Self.bytes(directory.path("a.json"))
        #expect(bytes == (try Self.bytes(directory.path("b.json"))))
        #expect(bytes.last == 0x0A)

        let document = try GenesisDocument(bytes: bytes)
        let keys = try Self.keys()
        #expect(document.chainID == "ait-test")
        #expect(document.timestamp == 1_727_400_000)
        // Authorities keep their proposal order; accounts are sorted by address.
        #expect(document.authorities.map(\.publicKey) == [keys.authority.publicKey, keys.coordinator.publicKey])
        let expectedAccounts = [(try Self.address(3), UInt64(1_000_000)), (try Self.address(5), 25), (try Self.address(4), 7)]
            .sorted { $0.0 < $1.0 }
        #expect(document.accounts.map(\.address.rawValue) == expectedAccounts.map(\.0))
        #expect(document.accounts.map(\.balance) == expectedAccounts.map(\.1))
        #expect(document.coordinatorKeys == [keys.coordinator.publicKey])
        var parameters = ChainParameters()
        parameters.blockTimeMilliseconds = 500
        parameters.mintPerUnit = 2_000
        parameters.coordinatorRatio = ExactDecimal(significand: 1, exponent: -1)
        parameters.baseFee = 3
        parameters.feePerByte = 2
        parameters.maxBlockTransactions = 100
        parameters.maxBlockBytes = 65_536
        #expect(document.parameters == parameters)
        // The file is exactly the document's own encoding, and stdout names block 0's hash.
        #expect(document.fileBytes == bytes)
        #expect(first.stdout.contains(Hash32(bytes: document.genesisHeader.hash).rawValue))
    }

    @Test func genesisDefaultsAreTheLedgersDefaults() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-genesis")
        let path = directory.path("genesis.json")
        let run = try await CLIFixtures.runAsync([
            "chain", "genesis", "--output", path, "--timestamp", "1", "--authority-key", try Self.keys().authority.publicKey.hex,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let document = try GenesisDocument(bytes: try Self.bytes(path))
        #expect(document.chainID == "ait-devnet")
        #expect(document.parameters == ChainParameters())
        #expect(document.accounts.isEmpty)
        #expect(document.coordinatorKeys.isEmpty)
    }

    @Test func genesisRefusesToOverwriteWithExitOneAndForceReplaces() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-genesis")
        let path = directory.path("genesis.json")
        try Data("keep me\n".utf8).write(to: URL(fileURLWithPath: path))
        let refused = try await CLIFixtures.runAsync(try Self.genesisFlags(output: path))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains(path))
        #expect(refused.stderr.contains("--force"))
        #expect(try Self.bytes(path) == Array("keep me\n".utf8))

        let forced = try await CLIFixtures.runAsync(try Self.genesisFlags(output: path) + ["--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        #expect((try? GenesisDocument(bytes: try Self.bytes(path)))?.chainID == "ait-test")
    }

    /// Flags the parser refuses (64) and values the genesis rules refuse (2): each names its flag.
    @Test(arguments: [
        (["--timestamp", "1"], Int32(64), "--authority-key"),
        (["--authority-key", "AUTH", "--faucet-address", "ADDR"], 64, "--faucet-balance"),
        (["--authority-key", "AUTH", "--base-fee", "ten"], 64, "--base-fee"),
        (["--authority-key", "AUTH", "--max-block-txs", "-1"], 64, "--max-block-txs"),
        (["--authority-key", "abcd"], 2, "--authority-key"),
        (["--authority-key", "AUTH", "--authority-key", "AUTH"], 2, "--authority-key"),
        (["--authority-key", "AUTH", "--coordinator-key", "zz"], 2, "--coordinator-key"),
        (["--authority-key", "AUTH", "--account", "ADDR"], 2, "--account"),
        (["--authority-key", "AUTH", "--account", "ait1nope=5"], 2, "--account"),
        (["--authority-key", "AUTH", "--faucet-address", "nope", "--faucet-balance", "5"], 2, "--faucet-address"),
        (["--authority-key", "AUTH", "--faucet-address", "ADDR", "--faucet-balance", "5", "--account", "ADDR=1"], 2, "--account"),
        (["--authority-key", "AUTH", "--coordinator-ratio", "1.5"], 2, "--coordinator-ratio"),
        (["--authority-key", "AUTH", "--coordinator-ratio", "five"], 2, "--coordinator-ratio"),
        (["--authority-key", "AUTH", "--block-time-ms", "10"], 2, "--block-time-ms"),
        (["--authority-key", "AUTH", "--slot-timeout-ms", "10"], 2, "--slot-timeout-ms"),
        (["--authority-key", "AUTH", "--max-block-bytes", "10"], 2, "--max-block-bytes"),
        (["--authority-key", "AUTH", "--chain-id", "no spaces"], 2, "--chain-id"),
    ])
    func genesisNamesTheBadFlag(flags: [String], status: Int32, named: String) async throws {
        let directory = try TemporaryDirectory(prefix: "chain-genesis")
        let path = directory.path("genesis.json")
        let authority = try Self.keys().authority.publicKey.hex
        let address = try Self.address(3)
        let arguments = flags.map { $0 == "AUTH" ? authority : $0.replacingOccurrences(of: "ADDR", with: address) }
        let run = try await CLIFixtures.runAsync(["chain", "genesis", "--output", path] + arguments)
        #expect(run.status == status, "\(arguments): \(run.stderr)")
        #expect(run.stderr.contains(named), "\(arguments): \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func slotTimeoutIsWrittenOnlyWhenGiven() async throws {
        let directory = try TemporaryDirectory(prefix: "chain-genesis")
        let plain = directory.path("plain.json")
        #expect(try await CLIFixtures.runAsync(try Self.genesisFlags(output: plain)).status == 0)
        #expect(try Self.parser.parse(try Self.bytes(plain))["params"]?["slot_timeout_ms"] == nil)
        let set = directory.path("set.json")
        #expect(try await CLIFixtures.runAsync(try Self.genesisFlags(output: set) + ["--slot-timeout-ms", "1500"]).status == 0)
        let genesis = try GenesisDocument(bytes: try Self.bytes(set))
        #expect(genesis.parameters.slotTimeoutMilliseconds == 1_500)
    }

    @Test func genesisWithoutOutputIsAUsageError() async throws {
        let run = try await CLIFixtures.runAsync(["chain", "genesis", "--authority-key", try Self.keys().authority.publicKey.hex])
        #expect(run.status == 64)
        #expect(run.stderr.contains("--output"))
    }
}
