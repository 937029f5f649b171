import Foundation
import JSON
public import ServiceRuntime
import TerminalText

extension MinerConfiguration {
    /// Every setting the miner reads, by YAML path. A key outside this list (and the sections
    /// above its entries) is a typo the miner would otherwise silently ignore, so it is refused.
    public static let settingNames: [String] = [
        "node_id", "coordinator.base_url", "coordinator.auth_token", "coordinator.hmac_secret", "coordinator.timeout_s",
        "region", "wallet_address", "chain.url", "chain.chain_id", "chain.poll_interval_s", "price", "heartbeat.interval_s",
        "heartbeat.jitter_pct", "heartbeat.backoff.min_s", "heartbeat.backoff.max_s", "poll.interval_s", "poll.max_wait_s",
        "runners.cli.enable", "runners.cli.allowlist_files",
        "ollama_url", "resources.max_concurrent_cpu", "resources.max_concurrent_gpu", "resources.cpu_nice", "resources.io_level",
        "resources.mem_soft_mb", "resources.max_output_mb", "resources.log_cap_mb", "jobs.default_timeout_s", "jobs.max_timeout_s",
        "jobs.kill_grace_s", "workspace.root", "workspace.keep_success", "workspace.keep_failed", "drain_timeout_s",
        "health_bind", "key_file", "log_level", "sandbox.landlock", "sandbox.pid_namespace", "sandbox.landlock_read_paths",
        "sandbox.landlock_write_paths", "sandbox.job_user", "sandbox.job_user_count", "sandbox.require_job_user",
        "sandbox.orphan_sweep_interval_s",
    ]

    /// The `aitbc-miner` flag of each setting that has one.
    public static let flagNames: [String: String] = [
        "node_id": "--node-id", "coordinator.base_url": "--coordinator-url", "workspace.root": "--workspace-root",
        "health_bind": "--health-bind", "key_file": "--key-file", "log_level": "--log-level",
    ]

    /// Short variable names for the chain settings (issue 13 names them so), besides the
    /// `__` form; when both are set, the `__` form wins.
    public static let environmentAliases: [String: String] = [
        "AITBC_MINER_CHAIN_URL": "chain.url", "AITBC_MINER_CHAIN_ID": "chain.chain_id",
    ]

    /// The variable that set `setting` in `environment`: its `__` name, else an alias.
    static func environmentSource(of setting: String, in environment: [String: String]) -> String {
        let name = environmentName(for: setting)
        if environment[name] != nil { return name }
        return environmentAliases.first { $0.value == setting && environment[$0.key] != nil }?.key ?? name
    }

    /// Sections: every proper prefix of a setting (`heartbeat`, `heartbeat.backoff`).
    static let sectionNames: Set<String> = {
        var sections: Set<String> = []
        for name in settingNames {
            var parts = name.split(separator: ".").dropLast()
            while !parts.isEmpty {
                sections.insert(parts.joined(separator: "."))
                parts = parts.dropLast()
            }
        }
        return sections
    }()

    /// `AITBC_MINER_COORDINATOR__AUTH_TOKEN` for `coordinator.auth_token`.
    public static func environmentName(for setting: String) -> String {
        environmentPrefix + setting.uppercased().replacingOccurrences(of: ".", with: "__")
    }

    /// Where `setting` can be given: "in the YAML (coordinator.auth_token), or AITBC_MINER_…, or --flag".
    public static func sources(of setting: String) -> String {
        var text = "set it in the YAML as \(setting), or \(environmentName(for: setting))"
        if let flag = flagNames[setting] { text += ", or \(flag)" }
        return text
    }

    /// The operator-facing message of a configuration error: a missing setting also says
    /// where it can be given (YAML key, environment variable, flag).
    public static func message(for error: ConfigurationError) -> String {
        switch error {
        case .missing(let setting) where settingNames.contains(setting):
            var hint = sources(of: setting)
            if setting == "coordinator.auth_token" { hint += " (the miner's API key; \"env:NAME\" reads it from variable NAME)" }
            return "invalid configuration: \(setting) is required: \(hint)"
        default:
            return error.description
        }
    }

    /// Refuses keys of `document` that name no setting, the first by line.
    /// - Throws: `ConfigurationError.invalid` naming the key, file and line, and the nearest known key.
    static func checkKeys(of document: MinerYAML.Document) throws(ConfigurationError) {
        let unknown = document.lines.filter { !settingNames.contains($0.key) && !sectionNames.contains($0.key) }
        // Only the outermost unknown key of a branch (`hartbeat`, not also `hartbeat.interval_s`).
        let outermost = unknown.filter { entry in
            !unknown.keys.contains { entry.key.hasPrefix($0 + ".") }
        }
        guard let first = outermost.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }) else {
            for (key, _) in document.values where sectionNames.contains(key) {
                throw .invalid(setting: UntrustedText.display(key), reason: "is a section in \(document.path) (line \(document.lines[key] ?? 0)); give it keys, not a value")
            }
            return
        }
        var reason = "unknown key in \(document.path) line \(first.value)"
        if let near = nearest(first.key, among: settingNames + sectionNames) { reason += "; did you mean \(near)?" }
        if outermost.count > 1 { reason += " (\(outermost.count - 1) more unknown key\(outermost.count > 2 ? "s" : ""))" }
        // The key is the file's text: escaped and bounded before it reaches a terminal or log.
        throw .invalid(setting: UntrustedText.display(first.key), reason: reason)
    }

    /// Refuses `AITBC_MINER_*` variables that name no setting.
    /// - Throws: `ConfigurationError.invalid` naming the variable and the nearest known one.
    static func checkEnvironmentNames(_ names: some Sequence<String>) throws(ConfigurationError) {
        let known = Set(settingNames.map(environmentName(for:))).union(environmentAliases.keys)
        for name in names.sorted() where name.hasPrefix(environmentPrefix) && !known.contains(name) {
            var reason = "unknown miner setting (variables \(environmentPrefix)* name settings, e.g. \(environmentName(for: "coordinator.base_url")))"
            if let near = nearest(name, among: Array(known)) { reason += "; did you mean \(near)?" }
            throw .invalid(setting: name, reason: reason)
        }
    }

    /// The candidate closest to `key` by edit distance, when close enough to be a typo.
    static func nearest(_ key: String, among candidates: [String]) -> String? {
        let scored = candidates.map { ($0, editDistance(key, $0)) }
        guard let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }) else { return nil }
        return best.1 <= max(2, key.count / 4) ? best.0 : nil
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// A list setting: a JSON array of strings (`["a.yaml","b.yaml"]`, handy in environment
    /// variables), or items separated by commas or newlines (a YAML sequence arrives one item per line).
    /// - Throws: `ConfigurationError.invalid` for text starting with `[` that is not a JSON array of strings.
    static func listItems(_ raw: String?, setting: String) throws(ConfigurationError) -> [String] {
        guard let raw else { return [] }
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("["), !raw.contains("\n") {
            guard let value = try? JSONParser(limits: .init(maxInputBytes: 1 << 20, maxDepth: 2)).parse(Array(trimmed.utf8)),
                let items = value.arrayValue
            else { throw .invalid(setting: setting, reason: "must be a JSON array of strings or comma-separated values") }
            var strings: [String] = []
            for item in items {
                guard let text = item.stringValue else { throw .invalid(setting: setting, reason: "list items must be strings") }
                let clean = text.trimmingCharacters(in: .whitespaces)
                if !clean.isEmpty { strings.append(clean) }
            }
            return strings
        }
        return raw.split(whereSeparator: { $0 == "\n" || $0 == "," })
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
