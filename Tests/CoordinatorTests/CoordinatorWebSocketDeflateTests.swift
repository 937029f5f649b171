import Coordinator
import HTTP1
import HTTPClient
import JSON
import ServiceRuntime
import TestSupport
import Testing
import WebSocket

/// permessage-deflate on the coordinator's channels (issue 11 part 7): negotiated when offered,
/// bounded after decompression, optional for clients, and off with `WS_DEFLATE=false`.
@Suite(.serialized) struct CoordinatorWebSocketDeflateTests {
    typealias H = CoordinatorServerHarness
    typealias WS = CoordinatorWebSocketTests

    @Test func minerChannelNegotiatesDeflateAndMessagesRoundTrip() async throws {
        try await H.with { server in
            try await server.register()
            let socket = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(server.port)/v1/ws/miner", headers: ["Authorization": "Bearer \(H.miner1Key)"],
                deflate: PerMessageDeflateConfiguration())
            let negotiated = try #require(socket.deflate)
            #expect(negotiated.serverMaxWindowBits == 12)
            #expect(negotiated.headerValue.contains("server_max_window_bits=12"))
            // The server compresses what it pushes (above 32 bytes), the client inflates it.
            let jobID = try await server.submit(body: #"{"payload":{"task":"infer","prompt":"\#(String(repeating: "compress me ", count: 40))"}}"#)
            let assigned = try await WS.next(socket)
            #expect(assigned["type"] == "job.assigned")
            #expect(assigned["payload"]?["prompt"]?.stringValue?.utf8.count == 480)
            // And inflates what the client compresses.
            try WS.send(socket, ["type": "result", "job_id": .string(jobID), "result": ["text": .string(String(repeating: "done ", count: 200))], "id": 7])
            let ack = try await WS.next(socket)
            #expect(ack["type"] == "ack")
            #expect(ack["id"] == 7)
            #expect(try await server.request("GET", "/v1/jobs/\(jobID)", key: H.aliceKey).json()["state"] == "COMPLETED")
            await socket.close()
        }
    }

    /// A few kilobytes on the wire that inflate past the channel's limit: closed with 1009 once
    /// the inflated size passes it, never inflated whole.
    @Test(arguments: [("/v1/ws/client", H.aliceKey, 64 << 10), ("/v1/ws/miner", H.miner1Key, 2 << 20)])
    func decompressionBombIsClosedWith1009(path: String, key: String, size: Int) async throws {
        try await H.with { server in
            if path.hasSuffix("miner") { try await server.register() }
            let socket = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(server.port)\(path)", headers: ["X-Api-Key": key], deflate: PerMessageDeflateConfiguration())
            #expect(socket.deflate != nil)
            try socket.send(text: String(repeating: "x", count: size))
            while try await socket.receive() != nil {}
            #expect(socket.closeStatus?.code == .messageTooBig)
        }
    }

    @Test func clientsThatDoNotOfferDeflateStillWork() async throws {
        try await H.with { server in
            try await server.register()
            let jobID = try await server.submit()
            let socket = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(server.port)/v1/ws/client?job_id=\(jobID)", headers: ["X-Api-Key": H.aliceKey])
            #expect(socket.deflate == nil)
            while server.service.coordinator.events.subscriberCount == 0 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(try await server.poll() == jobID)
            #expect(try await WS.next(socket)["state"] == "RUNNING")
            await socket.close()
        }
    }

    @Test func wsDeflateFalseDeclinesTheOffer() async throws {
        try await H.with(configure: { $0.webSocketDeflate = false }) { server in
            let socket = try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(server.port)/v1/ws/client", headers: ["X-Api-Key": H.aliceKey], deflate: PerMessageDeflateConfiguration())
            #expect(socket.deflate == nil)
            await socket.close()
        }
    }

    @Test func windowBitsAreReadAndBounded() throws {
        let reader = ConfigurationReader(environment: ["WS_DEFLATE_WINDOW_BITS": "10", "WS_DEFLATE": "false"])
        let configuration = try CoordinatorConfiguration(reader: reader)
        #expect(configuration.webSocketDeflateWindowBits == 10)
        #expect(configuration.webSocketDeflate == false)
        #expect(throws: ConfigurationError.self) {
            try CoordinatorConfiguration(reader: ConfigurationReader(environment: ["WS_DEFLATE_WINDOW_BITS": "8"]))
        }
    }
}
