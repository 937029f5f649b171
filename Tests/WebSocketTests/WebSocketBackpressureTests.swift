import Testing
import TestSupport
@testable import WebSocket

@Suite("Send queue: slow-consumer policy")
struct SlowConsumerTests {
    @Test func overflowClosesWithPolicyCodeAndDropsQueue() async throws {
        // The peer reads nothing; the in-memory pipe holds 1 KiB, so the writer blocks early.
        let configuration = WebSocketConfiguration(maxQueuedMessages: 8, maxQueuedBytes: 1 << 20)
        let (server, peer) = try makeServerWithRawClient(configuration: configuration, capacity: 1024)
        let payload = [UInt8](repeating: 0x5A, count: 512)
        var sent = 0
        var overflow: WebSocketError?
        while overflow == nil && sent < 1000 {
            do throws(WebSocketError) {
                try server.send(binary: payload)
                sent += 1
            } catch {
                overflow = error
            }
            await Task.yield()
        }
        guard case .sendQueueOverflow(let messages, _) = try #require(overflow) else {
            Issue.record("expected sendQueueOverflow, got \(String(describing: overflow))")
            return
        }
        #expect(messages == 9)
        // Bounded: at most the writer's batch plus the queue limit got through before the close.
        #expect(sent < 40)
        #expect(throws: WebSocketError.connectionClosed(.policyViolation)) { try server.send(binary: payload) }
        // Now the consumer catches up: some data, then 1008, then end of stream.
        let (code, frames) = try await peer.expectClose()
        #expect(code == 1008)
        #expect(frames.count < sent)
        #expect(frames.allSatisfy { $0.payload == payload })
        #expect(try await peer.nextFrame() == nil)
        #expect(server.closeStatus?.code == .policyViolation)
    }

    @Test func byteLimitAlsoTrips() async throws {
        let configuration = WebSocketConfiguration(maxQueuedMessages: 10_000, maxQueuedBytes: 4096)
        let (server, peer) = try makeServerWithRawClient(configuration: configuration, capacity: 1024)
        var overflowed = false
        for _ in 0..<100 where !overflowed {
            do throws(WebSocketError) { try server.send(binary: [UInt8](repeating: 1, count: 1000)) } catch {
                #expect(error.closeCode == .policyViolation)
                overflowed = true
            }
        }
        #expect(overflowed)
        #expect(try await peer.expectClose().code == 1008)
    }

    @Test func configurableCloseCodeForLaggingSubscribers() async throws {
        let configuration = WebSocketConfiguration(maxQueuedMessages: 1, slowConsumerCloseCode: .tryAgainLater)
        let (server, peer) = try makeServerWithRawClient(configuration: configuration, capacity: 16)
        for _ in 0..<10 { try? server.send(text: String(repeating: "x", count: 100)) }
        #expect(try await peer.expectClose().code == 1013)
    }

    @Test func oversizedSingleMessageIsAcceptedIntoEmptyQueue() async throws {
        let configuration = WebSocketConfiguration(maxQueuedBytes: 100)
        let (server, client) = try makeConnectedPair(configuration: configuration)
        try server.send(binary: [UInt8](repeating: 3, count: 10_000))
        #expect(try await client.receive() == .binary([UInt8](repeating: 3, count: 10_000)))
    }

    @Test func pingFloodWithoutReadingPongsIsBounded() async throws {
        let configuration = WebSocketConfiguration(maxQueuedMessages: 16)
        let (server, peer) = try makeServerWithRawClient(configuration: configuration, capacity: 256)
        let receiving = Task { try? await server.receive() }
        // The peer sends pings but never reads; pongs pile up until the policy closes the connection.
        var written = 0
        while written < 5000 {
            do { try await peer.send(WebSocketFrame(opcode: .ping, payload: [UInt8](repeating: 1, count: 100))) } catch { break }
            written += 1
            if server.closeStatus != nil { break }
        }
        #expect(server.closeStatus?.code == .policyViolation)
        await peer.stream.close()
        _ = await receiving.value
    }
}

@Suite("Broadcaster")
struct BroadcasterTests {
    @Test func fanOutTo200InMemorySubscribers() async throws {
        let broadcaster = WebSocketBroadcaster()
        var clients: [WebSocketConnection] = []
        var servers: [WebSocketConnection] = []
        for _ in 0..<200 {
            let (server, client) = try makeConnectedPair()
            servers.append(server)
            clients.append(client)
            broadcaster.add(server)
        }
        #expect(broadcaster.count == 200)
        for index in 0..<10 {
            let result = broadcaster.broadcast(text: "{\"height\":\(index)}")
            #expect(result == .init(delivered: 200, removed: 0))
        }
        try await withThrowingTaskGroup(of: [WebSocketMessage].self) { group in
            for client in clients {
                group.addTask {
                    var got: [WebSocketMessage] = []
                    for _ in 0..<10 { if let message = try await client.receive() { got.append(message) } }
                    return got
                }
            }
            for try await got in group {
                #expect(got == (0..<10).map { .text("{\"height\":\($0)}") })
            }
        }
        _ = servers
    }

    @Test func slowSubscriberIsDroppedOthersContinue() async throws {
        let broadcaster = WebSocketBroadcaster()
        let configuration = WebSocketConfiguration(maxQueuedMessages: 4)
        let (slowServer, slowPeer) = try makeServerWithRawClient(configuration: configuration, capacity: 64)
        let (fastServer, fastClient) = try makeConnectedPair(configuration: configuration)
        broadcaster.add(slowServer)
        broadcaster.add(fastServer)
        let reader = Task {
            var count = 0
            while count < 50, try await fastClient.receive() != nil { count += 1 }
            return count
        }
        var removed = 0
        for index in 0..<50 {
            removed += broadcaster.broadcast(text: String(repeating: "b", count: 200) + "\(index)").removed
            // Let the fast client's reader keep up, as a live consumer would.
            while fastServer.queuedFrameCount > 2 { await Task.yield() }
        }
        #expect(removed == 1)
        #expect(broadcaster.count == 1)
        #expect(try await reader.value == 50)
        #expect(try await slowPeer.expectClose().code == 1008)
    }

    @Test func closedSubscribersAreRemoved() async throws {
        let broadcaster = WebSocketBroadcaster()
        let (server, client) = try makeConnectedPair()
        broadcaster.add(server)
        let serverLoop = Task { try await server.receive() }
        await client.close()
        _ = try await serverLoop.value
        #expect(broadcaster.broadcast(text: "x") == .init(delivered: 0, removed: 1))
        #expect(broadcaster.count == 0)
    }

    @Test func preparedMessageSharesPlainFrame() {
        let prepared = WebSocketPreparedMessage(.text("Hello"))
        #expect(prepared.plainFrame == [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])
    }
}

@Suite("Send queue: offer (all or none, the owner closes)")
struct OfferTests {
    @Test func aFullQueueRefusesTheWholeBatchAndTheCloseFollowsWhatWasQueued() async throws {
        // The peer reads nothing at first; the pipe holds 64 bytes, so frames stay queued.
        let configuration = WebSocketConfiguration(maxQueuedMessages: 6, maxQueuedBytes: 1 << 20)
        let (server, peer) = try makeServerWithRawClient(configuration: configuration, capacity: 64)
        let message = { (index: Int) in WebSocketPreparedMessage(.text(String(repeating: "m", count: 100) + "\(index)")) }
        var accepted: [Int] = []
        var index = 0
        // Batches of two, two frames of room kept for control frames: refused once four are waiting.
        while index < 40 {
            guard try server.offer([message(index), message(index + 1)], headroom: 2) else { break }
            accepted += [index, index + 1]
            index += 2
            await Task.yield()
        }
        #expect(index < 40)
        #expect(server.queuedFrameCount <= 4 && server.closeStatus == nil)
        // A refusal leaves the connection open: the owner closes with its own code after what is queued.
        let resume = accepted.count
        let closing = Task { await server.close(code: WebSocketCloseCode(rawValue: 4008), reason: "resume_since=\(resume)") }
        let (code, frames) = try await peer.expectClose()
        #expect(code == 4008)
        #expect(frames.map { String(decoding: $0.payload, as: UTF8.self) } == accepted.map { String(repeating: "m", count: 100) + "\($0)" })
        try await peer.send(WebSocketFrame(opcode: .close, maskKey: 1, payload: [0x03, 0xE8]))
        await closing.value
    }

    @Test func anEmptyQueueTakesAnyBatch() throws {
        let configuration = WebSocketConfiguration(maxQueuedMessages: 1, maxQueuedBytes: 10)
        let (server, _) = try makeServerWithRawClient(configuration: configuration, capacity: 1)
        #expect(try server.offer([WebSocketPreparedMessage(.text(String(repeating: "x", count: 500))), WebSocketPreparedMessage(.text("y"))]))
    }
}
