import Foundation
import JSON
import ServiceRuntime
import TestSupport
import Testing

@testable import Miner

/// The `chain` settings: off by default, from the YAML, `AITBC_MINER_CHAIN__*` or the short
/// `AITBC_MINER_CHAIN_URL` / `AITBC_MINER_CHAIN_ID`, and refused without a key to sign with.
@Suite struct ClaimConfigurationTests {
    @Test func withoutAChainURLNothingIsClaimed() throws {
        let configuration = try MinerConfiguration.load(configPath: nil, environment: [:])
        #expect(configuration.chainURL == nil && configuration.chainID == "ait-devnet" && configuration.chainPollInterval == .seconds(2))
        #expect(configuration.maskedJSON["chain"]?["url"] == .null)
        #expect(configuration.maskedJSON["chain"]?["chain_id"]?.stringValue == "ait-devnet")
    }

    @Test func chainSettingsComeFromTheFileOrEitherVariableName() throws {
        let directory = try TemporaryDirectory(prefix: "aitbc-miner-chain-config")
        let path = directory.path("miner.yaml")
        try "key_file: /etc/aitbc/miner.key.json\nchain:\n  url: http://127.0.0.1:8080/\n  chain_id: ait-test\n  poll_interval_s: 0.5\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let fromFile = try MinerConfiguration.load(configPath: path, environment: [:])
        #expect(fromFile.chainURL == "http://127.0.0.1:8080" && fromFile.chainID == "ait-test" && fromFile.chainPollInterval == .milliseconds(500))

        let key = ["AITBC_MINER_KEY_FILE": "/k.json"]
        let nested = try MinerConfiguration.load(
            configPath: nil, environment: key.merging(["AITBC_MINER_CHAIN__URL": "http://node:8080", "AITBC_MINER_CHAIN__CHAIN_ID": "ait-a"]) { $1 })
        #expect(nested.chainURL == "http://node:8080" && nested.chainID == "ait-a")
        let short = try MinerConfiguration.load(
            configPath: nil, environment: key.merging(["AITBC_MINER_CHAIN_URL": "http://short:8080", "AITBC_MINER_CHAIN_ID": "ait-b"]) { $1 })
        #expect(short.chainURL == "http://short:8080" && short.chainID == "ait-b")
        // Both spellings set: the `__` form wins.
        let both = try MinerConfiguration.load(
            configPath: nil,
            environment: key.merging(["AITBC_MINER_CHAIN__URL": "http://nested:8080", "AITBC_MINER_CHAIN_URL": "http://short:8080"]) { $1 })
        #expect(both.chainURL == "http://nested:8080")
    }

    @Test func aChainURLNeedsAKeyFileAndAnHTTPURL() throws {
        #expect(
            throws: ConfigurationError.invalid(
                setting: "chain.url", reason: "needs key_file: receipt claims are signed with the miner's key (set by AITBC_MINER_CHAIN_URL)")
        ) { try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_CHAIN_URL": "http://127.0.0.1:8080"]) }
        #expect(throws: ConfigurationError.invalid(setting: "chain.url", reason: "must be an http:// URL (set by AITBC_MINER_CHAIN__URL)")) {
            try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_CHAIN__URL": "ftp://node", "AITBC_MINER_KEY_FILE": "/k.json"])
        }
        #expect(throws: ConfigurationError.self) {
            try MinerConfiguration.load(configPath: nil, environment: ["AITBC_MINER_CHAIN_ID": "ait devnet"])
        }
    }
}
