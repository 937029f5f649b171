import Coordinator
import Cryptography
import HTTP1
import HTTPClient
import JSON
import TestSupport
import Testing
import WebSocket

/// Issue #10, defects 3 and 4: the miner WebSocket channel must not bypass `HMAC_SECRET` or the
/// per-key token bucket that guard the same writes over HTTP.
@Suite(.serialized) struct TransportSecurityTests {
    typealias H = CoordinatorServerHarness

    static let secret = Array("transport-hmac-secret".utf8)

    static func signature(_ body: String) -> String {
        Hex.encode(BodySignature.hmacSHA256(key: secret, message: Array(body.utf8)))
    }

    /// Attack: with HMAC_SECRET set, a miner holding only its API key opened `/v1/ws/miner`,
    /// received jobs and posted results without ever signing a body.
    @Test func minerChannelIsRefusedWhileBodiesMustBeSigned() async throws {
        try await H.with(configure: { $0.hmacSecret = Self.secret }) { server in
            let register = #"{"capabilities":{}}"#
            let registered = try await server.request(
                "POST", "/v1/miners/register", key: H.miner1Key, headers: [("X-Signature", Self.signature(register))], body: register)
            #expect(registered.status == 200)
            // A plain GET names the refusal: status, code and what to do instead.
            let refused = try await server.request("GET", "/v1/ws/miner", key: H.miner1Key)
            #expect(refused.status == 403)
            #expect(refused.errorCode == "SIGNATURE_REQUIRED")
            #expect(refused.detail?.contains("HTTP") == true)
            // A real handshake gets no socket.
            await #expect(throws: (any Error).self) {
                let socket = try await WebSocketClient.connect(
                    url: "ws://127.0.0.1:\(server.port)/v1/ws/miner", headers: ["X-Api-Key": H.miner1Key])
                await socket.close()
            }
            // The client channel carries no writes and stays available (400 = the handshake of a
            // non-WebSocket request, after authentication passed).
            #expect(try await server.request("GET", "/v1/ws/client", key: H.aliceKey).status == 400)
        }
    }

    /// Attack: 200 heartbeats on one socket with RATE_LIMIT_REQUESTS=5 were all accepted, each a
    /// write transaction.
    @Test func minerMessagesTakeTokensFromTheKeysBucket() async throws {
        try await H.with(configure: { $0.rateLimitRequests = 5 }) { server in
            try await server.register()  // token 1
            let socket = try await WebSocketClient.connect(  // token 2
                url: "ws://127.0.0.1:\(server.port)/v1/ws/miner", headers: ["X-Api-Key": H.miner1Key])
            var sent = 0
            for index in 0..<200 {
                do {
                    try CoordinatorWebSocketTests.send(socket, ["type": "heartbeat", "id": .integer(JSONInteger(index))])
                    sent += 1
                } catch {
                    break  // closed by the server (1008) part-way: expected
                }
            }
            var acks = 0
            var limited: [JSONValue] = []
            // Until the server closes, or every message was answered (a server that never closes
            // must fail the expectations below, not hang the test).
            while acks + limited.count < sent, let message = try? await CoordinatorWebSocketTests.next(socket, seconds: 10) {
                if message["type"] == "ack" { acks += 1 } else if message["status"] == 429 { limited.append(message) }
            }
            // 5 tokens, one per 12 s: register and upgrade took two, the messages the rest.
            #expect(acks >= 1 && acks <= 3)
            #expect(!limited.isEmpty)
            let first = try #require(limited.first)
            #expect(first["type"] == "error")
            #expect(first["body"]?["error"]?["code"] == "RATE_LIMITED")
            #expect((first["retry_after"]?.int64Value ?? 0) >= 1)
            #expect(first["body"]?["error"]?["details"]?["retry_after_seconds"] == first["retry_after"])
            // A client that keeps flooding is cut off with 1008 (policy violation).
            #expect(limited.count <= 11)
            #expect(socket.closeStatus?.code == .policyViolation)
            // One bucket per key for both transports: HTTP is refused too now.
            let http = try await server.request("POST", "/v1/miners/heartbeat", key: H.miner1Key, body: "{}")
            #expect(http.status == 429)
            // Another miner's bucket is untouched.
            try await server.register(key: H.miner2Key)
            let metrics = try await server.request("GET", "/metrics").text
            let line = metrics.split(separator: "\n").first { $0.hasPrefix(#"aitbc_coordinator_rate_limited_total{transport="websocket"}"#) }
            #expect((line?.split(separator: " ").last.flatMap { Double($0) } ?? 0) >= Double(limited.count))
        }
    }
}
