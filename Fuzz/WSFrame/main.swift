// libFuzzer target for the WebSocket frame decoder, message assembler and inflate path.
// Built by `scripts/fuzz.sh ws`, compiled together with Sources/WebSocket/*.swift into one
// module, so it reaches internal types. Invariants checked beyond "no crash":
// - a decoded frame re-encodes and decodes to itself (codec round trip);
// - every text message the assembler returns is valid UTF-8 and within the size limit;
// - with flag 0x80 the input is instead handshake text: header parsing, extension negotiation
//   and base64 must not crash, and any base64 accepted must re-encode to the same text.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWebSocketFrames(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    // Byte 0 picks the configuration, byte 1 the feeding chunk size.
    let flags = bytes[0]
    let role: WebSocketRole = flags & 1 == 0 ? .server : .client
    let deflate = flags & 2 != 0
    let maxFrameSize = flags & 4 != 0 ? 125 : 1 << 16
    let maxMessageSize = flags & 8 != 0 ? 64 : 1 << 16
    let chunk = Int(bytes[1]) + 1
    let input = Array(bytes[2...])
    if flags & 0x80 != 0 {
        // Header sections reach us bounded by the HTTP parser's limits; 8 KiB mirrors them and
        // keeps the (linear but Character-heavy) string parsing from dominating the run.
        guard input.count <= 8192 else { return 0 }
        fuzzHandshake(String(decoding: input, as: UTF8.self))
        return 0
    }

    var decoder = WebSocketFrameDecoder(
        configuration: .init(role: role, maxFrameSize: maxFrameSize, allowedReservedBits: deflate ? 0x40 : 0))
    let decompressor = deflate ? try? DeflateDecompressor(noContextTakeover: flags & 16 != 0) : nil
    var assembler = WebSocketMessageAssembler(maxMessageSize: maxMessageSize, decompressor: decompressor)

    var index = 0
    while index < input.count {
        let end = min(index + chunk, input.count)
        decoder.append(Array(input[index..<end]))
        index = end
        do throws(WebSocketError) {
            while let frame = try decoder.nextFrame() {
                checkRoundTrip(frame, role: role, maxFrameSize: maxFrameSize)
                if case .message(let message)? = try assembler.accept(frame) {
                    checkMessage(message, limit: maxMessageSize)
                }
            }
        } catch {
            _ = error.closeCode
            return 0
        }
    }
    return 0
}

private func checkRoundTrip(_ frame: WebSocketFrame, role: WebSocketRole, maxFrameSize: Int) {
    var decoder = WebSocketFrameDecoder(configuration: .init(role: role, maxFrameSize: maxFrameSize, allowedReservedBits: 0x70))
    decoder.append(WebSocketFrameEncoder.encode(frame))
    guard let again = try? decoder.nextFrame(), again == frame, decoder.bufferedByteCount == 0 else {
        fatalError("frame did not survive an encode/decode round trip")
    }
}

private func checkMessage(_ message: WebSocketMessage, limit: Int) {
    switch message {
    case .text(let text):
        let utf8 = Array(text.utf8)
        guard utf8.count <= limit, String(validating: utf8, as: UTF8.self) != nil else { fatalError("bad text message") }
    case .binary(let bytes):
        guard bytes.count <= limit else { fatalError("message over limit") }
    }
}

/// Reads `name: value` lines and runs both handshake sides and deflate negotiation over them.
private func fuzzHandshake(_ text: String) {
    let headers: [(name: String, value: String)] = text.utf8.split(separator: UInt8(ascii: "\n")).map { line in
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return (String(decoding: line, as: UTF8.self), "") }
        return (String(decoding: line[..<colon], as: UTF8.self), String(decoding: line[line.index(after: colon)...], as: UTF8.self))
    }
    _ = WebSocketHandshake(subprotocols: ["a", "b"], deflate: .init()).evaluate(method: "GET", headers: headers)
    _ = PerMessageDeflateConfiguration().negotiate(offers: text)
    _ = try? PerMessageDeflateConfiguration(serverMaxWindowBits: 12).accept(response: text)
    _ = try? WebSocketClientHandshake(key: "dGhlIHNhbXBsZSBub25jZQ==", subprotocols: ["a"], deflate: .init())
        .verify(status: 101, headers: headers)
    for (_, value) in headers {
        if let decoded = Base64.decode(value), Base64.encode(decoded) != value {
            fatalError("base64 accepted a non-canonical encoding")
        }
    }
}
