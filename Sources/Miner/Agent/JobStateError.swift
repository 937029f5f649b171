/// Why a job's state could not be persisted.
public struct JobStateError: Error, Equatable, CustomStringConvertible {
    /// The failing operation and path, with `strerror` text.
    public var message: String

    /// An error with its message.
    public init(_ message: String) { self.message = message }

    /// The message (paths and errno text; never job contents).
    public var description: String { message }
}
