import HTTP1
public import Cryptography
import JSON
public import ServiceRuntime
import WireModels

/// Every coordinator setting (spec/coordinator.md §2 plus the Required limits), validated at
/// start-up. Errors name the setting and the rule, never the value; `description` never shows
/// keys or secrets.
public struct CoordinatorConfiguration: Sendable, CustomStringConvertible, CustomReflectable {
    /// `APP_ENV`, echoed by `/v1/health`; `dev` enables the placeholder keys.
    public var appEnvironment: String = "dev"
    /// `APP_HOST`: bind address.
    public var host: String = "127.0.0.1"
    /// `APP_PORT`.
    public var port: Int = 8011
    /// SQLite file path from `DATABASE_URL` (`sqlite:///./x.db` or a plain path).
    public var databasePath: String = "./coordinator.db"
    /// Client, miner and admin keys (`*_API_KEYS`).
    public var keyRing: APIKeyRing = APIKeyRing(keys: [:])

    /// `HMAC_SECRET` bytes; when set, bodies may carry `X-Signature`.
    public var hmacSecret: [UInt8]?
    /// `ALLOW_ORIGINS`: CORS origins (`*` = any).
    public var allowOrigins: [String] = ["*"]
    /// `JOB_TTL_SECONDS`: default `ttl_seconds` of a job (1…86400).
    public var jobTTLSeconds: Int = 900
    /// `HEARTBEAT_INTERVAL_SECONDS`: advised to miners; the sweeper runs every max(1, interval/2) s.
    public var heartbeatIntervalSeconds: Int = 10
    /// `HEARTBEAT_TIMEOUT_SECONDS`: a miner silent this long goes OFFLINE and its jobs requeue.
    public var heartbeatTimeoutSeconds: Int = 30
    /// `RATE_LIMIT_REQUESTS`: token bucket capacity per principal.
    public var rateLimitRequests: Int = 60
    /// `RATE_LIMIT_WINDOW_SECONDS`: time for an empty bucket to refill completely.
    public var rateLimitWindowSeconds: Int = 60
    /// `RECEIPT_SIGNING_KEY_HEX`: the coordinator key; nil disables receipts.
    public var signingKey: Ed25519.PrivateKey?
    /// `RECEIPT_ATTESTATION_KEY_HEX`: adds one attestation per receipt.
    public var attestationKey: Ed25519.PrivateKey?
    /// `MAX_BODY_BYTES`: largest request body, payload, result or metrics document (1 MiB).
    public var maxBodyBytes: Int = 1 << 20
    /// `INLINE_RESULT_LIMIT_BYTES`: results above this go to `DATA_DIR/results/<job_id>.json`.
    public var inlineResultLimitBytes: Int = 256 << 10
    /// `MAX_JSON_DEPTH`: deepest nesting a request body may have (64).
    public var maxJSONDepth: Int = 64
    /// `MAX_ATTEMPTS`: runs a job gets before a requeue turns into FAILED `requeue limit` (3).
    public var maxAttempts: Int = 3
    /// `DATA_DIR`: where large results (and, unless `DATABASE_URL` says otherwise, the database) live.
    public var dataDirectory: String = "./data/coordinator"
    /// `CHAIN_RPC_URL`: the chain node the explorer reads would proxy to; nil when unset.
    public var chainRPCURL: String?
    /// `POLL_MAX_WAIT_SECONDS`: cap on a poll's `max_wait_seconds` (0…60; lower it when a proxy
    /// in front times out earlier than 60 s).
    public var pollMaxWaitSeconds: Int = 60
    /// `LOG_LEVEL`: trace, debug, info, notice, warning, error or critical.
    public var logLevel: String = "info"
    /// `ACCESS_LOG_LEVEL`: the level of the one-line-per-request access log. `debug` by default
    /// (per-request noise; STYLE.md): at the default `LOG_LEVEL` only domain events are logged;
    /// set `info` to see every request.
    public var accessLogLevel: String = "debug"

    /// `MAX_QUEUED_JOBS_PER_CLIENT`: jobs one client may have QUEUED at once; the next submit
    /// answers 429 `QUOTA_EXCEEDED` (issue 10: one client cannot fill the queue for all).
    public var maxQueuedJobsPerClient: Int = 10_000
    /// `MAX_CONSTRAINT_SETS_PER_CLIENT`: distinct constraint sets one client may have jobs
    /// QUEUED under; a claim reads every non-empty set, so this bounds its cost (429 above).
    public var maxConstraintSetsPerClient: Int = 64
    /// `DEFAULT_JOB_TOKEN_LIMIT`: the tokens an inference job may bill when its payload declares
    /// no `options.num_predict`.
    public var defaultJobTokenLimit: Int = 4_096
    /// `MAX_JOB_TOKEN_LIMIT`: the largest `options.num_predict` a job may declare (submit → 422).
    public var maxJobTokenLimit: Int = 1_000_000
    /// `MAX_TOKENS_PER_SECOND`: the fastest generation credited; `token_ops` are capped at the
    /// observed wall seconds × this.
    public var maxTokensPerSecond: Int = 5_000
    /// `DEFAULT_JOB_SECONDS`: a job's time limit when its payload declares no `timeout_s` (the
    /// miner's `executor.default_timeout_s` default).
    public var defaultJobSeconds: Int = 600
    /// `MAX_JOB_SECONDS`: the largest `timeout_s` honoured (the miner's `executor.max_timeout_s`).
    public var maxJobSeconds: Int = 7_200
    /// `JOB_TIME_GRACE_SECONDS`: billable time past a job's limit (the miner's kill grace and the
    /// report's way back); time units bill at most limit + grace, however late the result.
    public var jobTimeGraceSeconds: Int = 30
    /// `MAX_UNIT_PRICE`: the highest `capabilities.price` a miner may register (422 above).
    public var maxUnitPrice: Double = 1_000_000

    /// `WS_DEFLATE`: whether the WebSocket channels accept a client's permessage-deflate offer
    /// (RFC 7692). Received messages are bounded after decompression either way (1009 above).
    public var webSocketDeflate: Bool = true
    /// `WS_DEFLATE_WINDOW_BITS`: the LZ77 window (9–15) the coordinator compresses with; 12
    /// (4 KiB) keeps a channel's compressor near 32 KiB for messages that are a few hundred bytes.
    public var webSocketDeflateWindowBits: Int = 12

    /// Largest capabilities/metadata document a miner may send (spec: 64 KiB).
    public var maxCapabilitiesBytes: Int = 64 << 10
    /// Idempotency keys are honoured for this long (spec: 24 h).
    public var idempotencyWindowSeconds: Int = 86_400

    /// Defaults everywhere, no keys; for tests that set fields directly.
    public init() {}

    /// Reads and validates every setting.
    /// - Throws: `ConfigurationError.invalid` naming the first bad setting.
    public init(reader: ConfigurationReader) throws(ConfigurationError) {
        // Trimmed: " production" or "production\r" must not slip past the production checks.
        appEnvironment = reader.string("APP_ENV", default: "dev").trimmingWhitespace()
        host = try reader.bindHost("APP_HOST", default: "127.0.0.1")
        port = try reader.port("APP_PORT", default: 8011, allowEphemeral: true)
        dataDirectory = reader.string("DATA_DIR", default: "./data/coordinator")
        // One data directory holds everything (ARCHITECTURE.md): the database defaults into it.
        if let url = reader.string("DATABASE_URL") {
            databasePath = try Self.databasePath(from: url)
        } else {
            databasePath = dataDirectory.hasSuffix("/") ? dataDirectory + "coordinator.db" : dataDirectory + "/coordinator.db"
        }
        chainRPCURL = reader.string("CHAIN_RPC_URL")
        pollMaxWaitSeconds = try reader.int("POLL_MAX_WAIT_SECONDS", default: 60, range: 0...60)
        logLevel = try reader.choice(
            "LOG_LEVEL", default: "info", allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        accessLogLevel = try reader.choice(
            "ACCESS_LOG_LEVEL", default: "debug", allowed: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
        let dev = appEnvironment == "dev"
        var keys: [Role: [(id: String?, key: String)]] = [:]
        for role in Role.allCases {
            let setting = "\(role.rawValue.uppercased())_API_KEYS"
            if let raw = reader.string(setting) {
                keys[role] = try Self.parseKeyList(raw, setting: setting)
            } else if dev {
                keys[role] = [(id: nil, key: "\(role.rawValue)_dev_key_1")]
            }
        }
        keyRing = APIKeyRing(keys: keys)

        hmacSecret = reader.string("HMAC_SECRET").map { Array($0.utf8) }
        if let origins = reader.string("ALLOW_ORIGINS") {
            allowOrigins = try Self.parseList(origins, setting: "ALLOW_ORIGINS")
        }
        jobTTLSeconds = try reader.int("JOB_TTL_SECONDS", default: 900, range: 1...86_400)
        heartbeatIntervalSeconds = try reader.int("HEARTBEAT_INTERVAL_SECONDS", default: 10, range: 1...3_600)
        heartbeatTimeoutSeconds = try reader.int("HEARTBEAT_TIMEOUT_SECONDS", default: 30, range: 1...86_400)
        rateLimitRequests = try reader.int("RATE_LIMIT_REQUESTS", default: 60, range: 1...1_000_000)
        rateLimitWindowSeconds = try reader.int("RATE_LIMIT_WINDOW_SECONDS", default: 60, range: 1...86_400)
        signingKey = try Self.seed(reader, "RECEIPT_SIGNING_KEY_HEX")
        attestationKey = try Self.seed(reader, "RECEIPT_ATTESTATION_KEY_HEX")
        maxBodyBytes = try reader.int("MAX_BODY_BYTES", default: 1 << 20, range: 1_024...(64 << 20))
        inlineResultLimitBytes = try reader.int(
            "INLINE_RESULT_LIMIT_BYTES", default: 256 << 10, range: 0...maxBodyBytes)
        maxJSONDepth = try reader.int("MAX_JSON_DEPTH", default: 64, range: 1...512)
        maxAttempts = try reader.int("MAX_ATTEMPTS", default: 3, range: 1...100)
        maxQueuedJobsPerClient = try reader.int("MAX_QUEUED_JOBS_PER_CLIENT", default: 10_000, range: 1...1_000_000)
        maxConstraintSetsPerClient = try reader.int("MAX_CONSTRAINT_SETS_PER_CLIENT", default: 64, range: 1...10_000)
        maxJobTokenLimit = try reader.int("MAX_JOB_TOKEN_LIMIT", default: 1_000_000, range: 1...1_000_000_000)
        defaultJobTokenLimit = try reader.int("DEFAULT_JOB_TOKEN_LIMIT", default: 4_096, range: 1...maxJobTokenLimit)
        maxTokensPerSecond = try reader.int("MAX_TOKENS_PER_SECOND", default: 5_000, range: 1...10_000_000)
        maxJobSeconds = try reader.int("MAX_JOB_SECONDS", default: 7_200, range: 1...604_800)
        defaultJobSeconds = try reader.int("DEFAULT_JOB_SECONDS", default: 600, range: 1...maxJobSeconds)
        jobTimeGraceSeconds = try reader.int("JOB_TIME_GRACE_SECONDS", default: 30, range: 0...3_600)
        maxUnitPrice = Double(try reader.int("MAX_UNIT_PRICE", default: 1_000_000, range: 0...1_000_000_000_000))
        webSocketDeflate = try reader.bool("WS_DEFLATE", default: true)
        webSocketDeflateWindowBits = try reader.int("WS_DEFLATE_WINDOW_BITS", default: 12, range: 9...15)
        if heartbeatTimeoutSeconds < heartbeatIntervalSeconds {
            throw .invalid(
                setting: "HEARTBEAT_TIMEOUT_SECONDS", reason: "must be at least HEARTBEAT_INTERVAL_SECONDS")
        }
    }

    /// How often the sweeper runs: max(1, interval/2) seconds (spec §10).
    public var sweepIntervalSeconds: Int { max(1, heartbeatIntervalSeconds / 2) }

    /// The SQLite path named by a `DATABASE_URL`.
    /// - Throws: `ConfigurationError.invalid` for non-SQLite URLs.
    static func databasePath(from url: String) throws(ConfigurationError) -> String {
        let trimmed = url.trimmingWhitespace()
        if trimmed.hasPrefix("sqlite:///") {
            let rest = String(trimmed.dropFirst("sqlite:///".count))
            guard !rest.isEmpty else { throw .invalid(setting: "DATABASE_URL", reason: "names no file") }
            return rest
        }
        if trimmed.hasPrefix("sqlite://") {
            throw .invalid(setting: "DATABASE_URL", reason: "use sqlite:///relative or sqlite:////absolute paths")
        }
        if trimmed.contains("://") {
            throw .invalid(setting: "DATABASE_URL", reason: "only SQLite databases are supported")
        }
        return trimmed
    }

    /// Splits a list setting written as a JSON array of strings or comma-separated values;
    /// entries are trimmed and empty ones ignored (spec §2).
    /// - Throws: `ConfigurationError.invalid` for a malformed JSON array.
    static func parseList(_ raw: String, setting: String) throws(ConfigurationError) -> [String] {
        let trimmed = raw.trimmingWhitespace()
        if trimmed.hasPrefix("[") {
            let parsed: JSONValue
            do {
                parsed = try JSONParser(limits: .init(maxInputBytes: 1 << 20, maxDepth: 2)).parse(trimmed)
            } catch {
                throw .invalid(setting: setting, reason: "is not a valid JSON array of strings")
            }
            guard let elements = parsed.arrayValue else {
                throw .invalid(setting: setting, reason: "is not a valid JSON array of strings")
            }
            var values: [String] = []
            for element in elements {
                guard let text = element.stringValue else {
                    throw .invalid(setting: setting, reason: "must contain only strings")
                }
                let entry = text.trimmingWhitespace()
                if !entry.isEmpty { values.append(entry) }
            }
            return values
        }
        return trimmed.split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }

    /// Parses a key list; `id:key` entries name their principal explicitly.
    /// - Throws: `ConfigurationError.invalid` for a malformed list or a bad explicit id.
    static func parseKeyList(_ raw: String, setting: String) throws(ConfigurationError) -> [(id: String?, key: String)] {
        var result: [(id: String?, key: String)] = []
        for entry in try parseList(raw, setting: setting) {
            if let colon = entry.firstIndex(of: ":") {
                let id = String(entry[..<colon])
                let key = String(entry[entry.index(after: colon)...])
                guard Self.isValidPrincipalID(id), !key.isEmpty else {
                    throw .invalid(setting: setting, reason: "entries must be KEY or ID:KEY with ID of [A-Za-z0-9._-]{1,64}")
                }
                result.append((id: id, key: key))
            } else {
                result.append((id: nil, key: entry))
            }
        }
        return result
    }

    /// Whether `id` is usable as an explicit principal id (the rule `MinerID` checks on the wire).
    static func isValidPrincipalID(_ id: String) -> Bool { MinerID.isPrincipalID(id) }

    /// An Ed25519 seed written as 64 hex characters; unset → nil.
    /// - Throws: `ConfigurationError.invalid` for anything else (fail fast, spec §2).
    static func seed(_ reader: ConfigurationReader, _ setting: String) throws(ConfigurationError) -> Ed25519.PrivateKey? {
        guard let raw = reader.string(setting) else { return nil }
        let text = raw.trimmingWhitespace()
        guard text.utf8.count == 64 else {
            throw .invalid(setting: setting, reason: "must be a 32-byte Ed25519 seed as 64 hex characters")
        }
        do {
            return try Ed25519.PrivateKey(seedHex: text)
        } catch {
            throw .invalid(setting: setting, reason: "must be a 32-byte Ed25519 seed as 64 hex characters")
        }
    }

    /// Non-secret summary for start-up logs.
    public var description: String {
        "CoordinatorConfiguration(env: \(appEnvironment), bind: \(host):\(port), database: \(databasePath), "
            + "keys: \(keyRing), hmac: \(hmacSecret == nil ? "off" : "on"), "
            + "signing: \(signingKey.map { "on (\($0.publicKey.keyID))" } ?? "off"), "
            + "attestation: \(attestationKey == nil ? "off" : "on"), ttl: \(jobTTLSeconds)s, "
            + "heartbeat: \(heartbeatIntervalSeconds)s/\(heartbeatTimeoutSeconds)s, "
            + "rate: \(rateLimitRequests)/\(rateLimitWindowSeconds)s, maxBody: \(maxBodyBytes), "
            + "inlineResult: \(inlineResultLimitBytes), maxDepth: \(maxJSONDepth), maxAttempts: \(maxAttempts), "
            + "queuedPerClient: \(maxQueuedJobsPerClient), constraintSetsPerClient: \(maxConstraintSetsPerClient), tokenLimit: \(defaultJobTokenLimit)/\(maxJobTokenLimit), "
            + "tokensPerSecond: \(maxTokensPerSecond), jobSeconds: \(defaultJobSeconds)/\(maxJobSeconds)+\(jobTimeGraceSeconds), "
            + "maxUnitPrice: \(maxUnitPrice), wsDeflate: \(webSocketDeflate ? "on (\(webSocketDeflateWindowBits) bits)" : "off"), "
            + "dataDir: \(dataDirectory), chainRPC: \(chainRPCURL == nil ? "unset" : "set"), pollMaxWait: \(pollMaxWaitSeconds)s, logLevel: \(logLevel))"
    }

    /// Keeps secrets out of `dump` and debuggers.
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

