import Foundation
import ServiceRuntime
import Testing
import TestSupport
import Wallet

/// configs/wallet-daemon/.env.example names every setting the daemon reads, and loads as a
/// valid configuration with the documented defaults.
@Suite struct WalletEnvExampleTests {
    static let settings = [
        "WALLET_BIND", "WALLET_PORT", "WALLET_TOKEN", "KEYSTORE_DIR", "LEDGER_DB_PATH", "UNLOCK_TTL_SEC", "ARGON_TIME", "ARGON_MEMORY_MB",
        "ARGON_PARALLELISM", "MAX_CONCURRENT_UNLOCKS", "MAX_BODY_BYTES", "LEDGER_CACHE_KIB", "RATE_LIMIT_REQUESTS", "RATE_LIMIT_WINDOW_SEC", "COORDINATOR_BASE_URL",
        "COORDINATOR_API_KEY", "TRUSTED_RECEIPT_KEYS", "LEDGER", "CHAIN_RPC_URL", "CHAIN_ID", "LOG_LEVEL",
    ]

    /// Settings the example names only in a comment: paths the systemd unit sets, which a
    /// value in the unit's env file would override (moving the keys).
    static let commentedOut: Set<String> = ["KEYSTORE_DIR", "LEDGER_DB_PATH"]

    @Test func theExampleNamesEverySettingAndLoadsWithTheDefaults() throws {
        let path = TestPaths.root.appendingPathComponent("configs/wallet-daemon/.env.example").path
        let values = try DotEnvFile.load(path: path)
        #expect(Set(values.keys) == Set(Self.settings).subtracting(Self.commentedOut))
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for name in Self.commentedOut { #expect(text.contains("\n# \(name)=./data/"), "\(name) is shown commented out with its default") }
        let configuration = try WalletConfiguration(reader: ConfigurationReader(dotEnv: values))
        let defaults = try WalletConfiguration(reader: ConfigurationReader())
        #expect(configuration.description == defaults.description)
    }
}
