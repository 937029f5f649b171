/// Why a daemon refused its configuration. Every case names the setting or file at fault
/// and never carries the rejected value of a secret setting.
public enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    /// A setting's value could not be used.
    case invalid(setting: String, reason: String)
    /// A required setting is absent from flags, environment and `.env`.
    case missing(setting: String)
    /// A configuration file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A `.env` line is malformed.
    case invalidDotEnvLine(path: String, line: Int, reason: String)

    public var description: String {
        switch self {
        case .invalid(let setting, let reason): "invalid configuration: \(setting): \(reason)"
        case .missing(let setting): "invalid configuration: \(setting) is required"
        case .unreadableFile(let path, let reason): "invalid configuration: cannot read \(path): \(reason)"
        case .invalidDotEnvLine(let path, let line, let reason): "invalid configuration: \(path):\(line): \(reason)"
        }
    }
}
