public import Logging
import Synchronization

/// Installs the JSON line backend for a daemon. Only executables call this (libraries take
/// a `Logger`); repeated calls are ignored, as swift-log allows one bootstrap per process.
public enum LoggingRuntime {
    private static let done = Mutex(false)

    /// Bootstraps swift-log with `JSONLogHandler` for `service` at `level`.
    public static func bootstrap(service: String, level: Logger.Level) {
        done.withLock { done in
            guard !done else { return }
            LoggingSystem.bootstrap { label in JSONLogHandler(label: label, service: service, level: level) }
            done = true
        }
    }

    /// Parses a level name from configuration (`trace` … `critical`).
    /// - Throws: `ConfigurationError.invalid` naming `setting`.
    public static func level(from reader: ConfigurationReader, setting: String, default defaultLevel: Logger.Level = .info)
        throws(ConfigurationError) -> Logger.Level
    {
        let name = try reader.choice(
            setting, default: defaultLevel.rawValue, allowed: Logger.Level.allCases.map(\.rawValue))
        return Logger.Level(rawValue: name) ?? defaultLevel
    }
}
