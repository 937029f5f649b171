import HTTP1
public import Cryptography
import FoundationEssentials
import Glibc
public import ServiceRuntime
public import WalletCore

/// Every wallet daemon setting (spec/wallet-daemon.md §2 [TARGET] and issue 15; docs/wallet-
/// daemon.md "Configuration"), validated at start-up. Errors name the setting; `description`
/// never shows the token or the coordinator key.
public struct WalletConfiguration: Sendable, CustomStringConvertible {
    /// `WALLET_BIND`.
    public var host = WalletDefaults.bindHost
    /// `WALLET_PORT` (0 = any free port, tests).
    public var port = WalletDefaults.port
    /// `WALLET_TOKEN`: when set, every route needs `X-Auth-Token`.
    public var token: String?
    /// `KEYSTORE_DIR`.
    public var keystoreDirectory = "./data/keystore"
    /// `LEDGER_DB_PATH` (alias `LEDGER_DB`).
    public var ledgerPath = "./data/wallet_ledger.db"
    /// `UNLOCK_TTL_SEC`: how long an unlock lasts, and the most a request may ask for.
    public var unlockTTLSeconds = 120
    /// `ARGON_TIME`, `ARGON_MEMORY_MB`, `ARGON_PARALLELISM`: what new and re-keyed records use.
    public var kdf = KeystoreRecord.KDFParameters.standard
    /// `COORDINATOR_BASE_URL`.
    public var coordinatorBaseURL = "http://localhost:8011"
    /// `COORDINATOR_API_KEY`: receipt routes answer 503 while unset.
    public var coordinatorAPIKey: String?
    /// `TRUSTED_RECEIPT_KEYS`: pinned coordinator keys.
    public var trustedReceiptKeys: [Ed25519.PublicKey] = []
    /// `MAX_CONCURRENT_UNLOCKS`: Argon2 runs at once.
    public var maxConcurrentUnlocks = 2
    /// `MAX_BODY_BYTES`: larger bodies get 413.
    public var maxBodyBytes = 65_536
    /// `LEDGER_CACHE_KIB`: SQLite page cache per ledger connection (three of them).
    public var ledgerCacheKiB = 256
    /// `CHAIN_RPC_URL`: the chain node for balances and transfers (`LEDGER=chain`).
    public var chainRPCURL = "http://127.0.0.1:8080"
    /// `CHAIN_ID`: the chain transfers are signed for.
    public var chainID = "ait-devnet"
    /// `LEDGER`: `chain` or `offline`.
    public var ledger = LedgerMode.chain
    /// `RATE_LIMIT_REQUESTS` per `RATE_LIMIT_WINDOW_SEC` (30 per 60 s; 0 turns it off).
    public var rateLimitRequests = 30
    /// `RATE_LIMIT_WINDOW_SEC`.
    public var rateLimitWindowSeconds = 60
    /// `LOG_LEVEL`.
    public var logLevel = "info"

    /// Defaults (tests and embedding set fields directly).
    public init() {}

    /// Reads and validates every setting.
    /// - Throws: `ConfigurationError` naming the setting.
    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        host = try reader.bindHost("WALLET_BIND", default: WalletDefaults.bindHost)
        port = try reader.port("WALLET_PORT", default: WalletDefaults.port, allowEphemeral: true)
        token = reader.string("WALLET_TOKEN")
        if let token, token.utf8.count < 16 {
            throw .invalid(setting: "WALLET_TOKEN", reason: "must be at least 16 characters")
        }
        // A header value loses its leading and trailing blanks and cannot hold CR, LF or other
        // control characters: such a token could never be sent, so every request would be refused.
        if let token, token.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            || token.first == " " || token.last == " "
        {
            throw .invalid(setting: "WALLET_TOKEN", reason: "must not contain control characters (CR, LF, tab) or begin or end with a space")
        }
        if !Self.isLoopback(host), token == nil {
            throw .invalid(setting: "WALLET_TOKEN", reason: "required when WALLET_BIND (\(host)) is not a loopback address")
        }
        keystoreDirectory = reader.string("KEYSTORE_DIR", default: keystoreDirectory)
        let ledgerDBPath = reader.string("LEDGER_DB_PATH")
        let ledgerDB = reader.string("LEDGER_DB")
        if let ledgerDBPath, let ledgerDB, ledgerDBPath != ledgerDB {
            // One of them would be ignored without a word: the wallets' ledger is not a guess.
            throw .invalid(setting: "LEDGER_DB", reason: "and LEDGER_DB_PATH name different files (\(ledgerDB), \(ledgerDBPath)); set only LEDGER_DB_PATH")
        }
        ledgerPath = ledgerDBPath ?? ledgerDB ?? ledgerPath
        unlockTTLSeconds = try reader.int("UNLOCK_TTL_SEC", default: 120, range: 1...86_400)
        let time = try reader.int("ARGON_TIME", default: 3, range: 1...10)
        let memory = try reader.int("ARGON_MEMORY_MB", default: 64, range: 8...4_096)
        let parallelism = try reader.int("ARGON_PARALLELISM", default: 2, range: 1...16)
        do {
            kdf = try KeystoreRecord.KDFParameters(iterations: UInt32(time), memoryKiB: UInt32(memory * 1_024), parallelism: UInt32(parallelism))
        } catch {
            throw .invalid(setting: "ARGON_MEMORY_MB", reason: "\(error)")
        }
        coordinatorBaseURL = reader.string("COORDINATOR_BASE_URL", default: coordinatorBaseURL)
        guard coordinatorBaseURL.hasPrefix("http://") || coordinatorBaseURL.hasPrefix("https://") else {
            throw .invalid(setting: "COORDINATOR_BASE_URL", reason: "must start with http:// or https://")
        }
        coordinatorAPIKey = reader.string("COORDINATOR_API_KEY")
        trustedReceiptKeys = try Self.keys(reader.string("TRUSTED_RECEIPT_KEYS"))
        maxConcurrentUnlocks = try reader.int("MAX_CONCURRENT_UNLOCKS", default: 2, range: 1...64)
        maxBodyBytes = try reader.int("MAX_BODY_BYTES", default: 65_536, range: 1_024...(16 << 20))
        ledgerCacheKiB = try reader.int("LEDGER_CACHE_KIB", default: 256, range: 64...65_536)
        chainRPCURL = reader.string("CHAIN_RPC_URL", default: chainRPCURL)
        guard chainRPCURL.hasPrefix("http://") || chainRPCURL.hasPrefix("https://") else {
            throw .invalid(setting: "CHAIN_RPC_URL", reason: "must start with http:// or https://")
        }
        chainID = reader.string("CHAIN_ID", default: chainID)
        guard (1...64).contains(chainID.utf8.count) else { throw .invalid(setting: "CHAIN_ID", reason: "must be 1…64 bytes") }
        ledger = LedgerMode(rawValue: try reader.choice("LEDGER", default: "chain", allowed: LedgerMode.allCases.map(\.rawValue))) ?? .chain
        rateLimitRequests = try reader.int("RATE_LIMIT_REQUESTS", default: 30, range: 0...1_000_000)
        rateLimitWindowSeconds = try reader.int("RATE_LIMIT_WINDOW_SEC", default: 60, range: 1...86_400)
        logLevel = try reader.choice("LOG_LEVEL", default: "info", allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    /// `127.0.0.0/8` or `::1`.
    public static func isLoopback(_ host: String) -> Bool {
        if host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else { return false }
        return UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    /// Comma-separated Ed25519 public keys: the coordinator's `key_id` (base64url, 43
    /// characters, as `aitbc keygen` prints it and `GET /v1/keys` lists it) or the same key
    /// as 64 hex digits (`public_key_hex`, the form other docs give it in).
    static func keys(_ text: String?) throws(ConfigurationError) -> [Ed25519.PublicKey] {
        guard let text else { return [] }
        var keys: [Ed25519.PublicKey] = []
        for (index, part) in text.split(separator: ",").enumerated() {
            let item = part.trimmingWhitespace()
            guard !item.isEmpty else { continue }
            let key = item.utf8.count == 64 ? try? Ed25519.PublicKey(hex: item) : (try? Base64URL.decode(item)).flatMap { try? Ed25519.PublicKey(rawRepresentation: $0) }
            guard let key else {
                throw .invalid(
                    setting: "TRUSTED_RECEIPT_KEYS",
                    reason: "entry \(index + 1) is neither a key_id (base64url, 43 characters: `aitbc keygen`'s key_id, GET /v1/keys) "
                        + "nor an Ed25519 public key in hex (64 digits)")
            }
            keys.append(key)
        }
        return keys
    }

    /// What an operator should hear about at start-up.
    public var startupWarnings: [String] {
        var warnings: [String] = []
        if !Self.isLoopback(host) { warnings.append("WALLET_BIND \(host) accepts connections from other hosts (WALLET_TOKEN is required on every route)") }
        if coordinatorAPIKey == nil { warnings.append("COORDINATOR_API_KEY is unset: the receipt routes answer 503") }
        if trustedReceiptKeys.isEmpty { warnings.append("TRUSTED_RECEIPT_KEYS is empty: every receipt signature is reported trusted: false") }
        if ledger == .offline { warnings.append("LEDGER=offline: balances and transfers are a local SQLite ledger, not the chain") }
        if rateLimitRequests == 0 { warnings.append("RATE_LIMIT_REQUESTS=0: the request rate limit is off") }
        return warnings
    }

    /// The settings, secrets replaced by whether they are set.
    public var description: String {
        "bind=\(host):\(port) token=\(token == nil ? "unset" : "set") keystore=\(keystoreDirectory) ledger_db=\(ledgerPath) "
            + "ledger=\(ledger.rawValue) unlock_ttl=\(unlockTTLSeconds)s kdf=\(kdf) max_concurrent_unlocks=\(maxConcurrentUnlocks) "
            + "max_body=\(maxBodyBytes) ledger_cache_kib=\(ledgerCacheKiB) coordinator=\(coordinatorBaseURL) coordinator_api_key=\(coordinatorAPIKey == nil ? "unset" : "set") "
            + "trusted_receipt_keys=\(trustedReceiptKeys.count) chain=\(chainRPCURL) chain_id=\(chainID)"
    }
}
