// libFuzzer target for the WebSocket frame decoder, message assembler and inflate path.
// Built by `scripts/fuzz.sh ws`, compiled together with Sources/WebSocket/*.swift into one
// module, so it reaches internal types. Invariants checked beyond "no crash":
// - a decoded frame re-encodes and decodes to itself (codec round trip);
// - every text message the assembler returns is valid UTF-8 and within the size limit.

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
