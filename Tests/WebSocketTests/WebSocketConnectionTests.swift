import Testing
import TestSupport
@testable import WebSocket

@Suite("Connection: messages, control frames, close handshake")
struct WebSocketConnectionTests {
    @Test func echoBetweenServerAndClient() async throws {
        let (server, client) = try makeConnectedPair(maxReadSize: 3)
        try client.send(text: "héllo 🌍")
        try client.send(binary: [0, 1, 2, 255])
        #expect(try await server.receive() == .text("héllo 🌍"))
        #expect(try await server.receive() == .binary([0, 1, 2, 255]))
        try server.send(text: "back")
        #expect(try await client.receive() == .text("back"))
        async let serverEnd = server.receive()
        await client.close(code: .goingAway, reason: "bye")
        #expect(try await serverEnd == nil)
        #expect(server.closeStatus?.code == .goingAway)
        #expect(server.closeStatus?.reason == "bye")
        #expect(client.closeStatus?.code == .goingAway)
        #expect(client.isClosed)
        #expect(throws: WebSocketError.connectionClosed(.goingAway)) { try client.send(text: "late") }
    }

    @Test func messagesSequenceEndsAtClose() async throws {
        let (server, client) = try makeConnectedPair()
        for index in 0..<5 { try client.send(text: "m\(index)") }
        let closer = Task { await client.close() }
        var received: [WebSocketMessage] = []
        for try await message in server.messages { received.append(message) }
        await closer.value
        #expect(received == (0..<5).map { .text("m\($0)") })
        #expect(server.closeStatus?.code == .normalClosure)
    }

    @Test func pingIsAnsweredWithSamePayload() async throws {
        let (server, peer) = try makeServerWithRawClient()
        let receiving = Task { try await server.receive() }
        try await peer.send(WebSocketFrame(opcode: .ping, payload: Array("are you there".utf8)))
        let pong = try await peer.nextFrame()
        #expect(pong?.opcode == .pong)
        #expect(pong?.payload == Array("are you there".utf8))
        #expect(pong?.maskKey == nil)
        try await peer.send(WebSocketFrame(opcode: .close, payload: [0x03, 0xE8]))
        #expect(try await receiving.value == nil)
    }

    @Test func serverPingCountsPongs() async throws {
        let (server, client) = try makeConnectedPair()
        let clientLoop = Task { for try await _ in client.messages {} }
        try server.ping([1, 2, 3])
        let serverLoop = Task { try await server.receive() }
        while server.pongsReceived == 0 { await Task.yield() }
        #expect(server.pongsReceived == 1)
        await client.close()
        _ = try await serverLoop.value
        _ = try? await clientLoop.value
    }

    @Test func controlFrameBetweenFragments() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(fin: false, opcode: .text, payload: Array("Hel".utf8)))
        try await peer.send(WebSocketFrame(opcode: .ping, payload: [9]))
        try await peer.send(WebSocketFrame(opcode: .continuation, payload: Array("lo".utf8)))
        #expect(try await server.receive() == .text("Hello"))
        #expect(try await peer.nextFrame()?.opcode == .pong)
    }

    @Test func closeHandshakeEchoesPeerCodeAndClosesStream() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(opcode: .close, payload: [0x0F, 0xA0] + Array("app".utf8)))  // 4000
        #expect(try await server.receive() == nil)
        let (code, _) = try await peer.expectClose()
        #expect(code == 4000)
        #expect(try await peer.nextFrame() == nil)  // stream closed after the echo
        #expect(server.closeStatus?.code == WebSocketCloseCode(rawValue: 4000))
        #expect(try await server.receive() == nil)
    }

    @Test func emptyCloseIsEchoedEmpty() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(opcode: .close, payload: []))
        #expect(try await server.receive() == nil)
        #expect(try await peer.expectClose().code == nil)
        #expect(server.closeStatus?.code == .noStatusReceived)
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] as [UInt16])
    func invalidReceivedCloseCodeFailsWith1002(code: UInt16) async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(opcode: .close, payload: [UInt8(code >> 8), UInt8(code & 0xFF)]))
        await #expect(throws: WebSocketError.invalidCloseCode(code)) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
    }

    @Test func oneByteClosePayloadFailsWith1002() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(opcode: .close, payload: [0x03]))
        await #expect(throws: WebSocketError.invalidClosePayload) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
    }

    @Test func invalidUTF8CloseReasonFailsWith1007() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(opcode: .close, payload: [0x03, 0xE8, 0xC0, 0xAF]))
        await #expect(throws: WebSocketError.invalidUTF8) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1007)
    }

    @Test func unmaskedFrameToServerFailsWith1002() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.sendRaw([0x81, 0x02, 0x68, 0x69])
        await #expect(throws: WebSocketError.unmaskedClientFrame) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
        #expect(try await peer.nextFrame() == nil)
    }

    @Test func abruptEndOfStreamIsAbnormalClosure() async throws {
        let (server, peer) = try makeServerWithRawClient()
        await peer.stream.close()
        await #expect(throws: WebSocketError.connectionClosed(.abnormalClosure)) { try await server.receive() }
        #expect(server.closeStatus?.code == .abnormalClosure)
    }

    @Test func closeWithoutReaderTimesOutAndDropsStream() async throws {
        let (server, peer) = try makeServerWithRawClient(configuration: .init(closeTimeout: .milliseconds(50)))
        await server.close(code: .goingAway)
        #expect(server.isClosed)
        #expect(try await peer.expectClose().code == 1001)
    }
}

@Suite("Connection: fragmentation, UTF-8 and size limits")
struct WebSocketAssemblyTests {
    /// "€" is E2 82 AC; "𝄞" is F0 9D 84 9E.
    @Test(arguments: [1, 2, 3])
    func utf8SplitAcrossFragmentsIsAccepted(split: Int) async throws {
        let (server, peer) = try makeServerWithRawClient()
        let bytes: [UInt8] = Array("a€𝄞".utf8)
        try await peer.send(WebSocketFrame(fin: false, opcode: .text, payload: Array(bytes.prefix(1 + split))))
        try await peer.send(WebSocketFrame(fin: false, opcode: .continuation, payload: Array(bytes[(1 + split)..<5])))
        try await peer.send(WebSocketFrame(opcode: .continuation, payload: Array(bytes[5...])))
        #expect(try await server.receive() == .text("a€𝄞"))
    }

    @Test func invalidUTF8InFirstFragmentFailsBeforeMessageCompletes() async throws {
        let (server, peer) = try makeServerWithRawClient()
        // CE BA E1 BD B9 CF 83 CE BC CE B5 then ED A0 80 (a UTF-16 surrogate), fin not yet set.
        try await peer.send(WebSocketFrame(fin: false, opcode: .text, payload: [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xED, 0xA0, 0x80]))
        await #expect(throws: WebSocketError.invalidUTF8) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1007)
    }

    @Test func truncatedCodePointAtMessageEndFailsWith1007() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(fin: false, opcode: .text, payload: [0x61, 0xE2]))
        try await peer.send(WebSocketFrame(opcode: .continuation, payload: [0x82]))
        await #expect(throws: WebSocketError.invalidUTF8) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1007)
    }

    @Test(arguments: [
        [0xC0, 0x80], [0xE0, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5], [0xFF], [0x80], [0xED, 0xBF, 0xBF],
    ] as [[UInt8]])
    func validatorRejectsOverlongSurrogateAndOutOfRange(bytes: [UInt8]) {
        var validator = UTF8Validator()
        let accepted = validator.feed(bytes)
        #expect(!accepted)
    }

    @Test func validatorAgreesWithStandardLibraryOnSamples() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let bytes = (0..<Int(rng.next() % 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            var validator = UTF8Validator()
            let ours = validator.feed(bytes) && validator.isComplete
            #expect(ours == (String(validating: bytes, as: UTF8.self) != nil), "bytes \(bytes)")
        }
    }

    @Test func unexpectedContinuationFailsWith1002() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(opcode: .continuation, payload: [1]))
        await #expect(throws: WebSocketError.unexpectedContinuation) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
    }

    @Test func newMessageDuringFragmentedMessageFailsWith1002() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(fin: false, opcode: .binary, payload: [1]))
        try await peer.send(WebSocketFrame(opcode: .binary, payload: [2]))
        await #expect(throws: WebSocketError.expectedContinuation) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
    }

    @Test func messageOverLimitAcrossFragmentsFailsWith1009() async throws {
        let (server, peer) = try makeServerWithRawClient(configuration: .init(maxFrameSize: 1000, maxMessageSize: 1500))
        try await peer.send(WebSocketFrame(fin: false, opcode: .binary, payload: [UInt8](repeating: 1, count: 1000)))
        try await peer.send(WebSocketFrame(opcode: .continuation, payload: [UInt8](repeating: 1, count: 501)))
        await #expect(throws: WebSocketError.messageTooLarge(limit: 1500)) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1009)
    }

    @Test func frameOverLimitFailsWith1009() async throws {
        let (server, peer) = try makeServerWithRawClient(configuration: .init(maxFrameSize: 1000))
        try await peer.send(WebSocketFrame(opcode: .binary, payload: [UInt8](repeating: 1, count: 1001)))
        await #expect(throws: WebSocketError.frameTooLarge(length: 1001, limit: 1000)) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1009)
    }

    @Test func rsv1WithoutDeflateFailsWith1002() async throws {
        let (server, peer) = try makeServerWithRawClient()
        try await peer.send(WebSocketFrame(rsv1: true, opcode: .text, payload: [0x61]))
        await #expect(throws: WebSocketError.reservedBitsSet(0x40)) { try await server.receive() }
        #expect(try await peer.expectClose().code == 1002)
    }
}

@Suite("Message assembler")
struct WebSocketMessageAssemblerTests {
    @Test func manyTinyFragmentsAssemble() throws {
        var assembler = WebSocketMessageAssembler(maxMessageSize: 1 << 20, decompressor: nil)
        let text = String(repeating: "ü", count: 10_000)
        let bytes = Array(text.utf8)
        #expect(try assembler.accept(WebSocketFrame(fin: false, opcode: .text, payload: [bytes[0]])) == nil)
        for byte in bytes.dropFirst().dropLast() {
            #expect(try assembler.accept(WebSocketFrame(fin: false, opcode: .continuation, payload: [byte])) == nil)
        }
        #expect(try assembler.accept(WebSocketFrame(opcode: .continuation, payload: [bytes[bytes.count - 1]])) == .message(.text(text)))
        #expect(!assembler.isAssembling)
    }

    @Test func closePayloadReasonIsCutOnCodePointBoundary() {
        let payload = WebSocketMessageAssembler.closePayload(code: .normalClosure, reason: String(repeating: "€", count: 60))
        #expect(payload.count <= 125)
        #expect(payload.count == 2 + 123 / 3 * 3)
        #expect(String(validating: payload.dropFirst(2), as: UTF8.self) != nil)
    }
}
