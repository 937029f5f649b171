/// Local permessage-deflate settings (RFC 7692) that drive negotiation on either side.
public struct PerMessageDeflateConfiguration: Sendable, Hashable {
    /// Server: always reset our compressor per message. Client: ask the server to do so.
    public var serverNoContextTakeover: Bool
    /// Server: tell the client to reset per message. Client: reset ours and say so.
    public var clientNoContextTakeover: Bool
    /// Largest LZ77 window (9–15) the server compresses with; smaller saves memory per connection.
    public var serverMaxWindowBits: Int
    /// Largest window (9–15) the client compresses with; the server asks for it only when offered.
    public var clientMaxWindowBits: Int
    /// zlib level 0–9 (−1 = zlib default, 6).
    public var compressionLevel: Int32
    /// zlib memLevel 1–9; 8 is zlib's default.
    public var memoryLevel: Int32
    /// Messages shorter than this go out uncompressed (RSV1 clear), since DEFLATE would grow them.
    public var minimumCompressedSize: Int

    /// Makes a configuration; defaults keep context both ways with 15-bit windows.
    /// Window bits are clamped to 9–15: zlib refuses a raw 8-bit window (since 1.2.9).
    public init(
        serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15,
        compressionLevel: Int32 = -1, memoryLevel: Int32 = 8, minimumCompressedSize: Int = 32
    ) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = min(15, max(9, serverMaxWindowBits))
        self.clientMaxWindowBits = min(15, max(9, clientMaxWindowBits))
        self.compressionLevel = min(9, max(-1, compressionLevel))
        self.memoryLevel = min(9, max(1, memoryLevel))
        self.minimumCompressedSize = max(0, minimumCompressedSize)
    }
}

/// The permessage-deflate parameters both ends agreed on in the handshake (RFC 7692 §7.1).
public struct PerMessageDeflateParameters: Sendable, Hashable {
    /// The server resets its compressor after every message.
    public var serverNoContextTakeover: Bool
    /// The client resets its compressor after every message.
    public var clientNoContextTakeover: Bool
    /// Window the server compresses with (9–15).
    public var serverMaxWindowBits: Int
    /// Window the client compresses with (9–15).
    public var clientMaxWindowBits: Int
    /// Whether `server_max_window_bits` appears in the response header.
    var announceServerWindow: Bool
    /// Whether `client_max_window_bits` appears in the response header.
    var announceClientWindow: Bool

    /// Makes parameters; announced window sizes are inferred from values below 15.
    public init(
        serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false,
        serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15
    ) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
        self.announceServerWindow = serverMaxWindowBits < 15
        self.announceClientWindow = clientMaxWindowBits < 15
    }

    /// The `Sec-WebSocket-Extensions` response value, e.g. `permessage-deflate; server_no_context_takeover`.
    public var headerValue: String {
        var parts = ["permessage-deflate"]
        if serverNoContextTakeover { parts.append("server_no_context_takeover") }
        if clientNoContextTakeover { parts.append("client_no_context_takeover") }
        if announceServerWindow { parts.append("server_max_window_bits=\(serverMaxWindowBits)") }
        if announceClientWindow { parts.append("client_max_window_bits=\(clientMaxWindowBits)") }
        return parts.joined(separator: "; ")
    }
}
