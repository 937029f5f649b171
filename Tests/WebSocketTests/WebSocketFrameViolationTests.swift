import Testing
@testable import WebSocket

/// Every header-level protocol violation, named for the rule it breaks, with its close code.
@Suite("Frame decoder: protocol violations")
struct FrameDecoderViolationTests {
    func expectError(
        _ wire: [UInt8], role: WebSocketRole = .server, maxFrameSize: Int = 1 << 20, allowedReservedBits: UInt8 = 0,
        _ expected: WebSocketError, code: WebSocketCloseCode
    ) {
        #expect(throws: expected) { try decodeAll(wire, role: role, maxFrameSize: maxFrameSize, allowedReservedBits: allowedReservedBits) }
        // Drip-fed input fails the same way.
        #expect(throws: expected) { try decodeAll(wire, role: role, chunk: 1, maxFrameSize: maxFrameSize, allowedReservedBits: allowedReservedBits) }
        #expect(expected.closeCode == code)
    }

    @Test(arguments: [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func reservedOpcodeRejected(opcode: UInt8) {
        expectError([0x80 | opcode, 0x80, 0, 0, 0, 0], .reservedOpcode(opcode), code: .protocolError)
    }

    @Test func rsvBitsWithoutExtensionRejected() {
        expectError([0xC1, 0x80, 0, 0, 0, 0], .reservedBitsSet(0x40), code: .protocolError)
        expectError([0xA1, 0x80, 0, 0, 0, 0], .reservedBitsSet(0x20), code: .protocolError)
        expectError([0x91, 0x80, 0, 0, 0, 0], .reservedBitsSet(0x10), code: .protocolError)
    }

    @Test func rsv1AllowedWhenNegotiatedButRsv2StillRejected() throws {
        let frames = try decodeAll([0xC1, 0x80, 0, 0, 0, 0], role: .server, allowedReservedBits: 0x40)
        #expect(frames.first?.rsv1 == true)
        expectError([0xE1, 0x80, 0, 0, 0, 0], allowedReservedBits: 0x40, .reservedBitsSet(0x20), code: .protocolError)
    }

    @Test func serverRejectsUnmaskedClientFrame() {
        expectError([0x81, 0x01, 0x41], role: .server, .unmaskedClientFrame, code: .protocolError)
    }

    @Test func clientRejectsMaskedServerFrame() {
        expectError([0x81, 0x81, 1, 2, 3, 4, 0x41], role: .client, .maskedServerFrame, code: .protocolError)
    }

    @Test func controlFrameOver125BytesRejected() {
        expectError([0x89, 0xFE, 0x00, 0x7E], .controlFrameTooLarge(length: 126), code: .protocolError)
    }

    @Test func fragmentedControlFrameRejected() {
        expectError([0x09, 0x80, 0, 0, 0, 0], .fragmentedControlFrame, code: .protocolError)
    }

    @Test func nonMinimal16BitLengthRejected() {
        expectError([0x82, 0xFE, 0x00, 0x7D], .nonMinimalLength(length: 125), code: .protocolError)
    }

    @Test func nonMinimal64BitLengthRejected() {
        expectError([0x82, 0xFF, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], .nonMinimalLength(length: 0xFFFF), code: .protocolError)
    }

    @Test func lengthWithHighBitSetRejected() {
        expectError([0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0], .lengthHighBitSet, code: .protocolError)
    }

    @Test func hugeLengthBeyondIntRejectedWithoutTrap() {
        let wire: [UInt8] = [0x82, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        expectError(wire, .frameTooLarge(length: 0x7FFF_FFFF_FFFF_FFFF, limit: 1 << 20), code: .messageTooBig)
    }

    @Test func frameOverMaxFrameSizeRejectedBeforePayloadArrives() {
        // Only the header is sent: the limit trips on the length alone, nothing is buffered.
        expectError([0x82, 0xFE, 0x10, 0x00], maxFrameSize: 4095, .frameTooLarge(length: 4096, limit: 4095), code: .messageTooBig)
    }

    @Test func decoderStaysFailedAfterViolation() {
        var decoder = WebSocketFrameDecoder(configuration: .init(role: .server))
        decoder.append([0x83, 0x80, 0, 0, 0, 0])
        #expect(throws: WebSocketError.reservedOpcode(3)) { try decoder.nextFrame() }
        decoder.append(WebSocketFrameEncoder.encode(WebSocketFrame(opcode: .text, maskKey: 0, payload: [])))
        #expect(throws: WebSocketError.reservedOpcode(3)) { try decoder.nextFrame() }
    }
}
