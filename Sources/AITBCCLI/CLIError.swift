/// A problem with the command's input (file, JSON, key); reported on stderr with exit status 2.
public struct CLIError: Error, Equatable, CustomStringConvertible {
    /// The message shown after `error: `.
    public let message: String

    /// Creates an error with a message for people.
    public init(_ message: String) {
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
