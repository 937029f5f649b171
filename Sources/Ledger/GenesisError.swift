/// Why a genesis file was refused; the message names the member.
public enum GenesisError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The document breaks a rule.
    case invalid(String)

    /// The message.
    public var description: String {
        switch self {
        case .invalid(let message): "genesis: \(message)"
        }
    }
}
