/// A close status code (RFC 6455 §7.4). A struct of named constants, so codes we do not
/// name (application codes 3000–4999) still round-trip.
public struct WebSocketCloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The 16-bit code as sent on the wire.
    public var rawValue: UInt16

    /// Wraps a raw code without checking it; use `isValidOnWire` for received codes.
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// 1000: the purpose of the connection is fulfilled.
    public static let normalClosure = WebSocketCloseCode(rawValue: 1000)
    /// 1001: server shutting down or client navigating away.
    public static let goingAway = WebSocketCloseCode(rawValue: 1001)
    /// 1002: the peer broke the protocol.
    public static let protocolError = WebSocketCloseCode(rawValue: 1002)
    /// 1003: a data type this endpoint cannot accept.
    public static let unsupportedData = WebSocketCloseCode(rawValue: 1003)
    /// 1005: no status code was present; never sent on the wire.
    public static let noStatusReceived = WebSocketCloseCode(rawValue: 1005)
    /// 1006: closed without a close frame; never sent on the wire.
    public static let abnormalClosure = WebSocketCloseCode(rawValue: 1006)
    /// 1007: message data inconsistent with its type (e.g. invalid UTF-8 in text).
    public static let invalidFramePayloadData = WebSocketCloseCode(rawValue: 1007)
    /// 1008: a message or behaviour violated policy (we use it for slow consumers).
    public static let policyViolation = WebSocketCloseCode(rawValue: 1008)
    /// 1009: a frame or message exceeded our size limit.
    public static let messageTooBig = WebSocketCloseCode(rawValue: 1009)
    /// 1010: the client expected an extension the server did not negotiate.
    public static let mandatoryExtension = WebSocketCloseCode(rawValue: 1010)
    /// 1011: unexpected server condition.
    public static let internalServerError = WebSocketCloseCode(rawValue: 1011)
    /// 1012: service restart (IANA registry).
    public static let serviceRestart = WebSocketCloseCode(rawValue: 1012)
    /// 1013: try again later (IANA registry); the coordinator uses it for lagging subscribers.
    public static let tryAgainLater = WebSocketCloseCode(rawValue: 1013)
    /// 1014: bad gateway (IANA registry).
    public static let badGateway = WebSocketCloseCode(rawValue: 1014)
    /// 1015: TLS handshake failure; never sent on the wire.
    public static let tlsHandshakeFailure = WebSocketCloseCode(rawValue: 1015)

    /// Whether a peer may send this code in a close frame (RFC 6455 §7.4.1–§7.4.2 and the
    /// IANA registry): 1000–1003, 1007–1014 and 3000–4999. 1004–1006 and 1015 are reserved
    /// or local-only; below 1000 and 1016–2999 are unassigned; 5000+ is out of range.
    public var isValidOnWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// The code and its name, e.g. `1002 (protocol error)`.
    public var description: String {
        let name: String
        switch rawValue {
        case 1000: name = "normal closure"
        case 1001: name = "going away"
        case 1002: name = "protocol error"
        case 1003: name = "unsupported data"
        case 1005: name = "no status received"
        case 1006: name = "abnormal closure"
        case 1007: name = "invalid frame payload data"
        case 1008: name = "policy violation"
        case 1009: name = "message too big"
        case 1010: name = "mandatory extension"
        case 1011: name = "internal server error"
        case 1012: name = "service restart"
        case 1013: name = "try again later"
        default: return "\(rawValue)"
        }
        return "\(rawValue) (\(name))"
    }
}
