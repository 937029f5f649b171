import Foundation

/// Where the messages an operator must act on go besides the JSON log (which may be piped
/// to a collector nobody reads at start-up): standard error for the executable, a capture in tests.
public struct MinerConsole: Sendable {
    private let write: @Sendable (String) -> Void

    /// A console that hands each message (one line, no prefix) to `write`.
    public init(write: @escaping @Sendable (String) -> Void) {
        self.write = write
    }

    /// `aitbc-miner: <message>` lines on standard error.
    public static let standardError = MinerConsole { message in
        FileHandle.standardError.write(Data("aitbc-miner: \(message)\n".utf8))
    }

    /// Writes one message.
    public func say(_ message: String) {
        write(message)
    }
}
