import Testing
import TestSupport
@testable import WebSocket

@Suite("permessage-deflate compression (RFC 7692 §7.2)")
struct PerMessageDeflateTests {
    let hello = Array("Hello".utf8)
    let helloCompressed: [UInt8] = [0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
    let eager = PerMessageDeflateConfiguration(minimumCompressedSize: 0)

    @Test func rfc7692Section7_2_3_1HelloCompressesToExactBytes() throws {
        let compressor = try DeflateCompressor(windowBits: 15, level: -1, memoryLevel: 8, noContextTakeover: false)
        #expect(try compressor.compress(hello) == helloCompressed)
        // §7.2.3.2: with context takeover the second "Hello" refers back into the window.
        #expect(try compressor.compress(hello) == [0xf2, 0x00, 0x11, 0x00, 0x00])
        let fresh = try DeflateCompressor(windowBits: 15, level: -1, memoryLevel: 8, noContextTakeover: true)
        #expect(try fresh.compress(hello) == helloCompressed)
        #expect(try fresh.compress(hello) == helloCompressed)
    }

    @Test func consecutiveEmptyMessagesWithContextTakeover() throws {
        // The second flush in a row makes zlib emit nothing; the payload must still decode (§7.2.3.6).
        let compressor = try DeflateCompressor(windowBits: 15, level: -1, memoryLevel: 8, noContextTakeover: false)
        let decompressor = try DeflateDecompressor(noContextTakeover: false)
        for message in [[], [], hello, [], hello] as [[UInt8]] {
            let payload = try compressor.compress(message)
            #expect(!payload.isEmpty)
            #expect(try decompressor.decompress(payload, isFinal: true, budget: 100, limit: 100) == message)
        }
    }

    @Test func serverSendsTheRFCFrameByteForByte() async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init(), compression: eager)
        try server.send(text: "Hello")
        try await peer.stream.write([])  // no-op; the frame arrives from the writer task
        var bytes: [UInt8] = []
        while bytes.count < 9, let chunk = try await peer.stream.read() { bytes += chunk }
        #expect(bytes == [0xc1, 0x07] + helloCompressed)
    }

    /// The RFC 7692 §7.2.3 examples as a client would send them (masked), each decoding to "Hello".
    @Test(arguments: [
        [[0xc1, 0x07, 0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]],  // §7.2.3.1
        [[0x41, 0x03, 0xf2, 0x48, 0xcd], [0x80, 0x04, 0xc9, 0xc9, 0x07, 0x00]],  // §7.2.3.1 fragmented
        [[0xc1, 0x0b, 0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00]],  // §7.2.3.3 stored block
        [[0xc1, 0x08, 0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00]],  // §7.2.3.4 BFINAL set
        [[0xc1, 0x0d, 0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00]],  // §7.2.3.5 two blocks
    ] as [[[UInt8]]])
    func rfc7692ExamplesDecode(frames: [[UInt8]]) async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init())
        for wire in frames {
            let header = wire[0]
            try await peer.send(WebSocketFrame(
                fin: header & 0x80 != 0, rsv1: header & 0x40 != 0, opcode: try #require(WebSocketOpcode(rawValue: header & 0x0F)),
                payload: Array(wire.dropFirst(2))))
        }
        #expect(try await server.receive() == .text("Hello"))
    }

    @Test func rfc7692Section7_2_3_2SharedWindowAcrossMessages() async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init())
        try await peer.send(WebSocketFrame(rsv1: true, opcode: .text, payload: helloCompressed))
        try await peer.send(WebSocketFrame(rsv1: true, opcode: .text, payload: [0xf2, 0x00, 0x11, 0x00, 0x00]))
        #expect(try await server.receive() == .text("Hello"))
        #expect(try await server.receive() == .text("Hello"))
    }

    @Test(arguments: [
        (false, false, 15, 15), (true, true, 15, 15), (false, true, 9, 12), (true, false, 10, 9),
    ])
    func roundTripsBothWays(serverReset: Bool, clientReset: Bool, serverBits: Int, clientBits: Int) async throws {
        let parameters = PerMessageDeflateParameters(
            serverNoContextTakeover: serverReset, clientNoContextTakeover: clientReset,
            serverMaxWindowBits: serverBits, clientMaxWindowBits: clientBits)
        let (server, client) = try makeConnectedPair(maxReadSize: 1000, deflate: parameters, compression: eager)
        var rng = SplitMix64(seed: UInt64(serverBits * 100 + clientBits))
        var messages: [WebSocketMessage] = [.text(""), .binary([])]
        for index in 0..<30 {
            let size = Int(rng.next() % 40_000)
            if index % 2 == 0 {
                // Repetitive JSON-like text compresses well and exercises back references.
                messages.append(.text(String(repeating: "{\"height\":\(index),\"hash\":\"ab\(index)\"}", count: size / 30 + 1)))
            } else {
                messages.append(.binary((0..<size).map { _ in UInt8(truncatingIfNeeded: rng.next() % 7) }))
            }
        }
        for message in messages { try client.send(message) }
        for message in messages { #expect(try await server.receive() == message) }
        for message in messages { try server.send(message) }
        for message in messages { #expect(try await client.receive() == message) }
    }

    @Test func zipBombStopsAtMessageLimitWith1009() async throws {
        let configuration = WebSocketConfiguration(maxMessageSize: 1 << 20)
        let (server, peer) = try makeServerWithRawClient(configuration: configuration, deflate: .init())
        let compressor = try DeflateCompressor(windowBits: 15, level: 9, memoryLevel: 8, noContextTakeover: true)
        let bomb = try compressor.compress([UInt8](repeating: 0, count: 64 << 20))  // 64 MiB of zeros
        #expect(bomb.count < 128 * 1024)
        try await peer.send(WebSocketFrame(rsv1: true, opcode: .binary, payload: bomb))
        await #expect(throws: WebSocketError.messageTooLarge(limit: 1 << 20)) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1009)
    }

    @Test func corruptDeflateDataFailsWith1007() async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init())
        try await peer.send(WebSocketFrame(rsv1: true, opcode: .binary, payload: [0xff, 0xff, 0xff, 0xff]))
        await #expect(throws: WebSocketError.self) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1007)
    }

    @Test func rsv1OnContinuationFailsWith1002() async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init())
        try await peer.send(WebSocketFrame(fin: false, rsv1: true, opcode: .text, payload: [0xf2, 0x48, 0xcd]))
        try await peer.send(WebSocketFrame(rsv1: true, opcode: .continuation, payload: [0xc9, 0xc9, 0x07, 0x00]))
        await #expect(throws: WebSocketError.compressedFrameNotAllowed) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
    }

    @Test func rsv1OnControlFrameFailsWith1002() async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init())
        try await peer.send(WebSocketFrame(rsv1: true, opcode: .ping, payload: []))
        await #expect(throws: WebSocketError.compressedFrameNotAllowed) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
    }

    @Test func uncompressedMessagesStillAllowedWhenNegotiated() async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init())
        try await peer.send(WebSocketFrame(opcode: .text, payload: hello))
        #expect(try await server.receive() == .text("Hello"))
    }

    @Test func smallMessagesGoOutUncompressedByDefault() async throws {
        let (server, peer) = try makeServerWithRawClient(deflate: .init())
        try server.send(text: "tiny")
        let frame = try #require(try await peer.nextFrame())
        #expect(!frame.rsv1)
        try server.send(text: String(repeating: "long enough to compress ", count: 4))
        #expect(try await peer.nextFrame()?.rsv1 == true)
    }

    @Test func broadcastSharesCompressedFrameAcrossNoContextSubscribers() async throws {
        let broadcaster = WebSocketBroadcaster()
        let parameters = PerMessageDeflateParameters(serverNoContextTakeover: true)
        var clients: [WebSocketConnection] = []
        var servers: [WebSocketConnection] = []
        for index in 0..<20 {
            // Mix compressed (shared), compressed-with-context (per subscriber) and plain subscribers.
            let deflate: PerMessageDeflateParameters? = index % 3 == 0 ? nil : (index % 3 == 1 ? parameters : .init())
            let (server, client) = try makeConnectedPair(deflate: deflate, compression: eager)
            servers.append(server)
            clients.append(client)
            broadcaster.add(server)
        }
        let prepared = WebSocketPreparedMessage(.text(String(repeating: "block ", count: 100)))
        #expect(broadcaster.broadcast(prepared).delivered == 20)
        #expect(broadcaster.broadcast(prepared).delivered == 20)
        for client in clients {
            #expect(try await client.receive() == prepared.message)
            #expect(try await client.receive() == prepared.message)
        }
        _ = servers
    }
}
