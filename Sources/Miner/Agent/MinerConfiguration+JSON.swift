import Cryptography
import Logging
public import JSON

extension MinerConfiguration {
    /// Stands in for a secret in `--print-config`.
    public static let maskedSecret = "***"

    /// The effective configuration in the YAML file's shape, secrets masked (`--print-config`).
    public var maskedJSON: JSONValue {
        func optional(_ text: String?) -> JSONValue { text.map { .string($0) } ?? .null }
        func seconds(_ duration: Duration) -> JSONValue { .float(Backoff.seconds(duration)) }
        return [
            "node_id": .string(nodeID),
            "coordinator": [
                "base_url": .string(coordinatorBaseURL),
                "auth_token": authToken == nil ? .null : .string(Self.maskedSecret),
                "hmac_secret": hmacSecret == nil ? .null : .string(Self.maskedSecret),
                "timeout_s": seconds(coordinatorTimeout),
            ],
            "region": optional(region),
            "wallet_address": optional(walletAddress?.description),
            "price": price.map { .float($0) } ?? .null,
            "chain": ["url": optional(chainURL), "chain_id": .string(chainID), "poll_interval_s": seconds(chainPollInterval)],
            "heartbeat": [
                "interval_s": seconds(heartbeatInterval),
                "jitter_pct": .integer(JSONInteger(heartbeatJitterPercent)),
                "backoff": ["min_s": seconds(backoff.minimum), "max_s": seconds(backoff.maximum)],
            ],
            "poll": ["interval_s": seconds(pollInterval), "max_wait_s": .integer(JSONInteger(pollMaxWaitSeconds))],
            "runners": ["cli": ["enable": .bool(cliEnabled), "allowlist_files": .array(allowlistFiles.map { .string($0) })]],
            "ollama_url": .string(ollamaURL),
            "resources": [
                "max_concurrent_cpu": .integer(JSONInteger(maxConcurrentCPU)),
                "max_concurrent_gpu": .integer(JSONInteger(maxConcurrentGPU)),
                "cpu_nice": .integer(JSONInteger(cpuNice)),
                "io_level": .integer(JSONInteger(ioLevel)),
                "mem_soft_mb": .integer(JSONInteger(memorySoftMB)),
                "max_output_mb": .integer(JSONInteger(maxOutputMB)),
                "log_cap_mb": .integer(JSONInteger(logCapBytes / 1_048_576)),
            ],
            "jobs": [
                "default_timeout_s": .integer(JSONInteger(defaultJobTimeoutSeconds)),
                "max_timeout_s": .integer(JSONInteger(maxJobTimeoutSeconds)),
                "kill_grace_s": .integer(JSONInteger(killGraceSeconds)),
            ],
            "workspace": [
                "root": .string(workspaceRoot), "keep_success": seconds(keepSucceeded),
                "keep_failed": seconds(keepFailed),
            ],
            "drain_timeout_s": seconds(drainTimeout),
            "health_bind": .string(healthHost.contains(":") ? "[\(healthHost)]:\(healthPort)" : "\(healthHost):\(healthPort)"),
            "key_file": optional(keyFile),
            "log_level": .string(logLevel.rawValue),
            "sandbox": [
                "landlock": .string(sandbox.landlock.rawValue), "pid_namespace": .string(sandbox.pidNamespace.rawValue),
                "landlock_read_paths": .array(sandbox.landlockReadPaths.map { .string($0) }),
                "landlock_write_paths": .array(sandbox.landlockWritePaths.map { .string($0) }),
                "job_user": .string(jobUserText), "job_user_count": .integer(JSONInteger(jobUserCount)),
                "require_job_user": .bool(sandbox.requireJobUser),
                "orphan_sweep_interval_s": seconds(sandbox.orphanSweepInterval),
            ],
        ]
    }

    private var jobUserText: String {
        switch jobUser {
        case .auto: "auto"
        case .none: "none"
        case .ids(let uid, let gid): "\(uid):\(gid)"
        }
    }

    /// `maskedJSON` as sorted, pretty-enough one-line JSON text.
    public var maskedJSONText: String {
        // Only finite numbers and strings: serialization cannot fail.
        (try? JSONSerializer(options: [.sortedKeys]).string(maskedJSON)) ?? "{}"
    }
}
