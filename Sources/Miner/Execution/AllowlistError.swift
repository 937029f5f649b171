/// Why an allowlist file was refused; the message names the file.
public struct AllowlistError: Error, Equatable, CustomStringConvertible {
    /// The offending file.
    public var file: String
    /// What is wrong with it.
    public var reason: String

    /// Creates an error for `file`.
    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    /// "allowlist <file>: <reason>".
    public var description: String { "allowlist \(file): \(reason)" }
}
