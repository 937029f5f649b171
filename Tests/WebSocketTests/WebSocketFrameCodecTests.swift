import Testing
@testable import WebSocket

/// Decodes every frame in `bytes`, feeding it in chunks of `chunk` bytes (0 = all at once).
func decodeAll(
    _ bytes: [UInt8], role: WebSocketRole, chunk: Int = 0, maxFrameSize: Int = 1 << 20, allowedReservedBits: UInt8 = 0
) throws(WebSocketError) -> [WebSocketFrame] {
    var decoder = WebSocketFrameDecoder(
        configuration: .init(role: role, maxFrameSize: maxFrameSize, allowedReservedBits: allowedReservedBits))
    var frames: [WebSocketFrame] = []
    let step = chunk <= 0 ? max(bytes.count, 1) : chunk
    var index = 0
    repeat {
        let end = min(index + step, bytes.count)
        decoder.append(Array(bytes[index..<end]))
        index = end
        while let frame = try decoder.nextFrame() { frames.append(frame) }
    } while index < bytes.count
    return frames
}

@Suite("RFC 6455 §5.7 examples, byte for byte")
struct RFC6455ExampleTests {
    let hello: [UInt8] = Array("Hello".utf8)

    @Test func singleFrameUnmaskedText() throws {
        let wire: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        #expect(WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .text, payload: hello)) == wire)
        let frames = try decodeAll(wire, role: .client)
        #expect(frames == [WebSocketFrame(opcode: .text, payload: hello)])
    }

    @Test func singleFrameMaskedText() throws {
        let wire: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        let frame = WebSocketFrame(opcode: .text, maskKey: 0x37fa_213d, payload: hello)
        #expect(WebSocketFrameEncoder.encode(frame) == wire)
        #expect(try decodeAll(wire, role: .server) == [frame])
    }

    @Test func fragmentedUnmaskedText() throws {
        let wire: [UInt8] = [0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f]
        let first = WebSocketFrame(fin: false, opcode: .text, payload: Array("Hel".utf8))
        let second = WebSocketFrame(opcode: .continuation, payload: Array("lo".utf8))
        #expect(WebSocketFrameEncoder.encode(first) + WebSocketFrameEncoder.encode(second) == wire)
        #expect(try decodeAll(wire, role: .client) == [first, second])
    }

    @Test func unmaskedPingAndMaskedPong() throws {
        let ping: [UInt8] = [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        let pong: [UInt8] = [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        #expect(WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .ping, payload: hello)) == ping)
        let pongFrame = WebSocketFrame(opcode: .pong, maskKey: 0x37fa_213d, payload: hello)
        #expect(WebSocketFrameEncoder.encode(pongFrame) == pong)
        #expect(try decodeAll(ping, role: .client) == [WebSocketFrame(opcode: .ping, payload: hello)])
        #expect(try decodeAll(pong, role: .server) == [pongFrame])
    }

    @Test func binary256BytesUses16BitLength() throws {
        let payload = (0..<256).map { UInt8(truncatingIfNeeded: $0) }
        let wire = WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .binary, payload: payload))
        #expect(Array(wire.prefix(4)) == [0x82, 0x7E, 0x01, 0x00])
        #expect(wire.count == 4 + 256)
        #expect(try decodeAll(wire, role: .client).first?.payload == payload)
    }

    @Test func binary64KiBUses64BitLength() throws {
        let payload = [UInt8](repeating: 0xAB, count: 65536)
        let wire = WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .binary, payload: payload))
        #expect(Array(wire.prefix(10)) == [0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00])
        #expect(wire.count == 10 + 65536)
        #expect(try decodeAll(wire, role: .client).first?.payload == payload)
    }
}

@Suite("Frame decoder: feeding patterns")
struct FrameDecoderFeedingTests {
    /// A mixed sequence: masked text, fragmented binary, ping, 300-byte and 70000-byte frames.
    static func sampleFrames() -> [WebSocketFrame] {
        [
            WebSocketFrame(opcode: .text, maskKey: 0x0102_0304, payload: Array("héllo wörld".utf8)),
            WebSocketFrame(fin: false, opcode: .binary, maskKey: 0xdead_beef, payload: [1, 2, 3]),
            WebSocketFrame(opcode: .ping, maskKey: 0x1111_1111, payload: []),
            WebSocketFrame(opcode: .continuation, maskKey: 0xcafe_babe, payload: [4, 5]),
            WebSocketFrame(opcode: .binary, maskKey: 0x0bad_f00d, payload: [UInt8](repeating: 7, count: 300)),
            WebSocketFrame(opcode: .binary, maskKey: 0x7777_0000, payload: (0..<70000).map { UInt8(truncatingIfNeeded: $0 &* 31) }),
            WebSocketFrame(opcode: .close, maskKey: 0x0, payload: [0x03, 0xE8]),
        ]
    }

    @Test(arguments: [0, 1, 2, 3, 7, 64, 1000])
    func dripFedAndChunked(chunk: Int) throws {
        let frames = Self.sampleFrames()
        var wire: [UInt8] = []
        for frame in frames { WebSocketFrameEncoder.encode(frame, into: &wire) }
        #expect(try decodeAll(wire, role: .server, chunk: chunk) == frames)
    }

    @Test func manyFramesInOneBuffer() throws {
        var wire: [UInt8] = []
        let frames = (0..<500).map { WebSocketFrame(opcode: .binary, maskKey: UInt32($0), payload: [UInt8(truncatingIfNeeded: $0)]) }
        for frame in frames { WebSocketFrameEncoder.encode(frame, into: &wire) }
        #expect(try decodeAll(wire, role: .server) == frames)
    }

    @Test func truncatedFrameWaitsForMoreBytes() throws {
        let wire = WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .text, maskKey: 1, payload: Array("abc".utf8)))
        var decoder = WebSocketFrameDecoder(configuration: .init(role: .server))
        decoder.append(Array(wire.dropLast()))
        #expect(try decoder.nextFrame() == nil)
        #expect(!decoder.isAtFrameBoundary)
        decoder.append([wire[wire.count - 1]])
        #expect(try decoder.nextFrame()?.payload == Array("abc".utf8))
        #expect(decoder.isAtFrameBoundary)
    }

    @Test(arguments: 0..<20)
    func roundTripProperty(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var frames: [WebSocketFrame] = []
        for _ in 0..<20 {
            let count = Int(rng.next() % 3 == 0 ? rng.next() % 70_000 : rng.next() % 200)
            let payload = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            frames.append(WebSocketFrame(fin: rng.next() % 2 == 0, opcode: .binary, maskKey: UInt32(truncatingIfNeeded: rng.next()), payload: payload))
        }
        var wire: [UInt8] = []
        for frame in frames { WebSocketFrameEncoder.encode(frame, into: &wire) }
        let chunk = Int(rng.next() % 5000) + 1
        #expect(try decodeAll(wire, role: .server, chunk: chunk) == frames, "seed \(seed)")
    }
}

/// Deterministic generator so a failing property case is reproducible from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Masking")
struct MaskingTests {
    /// The word-at-a-time mask must equal the byte-wise definition (RFC 6455 §5.3) at any offset.
    @Test(arguments: [0, 1, 2, 3, 5, 7, 8, 13])
    func matchesBytewiseDefinition(offset: Int) {
        let key: UInt32 = 0x37fa_213d
        let keyBytes: [UInt8] = [0x37, 0xfa, 0x21, 0x3d]
        for count in [0, 1, 3, 7, 8, 9, 15, 16, 17, 100] {
            let original = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }
            var masked = original
            WebSocketFrame.applyMask(key, to: &masked, offset: offset)
            #expect(masked == original.enumerated().map { $0.element ^ keyBytes[($0.offset + offset) & 3] })
        }
    }
}
