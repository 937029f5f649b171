import FoundationEssentials
import Glibc
public import Logging

/// What a daemon executable says on standard error (`aitbc-chain-node: …`), where an operator
/// starting it reads; the JSON log stays on stdout. One voice for the coordinator, chain node
/// and wallet daemon shells, so their start-up and failure lines read alike.
public struct DaemonConsole: Sendable {
    /// The executable's name, the prefix of every line.
    public let name: String

    /// The console of the executable `name`.
    public init(_ name: String) {
        self.name = name
    }

    /// One line: `name: message`.
    public func say(_ message: String) {
        let line = Array("\(name): \(message)\n".utf8)
        line.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(STDERR_FILENO, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                if written > 0 { offset += written } else if written < 0, errno == EINTR { continue } else { return }
            }
        }
    }

    /// The start-up line, then each configuration warning, said and logged once more.
    public func announce(_ line: String, warnings: [String], logger: Logger) {
        say(line)
        for warning in warnings {
            say("warning: \(warning)")
            logger.warning("configuration", metadata: ["warning": "\(warning)"])
        }
    }

    /// A start that failed: the reason logged as critical and said as `cannot start: reason`.
    public func cannotStart(_ reason: String, logger: Logger) {
        logger.critical("cannot start", metadata: ["error": "\(reason)"])
        say("cannot start: \(reason)")
    }

    /// `host` as it stands before `:port` in an address or URL (an IPv6 address in brackets).
    public static func urlHost(_ host: String) -> String {
        host.contains(":") ? "[\(host)]" : host
    }
}
