import HTTP1
public import FoundationEssentials
import Glibc

/// Reads a daemon's settings from three layers: command-line flags win over the process
/// environment, which wins over an optional `.env` file.
///
/// Setting names are case-insensitive (`app_port` in a `.env` file sets `APP_PORT`), as the
/// services' specs require; when both spellings exist, the upper-case one wins.
///
/// Every typed read validates its value and throws a `ConfigurationError` that names the
/// setting and the rule, never the value itself (it may be a secret), so a daemon can
/// refuse to start with a message an operator can act on.
public struct ConfigurationReader: Sendable {
    private let flags: [String: String]
    private let environment: [String: String]
    private let dotEnv: [String: String]

    /// Builds a reader over explicit layers (tests pass dictionaries).
    public init(flags: [String: String] = [:], environment: [String: String] = [:], dotEnv: [String: String] = [:]) {
        self.flags = Self.normalized(flags)
        self.environment = Self.normalized(environment)
        self.dotEnv = Self.normalized(dotEnv)
    }

    /// Keys upper-cased; an exact upper-case key beats a differently cased duplicate.
    private static func normalized(_ layer: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in layer where key != key.uppercased() {
            result[key.uppercased()] = value
        }
        for (key, value) in layer where key == key.uppercased() {
            result[key] = value
        }
        return result
    }

    /// Builds a reader over the real process environment and, when `dotEnvPath` names one,
    /// a `.env` file (an explicitly named file must exist; the default `./.env` may be absent).
    /// - Throws: `ConfigurationError` when the `.env` file is unreadable or malformed.
    public static func load(
        flags: [String: String], dotEnvPath: String?, defaultDotEnvPath: String = ".env",
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigurationError) -> ConfigurationReader {
        var dotEnv: [String: String] = [:]
        if let dotEnvPath {
            dotEnv = try DotEnvFile.load(path: dotEnvPath)
        } else if FileManager.default.fileExists(atPath: defaultDotEnvPath) {
            dotEnv = try DotEnvFile.load(path: defaultDotEnvPath)
        }
        return ConfigurationReader(flags: flags, environment: environment, dotEnv: dotEnv)
    }

    /// The raw value of `key` from the highest layer that has it; empty strings count as absent.
    public func string(_ key: String) -> String? {
        let key = key.uppercased()
        for layer in [flags, environment, dotEnv] {
            if let value = layer[key], !value.isEmpty { return value }
        }
        return nil
    }

    /// The value of `key`, or `defaultValue`.
    public func string(_ key: String, default defaultValue: String) -> String {
        string(key) ?? defaultValue
    }

    /// The value of a setting the daemon cannot run without.
    /// - Throws: `ConfigurationError.missing`.
    public func required(_ key: String) throws(ConfigurationError) -> String {
        guard let value = string(key) else { throw .missing(setting: key) }
        return value
    }

    /// An integer inside `range`.
    /// - Throws: `ConfigurationError.invalid` when not a decimal integer in range.
    public func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let raw = string(key) else { return defaultValue }
        guard let value = Int(raw.trimmingWhitespace()), range.contains(value) else {
            throw .invalid(setting: key, reason: "must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A boolean written as true/false, 1/0, yes/no or on/off (any case).
    /// - Throws: `ConfigurationError.invalid` for anything else.
    public func bool(_ key: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let raw = string(key) else { return defaultValue }
        switch raw.trimmingWhitespace().lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw .invalid(setting: key, reason: "must be true or false")
        }
    }

    /// A duration written as seconds (`30`, `2.5`) or with a unit (`500ms`, `30s`, `5m`, `1h`), inside `range` seconds.
    /// - Throws: `ConfigurationError.invalid` for malformed or out-of-range values.
    public func duration(
        _ key: String, default defaultValue: Duration, range: ClosedRange<Double>
    ) throws(ConfigurationError) -> Duration {
        guard let raw = string(key) else { return defaultValue }
        let text = raw.trimmingWhitespace().lowercased()
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = Substring(text)
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = text.dropLast(unit.suffix.count)
            scale = unit.seconds
            break
        }
        guard let value = Double(number), value.isFinite, range.contains(value * scale) else {
            throw .invalid(
                setting: key,
                reason: "must be a duration between \(range.lowerBound)s and \(range.upperBound)s (e.g. 30s, 500ms)")
        }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }

    /// A TCP port, 1...65535 (0 when `allowEphemeral`, for tests).
    /// - Throws: `ConfigurationError.invalid` outside the range.
    public func port(_ key: String, default defaultValue: Int, allowEphemeral: Bool = false) throws(ConfigurationError) -> Int {
        try int(key, default: defaultValue, range: (allowEphemeral ? 0 : 1)...65535)
    }

    /// A bind address: an IPv4 or IPv6 literal, or `localhost`.
    /// - Throws: `ConfigurationError.invalid` for anything that is not an address literal.
    public func bindHost(_ key: String, default defaultValue: String) throws(ConfigurationError) -> String {
        guard let raw = string(key) else { return defaultValue }
        let host = raw.trimmingWhitespace()
        if host == "localhost" { return "127.0.0.1" }
        var v4 = in_addr()
        var v6 = in6_addr()
        guard inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 else {
            throw .invalid(setting: key, reason: "must be an IPv4 or IPv6 address literal (e.g. 127.0.0.1, ::1)")
        }
        return host
    }

    /// A value from a closed set of choices (log levels, modes).
    /// - Throws: `ConfigurationError.invalid` naming the allowed values.
    public func choice(_ key: String, default defaultValue: String, allowed: [String]) throws(ConfigurationError) -> String {
        guard let raw = string(key) else { return defaultValue }
        let value = raw.trimmingWhitespace().lowercased()
        guard allowed.contains(value) else {
            throw .invalid(setting: key, reason: "must be one of \(allowed.joined(separator: ", "))")
        }
        return value
    }
}
