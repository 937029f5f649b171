import Cryptography
import Foundation
import JSON
import ServiceRuntime
import TestSupport
import Testing

@testable import Miner

@Suite struct AgentConfigurationTests {
    @Test func defaultsFollowTheSpec() throws {
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:])
        #expect(configuration.nodeID == "node-dev-1")
        #expect(configuration.coordinatorBaseURL == "http://127.0.0.1:8011/v1")
        #expect(configuration.authToken == nil)
        #expect(configuration.heartbeatInterval == .seconds(15))
        #expect(configuration.heartbeatJitterPercent == 10)
        #expect(configuration.backoff == Backoff(minimum: .seconds(1), maximum: .seconds(60)))
        #expect(configuration.pollInterval == .seconds(3))
        #expect(configuration.pollMaxWaitSeconds == 15)
        #expect(configuration.maxConcurrentCPU == 1 && configuration.maxConcurrentGPU == 1)
        #expect(configuration.cpuNice == 10 && configuration.ioLevel == 6)
        #expect(configuration.drainTimeout == .seconds(30))
        #expect(configuration.healthHost == "127.0.0.1" && configuration.healthPort == 8019)
        #expect(configuration.ollamaURL == "http://127.0.0.1:11434")
        #expect(configuration.workerCount(gpuCount: 0) == 1)
        #expect(configuration.workerCount(gpuCount: 2) == 2)
        #expect(throws: ConfigurationError.missing(setting: "coordinator.auth_token")) { try configuration.requireAuthToken() }
    }

    @Test func yamlThenEnvironmentThenFlags() throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-config")
        let path = directory.path("miner.yaml")
        try """
            node_id: from-yaml
            region: eu-west
            coordinator:
              base_url: http://10.0.0.1:8011/v1/
              timeout_s: 7
            heartbeat:
              interval_s: 20
              backoff: {min_s: 2, max_s: 30}
            runners:
              cli:
                enable: true
                allowlist_files: [/etc/a.yaml, /etc/b.yaml]
            resources: {max_concurrent_cpu: 2}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try MinerConfiguration.load(
            configPath: path,
            environment: [
                "AITBC_MINER_NODE_ID": "from-env", "AITBC_MINER_COORDINATOR__BASE_URL": "http://10.0.0.2:8011/v1",
                "AITBC_MINER_HEARTBEAT__BACKOFF__MAX_S": "45", "UNRELATED_NODE_ID": "ignored",
            ],
            flags: ["node_id": "from-flag"])
        #expect(configuration.nodeID == "from-flag")
        #expect(configuration.coordinatorBaseURL == "http://10.0.0.2:8011/v1")
        #expect(configuration.coordinatorTimeout == .seconds(7))
        #expect(configuration.region == "eu-west")
        #expect(configuration.heartbeatInterval == .seconds(20))
        #expect(configuration.backoff == Backoff(minimum: .seconds(2), maximum: .seconds(45)))
        #expect(configuration.cliEnabled)
        #expect(configuration.allowlistFiles == ["/etc/a.yaml", "/etc/b.yaml"])
        #expect(configuration.maxConcurrentCPU == 2)
    }

    @Test func trailingSlashIsDroppedFromYAMLBaseURL() throws {
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:], flags: ["coordinator.base_url": "http://127.0.0.1:9/v1/"])
        #expect(configuration.coordinatorBaseURL == "http://127.0.0.1:9/v1")
    }

    @Test func authTokenFromEnvironmentIndirection() throws {
        let configuration = try MinerConfiguration.load(
            configPath: nil, environment: ["AITBC_MINER_COORDINATOR__AUTH_TOKEN": "env:MINER_AUTH", "MINER_AUTH": "s3cret-token"])
        #expect(configuration.authToken == "s3cret-token")
        #expect(throws: ConfigurationError.self) {
            try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_COORDINATOR__AUTH_TOKEN": "env:MISSING_VAR"])
        }
    }

    @Test func printConfigMasksTheToken() throws {
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:], flags: ["coordinator.auth_token": "s3cret-token"])
        let text = configuration.maskedJSONText
        #expect(!text.contains("s3cret-token"))
        #expect(text.contains(#""auth_token":"***""#))
        let json = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(text)
        #expect(json["heartbeat"]?["interval_s"]?.doubleValue == 15)
        #expect(json["health_bind"]?.stringValue == "127.0.0.1:8019")
    }

    @Test(arguments: [
        ("heartbeat.jitter_pct", "150"), ("coordinator.base_url", "https://tls.example/v1"), ("node_id", "has space"),
        ("health_bind", "127.0.0.1:99999"), ("health_bind", "example.com:80"), ("resources.io_level", "9"), ("price", "-1"),
        ("poll.interval_s", "soon"), ("runners.cli.enable", "maybe"), ("log_level", "loud"), ("heartbeat.backoff.max_s", "0.5"),
    ])
    func invalidValueNamesTheSetting(setting: String, value: String) throws {
        do {
            _ = try MinerConfiguration.load(configPath: nil, environment: [:], flags: [setting: value])
            Issue.record("\(setting)=\(value) was accepted")
        } catch {
            #expect(error.description.contains(setting))
            #expect(!error.description.contains(value) || value.count < 3)
        }
    }

    /// `wallet_address`: the payout every work claim names, from any layer, checked at load.
    @Test func walletAddressIsAnAccountAddressFromAnyLayer() throws {
        let wallet = Ed25519.PrivateKey.generate().publicKey.address
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-config")
        let path = directory.path("miner.yaml")
        try "wallet_address: \(wallet)\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try MinerConfiguration.load(configPath: path, environment: [:]).walletAddress == wallet)
        let fromEnvironment = try MinerConfiguration.load(
            configPath: nil, environment: ["AITBC_MINER_WALLET_ADDRESS": wallet.description.uppercased()])
        // Any case in, the lowercase form out (capabilities, --print-config, claims).
        #expect(fromEnvironment.walletAddress == wallet)
        #expect(fromEnvironment.maskedJSON["wallet_address"]?.stringValue == wallet.description)
        let key = Ed25519.PrivateKey.generate().publicKey
        #expect(fromEnvironment.payoutAddress(signingKey: key) == wallet)
    }

    /// No `wallet_address`: claims pay the signing key's own address, named explicitly.
    @Test func walletAddressDefaultsToTheSigningKeysAddress() throws {
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:])
        #expect(configuration.walletAddress == nil)
        #expect(configuration.maskedJSON["wallet_address"] == .null)
        let key = Ed25519.PrivateKey.generate().publicKey
        #expect(configuration.payoutAddress(signingKey: key) == key.address)
    }

    @Test(arguments: ["ait1notanaddress", "0x1234", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"])
    func anInvalidWalletAddressIsRefusedByName(value: String) throws {
        #expect(
            throws: ConfigurationError.invalid(
                setting: "wallet_address",
                reason: "must be an ait1… account address (bech32, as aitbc keygen prints) (set by AITBC_MINER_WALLET_ADDRESS)")
        ) {
            try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_WALLET_ADDRESS": value])
        }
    }

    @Test func malformedYAMLNamesTheFile() throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-config")
        let path = directory.path("bad.yaml")
        try "node_id: [unclosed".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try MinerConfiguration.load(configPath: path, environment: [:]) }
        #expect(throws: ConfigurationError.self) { try MinerConfiguration.load(configPath: directory.path("absent.yaml"), environment: [:]) }
    }

    @Test func keyFileMustBeOwnerOnly() throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-key")
        let path = directory.path("key.json")
        let key = Ed25519Fixture.key
        let text = #"{"private_key_hex":"\#(Ed25519Fixture.seedHex)","public_key_hex":"\#(key.publicKey.hex)"}"#
        #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]))
        #expect(throws: ConfigurationError.self) { try KeyFile.load(path: path) }
        #expect(chmod(path, 0o600) == 0)
        #expect(try KeyFile.load(path: path).publicKey == key.publicKey)
        // A symlink to a good key file is refused: the file checked is the file read.
        let link = directory.path("link.json")
        #expect(symlink(path, link) == 0)
        #expect(throws: ConfigurationError.self) { try KeyFile.load(path: link) }
    }

    /// `aitbc-miner --print-config` and exit code 2, when the executable is built.
    @Test(.enabled(if: AgentExecutable.path != nil, "aitbc-miner is not built"))
    func executablePrintsMaskedConfigAndExitsTwoOnInvalidValue() async throws {
        let binary = try #require(AgentExecutable.path)
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-print")
        let good = try await AgentExecutable.run(
            binary, ["--print-config"],
            environment: ["AITBC_MINER_COORDINATOR__AUTH_TOKEN": "s3cret-token", "AITBC_MINER_WORKSPACE__ROOT": directory.path("jobs")])
        #expect(good.status == 0)
        #expect(good.output.contains(#""auth_token":"***""#))
        #expect(!good.output.contains("s3cret-token"))
        let bad = try await AgentExecutable.run(binary, ["--print-config"], environment: ["AITBC_MINER_RESOURCES__IO_LEVEL": "42"])
        #expect(bad.status == 2)
        #expect(bad.output.contains("resources.io_level"))
        let badWallet = try await AgentExecutable.run(binary, ["run"], environment: ["AITBC_MINER_WALLET_ADDRESS": "ait1typo"])
        #expect(badWallet.status == 2)
        #expect(badWallet.stderr.contains("wallet_address: must be an ait1… account address"))
    }
}

/// Issue #12: typos and unknown names are refused where they were written, list values take
/// JSON arrays, and every refusal says where the setting comes from.
@Suite struct AgentConfigurationStrictnessTests {
    @Test func unknownYAMLKeyIsRefusedWithItsLineAndTheNearestKey() throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-config")
        let path = directory.path("miner.yaml")
        try "node_id: n\ncoordinator:\n  base_url: http://127.0.0.1:8011/v1\nhartbeat:\n  interval_s: 2\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try MinerConfiguration.load(configPath: path, environment: [:])
            Issue.record("hartbeat was accepted")
        } catch {
            #expect(error == .invalid(setting: "hartbeat", reason: "unknown key in \(path) line 4; did you mean heartbeat?"))
        }
        // Nested: a typo below a known section, and a section given a value.
        try "poll:\n  max_wait: 2\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.invalid(setting: "poll.max_wait", reason: "unknown key in \(path) line 2; did you mean poll.max_wait_s?")) {
            try MinerConfiguration.load(configPath: path, environment: [:])
        }
        try "heartbeat: 5\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.self) { try MinerConfiguration.load(configPath: path, environment: [:]) }
        // The shipped example names only known keys.
        let example = CLIRepository.root.appendingPathComponent("configs/miner/miner.yaml").path
        _ = try MinerConfiguration.load(configPath: example, environment: ["MINER_AUTH": "t"])
    }

    @Test func unknownEnvironmentVariableIsRefused() throws {
        #expect(
            throws: ConfigurationError.invalid(
                setting: "AITBC_MINER_HEARTBEET__INTERVAL_S",
                reason: "unknown miner setting (variables AITBC_MINER_* name settings, e.g. AITBC_MINER_COORDINATOR__BASE_URL); "
                    + "did you mean AITBC_MINER_HEARTBEAT__INTERVAL_S?")
        ) { try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_HEARTBEET__INTERVAL_S": "3"]) }
    }

    @Test func everySettingIsKnownAndPrinted() throws {
        // The list of known keys is the --print-config shape: a setting added to one only fails here.
        let json = try MinerConfiguration.load(configPath: nil, environment: [:]).maskedJSON
        var printed: [String] = []
        func walk(_ value: JSONValue, _ prefix: String) {
            guard case .object(let members) = value else { return printed.append(prefix) }
            for member in members { walk(member.value, prefix.isEmpty ? member.key : "\(prefix).\(member.key)") }
        }
        walk(json, "")
        #expect(Set(printed) == Set(MinerConfiguration.settingNames))
    }

    @Test func listSettingsTakeJSONArraysOrCommas() throws {
        let json = try MinerConfiguration.load(
            configPath: nil, environment: ["AITBC_MINER_RUNNERS__CLI__ALLOWLIST_FILES": #"["a.yaml", "b,c.yaml"]"#])
        #expect(json.allowlistFiles == ["a.yaml", "b,c.yaml"])
        let commas = try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_RUNNERS__CLI__ALLOWLIST_FILES": "a.yaml, b.yaml"])
        #expect(commas.allowlistFiles == ["a.yaml", "b.yaml"])
        let paths = try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_SANDBOX__LANDLOCK_READ_PATHS": #"["/usr","/opt"]"#])
        #expect(paths.sandbox.landlockReadPaths == ["/usr", "/opt"])
        #expect(throws: ConfigurationError.self) {
            try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_RUNNERS__CLI__ALLOWLIST_FILES": "[\"a.yaml\""])
        }
    }

    @Test func refusalsNameWhereTheValueCameFrom() throws {
        #expect(throws: ConfigurationError.invalid(setting: "resources.io_level", reason: "must be an integer in 0...7 (set by AITBC_MINER_RESOURCES__IO_LEVEL)")) {
            try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_RESOURCES__IO_LEVEL": "9"])
        }
        #expect(throws: ConfigurationError.invalid(setting: "log_level", reason: "must be one of trace, debug, info, notice, warning, error, critical (set by the --log-level flag)")) {
            try MinerConfiguration.load(configPath: nil, environment: [:], flags: ["log_level": "loud"])
        }
        let message = MinerConfiguration.message(for: .missing(setting: "coordinator.auth_token"))
        #expect(message.contains("coordinator.auth_token is required: set it in the YAML as coordinator.auth_token, or AITBC_MINER_COORDINATOR__AUTH_TOKEN"))
        #expect(MinerConfiguration.message(for: .missing(setting: "node_id")).hasSuffix("or AITBC_MINER_NODE_ID, or --node-id"))
    }

    /// `--print-config` refuses what `run` refuses (exit 2, reason on stderr); `run` also logs it as JSON.
    @Test(.enabled(if: AgentExecutable.path != nil, "aitbc-miner is not built"))
    func printConfigValidatesLikeRun() async throws {
        let binary = try #require(AgentExecutable.path)
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-print")
        let base = ["AITBC_MINER_WORKSPACE__ROOT": directory.path("jobs")]
        let noToken = try await AgentExecutable.run(binary, ["--print-config"], environment: base)
        #expect(noToken.status == 2)
        #expect(noToken.stderr.contains("AITBC_MINER_COORDINATOR__AUTH_TOKEN"))
        let runNoToken = try await AgentExecutable.run(binary, ["run"], environment: base)
        #expect(runNoToken.status == 2)
        #expect(runNoToken.stderr.contains("coordinator.auth_token is required"))
        #expect(runNoToken.output.contains(#""event":"invalid_configuration""#))

        let key = directory.path("key.json")
        let text = #"{"private_key_hex":"\#(Ed25519Fixture.seedHex)"}"#
        #expect(FileManager.default.createFile(atPath: key, contents: Data(text.utf8), attributes: [.posixPermissions: 0o644]))
        let environment = base.merging(["AITBC_MINER_COORDINATOR__AUTH_TOKEN": "t", "AITBC_MINER_KEY_FILE": key]) { $1 }
        let laxKey = try await AgentExecutable.run(binary, ["--print-config"], environment: environment)
        #expect(laxKey.status == 2)
        #expect(laxKey.stderr.contains("key_file") && laxKey.stderr.contains("0600"))
        #expect(chmod(key, 0o600) == 0)
        #expect(try await AgentExecutable.run(binary, ["--print-config"], environment: environment).status == 0)
        #expect(!FileManager.default.fileExists(atPath: directory.path("jobs")), "--print-config created the workspace")
    }
}

/// Issue #12: `aitbc keygen --out` writes the one key-file format the miner's key_file reads,
/// and both binaries answer `--version`.
@Suite struct AgentKeyFileAndVersionTests {
    @Test(.enabled(if: TestPaths.product("aitbc") != nil, "aitbc is not built"))
    func keygenOutputIsAMinerKeyFile() async throws {
        let aitbc = try #require(TestPaths.product("aitbc"))
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-keygen")
        let path = directory.path("miner.key.json")
        let run = try await ChildProcess.run(aitbc, ["keygen", "--out", path], environment: TestPaths.baseEnvironment(), directory: directory.url.path)
        #expect(run.status == 0)
        let printed = try JSONParser(limits: .init(maxInputBytes: 1 << 16)).parse(run.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(printed["private_key_hex"] == nil)
        let key = try KeyFile.load(path: path)
        #expect(printed["public_key_hex"]?.stringValue == key.publicKey.hex)
        #expect(printed["key_id"]?.stringValue == key.publicKey.keyID)
    }

    @Test(.enabled(if: AgentExecutable.path != nil, "aitbc-miner is not built"))
    func minerPrintsItsVersion() async throws {
        let run = try await AgentExecutable.run(try #require(AgentExecutable.path), ["--version"], environment: [:])
        #expect(run.status == 0)
        #expect(run.output == "aitbc-miner \(AITBCVersion.string)\n")
        #expect(AITBCVersion.string.hasPrefix(AITBCVersion.number + " (swift 6."))
    }
}

/// The repository root, from this file's path.
enum CLIRepository {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// A fixed Ed25519 key for key-file tests.
enum Ed25519Fixture {
    static let seedHex = String(repeating: "42", count: 32)
    static var key: Ed25519.PrivateKey {
        // The seed is a valid 32-byte hex constant.
        (try? Ed25519.PrivateKey(seedHex: seedHex)) ?? Ed25519.PrivateKey.generate()
    }
}

/// Finds and runs the built `aitbc-miner`.
enum AgentExecutable {
    static var path: String? { TestPaths.product("aitbc-miner") }

    /// Runs `binary` with `arguments`; stdout and stderr together, and stderr alone.
    static func run(
        _ binary: String, _ arguments: [String], environment: [String: String]
    ) async throws -> (status: Int32, output: String, stderr: String) {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-exe")
        let result = try await ChildProcess.run(
            binary, arguments, environment: ["PATH": "/usr/bin:/bin"].merging(environment) { _, new in new },
            directory: directory.url.path)
        return (result.status, result.stdout + result.stderr, result.stderr)
    }
}
