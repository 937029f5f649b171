import AITBCClient
public import Cryptography
public import Foundation
public import Logging
public import ServiceRuntime

/// The miner daemon's settings (spec/miner.md §3 target).
///
/// Layers, lowest first: built-in defaults, the YAML file (`--config`), environment variables
/// `AITBC_MINER_<UPPER_SNAKE>` (nesting with `__`, e.g. `AITBC_MINER_COORDINATOR__BASE_URL`),
/// then command-line flags. Settings are named by their YAML path (`coordinator.base_url`);
/// every error names that path and never the rejected value (it may be a secret).
public struct MinerConfiguration: Sendable {
    /// This miner's name, sent as `X-Miner-ID` and in capabilities; also the claim's miner id
    /// unless the coordinator's register response names one.
    public var nodeID: String
    /// Coordinator base URL including `/v1`, without a trailing slash.
    public var coordinatorBaseURL: String
    /// The miner API key (`X-Api-Key` and `Authorization: Bearer`); nil when not configured.
    public var authToken: String?
    /// `coordinator.hmac_secret` (`env:NAME` allowed): the coordinator's `HMAC_SECRET` when it
    /// requires `X-Signature` on every POST; never logged or printed.
    public var hmacSecret: String?
    /// Per-request timeout (the long-poll wait is added on top for polls).
    public var coordinatorTimeout: Duration
    /// Region advertised at registration.
    public var region: String?
    /// `wallet_address`: the `ait1…` account every signed work claim names as `payout_address`
    /// (and capabilities advertise as `wallet`); nil pays the address of the signing key.
    public var walletAddress: AccountAddress?
    /// `chain.url`: the chain node the miner claims its receipts on (`RECEIPT_CLAIM`, see
    /// `ReceiptClaimer`); nil (the default) claims nothing. Needs `key_file`.
    public var chainURL: String?
    /// `chain.chain_id`: the chain claims are signed for (default `ait-devnet`).
    public var chainID: String
    /// `chain.poll_interval_s`: how often claims in the node's mempool are checked for a block.
    public var chainPollInterval: Duration
    /// Price per unit forwarded in capabilities (the coordinator's `max_price` constraint).
    public var price: Double?
    /// Heartbeat period before jitter.
    public var heartbeatInterval: Duration
    /// Heartbeat jitter, ± percent of the interval.
    public var heartbeatJitterPercent: Int
    /// Retry policy for register, poll errors and report submission.
    public var backoff: Backoff
    /// Pause between polls that found no job.
    public var pollInterval: Duration
    /// `max_wait_seconds` sent with each poll (the coordinator's long-poll).
    public var pollMaxWaitSeconds: Int
    /// Whether the allowlisted CLI runner is enabled.
    public var cliEnabled: Bool
    /// Allowlist files for the CLI runner.
    public var allowlistFiles: [String]
    /// Ollama base URL for `ollama.generate`.
    public var ollamaURL: String
    /// CPU job slots.
    public var maxConcurrentCPU: Int
    /// GPU job slots (used only when GPUs are present).
    public var maxConcurrentGPU: Int
    /// `nice` of job processes.
    public var cpuNice: Int
    /// Best-effort I/O priority level of job processes (0–7).
    public var ioLevel: Int
    /// RLIMIT_AS of job processes, MiB.
    public var memorySoftMB: Int
    /// RLIMIT_FSIZE of job processes, MiB.
    public var maxOutputMB: Int
    /// Cap of each job's stdout/stderr log, bytes.
    public var logCapBytes: Int
    /// Job timeout when the payload names none, seconds.
    public var defaultJobTimeoutSeconds: Int
    /// Largest job timeout a payload may ask for, seconds.
    public var maxJobTimeoutSeconds: Int
    /// Grace between SIGTERM and SIGKILL of a job's group, seconds.
    public var killGraceSeconds: Int
    /// Directory holding one directory per job (`<root>/<job_id>/state.json`).
    public var workspaceRoot: String
    /// `workspace.keep_success`: how long a completed job's folder is kept (default `24h`).
    public var keepSucceeded: Duration
    /// `workspace.keep_failed`: how long a failed or abandoned job's folder is kept (default `168h`).
    public var keepFailed: Duration
    /// How long running jobs may finish after SIGTERM.
    public var drainTimeout: Duration
    /// Health/metrics listener host.
    public var healthHost: String
    /// Health/metrics listener port (0 = ephemeral, for tests).
    public var healthPort: Int
    /// The miner's Ed25519 key JSON file (as `aitbc keygen --out` writes it); signs work claims.
    public var keyFile: String?
    /// Log level.
    public var logLevel: Logger.Level
    /// `sandbox.landlock`, `sandbox.pid_namespace`, `sandbox.landlock_*_paths`, `sandbox.require_job_user`,
    /// `sandbox.orphan_sweep_interval_s`.
    public var sandbox: SandboxSettings
    /// `sandbox.job_user` (default `auto`).
    public var jobUser: JobUserSetting
    /// `sandbox.job_user_count`: consecutive job uids; 0 (default) means one per job slot.
    public var jobUserCount: Int

    /// Environment prefix of miner settings.
    public static let environmentPrefix = "AITBC_MINER_"

    /// Builds the configuration from a YAML file (optional), the environment and flags.
    /// - Parameters:
    ///   - configPath: YAML file; nil for none.
    ///   - environment: the process environment (the `AITBC_MINER_` layer and `env:NAME` lookups).
    ///   - flags: command-line values keyed by setting path (`coordinator.base_url`).
    /// - Throws: `ConfigurationError` naming the first bad setting or the unreadable file.
    public static func load(
        configPath: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
        flags: [String: String] = [:]
    ) throws(ConfigurationError) -> MinerConfiguration {
        let document = try configPath.map { path throws(ConfigurationError) in try MinerYAML.loadDocument(path: path) }
        if let document { try checkKeys(of: document) }
        try checkEnvironmentNames(environment.keys)
        let file = document?.values ?? [:]
        var fromEnvironment: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix(environmentPrefix) {
            let key = name.dropFirst(environmentPrefix.count).replacingOccurrences(of: "__", with: ".")
            fromEnvironment[key] = value
        }
        for (alias, setting) in environmentAliases where environment[environmentName(for: setting)] == nil {
            if let value = environment[alias] { fromEnvironment[setting.uppercased()] = value }
        }
        let reader = ConfigurationReader(flags: flags, environment: fromEnvironment, dotEnv: file)
        do throws(ConfigurationError) {
            return try MinerConfiguration(reader: reader, environment: environment)
        } catch .invalid(let setting, let reason) {
            // Say which layer supplied the bad value: the operator has to find it.
            let source: String? =
                if flags[setting] != nil { flagNames[setting].map { "the \($0) flag" } ?? "a flag" }
                else if fromEnvironment[setting.uppercased()] != nil { environmentSource(of: setting, in: environment) }
                else if let document, document.values[setting] != nil {
                    "\(document.path) line \(document.lines[setting].map(String.init) ?? "?")"
                } else { nil }
            throw .invalid(setting: setting, reason: source.map { "\(reason) (set by \($0))" } ?? reason)
        } catch {
            throw error
        }
    }

    /// Reads every setting from `reader`; `environment` resolves `env:NAME` values.
    /// - Throws: `ConfigurationError` naming the first bad setting.
    init(reader: ConfigurationReader, environment: [String: String]) throws(ConfigurationError) {
        nodeID = try Self.identifier(reader, "node_id", default: "node-dev-1")
        coordinatorBaseURL = try Self.httpURL(reader, "coordinator.base_url", default: "http://127.0.0.1:8011/v1")
        authToken = try Self.secret(reader, "coordinator.auth_token", environment: environment)
        hmacSecret = try Self.secret(reader, "coordinator.hmac_secret", environment: environment)
        coordinatorTimeout = try reader.duration("coordinator.timeout_s", default: .seconds(20), range: 0.1...600)
        region = reader.string("region")
        walletAddress = try Self.accountAddress(reader, "wallet_address")
        price = try Self.price(reader)
        chainURL = reader.string("chain.url") == nil ? nil : try Self.httpURL(reader, "chain.url", default: "")
        chainID = try Self.chainID(reader)
        chainPollInterval = try reader.duration("chain.poll_interval_s", default: .seconds(2), range: 0.01...3600)
        heartbeatInterval = try reader.duration("heartbeat.interval_s", default: .seconds(15), range: 0.01...3600)
        heartbeatJitterPercent = try reader.int("heartbeat.jitter_pct", default: 10, range: 0...100)
        let backoffMin = try reader.duration("heartbeat.backoff.min_s", default: .seconds(1), range: 0.001...3600)
        let backoffMax = try reader.duration("heartbeat.backoff.max_s", default: .seconds(60), range: 0.001...86_400)
        guard backoffMax >= backoffMin else {
            throw .invalid(setting: "heartbeat.backoff.max_s", reason: "must be at least heartbeat.backoff.min_s")
        }
        backoff = Backoff(minimum: backoffMin, maximum: backoffMax)
        pollInterval = try reader.duration("poll.interval_s", default: .seconds(3), range: 0.001...3600)
        pollMaxWaitSeconds = try reader.int("poll.max_wait_s", default: 15, range: 0...300)
        cliEnabled = try reader.bool("runners.cli.enable", default: false)
        allowlistFiles = try Self.listItems(reader.string("runners.cli.allowlist_files"), setting: "runners.cli.allowlist_files")
        ollamaURL = try Self.httpURL(reader, "ollama_url", default: "http://127.0.0.1:11434")
        maxConcurrentCPU = try reader.int("resources.max_concurrent_cpu", default: 1, range: 0...64)
        maxConcurrentGPU = try reader.int("resources.max_concurrent_gpu", default: 1, range: 0...64)
        cpuNice = try reader.int("resources.cpu_nice", default: 10, range: 0...19)
        ioLevel = try reader.int("resources.io_level", default: 6, range: 0...7)
        memorySoftMB = try reader.int("resources.mem_soft_mb", default: 16_384, range: 16...(1 << 30))
        maxOutputMB = try reader.int("resources.max_output_mb", default: 5_000, range: 1...(1 << 30))
        logCapBytes = try reader.int("resources.log_cap_mb", default: 10, range: 1...1_024) * 1_048_576
        defaultJobTimeoutSeconds = try reader.int("jobs.default_timeout_s", default: 600, range: 1...604_800)
        maxJobTimeoutSeconds = try reader.int("jobs.max_timeout_s", default: 7_200, range: 1...604_800)
        guard maxJobTimeoutSeconds >= defaultJobTimeoutSeconds else {
            throw .invalid(setting: "jobs.max_timeout_s", reason: "must be at least jobs.default_timeout_s")
        }
        killGraceSeconds = try reader.int("jobs.kill_grace_s", default: 5, range: 0...600)
        workspaceRoot = reader.string("workspace.root", default: "/var/lib/aitbc/miner/jobs")
        keepSucceeded = try reader.duration("workspace.keep_success", default: .seconds(24 * 3600), range: 0...31_536_000)
        keepFailed = try reader.duration("workspace.keep_failed", default: .seconds(7 * 24 * 3600), range: 0...31_536_000)
        drainTimeout = try reader.duration("drain_timeout_s", default: .seconds(30), range: 0...3600)
        (healthHost, healthPort) = try Self.bind(reader, "health_bind", default: "127.0.0.1:8019")
        keyFile = reader.string("key_file")
        // Claims are signed by the miner's key, and a receipt without its signed work claim mints nothing.
        if chainURL != nil, keyFile == nil {
            throw .invalid(setting: "chain.url", reason: "needs key_file: receipt claims are signed with the miner's key")
        }
        logLevel = try LoggingRuntime.level(from: reader, setting: "log_level")
        (sandbox, jobUser, jobUserCount) = try Self.sandboxSettings(reader)
        // A root miner never runs jobs as itself: they could read its key and rewrite its state.
        if jobUser == .none, geteuid() == 0 {
            throw .invalid(setting: "sandbox.job_user", reason: "none is refused for a miner running as root (jobs would run as root)")
        }
        // The coordinator accepts concurrency 1...64 at registration.
        guard (1...64).contains(maxConcurrentCPU + maxConcurrentGPU) else {
            throw .invalid(
                setting: "resources.max_concurrent_cpu", reason: "CPU plus GPU slots must be between 1 and 64")
        }
    }

    /// Poll workers for a host with `gpuCount` GPUs: CPU slots plus GPU slots when GPUs exist
    /// (spec §5 rule 1), at least one.
    public func workerCount(gpuCount: Int) -> Int {
        max(1, maxConcurrentCPU + (gpuCount > 0 ? maxConcurrentGPU : 0))
    }

    /// The account a claim signed by `signingKey` is paid to: `wallet_address`, else the key's
    /// own address, always written into the claim so every receipt names its payout.
    public func payoutAddress(signingKey: Ed25519.PublicKey) -> AccountAddress {
        walletAddress ?? signingKey.address
    }

    /// The token, or `ConfigurationError.missing` — `run` cannot start without it.
    /// - Throws: `ConfigurationError.missing(setting: "coordinator.auth_token")`.
    public func requireAuthToken() throws(ConfigurationError) -> String {
        guard let authToken else { throw .missing(setting: "coordinator.auth_token") }
        return authToken
    }

    // MARK: value rules

    private static func identifier(_ reader: ConfigurationReader, _ key: String, default value: String) throws(ConfigurationError)
        -> String
    {
        let text = reader.string(key, default: value)
        // It travels in the X-Miner-ID header and log lines: a short printable token only.
        guard (1...128).contains(text.utf8.count),
            text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") })
        else { throw .invalid(setting: key, reason: "must be 1...128 printable ASCII characters without spaces or quotes") }
        return text
    }

    private static func httpURL(_ reader: ConfigurationReader, _ key: String, default value: String) throws(ConfigurationError)
        -> String
    {
        var text = reader.string(key, default: value).trimmingCharacters(in: .whitespaces)
        // The repository's HTTP client speaks plain http:// only (TLS terminates at a proxy).
        guard text.hasPrefix("http://"), text.count > "http://".count,
            text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { throw .invalid(setting: key, reason: "must be an http:// URL") }
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }

    /// A secret value; `env:NAME` reads it from the environment variable `NAME`.
    private static func secret(_ reader: ConfigurationReader, _ key: String, environment: [String: String])
        throws(ConfigurationError) -> String?
    {
        guard let raw = reader.string(key) else { return nil }
        guard raw.hasPrefix("env:") else { return raw }
        let name = String(raw.dropFirst(4))
        guard !name.isEmpty, let value = environment[name], !value.isEmpty else {
            throw .invalid(setting: key, reason: "refers to environment variable \(name), which is not set")
        }
        return value
    }

    /// An optional `ait1…` address, checked at start: a typo would otherwise send every payout
    /// to an account nobody holds.
    private static func accountAddress(_ reader: ConfigurationReader, _ key: String) throws(ConfigurationError) -> AccountAddress? {
        guard let raw = reader.string(key) else { return nil }
        do {
            return try AccountAddress(parsing: raw.trimmingCharacters(in: .whitespaces))
        } catch {
            throw .invalid(setting: key, reason: "must be an ait1… account address (bech32, as aitbc keygen prints)")
        }
    }

    /// `chain.chain_id`: part of every claim's id, so a typo signs claims no node of the chain admits.
    private static func chainID(_ reader: ConfigurationReader) throws(ConfigurationError) -> String {
        let text = reader.string("chain.chain_id", default: ChainConfiguration.defaultChainID).trimmingCharacters(in: .whitespaces)
        guard (1...64).contains(text.utf8.count), text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw .invalid(setting: "chain.chain_id", reason: "must be 1...64 printable ASCII characters without spaces")
        }
        return text
    }

    private static func price(_ reader: ConfigurationReader) throws(ConfigurationError) -> Double? {
        guard let raw = reader.string("price") else { return nil }
        guard let value = Double(raw.trimmingCharacters(in: .whitespaces)), value.isFinite, value >= 0 else {
            throw .invalid(setting: "price", reason: "must be a non-negative number")
        }
        return value
    }

    /// `host:port` (IPv6 as `[::1]:8019`); port 0 means ephemeral.
    private static func bind(_ reader: ConfigurationReader, _ key: String, default value: String) throws(ConfigurationError)
        -> (String, Int)
    {
        let text = reader.string(key, default: value).trimmingCharacters(in: .whitespaces)
        guard let colon = text.lastIndex(of: ":") else { throw .invalid(setting: key, reason: "must be host:port") }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        let hostReader = ConfigurationReader(flags: [key: host, "port": String(text[text.index(after: colon)...])])
        let checkedHost = try hostReader.bindHost(key, default: "127.0.0.1")
        do {
            return (checkedHost, try hostReader.port("port", default: 8019, allowEphemeral: true))
        } catch {
            throw .invalid(setting: key, reason: "port must be an integer in 0...65535")
        }
    }
}
