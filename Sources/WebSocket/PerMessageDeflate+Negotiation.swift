/// One element of a `Sec-WebSocket-Extensions` header: a token and its parameters (RFC 6455 §9.1).
struct ExtensionOffer: Sendable, Hashable {
    var name: String
    var parameters: [(name: String, value: String?)]

    static func == (lhs: ExtensionOffer, rhs: ExtensionOffer) -> Bool {
        lhs.name == rhs.name && lhs.parameters.map(\.name) == rhs.parameters.map(\.name)
            && lhs.parameters.map(\.value) == rhs.parameters.map(\.value)
    }

    func hash(into hasher: inout Hasher) { hasher.combine(name) }

    /// Parses a header value like `permessage-deflate; client_max_window_bits, x-foo`.
    /// Quoted parameter values are unquoted; names are lower-cased.
    static func parse(_ header: String) -> [ExtensionOffer] {
        header.utf8.split(separator: UInt8(ascii: ",")).compactMap { element in
            let pieces = HTTPHeaderFields.split(String(decoding: element, as: UTF8.self), on: UInt8(ascii: ";"))
            guard let first = pieces.first, !first.isEmpty else { return nil }
            let parameters: [(name: String, value: String?)] = pieces.dropFirst().map { piece in
                let bytes = Array(piece.utf8)
                guard let equals = bytes.firstIndex(of: UInt8(ascii: "=")) else { return (piece.lowercased(), nil) }
                let name = HTTPHeaderFields.trim(String(decoding: bytes[..<equals], as: UTF8.self)).lowercased()
                var value = Array(HTTPHeaderFields.trim(String(decoding: bytes[(equals + 1)...], as: UTF8.self)).utf8)
                if value.count >= 2, value.first == UInt8(ascii: "\""), value.last == UInt8(ascii: "\"") {
                    value = Array(value.dropFirst().dropLast())
                }
                return (name, String(decoding: value, as: UTF8.self))
            }
            return ExtensionOffer(name: first.lowercased(), parameters: parameters)
        }
    }
}

/// The permessage-deflate parameters of one offer or response, each at most once (RFC 7692 §7.1).
struct DeflateParameterSet {
    var serverNoContextTakeover = false
    var clientNoContextTakeover = false
    var serverMaxWindowBits: Int?
    /// `.some(nil)` is the bare `client_max_window_bits` a client offer may carry.
    var clientMaxWindowBits: Int??

    /// Reads parameters, or `nil` for an unknown or repeated name or an invalid value (§7.1: decline/fail).
    init?(_ parameters: [(name: String, value: String?)]) {
        var seen: Set<String> = []
        for (name, value) in parameters {
            guard seen.insert(name).inserted else { return nil }
            switch name {
            case "server_no_context_takeover":
                guard value == nil else { return nil }
                serverNoContextTakeover = true
            case "client_no_context_takeover":
                guard value == nil else { return nil }
                clientNoContextTakeover = true
            case "server_max_window_bits":
                guard let bits = value.flatMap(Self.windowBits) else { return nil }
                serverMaxWindowBits = bits
            case "client_max_window_bits":
                if let value {
                    guard let bits = Self.windowBits(value) else { return nil }
                    clientMaxWindowBits = .some(bits)
                } else {
                    clientMaxWindowBits = .some(nil)
                }
            default:
                return nil
            }
        }
    }

    /// 8–15 written as 1*DIGIT without a leading zero (RFC 7692 §7.1.2.1).
    static func windowBits(_ text: String) -> Int? {
        guard !text.hasPrefix("0"), text.utf8.count <= 2, let bits = Int(text), (8...15).contains(bits) else { return nil }
        return bits
    }
}

extension PerMessageDeflateConfiguration {
    /// Server side: picks the first acceptable permessage-deflate offer (RFC 7692 §5.1), or `nil`
    /// to answer without the extension. Offers we cannot honour (unknown parameters, or a
    /// server window of 8, which zlib cannot produce) are declined, not failed.
    public func negotiate(offers header: String) -> PerMessageDeflateParameters? {
        for offer in ExtensionOffer.parse(header) where offer.name == "permessage-deflate" {
            guard let set = DeflateParameterSet(offer.parameters) else { continue }
            let serverBits = min(set.serverMaxWindowBits ?? 15, serverMaxWindowBits)
            guard serverBits >= 9 else { continue }
            var result = PerMessageDeflateParameters(
                serverNoContextTakeover: set.serverNoContextTakeover || serverNoContextTakeover,
                clientNoContextTakeover: set.clientNoContextTakeover || clientNoContextTakeover,
                serverMaxWindowBits: serverBits)
            result.announceServerWindow = set.serverMaxWindowBits != nil || serverBits < 15
            // client_max_window_bits may only be answered when offered (§7.1.2.2).
            if let offered = set.clientMaxWindowBits {
                let bits = min(offered ?? 15, clientMaxWindowBits)
                result.clientMaxWindowBits = bits
                result.announceClientWindow = bits < 15
            }
            return result
        }
        return nil
    }

    /// Client side: the `Sec-WebSocket-Extensions` offer to send.
    public var clientOffer: String {
        var parts = ["permessage-deflate"]
        if serverNoContextTakeover { parts.append("server_no_context_takeover") }
        if clientNoContextTakeover { parts.append("client_no_context_takeover") }
        if serverMaxWindowBits < 15 { parts.append("server_max_window_bits=\(serverMaxWindowBits)") }
        parts.append(clientMaxWindowBits < 15 ? "client_max_window_bits=\(clientMaxWindowBits)" : "client_max_window_bits")
        return parts.joined(separator: "; ")
    }

    /// Client side: checks the server's response to `clientOffer` (RFC 7692 §7.1).
    /// - Throws: `WebSocketClientHandshakeError.unacceptableExtension` when the response
    ///   names another extension, repeats one, or has parameters the offer does not allow.
    public func accept(response header: String) throws(WebSocketClientHandshakeError) -> PerMessageDeflateParameters {
        let elements = ExtensionOffer.parse(header)
        guard elements.count == 1, let element = elements.first, element.name == "permessage-deflate",
            let set = DeflateParameterSet(element.parameters)
        else { throw .unacceptableExtension(header) }
        let serverBits = set.serverMaxWindowBits ?? 15
        let clientBits: Int
        switch set.clientMaxWindowBits {
        case .none: clientBits = clientMaxWindowBits
        case .some(.none): throw .unacceptableExtension(header)  // a response must carry a value
        case .some(.some(let bits)): clientBits = min(bits, clientMaxWindowBits)
        }
        // zlib cannot compress with an 8-bit raw window, so such a demand fails the handshake.
        guard serverBits <= serverMaxWindowBits, clientBits >= 9 else { throw .unacceptableExtension(header) }
        return PerMessageDeflateParameters(
            serverNoContextTakeover: set.serverNoContextTakeover,
            clientNoContextTakeover: set.clientNoContextTakeover || clientNoContextTakeover,
            serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits)
    }
}
