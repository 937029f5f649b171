import Testing
@testable import WebSocket

func hex(_ bytes: [UInt8]) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}

@Suite("SHA-1 and base64")
struct SHA1Tests {
    @Test(arguments: [
        ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
        ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
    ])
    func fipsVectors(input: String, digest: String) {
        #expect(hex(SHA1.hash(Array(input.utf8))) == digest)
    }

    @Test func millionAs() {
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 1_000_000))) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    @Test func paddingBoundaryLengths() {
        // 55, 56 and 64 bytes straddle the one-or-two-block padding boundary.
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 55))) == "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 56))) == "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        #expect(hex(SHA1.hash([UInt8](repeating: 0x61, count: 64))) == "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    @Test func base64RoundTripAndStrictness() {
        for count in 0..<20 {
            let bytes = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 5) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
        #expect(Base64.decode("Zm8") == nil)
        #expect(Base64.decode("Zm9=") == nil)  // non-zero padding bits
        #expect(Base64.decode("Z=8=") == nil)
        #expect(Base64.decode("Zm8*") == nil)
    }
}

@Suite("Opening handshake, server side")
struct ServerHandshakeTests {
    static let key = "dGhlIHNhbXBsZSBub25jZQ=="
    static func request(_ extra: [(name: String, value: String)] = [], dropping: String? = nil) -> [(name: String, value: String)] {
        let base: [(name: String, value: String)] = [
            ("Host", "server.example.com"), ("upgrade", "WebSocket"), ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"),
        ]
        return base.filter { $0.name.lowercased() != dropping?.lowercased() } + extra
    }

    func accepted(_ outcome: WebSocketHandshakeOutcome) -> WebSocketHandshakeAcceptance? {
        if case .accept(let acceptance) = outcome { return acceptance }
        return nil
    }

    func rejected(_ outcome: WebSocketHandshakeOutcome) -> WebSocketHandshakeRejection? {
        if case .reject(let rejection) = outcome { return rejection }
        return nil
    }

    @Test func rfc6455Section1_3AcceptValue() {
        #expect(WebSocketHandshake.acceptValue(forKey: Self.key) == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func acceptsValidRequest() throws {
        let acceptance = try #require(accepted(WebSocketHandshake().evaluate(method: "GET", headers: Self.request())))
        #expect(acceptance.status == 101)
        #expect(acceptance.headers.map(\.name) == ["Upgrade", "Connection", "Sec-WebSocket-Accept"])
        #expect(acceptance.headers.last?.value == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(acceptance.subprotocol == nil)
        #expect(acceptance.deflate == nil)
    }

    @Test(arguments: ["Upgrade", "Connection", "Sec-WebSocket-Key"])
    func missingHeaderIs400(header: String) throws {
        let rejection = try #require(rejected(WebSocketHandshake().evaluate(method: "GET", headers: Self.request(dropping: header))))
        #expect(rejection.status == 400)
    }

    @Test func nonGetIs400() throws {
        #expect(rejected(WebSocketHandshake().evaluate(method: "POST", headers: Self.request()))?.status == 400)
    }

    @Test(arguments: ["", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZXg=", "dGhlIHNhbXBsZSBub25jZQ=!", "AAAAAAAAAAAAAAAAAAAAAAAAAA=="])
    func invalidKeyIs400(key: String) throws {
        let headers = Self.request([("Sec-WebSocket-Key", key)], dropping: "Sec-WebSocket-Key")
        #expect(rejected(WebSocketHandshake().evaluate(method: "GET", headers: headers))?.status == 400)
    }

    @Test func duplicateKeyIs400() {
        let headers = Self.request([("Sec-WebSocket-Key", Self.key)])
        #expect(rejected(WebSocketHandshake().evaluate(method: "GET", headers: headers))?.status == 400)
    }

    @Test(arguments: [nil, "8", "12", "14", "13, 8"] as [String?])
    func wrongVersionIs426WithSupportedVersion(version: String?) throws {
        let extra: [(name: String, value: String)] = version.map { [("Sec-WebSocket-Version", $0)] } ?? []
        let headers = Self.request(extra, dropping: "Sec-WebSocket-Version")
        let rejection = try #require(rejected(WebSocketHandshake().evaluate(method: "GET", headers: headers)))
        #expect(rejection.status == 426)
        #expect(rejection.headers.first?.name == "Sec-WebSocket-Version")
        #expect(rejection.headers.first?.value == "13")
    }

    @Test func subprotocolSelectionFollowsServerPreference() throws {
        let handshake = WebSocketHandshake(subprotocols: ["aitbc.v2", "aitbc.v1"])
        let offered = Self.request([("Sec-WebSocket-Protocol", "chat, aitbc.v1"), ("Sec-WebSocket-Protocol", "aitbc.v2")])
        let acceptance = try #require(accepted(handshake.evaluate(method: "GET", headers: offered)))
        #expect(acceptance.subprotocol == "aitbc.v2")
        #expect(acceptance.headers.contains { $0.name == "Sec-WebSocket-Protocol" && $0.value == "aitbc.v2" })
        let none = try #require(accepted(handshake.evaluate(method: "GET", headers: Self.request([("Sec-WebSocket-Protocol", "chat")]))))
        #expect(none.subprotocol == nil)
        #expect(!none.headers.contains { $0.name == "Sec-WebSocket-Protocol" })
    }

    @Test func deflateNegotiatedOnlyWhenEnabled() throws {
        let offer = Self.request([("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")])
        let off = try #require(accepted(WebSocketHandshake().evaluate(method: "GET", headers: offer)))
        #expect(off.deflate == nil)
        let on = try #require(accepted(WebSocketHandshake(deflate: .init()).evaluate(method: "GET", headers: offer)))
        #expect(on.deflate == PerMessageDeflateParameters())
        #expect(on.headers.last?.value == "permessage-deflate")
    }
}

@Suite("Opening handshake, client side")
struct ClientHandshakeTests {
    @Test func requestHeadersAndKeyShape() {
        var rng = SplitMix64(seed: 42)
        let key = WebSocketClientHandshake.makeKey(using: &rng)
        #expect(WebSocketHandshake.isValidKey(key))
        let handshake = WebSocketClientHandshake(key: key, subprotocols: ["a", "b"], deflate: .init())
        let names = handshake.requestHeaders.map(\.name)
        #expect(names == ["Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Protocol", "Sec-WebSocket-Extensions"])
        #expect(handshake.requestHeaders[4].value == "a, b")
        #expect(handshake.requestHeaders[5].value == "permessage-deflate; client_max_window_bits")
        #expect(WebSocketHandshake.isValidKey(WebSocketClientHandshake().key))
    }

    @Test func clientAndServerAgree() throws {
        let client = WebSocketClientHandshake(subprotocols: ["x"], deflate: .init(clientNoContextTakeover: true))
        let outcome = WebSocketHandshake(subprotocols: ["x"], deflate: .init(serverMaxWindowBits: 12))
            .evaluate(method: "GET", headers: client.requestHeaders)
        guard case .accept(let acceptance) = outcome else { Issue.record("rejected"); return }
        let result = try client.verify(status: 101, headers: acceptance.headers)
        #expect(result.subprotocol == "x")
        #expect(result.deflate == acceptance.deflate)
        #expect(result.deflate?.serverMaxWindowBits == 12)
        #expect(result.deflate?.clientNoContextTakeover == true)
    }

    @Test func responseViolationsAreNamed() {
        let client = WebSocketClientHandshake(key: "dGhlIHNhbXBsZSBub25jZQ==", subprotocols: ["x"])
        let good: [(name: String, value: String)] = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
        ]
        #expect((try? client.verify(status: 101, headers: good)) != nil)
        #expect(throws: WebSocketClientHandshakeError.unexpectedStatus(200)) { try client.verify(status: 200, headers: good) }
        #expect(throws: WebSocketClientHandshakeError.missingUpgrade) { try client.verify(status: 101, headers: Array(good.dropFirst())) }
        #expect(throws: WebSocketClientHandshakeError.missingConnectionUpgrade) {
            try client.verify(status: 101, headers: [good[0], good[2]])
        }
        #expect(throws: WebSocketClientHandshakeError.invalidAccept) {
            try client.verify(status: 101, headers: [good[0], good[1], ("Sec-WebSocket-Accept", "AAAA")])
        }
        #expect(throws: WebSocketClientHandshakeError.unexpectedSubprotocol("y")) {
            try client.verify(status: 101, headers: good + [("Sec-WebSocket-Protocol", "y")])
        }
        #expect(throws: WebSocketClientHandshakeError.unacceptableExtension("permessage-deflate")) {
            try client.verify(status: 101, headers: good + [("Sec-WebSocket-Extensions", "permessage-deflate")])
        }
    }
}

@Suite("permessage-deflate negotiation (RFC 7692 §7.1)")
struct DeflateNegotiationTests {
    let server = PerMessageDeflateConfiguration()

    @Test(arguments: [
        ("permessage-deflate", "permessage-deflate"),
        ("permessage-deflate; client_max_window_bits", "permessage-deflate"),
        ("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"),
        ("permessage-deflate; client_no_context_takeover", "permessage-deflate; client_no_context_takeover"),
        ("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10"),
        ("permessage-deflate; server_max_window_bits=\"11\"", "permessage-deflate; server_max_window_bits=11"),
        ("x-unknown, permessage-deflate; foo=1, permessage-deflate; server_no_context_takeover",
         "permessage-deflate; server_no_context_takeover"),
        ("permessage-deflate; server_max_window_bits=8, permessage-deflate", "permessage-deflate"),
    ])
    func serverPicksFirstAcceptableOffer(offer: String, response: String) {
        #expect(server.negotiate(offers: offer)?.headerValue == response)
    }

    @Test(arguments: [
        "x-webkit-deflate-frame", "permessage-deflate; server_max_window_bits", "permessage-deflate; server_max_window_bits=16",
        "permessage-deflate; server_max_window_bits=010", "permessage-deflate; client_max_window_bits=7",
        "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover=1", "",
    ])
    func serverDeclinesInvalidOffers(offer: String) {
        #expect(server.negotiate(offers: offer) == nil)
    }

    @Test func serverConfigurationTightensResponse() {
        let strict = PerMessageDeflateConfiguration(
            serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 11)
        let params = strict.negotiate(offers: "permessage-deflate; client_max_window_bits")
        #expect(params?.headerValue
            == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11")
        // client_max_window_bits is never answered when not offered.
        #expect(strict.negotiate(offers: "permessage-deflate")?.clientMaxWindowBits == 15)
    }

    @Test func clientRejectsResponsesItDidNotAllow() {
        let client = PerMessageDeflateConfiguration(serverMaxWindowBits: 12)
        #expect(throws: WebSocketClientHandshakeError.self) { try client.accept(response: "permessage-deflate; server_max_window_bits=13") }
        #expect(throws: WebSocketClientHandshakeError.self) { try client.accept(response: "permessage-deflate, permessage-deflate") }
        #expect(throws: WebSocketClientHandshakeError.self) { try client.accept(response: "permessage-deflate; client_max_window_bits=8") }
        #expect(throws: WebSocketClientHandshakeError.self) { try client.accept(response: "x-other") }
        // Offering server_max_window_bits=12 makes its absence from the response a failure (§7.1.2.1).
        #expect(throws: WebSocketClientHandshakeError.self) { try client.accept(response: "permessage-deflate") }
        #expect((try? PerMessageDeflateConfiguration().accept(response: "permessage-deflate; client_max_window_bits=10"))?.clientMaxWindowBits == 10)
    }
}
